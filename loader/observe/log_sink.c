// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* log_sink.c - see log_sink.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log_sink.h"

/* Room for a message: an event line with its longest values. */
#define LOG_MESSAGE_MAX 8192
/* The fields log_sink_send adds to the caller's. */
#define LOG_OWN_FIELDS 6

static bool want_journal(void)
{
	const char *j = getenv("SMTPGUARD_JOURNAL_SOCKET"), *s = getenv("SMTPGUARD_SYSLOG_SOCKET");
	struct stat st;

	if (j && *j)
		return true;
	if (s && *s)
		return false;
	return !stat(JOURNAL_SOCKET, &st) && S_ISSOCK(st.st_mode);
}

int log_sink_open(struct log_sink *l)
{
	memset(l, 0, sizeof(*l));
	l->jrnl.fd = l->sys.fd = -1;
	l->journal = want_journal();
	if (l->journal)
		return journal_open(&l->jrnl);
	return syslog_open(&l->sys);
}

void log_sink_close(struct log_sink *l)
{
	journal_close(&l->jrnl);
	syslog_close(&l->sys);
}

const char *log_sink_path(const struct log_sink *l)
{
	return l->journal ? l->jrnl.path : l->sys.path;
}

unsigned long log_sink_take_dropped(struct log_sink *l)
{
	unsigned long n = l->jrnl.dropped + l->sys.dropped;

	l->jrnl.dropped = l->sys.dropped = 0;
	return n;
}

static void to_journal(struct log_sink *l, int priority, const char *msg_id,
		       const struct journal_field *f, size_t n, const char *msg)
{
	struct journal_field all[LOG_OWN_FIELDS + 40];
	char prio[4], pid[16];
	size_t k = 0;

	snprintf(prio, sizeof(prio), "%d", priority & LOG_PRIMASK);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	all[k++] = (struct journal_field){ "MESSAGE", msg };
	all[k++] = (struct journal_field){ "PRIORITY", prio };
	all[k++] = (struct journal_field){ "SYSLOG_FACILITY", "2" }; /* LOG_MAIL >> 3 */
	all[k++] = (struct journal_field){ "SYSLOG_IDENTIFIER", "smtpguard" };
	all[k++] = (struct journal_field){ "SYSLOG_PID", pid };
	if (msg_id)
		all[k++] = (struct journal_field){ "MESSAGE_ID", msg_id };
	for (size_t i = 0; i < n && k < ARRAY_SIZE(all); i++)
		all[k++] = f[i];
	journal_send(&l->jrnl, all, k);
}

void log_sink_send(struct log_sink *l, int priority, const char *msg_id,
		   const struct journal_field *f, size_t n, const char *fmt, ...)
{
	char msg[LOG_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->journal)
		to_journal(l, priority, msg_id, f, n, msg);
	else
		syslog_send(&l->sys, priority, "%s", msg);
}
