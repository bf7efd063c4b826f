// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* syslog_out.c - see syslog_out.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dgram_socket.h"
#include "syslog_out.h"

int syslog_open(struct syslog_out *s)
{
	const char *path = getenv("SMTPGUARD_SYSLOG_SOCKET");
	int fd;

	snprintf(s->path, sizeof(s->path), "%s", path && *path ? path : "/dev/log");
	fd = dgram_socket_connect(s->path);
	s->fd = fd < 0 ? -1 : fd;
	return fd < 0 ? fd : 0;
}

void syslog_close(struct syslog_out *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void syslog_send(struct syslog_out *s, int priority, const char *fmt, ...)
{
	char msg[4096], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	int n;

	if (s->fd < 0 && syslog_open(s)) {
		s->dropped++;
		return;
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	n = snprintf(msg, sizeof(msg), "<%d>%s smtpguard[%d]: ", LOG_MAIL | priority, stamp,
		     (int)getpid());
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Non-blocking: under a storm the log may be full; the monitor goes on. */
	if (send(s->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return;
	if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT) {
		/* The log daemon restarted and made a new socket: reconnect once. */
		syslog_close(s);
		if (!syslog_open(s) &&
		    send(s->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
	}
	s->dropped++;
}
