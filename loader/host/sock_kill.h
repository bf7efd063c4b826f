/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sock_kill.h - end the open SMTP sessions of some accounts ("revoke
 * --kill"): the TCP sockets they own that are connected, or connecting, to
 * a guarded port on a remote host, ended through sock_diag's SOCK_DESTROY
 * (the kernel's CONFIG_INET_DIAG_DESTROY, which Debian's kernels have). The peer gets a reset, the process ECONNABORTED.
 *
 * A socket's owner is the UID that created it (what "ss -e" shows): a
 * revoke takes effect at the next connect(), whose caller the guard judges,
 * and --kill ends what was connected before. Sockets are looked for in this
 * process's network namespace and in every other one a process is in
 * (containers); loopback is never remote, nor, in this namespace, the
 * host's own addresses (allow_local's).
 */
#ifndef SG_SOCK_KILL_H
#define SG_SOCK_KILL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "own_addrs.h"
#include "smtpguard.h"

struct sock_kill_filter {
	const __u32 *uids; /* sorted: the owners whose sockets go */
	size_t nuids;
	const __u64 *ports; /* the guarded ports, as sg_settings.ports */
	/* Only sockets to these prefixes (--to); none: to any remote host. */
	const struct sg_dest_key *dests;
	size_t ndests;
};

struct sock_kill_result {
	unsigned int ended; /* sockets destroyed */
	unsigned int found; /* sockets that matched (ended, or closed meanwhile, or not) */
	unsigned int netns; /* network namespaces looked in */
};

/*
 * Does a socket of owner uid, connected to dst:dport (host byte order), go?
 * local: the own addresses of the namespace it is in (NULL: loopback only).
 */
bool sock_kill_matches(const struct sock_kill_filter *f, const struct addr_list *local, __u32 uid,
		       const struct sg_addr *dst, __u16 dport);

/*
 * End every socket that matches f, IPv4 and IPv6 (v4-mapped too). 0;
 * -EOPNOTSUPP when the kernel cannot destroy sockets (r->found - r->ended
 * stay open, counted in every namespace all the same); -EPROTONOSUPPORT when it cannot list TCP sockets (no
 * inet_diag and tcp_diag); -EPERM without CAP_NET_ADMIN; or another -errno.
 */
int sock_kill(const struct sock_kill_filter *f, struct sock_kill_result *r);

#endif
