// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* probe.c - connection attempts by every method; see probe.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define PROBE_TIMEOUT_MS 3000

const char *probe_method_name(enum probe_method m)
{
	static const char *const names[] = {
		[PM_CONNECT] = "connect",
		[PM_NONBLOCK] = "nonblocking connect",
		[PM_BIND_ADDR] = "bind+connect",
		[PM_BIND_PORT0] = "bind port 0+connect",
		[PM_TFO_SENDTO] = "TFO sendto",
		[PM_TFO_CONNECT] = "TCP_FASTOPEN_CONNECT",
		[PM_MPTCP] = "MPTCP",
		[PM_URING] = "io_uring connect",
		[PM_URING_ASYNC] = "io_uring connect (io-wq worker)",
		[PM_UDP] = "UDP connect",
	};

	return names[m];
}

static int make_addr(int family, const char *addr, unsigned short port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : EINVAL;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *pct = strchr(addr, '%');
	char host[INET6_ADDRSTRLEN];

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	snprintf(host, sizeof(host), "%.*s", pct ? (int)(pct - addr) : (int)strlen(addr), addr);
	if (pct && !(sin6->sin6_scope_id = if_nametoindex(pct + 1)))
		return ENODEV;
	return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ? 0 : EINVAL;
}

/* Wait for a non-blocking connect to finish; 0 or the errno. */
static int finish_connect(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

static int run_uring(int fd, const struct sockaddr *sa, socklen_t len, bool async)
{
	struct __kernel_timespec ts = { .tv_sec = PROBE_TIMEOUT_MS / 1000 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		return PROBE_UNSUPPORTED;
	if (ret)
		return -ret;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_connect(sqe, fd, sa, len);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	ret = io_uring_submit(&ring);
	if (ret == 1)
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	else if (ret >= 0)
		ret = -EIO;
	if (!ret) {
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret < 0 ? -ret : 0;
}

static int open_socket(const struct probe *p)
{
	int type = p->method == PM_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int proto = p->method == PM_MPTCP ? IPPROTO_MPTCP : 0;
	int fd = socket(p->family, type | SOCK_CLOEXEC, proto);

	if (fd < 0 && p->method == PM_MPTCP &&
	    (errno == EPROTONOSUPPORT || errno == EINVAL || errno == ENOPROTOOPT))
		return -PROBE_UNSUPPORTED;
	return fd < 0 ? -errno : fd;
}

static int bind_first(int fd, const struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err;

	err = make_addr(p->family,
			p->method == PM_BIND_ADDR ? p->bind_addr :
			p->family == AF_INET	  ? "0.0.0.0" :
						    "::",
			0, &ss, &len);
	if (err)
		return err;
	return bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
}

int probe_run(const struct probe *p)
{
	struct timeval tv = { .tv_sec = PROBE_TIMEOUT_MS / 1000 };
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err, one = 1;

	err = make_addr(p->family, p->addr, p->port, &ss, &len);
	if (err)
		return err;
	fd = open_socket(p);
	if (fd < 0)
		return -fd;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Unprivileged since Linux 5.7. */
	if (p->bind_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->bind_dev,
				      (socklen_t)strlen(p->bind_dev) + 1)) {
		err = errno;
		close(fd);
		return err;
	}
	switch (p->method) {
	case PM_BIND_ADDR:
	case PM_BIND_PORT0:
		err = bind_first(fd, p);
		if (err)
			break;
		/* fall through */
	case PM_CONNECT:
	case PM_MPTCP:
	case PM_UDP:
		err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		break;
	case PM_NONBLOCK:
		fcntl(fd, F_SETFL, O_NONBLOCK);
		err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		if (err == EINPROGRESS)
			err = finish_connect(fd);
		break;
	case PM_TFO_SENDTO:
		err = sendto(fd, "EHLO x\r\n", 8, MSG_FASTOPEN, (struct sockaddr *)&ss, len) < 0 ?
			      errno :
			      0;
		break;
	case PM_TFO_CONNECT:
		if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one))) {
			err = PROBE_UNSUPPORTED;
			break;
		}
		err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		/* The SYN leaves with the first write. */
		if (!err && write(fd, "EHLO x\r\n", 8) < 0)
			err = errno;
		break;
	case PM_URING:
	case PM_URING_ASYNC:
		err = run_uring(fd, (struct sockaddr *)&ss, len, p->method == PM_URING_ASYNC);
		break;
	}
	close(fd);
	return err;
}
