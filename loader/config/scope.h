/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * scope.h - scoped exceptions as the kernel gets them: the rules (one
 * struct sg_scope_rule per identity x destination x ports, names resolved),
 * and what is derived from them for the program: the LPM trie's entries,
 * with the ports of containing prefixes merged in (an LPM lookup returns
 * only the longest match), the distinct port sets, and the settings flags.
 * No BPF calls here: maps are written by scope_maps.c.
 */
#ifndef SG_SCOPE_H
#define SG_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "smtpguard.h"

struct scope_entry {
	struct sg_scope_key key;
	struct sg_scope_val val;
};

struct scope_plan {
	struct sg_scope_rule *rules; /* sorted by scope_rule_cmp() once built */
	size_t nrules, rules_cap;
	struct scope_entry *entries;
	size_t nentries, entries_cap;
	struct sg_port_set *sets;
	size_t nsets, sets_cap;
	__u32 flags; /* SG_F_SCOPED_* */
	bool overflow; /* more than SG_MAX_SCOPE_RULES were added */
};

int scope_add_rule(struct scope_plan *p, const struct sg_scope_rule *r);

/* Order of identity, destination, ports; 0: the same rule. */
int scope_rule_cmp(const struct sg_scope_rule *a, const struct sg_scope_rule *b);

/* Do two rules that are the same (cmp 0) also enforce the same? (addresses, state, origin, line) */
bool scope_rule_same_content(const struct sg_scope_rule *a, const struct sg_scope_rule *b);

/* Sort the rules and merge duplicates (their origins are OR-ed, the first line kept). */
void scope_sort_rules(struct scope_plan *p);

/*
 * The trie entries, port sets and flags from the (sorted) rules; guarded is
 * the guarded-port bitmap (sg_settings.ports). 0, -ENOMEM, or -E2BIG when
 * there are more than SG_MAX_SCOPE_ENTRIES entries.
 */
int scope_build(struct scope_plan *p, const __u64 *guarded);

void scope_free(struct scope_plan *p);

/*
 * Take ports (n of them; n 0: all) from rule r: 1 when nothing is left of it,
 * 0 when it stays (narrowed, or untouched: *changed tells), -E2BIG when what
 * is left of "every guarded port" is more than a rule can list.
 */
int scope_rule_take_ports(struct sg_scope_rule *r, const __u16 *ports, unsigned int n,
			  const __u64 *guarded, bool *changed);

/* Does rule r allow every one of ports (n 0: every guarded port)? */
bool scope_rule_covers(const struct sg_scope_rule *r, const __u16 *ports, unsigned int n);

/* "relay.example.net:587,465", "198.51.100.0/24" (every guarded port) */
const char *scope_rule_dest(const struct sg_scope_rule *r, char *buf, size_t len);

/* "uid 1001 (alice)", "gid 1005 (devs)", "anyone" */
const char *scope_rule_who(const struct sg_scope_rule *r, char *buf, size_t len);

/* "resolved", "stale", "no address", "literal" */
const char *scope_state_name(__u32 state);

#endif
