// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* scope.c - scoped exceptions to trie entries; see scope.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dest_spec.h"
#include "identity.h"
#include "scope.h"

int scope_add_rule(struct scope_plan *p, const struct sg_scope_rule *r)
{
	if (p->nrules >= SG_MAX_SCOPE_RULES) {
		p->overflow = true;
		return -E2BIG;
	}
	if (array_reserve_one((void **)&p->rules, &p->rules_cap, p->nrules, sizeof(*p->rules)))
		return -ENOMEM;
	p->rules[p->nrules++] = *r;
	return 0;
}

static int cmp_u32(__u32 a, __u32 b)
{
	return a < b ? -1 : a > b;
}

int scope_rule_cmp(const struct sg_scope_rule *a, const struct sg_scope_rule *b)
{
	int c = cmp_u32(a->kind, b->kind) ?: cmp_u32(a->id, b->id);

	if (c)
		return c;
	c = strncmp((const char *)a->dest, (const char *)b->dest, SG_SCOPE_DEST_MAX);
	if (c)
		return c;
	c = cmp_u32(a->nports, b->nports);
	for (unsigned int i = 0; !c && i < a->nports && i < SG_SCOPE_RULE_PORTS; i++)
		c = cmp_u32(a->ports[i], b->ports[i]);
	return c;
}

bool scope_rule_same_content(const struct sg_scope_rule *a, const struct sg_scope_rule *b)
{
	return a->state == b->state && a->origin == b->origin && a->line == b->line &&
	       a->prefixlen == b->prefixlen && a->naddrs == b->naddrs &&
	       !memcmp(a->addrs, b->addrs, a->naddrs * sizeof(a->addrs[0]));
}

static int qsort_rule(const void *a, const void *b)
{
	return scope_rule_cmp(a, b);
}

void scope_sort_rules(struct scope_plan *p)
{
	size_t out = 0;

	if (!p->nrules)
		return;
	qsort(p->rules, p->nrules, sizeof(p->rules[0]), qsort_rule);
	for (size_t i = 1; i < p->nrules; i++) {
		struct sg_scope_rule *keep = &p->rules[out];

		if (scope_rule_cmp(&p->rules[i], keep)) {
			p->rules[++out] = p->rules[i];
			continue;
		}
		keep->origin |= p->rules[i].origin;
		if (!keep->line || (p->rules[i].line && p->rules[i].line < keep->line))
			keep->line = p->rules[i].line;
	}
	p->nrules = out + 1;
}

/* The index of set in p->sets, added if new; or -ENOMEM. */
static long intern_set(struct scope_plan *p, const struct sg_port_set *set)
{
	for (size_t i = 0; i < p->nsets; i++)
		if (!memcmp(&p->sets[i], set, sizeof(*set)))
			return (long)i;
	if (array_reserve_one((void **)&p->sets, &p->sets_cap, p->nsets, sizeof(*p->sets)))
		return -ENOMEM;
	p->sets[p->nsets] = *set;
	return (long)p->nsets++;
}

static void rule_ports(const struct sg_scope_rule *r, const __u64 *guarded, struct sg_port_set *set)
{
	if (!r->nports) {
		memcpy(set->ports, guarded, sizeof(set->ports));
		return;
	}
	memset(set, 0, sizeof(*set));
	for (unsigned int i = 0; i < r->nports && i < SG_SCOPE_RULE_PORTS; i++) {
		unsigned int port = r->ports[i];

		/* Ports that are not guarded are never refused: nothing to allow. */
		set->ports[port / 64] |= guarded[port / 64] & (1ULL << (port % 64));
	}
}

/* Same identity, and entry c's prefix holds entry e's address: c contains e. */
static bool contains(const struct sg_scope_key *c, const struct sg_scope_key *e)
{
	__u32 bits = c->prefixlen - SG_SCOPE_ID_BITS;
	const __u8 *a = (const __u8 *)c->addr.words, *b = (const __u8 *)e->addr.words;

	if (c->kind != e->kind || c->id != e->id || c->prefixlen > e->prefixlen)
		return false;
	if (memcmp(a, b, bits / 8))
		return false;
	return bits % 8 == 0 || !((a[bits / 8] ^ b[bits / 8]) & (0xff00 >> (bits % 8)));
}

static int cmp_entry(const void *x, const void *y)
{
	const struct sg_scope_key *a = &((const struct scope_entry *)x)->key;
	const struct sg_scope_key *b = &((const struct scope_entry *)y)->key;

	return cmp_u32(a->kind, b->kind)		   ?:
		       cmp_u32(a->id, b->id)		   ?:
		       cmp_u32(a->prefixlen, b->prefixlen) ?:
		       memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static int add_entry(struct scope_plan *p, const struct sg_scope_key *key, __u32 set, __u32 rule)
{
	if (p->nentries >= SG_MAX_SCOPE_ENTRIES)
		return -E2BIG;
	if (array_reserve_one((void **)&p->entries, &p->entries_cap, p->nentries,
			      sizeof(*p->entries)))
		return -ENOMEM;
	p->entries[p->nentries].key = *key;
	p->entries[p->nentries].val = (struct sg_scope_val){ .ports = set, .rule = rule };
	p->nentries++;
	return 0;
}

/* *into = union of sets a and b, interned. */
static int merge_sets(struct scope_plan *p, __u32 a, __u32 b, __u32 *into)
{
	struct sg_port_set u;
	long idx;

	if (a == b || b == SG_SCOPE_NONE) {
		*into = a;
		return 0;
	}
	if (a == SG_SCOPE_NONE) {
		*into = b;
		return 0;
	}
	for (size_t w = 0; w < SG_PORT_WORDS; w++)
		u.ports[w] = p->sets[a].ports[w] | p->sets[b].ports[w];
	idx = intern_set(p, &u);
	if (idx < 0)
		return (int)idx;
	*into = (__u32)idx;
	return 0;
}

/*
 * The entries of one address of rule r: the prefix as written, or, for an
 * IPv6 prefix that holds ::ffff:0:0/96 (::/0), the pieces of it that leave
 * IPv4 out (dest_spec.h): an IPv6 CIDR never lets its identity reach IPv4.
 */
static int add_prefix(struct scope_plan *p, const struct sg_scope_rule *r,
		      const struct sg_addr *addr, __u32 set, __u32 rule)
{
	struct sg_dest_key pieces[DEST_V6_PIECES_MAX] = { { .prefixlen = r->prefixlen,
							    .addr = *addr } };
	unsigned int n = 1;
	int err;

	if (dest_prefix_covers_v4(addr, r->prefixlen))
		n = dest_prefix_without_v4(r->prefixlen, pieces);
	for (unsigned int i = 0; i < n; i++) {
		struct sg_scope_key key = { .prefixlen = SG_SCOPE_ID_BITS + pieces[i].prefixlen,
					    .kind = r->kind,
					    .id = r->id,
					    .addr = pieces[i].addr };

		err = add_entry(p, &key, set, rule);
		if (err)
			return err;
	}
	return 0;
}

/* One entry per address of each rule, exact duplicates merged. */
static int raw_entries(struct scope_plan *p, const __u64 *guarded)
{
	struct sg_port_set set;
	size_t out = 0;
	int err;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_scope_rule *r = &p->rules[i];
		long idx;

		rule_ports(r, guarded, &set);
		idx = intern_set(p, &set);
		if (idx < 0)
			return (int)idx;
		for (unsigned int k = 0; k < r->naddrs && k < SG_SCOPE_ADDRS; k++) {
			err = add_prefix(p, r, &r->addrs[k], (__u32)idx, (__u32)i);
			if (err)
				return err;
		}
	}
	if (!p->nentries)
		return 0;
	qsort(p->entries, p->nentries, sizeof(p->entries[0]), cmp_entry);
	for (size_t i = 1; i < p->nentries; i++) {
		struct scope_entry *keep = &p->entries[out];

		if (cmp_entry(keep, &p->entries[i])) {
			p->entries[++out] = p->entries[i];
			continue;
		}
		err = merge_sets(p, keep->val.ports, p->entries[i].val.ports, &keep->val.ports);
		if (err)
			return err;
	}
	p->nentries = out + 1;
	return 0;
}

/*
 * Each entry gets the ports of every entry of its identity that contains
 * it. The entries are sorted by identity, then prefix length, so the
 * containing ones come first; a container's merged set already holds its
 * own containers', and union is all that is needed.
 */
static int merge_containers(struct scope_plan *p)
{
	size_t group = 0;
	int err;

	for (size_t i = 0; i < p->nentries; i++) {
		struct scope_entry *e = &p->entries[i];

		if (e->key.kind != p->entries[group].key.kind ||
		    e->key.id != p->entries[group].key.id)
			group = i;
		for (size_t c = group; c < i; c++) {
			if (!contains(&p->entries[c].key, &e->key))
				continue;
			err = merge_sets(p, e->val.ports, p->entries[c].val.ports, &e->val.ports);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * The /0 marker of each UID and GID with rules, even rules without an
 * address (a name that does not resolve): "has rules, none for this
 * destination". No rule has a /0 entry of its own to clash with it: ::/0
 * is written without ::ffff:0:0/96 (add_prefix()).
 */
static int add_markers(struct scope_plan *p)
{
	int err;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_scope_rule *r = &p->rules[i];
		struct sg_scope_key marker = { .prefixlen = SG_SCOPE_ID_BITS,
					       .kind = r->kind,
					       .id = r->id };

		if (r->kind == SG_SCOPE_ANYONE ||
		    (i && p->rules[i - 1].kind == r->kind && p->rules[i - 1].id == r->id))
			continue; /* once per identity; anyone needs none */
		err = add_entry(p, &marker, SG_SCOPE_NONE, SG_SCOPE_NONE);
		if (err)
			return err;
	}
	return 0;
}

int scope_build(struct scope_plan *p, const __u64 *guarded)
{
	int err;

	p->nentries = p->nsets = 0;
	p->flags = 0;
	err = raw_entries(p, guarded);
	if (!err)
		err = merge_containers(p);
	if (!err)
		err = add_markers(p);
	if (err)
		return err;
	for (size_t i = 0; i < p->nentries; i++)
		p->flags |= p->entries[i].key.kind == SG_SCOPE_UID ? SG_F_SCOPED_UID :
			    p->entries[i].key.kind == SG_SCOPE_GID ? SG_F_SCOPED_GID :
								     SG_F_SCOPED_ANYONE;
	return 0;
}

void scope_free(struct scope_plan *p)
{
	free(p->rules);
	free(p->entries);
	free(p->sets);
	memset(p, 0, sizeof(*p));
}

static bool listed(const __u16 *ports, unsigned int n, unsigned int port)
{
	for (unsigned int i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

int scope_rule_take_ports(struct sg_scope_rule *r, const __u16 *ports, unsigned int n,
			  const __u64 *guarded, bool *changed)
{
	__u16 left[SG_SCOPE_RULE_PORTS];
	unsigned int k = 0;

	*changed = true;
	if (!n)
		return 1;
	if (!r->nports) { /* every guarded port: list the others */
		for (unsigned int p = 1; p < 65536; p++) {
			if (!(guarded[p / 64] & (1ULL << (p % 64))) || listed(ports, n, p))
				continue;
			if (k == SG_SCOPE_RULE_PORTS)
				return -E2BIG;
			left[k++] = (__u16)p;
		}
	} else {
		for (unsigned int i = 0; i < r->nports && i < SG_SCOPE_RULE_PORTS; i++)
			if (!listed(ports, n, r->ports[i]))
				left[k++] = r->ports[i];
		if (k == r->nports) {
			*changed = false;
			return 0;
		}
	}
	if (!k)
		return 1;
	memset(r->ports, 0, sizeof(r->ports));
	memcpy(r->ports, left, k * sizeof(left[0]));
	r->nports = (__u16)k;
	return 0;
}

bool scope_rule_covers(const struct sg_scope_rule *r, const __u16 *ports, unsigned int n)
{
	if (!r->nports)
		return true;
	if (!n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (!listed(r->ports, r->nports, ports[i]))
			return false;
	return true;
}

const char *scope_rule_dest(const struct sg_scope_rule *r, char *buf, size_t len)
{
	bool v6 = r->state == SG_RESOLVE_LITERAL && strchr((const char *)r->dest, ':');
	size_t used;

	if (!r->nports) {
		snprintf(buf, len, "%.*s", SG_SCOPE_DEST_MAX, (const char *)r->dest);
		return buf;
	}
	used = (size_t)snprintf(buf, len, v6 ? "[%.*s]" : "%.*s", SG_SCOPE_DEST_MAX,
				(const char *)r->dest);
	for (unsigned int i = 0; i < r->nports && i < SG_SCOPE_RULE_PORTS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%c%u", i ? ',' : ':',
					 r->ports[i]);
	return buf;
}

const char *scope_rule_who(const struct sg_scope_rule *r, char *buf, size_t len)
{
	enum id_kind kind = r->kind == SG_SCOPE_GID ? ID_GROUP : ID_USER;
	char name[256];

	if (r->kind == SG_SCOPE_ANYONE)
		snprintf(buf, len, "anyone");
	else if (identity_name(kind, r->id, name, sizeof(name)))
		snprintf(buf, len, "%s %u (%s)", identity_id_word(kind), r->id, name);
	else
		snprintf(buf, len, "%s %u", identity_id_word(kind), r->id);
	return buf;
}

const char *scope_state_name(__u32 state)
{
	switch (state) {
	case SG_RESOLVE_LITERAL:
		return "literal";
	case SG_RESOLVE_OK:
		return "resolved";
	case SG_RESOLVE_STALE:
		return "stale";
	case SG_RESOLVE_UNKNOWN:
		return "unresolved";
	default:
		return "no address";
	}
}
