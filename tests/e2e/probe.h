/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probe.h - one outgoing connection attempt, by one of the ways a process
 * can start a TCP connection. The result is 0 (connected) or an errno value,
 * so a test can tell EPERM from the guard apart from any other failure.
 */
#ifndef SG_PROBE_H
#define SG_PROBE_H

enum probe_method {
	PM_CONNECT, /* blocking connect() */
	PM_NONBLOCK, /* O_NONBLOCK connect(), then poll */
	PM_BIND_ADDR, /* bind() to the host's own address first */
	PM_BIND_PORT0, /* bind() to the wildcard address, port 0, first */
	PM_TFO_SENDTO, /* sendto(MSG_FASTOPEN) without connect() */
	PM_TFO_CONNECT, /* setsockopt(TCP_FASTOPEN_CONNECT) + connect() */
	PM_MPTCP, /* socket(..., IPPROTO_MPTCP) */
	PM_URING, /* io_uring IORING_OP_CONNECT */
	PM_URING_ASYNC, /* the same, forced to an io-wq worker (IOSQE_ASYNC) */
	PM_UDP, /* a datagram socket: never guarded */
};

/* The method or the protocol is not available on this kernel. */
#define PROBE_UNSUPPORTED 254

struct probe {
	int family; /* AF_INET or AF_INET6 (the socket's family) */
	const char *addr; /* destination, e.g. "::ffff:198.51.100.25" or "fe80::1%eth0" */
	unsigned short port;
	enum probe_method method;
	const char *bind_addr; /* PM_BIND_ADDR: the local address to bind */
	const char *bind_dev; /* SO_BINDTODEVICE to this interface first (any method) */
};

const char *probe_method_name(enum probe_method m);

/* 0 when connected, an errno value, or PROBE_UNSUPPORTED. Bounded by ~3 s. */
int probe_run(const struct probe *p);

#endif
