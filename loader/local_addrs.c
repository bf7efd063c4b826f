// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* local_addrs.c - collect the host's own addresses; see local_addrs.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "local_addrs.h"

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

int local_addrs_collect(struct addr_list *out)
{
	struct ifaddrs *ifa_list, *ifa;
	int err = 0;

	if (getifaddrs(&ifa_list))
		return -errno;
	for (ifa = ifa_list; ifa && !err; ifa = ifa->ifa_next) {
		struct sg_addr a = { { 0 } };

		if (!ifa->ifa_addr)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ifa->ifa_addr;

			a.words[2] = htonl(0xffff);
			a.words[3] = sin->sin_addr.s_addr;
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ifa->ifa_addr;

			/*
			 * fe80::/10 is only unique per link: [fe80::1%other]
			 * is someone else. The scope id is not visible to the
			 * connect hook, so such addresses are never "own".
			 */
			if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
				continue;
			memcpy(a.words, &sin6->sin6_addr, sizeof(a.words));
		} else {
			continue;
		}
		err = addr_list_add(out, &a, if_nametoindex(ifa->ifa_name));
	}
	freeifaddrs(ifa_list);
	return err;
}

void addr_list_free(struct addr_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *sg_addr_format(const struct sg_addr *a, char *buf, size_t len)
{
	if (!a->words[0] && !a->words[1] && a->words[2] == htonl(0xffff))
		return inet_ntop(AF_INET, &a->words[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->words, buf, (socklen_t)len);
}
