// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * scope.bpf.h - scoped exceptions ("allow --to"): a relay or port allowed
 * to one UID, one GID or anyone, in an LPM trie keyed by kind, ID and
 * destination, with the allowed ports in an array beside it.
 *
 * Only a connect about to be refused asks; filters in the settings skip the
 * lookups of the kinds and IDs that have no rules. Included by
 * smtpguard.bpf.c only, after maps.bpf.h.
 */
#ifndef SMTPGUARD_BPF_SCOPE_H
#define SMTPGUARD_BPF_SCOPE_H

/* What one identity's scoped exceptions say about a connect. */
#define SCOPE_NO_RULES 0 /* the identity has none */
#define SCOPE_MISSED 1 /* it has some, none for this destination and port */
#define SCOPE_ALLOWED 2

/* May this UID (kind 0) or GID (kind 1) have scoped exceptions? False: it has none. */
static __always_inline bool scoped_id_seen(int kind, __u32 id)
{
	__u32 bit = id % SG_SCOPED_ID_BITS;

	return sg_settings.scoped_ids[kind][bit / 64] & (1ULL << (bit % 64));
}

static __always_inline int scope_lookup(__u32 kind, __u32 id, const struct sg_addr *dst, __u16 port)
{
	struct sg_scope_key key = { .prefixlen = SG_SCOPE_KEY_BITS, .kind = kind, .id = id };
	const struct sg_port_set *set;
	const struct sg_scope_val *v;
	struct sg_scope_rule *rule;
	__u32 idx;

	key.addr = *dst;
	v = bpf_map_lookup_elem(&sg_scoped, &key);
	if (!v)
		return SCOPE_NO_RULES;
	idx = v->ports;
	set = bpf_map_lookup_elem(&sg_scope_ports, &idx); /* an array: inlined, no call */
	if (!set || !(set->ports[port / 64] & (1ULL << (port % 64))))
		return SCOPE_MISSED;
	idx = v->rule;
	rule = bpf_map_lookup_elem(&sg_scope_rules, &idx);
	if (rule)
		__sync_fetch_and_add(&rule->hits, 1);
	return SCOPE_ALLOWED;
}

/*
 * Only for a connect that would be refused otherwise. True when a scoped
 * exception of the caller's UID, GID or of anyone allows it; else *ev_flags
 * says whose rules were there and did not match.
 */
static __always_inline bool scope_allows(__u64 uid_gid, const struct sg_addr *dst, __u16 port,
					 __u8 *ev_flags)
{
	int r;

	if ((sg_settings.flags & SG_F_SCOPED_UID) && scoped_id_seen(0, (__u32)uid_gid)) {
		r = scope_lookup(SG_SCOPE_UID, (__u32)uid_gid, dst, port);
		if (r == SCOPE_ALLOWED)
			return true;
		if (r == SCOPE_MISSED)
			*ev_flags |= SG_EV_SCOPED_UID;
	}
	if ((sg_settings.flags & SG_F_SCOPED_GID) && scoped_id_seen(1, (__u32)(uid_gid >> 32))) {
		r = scope_lookup(SG_SCOPE_GID, (__u32)(uid_gid >> 32), dst, port);
		if (r == SCOPE_ALLOWED)
			return true;
		if (r == SCOPE_MISSED)
			*ev_flags |= SG_EV_SCOPED_GID;
	}
	return (sg_settings.flags & SG_F_SCOPED_ANYONE) &&
	       (sg_settings.scoped_anyone_ports[port % SG_PORTS_SEEN_BITS / 64] &
		(1ULL << (port % 64))) &&
	       scope_lookup(SG_SCOPE_ANYONE, 0, dst, port) == SCOPE_ALLOWED;
}

#endif /* SMTPGUARD_BPF_SCOPE_H */
