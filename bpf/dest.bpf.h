// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dest.bpf.h - destinations that are allowed whoever connects: loopback and
 * the host's own addresses (where the socket's namespace and binding make
 * them local) and the admin's relays (allow_dest).
 *
 * One file for the questions about where a connect goes, as opposed to who
 * makes it (ids.bpf.h). Included by smtpguard.bpf.c only, after
 * commit.bpf.h.
 */
#ifndef SMTPGUARD_BPF_DEST_H
#define SMTPGUARD_BPF_DEST_H

/*
 * 127.0.0.0/8, ::1 and their v4-mapped forms, plus the unspecified
 * addresses: the kernel connects 0.0.0.0 and :: to the loopback address.
 */
static __always_inline bool dst_is_loopback(const struct sg_addr *dst)
{
	__u32 w3 = bpf_ntohl(dst->words[3]);

	if (dst->words[0] | dst->words[1])
		return false;
	if (dst->words[2] == SG_V4MAPPED_WORD)
		return (w3 >> 24) == 127 || w3 == 0;
	return dst->words[2] == 0 && (w3 == 1 || w3 == 0);
}

/*
 * Is the socket in the network namespace the guard was loaded for? Only there
 * do loopback and the host's addresses mean this host: in a container's
 * namespace its root can DNAT them to any remote MX.
 */
static __always_inline bool in_host_netns(struct bpf_sock_addr *ctx)
{
	return sg_settings.netns_cookie && bpf_get_netns_cookie(ctx) == sg_settings.netns_cookie;
}

/* Not bound to an interface other than lo (SO_BINDTODEVICE, unprivileged since 5.7). */
static __always_inline bool routed_freely(const struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	return sk && (sk->bound_dev_if == 0 || sk->bound_dev_if == LOOPBACK_IFINDEX);
}

/*
 * Which local exemptions apply to this socket (LOCAL_*)? A destination is only
 * local when routing is free to pick the loopback path: SO_BINDTODEVICE
 * forces the connection out of the bound interface, where a neighbour can
 * answer for "our" address; so a socket bound to any device but lo gets no
 * local exemption. (IPv6 scope ids are applied after this hook, which is why
 * the loader never puts link-local addresses in sg_own_addrs.) And only in
 * the host's network namespace are loopback and the host's addresses this
 * host; elsewhere, loopback counts only with container_loopback = yes.
 */
#define LOCAL_NONE 0
#define LOCAL_LOOPBACK 1 /* a container's own loopback, trusted by the admin */
#define LOCAL_ALL 2 /* loopback and the host's own addresses */

static __always_inline int local_scope(struct bpf_sock_addr *ctx)
{
	if (!(sg_settings.flags & SG_F_ALLOW_LOCAL) || !routed_freely(ctx))
		return LOCAL_NONE;
	if (in_host_netns(ctx))
		return LOCAL_ALL;
	return sg_settings.flags & SG_F_CONTAINER_LOOPBACK ? LOCAL_LOOPBACK : LOCAL_NONE;
}

/* local_scope(ctx) != LOCAL_NONE, without the netns cookie where it cannot change that. */
static __always_inline bool loopback_local(struct bpf_sock_addr *ctx)
{
	if ((sg_settings.flags & (SG_F_ALLOW_LOCAL | SG_F_CONTAINER_LOOPBACK)) ==
	    (SG_F_ALLOW_LOCAL | SG_F_CONTAINER_LOOPBACK))
		return routed_freely(ctx);
	return local_scope(ctx) != LOCAL_NONE;
}

/*
 * One of the host's own addresses? With SG_F_OWN_LISTED (at most
 * SG_OWN_LISTED of them) a scan of own_w3, one cache line, and a full
 * compare only where the last word matches; else the own-address hash.
 */
static __always_inline bool dst_is_own(const struct sg_addr *dst)
{
	__u32 w3 = dst->words[3];
	bool hit = false;

	if (!(sg_settings.flags & SG_F_OWN_LISTED))
		return bpf_map_lookup_elem(&sg_own_addrs, dst);
#pragma unroll
	for (int i = 0; i < SG_OWN_LISTED; i++) {
		/* own_count is constant: the verifier drops the slots past it. */
		if (i < sg_settings.own_count && w3 == sg_settings.own_w3[i])
			hit |= !((dst->words[0] ^ sg_settings.own[i].words[0]) |
				 (dst->words[1] ^ sg_settings.own[i].words[1]) |
				 (dst->words[2] ^ sg_settings.own[i].words[2]));
	}
	return hit;
}

/*
 * Is dst one of the table's addresses? dst is read where it is, and the
 * trie's key built only past the scan: with a copy of dst and the key
 * before the scan, the spills grew connect4's stack frame by 48 bytes, and
 * every connect, the non-SMTP ones too, runs the prologue that sets it up
 * (BENCHMARKS.md, issue 26, continued).
 */
static __always_inline bool dest_listed(const struct sg_dest_table *t, const struct sg_addr *dst)
{
	__u32 n = t->count;
	bool hit = false;

#pragma unroll
	for (int i = 0; i < SG_DEST_EXACT; i++) {
		if (i < n && dst->words[3] == t->w3[i])
			hit |= !((dst->words[0] ^ t->addrs[i].words[0]) |
				 (dst->words[1] ^ t->addrs[i].words[1]) |
				 (dst->words[2] ^ t->addrs[i].words[2]));
	}
	return hit;
}

/*
 * A relay the admin trusts; only consulted for connects that would be
 * refused. Its single addresses first: a scan of the exact table (an
 * inlined array lookup, no call); the trie (a call) only when it holds
 * entries the table does not list.
 */
static __always_inline bool dest_allowed(const struct sg_addr *dst)
{
	const struct sg_dest_exact *x;
	const struct sg_dest_table *t;
	struct sg_dest_key key;
	__u32 zero = 0;

	x = bpf_map_lookup_elem(&sg_dest_exact, &zero);
	if (x) {
		t = x->active ? &x->table[1] : &x->table[0];
		if (dest_listed(t, dst))
			return true;
		if (!t->trie_only)
			return false;
	}
	key.prefixlen = 128;
	key.addr = *dst;
	return bpf_map_lookup_elem(&sg_allow_dest, &key);
}

#endif /* SMTPGUARD_BPF_DEST_H */
