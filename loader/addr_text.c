// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* addr_text.c - see addr_text.h. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "addr_text.h"

const char *sg_addr_format(const struct sg_addr *a, char *buf, size_t len)
{
	if (!a->words[0] && !a->words[1] && a->words[2] == htonl(0xffff))
		return inet_ntop(AF_INET, &a->words[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->words, buf, (socklen_t)len);
}
