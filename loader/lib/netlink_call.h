/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * netlink_call.h - one netlink request and its answers, to the end: a dump
 * (NLM_F_DUMP) up to NLMSG_DONE, or a request with NLM_F_ACK up to its
 * acknowledgement. Plain sockets and the kernel's own macros: what
 * rtnetlink and sock_diag need here is a loop, not a library.
 */
#ifndef SG_NETLINK_CALL_H
#define SG_NETLINK_CALL_H

#include <stddef.h>
#include <linux/netlink.h>

/* Called for each message that is neither NLMSG_DONE nor NLMSG_ERROR; non-zero stops. */
typedef int (*netlink_msg_fn)(const struct nlmsghdr *nh, void *ctx);

/*
 * Send req (len bytes, a struct nlmsghdr first) on fd, a netlink socket,
 * and hand each answer to fn (NULL: none expected). 0 at NLMSG_DONE or at
 * an acknowledgement, the kernel's error (negative errno) from NLMSG_ERROR,
 * fn's own non-zero result, or -errno.
 */
int netlink_call(int fd, const void *req, size_t len, netlink_msg_fn fn, void *ctx);

#endif
