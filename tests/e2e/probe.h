/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probe.h - one outgoing connection attempt, by one of the ways a process
 * can start a TCP connection. The result is 0 (connected) or an errno value,
 * so a test can tell EPERM from the guard apart from any other failure.
 */
#ifndef SG_PROBE_H
#define SG_PROBE_H

#include <sys/socket.h>

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
	/* Ways to borrow another identity (issue 6's bypass matrix). */
	PM_USERNS, /* unshare(CLONE_NEWUSER), map ourselves to root, connect */
	PM_VFORK_EXEC, /* vfork() + exec of the helper, which connects */
	PM_SETUID_EXEC, /* exec of a setuid-root copy of the helper (euid 0, real UID kept) */
	/* These start as root and become as_uid themselves. */
	PM_THREAD_SETUID, /* one thread alone drops to as_uid (raw setresuid), connects */
	PM_SCM_RIGHTS, /* root makes the socket, passes it over SCM_RIGHTS; as_uid connects */
	PM_CGROUP_MOVE, /* socket made in the guarded cgroup, then moved to cgroup_to */
	PM_CGROUP_FREE, /* control: moved to cgroup_to first, socket made there */
	PM_RAW_SYN, /* as_uid with CAP_NET_RAW: a hand-made SYN on a raw socket (raw_syn.c) */
};

/* PM_RAW_SYN's as_uid: send as the process is (the root of a user namespace). */
#define PROBE_AS_IS 0xffffffffU

/* The method or the protocol is not available on this kernel. */
#define PROBE_UNSUPPORTED 254

struct probe {
	int family; /* AF_INET or AF_INET6 (the socket's family) */
	const char *addr; /* destination, e.g. "::ffff:198.51.100.25" or "fe80::1%eth0" */
	unsigned short port;
	enum probe_method method;
	const char *bind_addr; /* PM_BIND_ADDR: the local address to bind */
	const char *bind_dev; /* SO_BINDTODEVICE to this interface first (any method) */
	unsigned int
		as_uid; /* PM_THREAD_SETUID, PM_SCM_RIGHTS, PM_CGROUP_*, PM_RAW_SYN: who connects */
	const char *helper; /* PM_VFORK_EXEC, PM_SETUID_EXEC: the sg-connect binary */
	const char *cgroup_to; /* PM_CGROUP_*: an unguarded cgroup */
};

const char *probe_method_name(enum probe_method m);

/* addr ("fe80::1%eth0" too) and port as a sockaddr of family: 0, EINVAL or ENODEV. */
int probe_make_addr(int family, const char *addr, unsigned short port, struct sockaddr_storage *ss,
		    socklen_t *len);

/* 0 when connected, an errno value, or PROBE_UNSUPPORTED. Bounded by ~3 s. */
int probe_run(const struct probe *p);

/* The helper could not take the identity it was meant to (euid 0 after a setuid exec). */
#define PROBE_SETUP_FAILED 253

#endif
