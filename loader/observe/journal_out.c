// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* journal_out.c - see journal_out.h. */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram_socket.h"
#include "journal_out.h"

/* Fields per entry; each takes at most 5 iovecs (the binary form). */
#define JOURNAL_MAX_FIELDS 48

const char *journal_socket_path(void)
{
	const char *path = getenv("SMTPGUARD_JOURNAL_SOCKET");

	return path && *path ? path : JOURNAL_SOCKET;
}

int journal_open(struct journal_out *j)
{
	int fd;

	snprintf(j->path, sizeof(j->path), "%s", journal_socket_path());
	fd = dgram_socket_connect(j->path);
	j->fd = fd < 0 ? -1 : fd;
	return fd < 0 ? fd : 0;
}

void journal_close(struct journal_out *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

static int send_entry(struct journal_out *j, struct msghdr *mh)
{
	if (j->fd < 0 && journal_open(j))
		return -ENOTCONN;
	if (sendmsg(j->fd, mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	return -errno;
}

int journal_send(struct journal_out *j, const struct journal_field *f, size_t n)
{
	struct iovec iov[JOURNAL_MAX_FIELDS * 5];
	uint64_t lens[JOURNAL_MAX_FIELDS];
	struct msghdr mh = { .msg_iov = iov };
	size_t k = 0;
	int err;

	if (n > JOURNAL_MAX_FIELDS) {
		j->dropped++;
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(f[i].value);

		iov[k++] = (struct iovec){ (void *)f[i].name, strlen(f[i].name) };
		if (memchr(f[i].value, '\n', len)) {
			/* NAME\n, the length as 64-bit little endian, the bytes, \n. */
			lens[i] = htole64((uint64_t)len);
			iov[k++] = (struct iovec){ "\n", 1 };
			iov[k++] = (struct iovec){ &lens[i], sizeof(lens[i]) };
		} else {
			iov[k++] = (struct iovec){ "=", 1 };
		}
		iov[k++] = (struct iovec){ (void *)f[i].value, len };
		iov[k++] = (struct iovec){ "\n", 1 };
	}
	mh.msg_iovlen = k;
	err = send_entry(j, &mh);
	if (err == -ECONNREFUSED || err == -ENOTCONN || err == -ENOENT) {
		/* journald restarted and made a new socket: reconnect once. */
		journal_close(j);
		err = send_entry(j, &mh);
	}
	if (err)
		j->dropped++;
	return err;
}
