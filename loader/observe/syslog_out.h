/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * syslog_out.h - messages to the system log (journald or syslogd) through
 * /dev/log, as RFC 3164 datagrams with the identifier "smtpguard" and the
 * mail facility. SMTPGUARD_SYSLOG_SOCKET names another socket (containers,
 * tests). Never blocks: a message the log cannot take is dropped.
 */
#ifndef SG_SYSLOG_OUT_H
#define SG_SYSLOG_OUT_H

#include <syslog.h>

struct syslog_out {
	int fd;
	char path[108];
	unsigned long dropped; /* messages the log could not take */
};

int syslog_open(struct syslog_out *s);
void syslog_close(struct syslog_out *s);
/* priority: LOG_INFO, LOG_WARNING, ... */
void syslog_send(struct syslog_out *s, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
