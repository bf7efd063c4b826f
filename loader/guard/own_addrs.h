/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * own_addrs.h - the host's own addresses, for the allow_local exemption.
 * "Local" cannot mean "leaves through lo": at connect() time no route has
 * been chosen yet. It means loopback (decided in the BPF program) plus the
 * addresses the kernel delivers locally, which this module collects.
 */
#ifndef SG_OWN_ADDRS_H
#define SG_OWN_ADDRS_H

#include <stddef.h>
#include <linux/types.h>

#include "smtpguard.h"

struct local_addr {
	struct sg_addr addr; /* IPv4 as ::ffff:a.b.c.d */
	__u32 ifindex;
};

struct addr_list {
	struct local_addr *v;
	size_t n, cap;
};

/*
 * Every address this network namespace's kernel delivers to itself: the host
 * routes of its local routing table (RTN_LOCAL, by rtnetlink), except IPv6
 * link-local ones (their scope id is invisible to the hook). Tentative and
 * DAD-failed IPv6 addresses have no such route, nor do IPv6 addresses kept
 * on an interface that is down.
 */
int own_addrs_collect(struct addr_list *out);
/* Append a unless it is already there. */
int addr_list_add(struct addr_list *l, const struct sg_addr *a, __u32 ifindex);
void addr_list_free(struct addr_list *l);

#endif
