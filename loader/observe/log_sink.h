/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * log_sink.h - where "monitor --syslog" writes. With journald running (its
 * socket exists), native journal entries with SMTPGUARD_* fields and a
 * MESSAGE_ID for attempts, alerts and storm summaries (journalctl -x
 * explains them: dist/smtpguard.catalog); else RFC 3164 lines to /dev/log,
 * as before. The text (MESSAGE) is the same either way, and neither ever
 * blocks: what the log cannot take is dropped and counted.
 *
 * The choice, made once at start:
 *   SMTPGUARD_JOURNAL_SOCKET set:  the journal, at that socket
 *   SMTPGUARD_SYSLOG_SOCKET set:   syslog, at that socket
 *   otherwise:                     the journal if /run/systemd/journal/socket
 *                                  exists, else syslog at /dev/log
 */
#ifndef SG_LOG_SINK_H
#define SG_LOG_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "journal_out.h"
#include "syslog_out.h"

/* MESSAGE_IDs, explained by dist/smtpguard.catalog. */
#define SG_MSGID_ATTEMPT "9bf6f080d7e2a4c32bd63e9b1c6aac6a" /* one refused/audited/redirected */
#define SG_MSGID_ALERT "2c5649e2fe4761ca51cc714224926af0" /* alert_threshold reached */
#define SG_MSGID_STORM "c9a2228e87973bdd0de1574f8661e97d" /* a storm's summary */

struct log_sink {
	bool journal;
	struct journal_out jrnl;
	struct syslog_out sys;
};

/* Choose and connect. 0, or -errno (messages are then dropped and counted). */
int log_sink_open(struct log_sink *l);
void log_sink_close(struct log_sink *l);

/* The socket written to, for messages. */
const char *log_sink_path(const struct log_sink *l);

/* Messages dropped since the last call. */
unsigned long log_sink_take_dropped(struct log_sink *l);

/*
 * One message at priority (LOG_NOTICE, ...). msg_id (SG_MSGID_*) and the n
 * fields go to the journal only; the text, from fmt, to both.
 */
void log_sink_send(struct log_sink *l, int priority, const char *msg_id,
		   const struct journal_field *f, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
