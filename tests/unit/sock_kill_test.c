// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock_kill_test.c - which sockets "revoke --kill" ends (sock_kill.h): each
 * row an owner, a destination and a port as sock_diag reports them, and
 * whether it goes. The filter is the revoked account's (uid 1001, or a
 * group's members 1001 and 1002), the guarded ports 25 465 587; the
 * namespace's own addresses 198.51.100.1 and 2001:db8:1::1. The e2e rows
 * end real sockets. Built with ASan and UBSan. To add a case, add a row.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "dest_spec.h"
#include "parse.h"
#include "sock_kill.h"
#include "testlib.h"

/* clang-format off */
static const struct {
	const char *name;
	const char *to; /* --to DEST, or NULL */
	__u32 uid;
	const char *dst;
	unsigned int port;
	bool local_list; /* the namespace's own addresses are known (the host's) */
	bool ends;
} rows[] = {
	{ "the account's session to a remote MX", NULL, 1001, "198.51.100.25", 25, true, true },
	{ "IPv6", NULL, 1001, "2001:db8:1::25", 587, true, true },
	{ "v4-mapped (an AF_INET6 socket to IPv4)", NULL, 1001, "::ffff:198.51.100.25", 465, true, true },
	{ "a group's other member", NULL, 1002, "198.51.100.25", 25, true, true },
	{ "another account", NULL, 1003, "198.51.100.25", 25, true, false },
	{ "root", NULL, 0, "198.51.100.25", 25, true, false },
	{ "a port that is not guarded", NULL, 1001, "198.51.100.25", 2525, true, false },
	{ "loopback", NULL, 1001, "127.0.0.1", 25, true, false },
	{ "all of 127.0.0.0/8", NULL, 1001, "127.0.0.2", 25, true, false },
	{ "v4-mapped loopback", NULL, 1001, "::ffff:127.0.0.1", 25, true, false },
	{ "IPv6 loopback", NULL, 1001, "::1", 25, true, false },
	{ "the host's own address (allow_local)", NULL, 1001, "198.51.100.1", 25, true, false },
	{ "the host's own IPv6 address", NULL, 1001, "2001:db8:1::1", 25, true, false },
	{ "the host's own address, v4-mapped", NULL, 1001, "::ffff:198.51.100.1", 25, true, false },
	{ "in a container, the host's address is remote", NULL, 1001, "198.51.100.1", 25, false, true },
	{ "in a container, loopback is not", NULL, 1001, "127.0.0.1", 25, false, false },
	{ "--to a CIDR: inside it", "198.51.100.0/24", 1001, "198.51.100.25", 25, true, true },
	{ "--to a CIDR: v4-mapped inside it", "198.51.100.0/24", 1001, "::ffff:198.51.100.25", 25, true, true },
	{ "--to a CIDR: outside it", "198.51.100.0/24", 1001, "2001:db8:1::25", 25, true, false },
	{ "--to ::/0: IPv6", "::/0", 1001, "2001:db8:1::25", 25, true, true },
	{ "--to ::/0 is not IPv4", "::/0", 1001, "198.51.100.25", 25, true, false },
	{ "--to ::/0 is not v4-mapped IPv4", "::/0", 1001, "::ffff:198.51.100.25", 25, true, false },
	{ "--to ::ffff:0:0/96 is IPv4", "::ffff:0:0/96", 1001, "198.51.100.25", 25, true, true },
};
/* clang-format on */

static struct sg_addr addr_of(const char *text)
{
	struct sg_dest_key k = {};

	parse_cidr(text, &k);
	return k.addr;
}

int main(void)
{
	static const __u32 uids[] = { 1001, 1002 };
	__u64 ports[SG_PORT_WORDS] = {};
	struct local_addr own[] = { { .addr = addr_of("198.51.100.1") },
				    { .addr = addr_of("2001:db8:1::1") } };
	struct addr_list local = { .v = own, .n = 2 };
	struct test_report r = {};

	ports[0] = (1ULL << 25);
	ports[465 / 64] |= 1ULL << (465 % 64);
	ports[587 / 64] |= 1ULL << (587 % 64);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct sg_dest_key to = {};
		struct sock_kill_filter f = { .uids = uids, .nuids = 2, .ports = ports };
		struct sg_addr dst = addr_of(rows[i].dst);
		bool got;

		if (rows[i].to) {
			parse_cidr(rows[i].to, &to);
			f.dests = &to;
			f.ndests = 1;
		}
		got = sock_kill_matches(&f, rows[i].local_list ? &local : NULL, rows[i].uid, &dst,
					(__u16)rows[i].port);
		t_result(&r, got == rows[i].ends, "sock_kill: %s: uid %u to %s:%u %s", rows[i].name,
			 rows[i].uid, rows[i].dst, rows[i].port, rows[i].ends ? "ends" : "stays");
	}
	return t_summary(&r);
}
