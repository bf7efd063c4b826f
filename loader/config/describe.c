// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* describe.c - see describe.h. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "addr_text.h"
#include "array.h"
#include "describe.h"

static const char *const origin_words[] = { "config", "default", "runtime", "name",
					    "id",     "@mta",	 "@mailman" };

#define N_ORIGIN_WORDS ARRAY_SIZE(origin_words)

const char *describe_origin_word(__u32 origin, unsigned int i)
{
	for (unsigned int b = 0; b < N_ORIGIN_WORDS; b++)
		if ((origin & (1U << b)) && i-- == 0)
			return origin_words[b];
	return NULL;
}

const char *describe_origin(__u32 origin, char *buf, size_t len)
{
	const char *w;
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; (w = describe_origin_word(origin, i)) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", w);
	return buf;
}

const char *describe_id(enum id_kind kind, __u32 id, __u32 origin, char *buf, size_t len)
{
	char name[256], extra[64] = "";
	const char *n = identity_name(kind, id, name, sizeof(name));

	if (origin & SG_ORIGIN_ROLE_MTA)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ", @mta");
	if (origin & SG_ORIGIN_ROLE_MAILMAN)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ", @mailman");
	if (origin & SG_ORIGIN_RUNTIME)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ", runtime");
	if (n || extra[0])
		snprintf(buf, len, "%s %u (%s%s)", identity_id_word(kind), id, n ? n : "no name",
			 extra);
	else
		snprintf(buf, len, "%s %u", identity_id_word(kind), id);
	return buf;
}

const char *describe_cidr(const struct sg_dest_key *k, char *buf, size_t len)
{
	bool v4 = k->prefixlen >= 96 && sg_addr_is_v4mapped(&k->addr);
	char addr[INET6_ADDRSTRLEN];

	sg_addr_format(&k->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, v4 ? k->prefixlen - 96 : k->prefixlen);
	return buf;
}
