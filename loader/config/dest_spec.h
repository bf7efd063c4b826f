/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dest_spec.h - one DEST[:PORTS] of allow_dest, allow_user_dest and
 * allow_group_dest, and of "allow ... --to": an address, a CIDR or a DNS
 * name, and the guarded ports it is for. Shared by the configuration file
 * and the command line, so both read it the same way.
 *
 *   relay.example.net          a name, every guarded port
 *   relay.example.net:587      port 587 only
 *   relay.example.net:587,465  a comma list ("relay:587, 465" too: see below)
 *   198.51.100.9:587           198.51.100.0/24:25
 *   2001:db8::9                without a port, IPv6 needs no brackets
 *   [2001:db8::9]:587          with one it does: [2001:db8::/64]:587
 *
 * In a list value, items are separated by blanks or commas. A piece made only
 * of digits is never a destination (no address or name is all digits), so
 * one that follows an item with ports continues that item's port list:
 * "relay:587,465" and "relay:587, 465" mean the same.
 */
#ifndef SG_DEST_SPEC_H
#define SG_DEST_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "smtpguard.h"

#define DNS_NAME_MAX 253

struct dest_spec {
	bool is_name;
	char name[DNS_NAME_MAX + 1]; /* lower case, no trailing dot; "" for an address */
	struct sg_dest_key key; /* the address or CIDR, when !is_name */
	unsigned int nports; /* 0: every guarded port */
	__u16 ports[SG_SCOPE_RULE_PORTS]; /* sorted, no duplicates */
};

/* NULL when s is DEST or DEST:PORTS (into d), else why not. */
const char *dest_spec_parse(const char *s, struct dest_spec *d);

/* A piece of digits after an item with ports: one more port. NULL or why not. */
const char *dest_spec_add_port(struct dest_spec *d, const char *s);

/* True when s is all digits: a continued port list, never a destination. */
bool dest_spec_is_port_piece(const char *s);

/* NULL when name is a DNS name smtpguard accepts (into out, lower case), else why not. */
const char *dest_spec_name_problem(const char *name, char *out, size_t len);

/* The destination alone: "relay.example.net", "198.51.100.9", "198.51.100.0/24", "2001:db8::/64". */
const char *dest_spec_host(const struct dest_spec *d, char *buf, size_t len);

/* The whole item as it is written back: "relay:587,465", "[2001:db8::9]:587". */
const char *dest_spec_format(const struct dest_spec *d, char *buf, size_t len);

/* Same destination (name or prefix), whatever the ports. */
bool dest_spec_same_host(const struct dest_spec *a, const struct dest_spec *b);

/* Is port one of d's (for nports == 0: always)? */
bool dest_spec_has_port(const struct dest_spec *d, unsigned int port);

/*
 * IPv4 destinations are decided as ::ffff:a.b.c.d, so an IPv6 prefix shorter
 * than /96 that holds ::ffff:0:0/96 (::/0, ::/32, ...) would also match every
 * IPv4 host. smtpguard does not read it so: only a prefix inside
 * ::ffff:0:0/96 (an IPv4 CIDR, or one written ::ffff:a.b.c.d/96 and longer)
 * covers IPv4. Such a prefix is written to the tries as the pieces that make
 * it up without ::ffff:0:0/96: one per bit from its length to /96, at most
 * DEST_V6_PIECES_MAX. The rule itself stays as written (status, list).
 */
#define DEST_V6_PIECES_MAX 96

/* Is a within the prefix k? */
bool dest_key_holds(const struct sg_dest_key *k, const struct sg_addr *a);

/* Does the prefix (addr, prefixlen) hold ::ffff:0:0/96 and more? */
bool dest_prefix_covers_v4(const struct sg_addr *addr, __u32 prefixlen);

/*
 * A prefix of length prefixlen that covers IPv4 (so its bits are those of
 * ::ffff:0:0), without ::ffff:0:0/96: prefixes into out (room for
 * DEST_V6_PIECES_MAX); how many.
 */
unsigned int dest_prefix_without_v4(__u32 prefixlen, struct sg_dest_key *out);

#endif
