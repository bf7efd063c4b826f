// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* addr_text.c - see addr_text.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "addr_text.h"

const char *sg_addr_format(const struct sg_addr *a, char *buf, size_t len)
{
	if (sg_addr_is_v4mapped(a))
		return inet_ntop(AF_INET, &a->words[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->words, buf, (socklen_t)len);
}

const char *sg_addr_port_format(const struct sg_addr *a, __u16 port, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	sg_addr_format(a, addr, sizeof(addr));
	snprintf(buf, len, sg_addr_is_v4mapped(a) ? "%s:%u" : "[%s]:%u", addr, port);
	return buf;
}
