/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * journal_out.h - entries for systemd-journald with fields, in its native
 * protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): one datagram of FIELD=value
 * lines to /run/systemd/journal/socket, so that "journalctl
 * SMTPGUARD_USER=alice" and log shippers need no parsing.
 * SMTPGUARD_JOURNAL_SOCKET names another socket (tests, containers).
 *
 * Not sd_journal_send(3): libsystemd's socket is blocking, and its
 * sendmsg() waits while journald's receive queue is full
 * (net.unix.max_dgram_qlen datagrams, when journald is stopped or behind);
 * the monitor would stop draining the ring buffer meanwhile. Measured with
 * libsystemd 252: the 11th call blocked with a queue of 10. This socket is
 * non-blocking: an entry the journal cannot take now is dropped and
 * counted, as syslog_out does. Entries are bounded (a few KiB, far below
 * the socket's buffer), so libsystemd's memfd path for big ones is not needed.
 */
#ifndef SG_JOURNAL_OUT_H
#define SG_JOURNAL_OUT_H

#include <stdbool.h>
#include <stddef.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* One field: NAME is [A-Z0-9_], not starting with "_"; the value any bytes but NUL. */
struct journal_field {
	const char *name;
	const char *value;
};

/*
 * The fields of one entry, as they are gathered: every entry the monitor
 * writes (events, summaries, alerts) is built with journal_fields_add().
 */
#define JOURNAL_FIELDS_MAX 32

struct journal_fields {
	struct journal_field v[JOURNAL_FIELDS_MAX];
	size_t n;
};

/* Add NAME=value; a value that is NULL or "" is left out, as is one past the room. */
static inline void journal_fields_add(struct journal_fields *f, const char *name, const char *value)
{
	if (value && *value && f->n < JOURNAL_FIELDS_MAX)
		f->v[f->n++] = (struct journal_field){ name, value };
}

struct journal_out {
	int fd;
	char path[108];
	unsigned long dropped; /* entries the journal could not take */
};

/* The socket's path: SMTPGUARD_JOURNAL_SOCKET, else journald's. */
const char *journal_socket_path(void);

int journal_open(struct journal_out *j);
void journal_close(struct journal_out *j);

/* Send one entry of n fields. Never blocks; 0, or -errno when dropped. */
int journal_send(struct journal_out *j, const struct journal_field *f, size_t n);

#endif
