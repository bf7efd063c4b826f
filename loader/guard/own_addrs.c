// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* own_addrs.c - collect the host's own addresses; see own_addrs.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "array.h"
#include "netlink_call.h"
#include "own_addrs.h"

int addr_list_add(struct addr_list *l, const struct sg_addr *a, __u32 ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (!memcmp(&l->v[i].addr, a, sizeof(*a)))
			return 0;
	if (array_reserve_one((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n].addr = *a;
	l->v[l->n].ifindex = ifindex;
	l->n++;
	return 0;
}

/* One RTM_NEWROUTE of the dump: an own address when it is a local host route. */
static int take_route(struct addr_list *out, const struct nlmsghdr *nh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int attr_len = (int)RTM_PAYLOAD(nh);
	__u32 table = rtm->rtm_table, ifindex = 0;
	const void *dst = NULL;
	struct sg_addr a = { { 0 } };

	if (rtm->rtm_type != RTN_LOCAL)
		return 0;
	for (const struct rtattr *rta = RTM_RTA(rtm); RTA_OK(rta, attr_len);
	     rta = RTA_NEXT(rta, attr_len)) {
		if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) >= sizeof(__u32))
			memcpy(&table, RTA_DATA(rta), sizeof(table));
		else if (rta->rta_type == RTA_DST)
			dst = RTA_DATA(rta);
		else if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= sizeof(__u32))
			memcpy(&ifindex, RTA_DATA(rta), sizeof(ifindex));
	}
	/*
	 * Host routes of the main local table only. Prefixes (127.0.0.0/8, an
	 * AnyIP "ip route add local 198.51.100.0/24") cannot be exempted one
	 * address at a time: loopback is decided in the program, anything else
	 * stays guarded (refused, never let out).
	 */
	if (table != RT_TABLE_LOCAL || !dst)
		return 0;
	if (rtm->rtm_family == AF_INET && rtm->rtm_dst_len == 32) {
		__u32 ip4;

		memcpy(&ip4, dst, sizeof(ip4));
		a = sg_addr_v4mapped(ip4);
	} else if (rtm->rtm_family == AF_INET6 && rtm->rtm_dst_len == 128) {
		/*
		 * fe80::/10 is only unique per link: [fe80::1%other] is someone
		 * else. The scope id is not visible to the connect hook, so such
		 * addresses are never "own".
		 */
		if (IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)dst))
			return 0;
		memcpy(a.words, dst, sizeof(a.words));
	} else {
		return 0;
	}
	return addr_list_add(out, &a, ifindex);
}

static int take_route_msg(const struct nlmsghdr *nh, void *out)
{
	return nh->nlmsg_type == RTM_NEWROUTE ? take_route(out, nh) : 0;
}

/*
 * The kernel's local routing table is the truth about what it delivers to
 * this host: an IPv6 address whose duplicate detection failed, or that is
 * kept on an interface that is down, has no local route and is not ours.
 */
int own_addrs_collect(struct addr_list *out)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			.nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.rtm = { .rtm_family = AF_UNSPEC, .rtm_table = RT_TABLE_LOCAL },
	};
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	err = netlink_call(fd, &req, req.nh.nlmsg_len, take_route_msg, out);
	close(fd);
	return err;
}

void addr_list_free(struct addr_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
