// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commit.bpf.h - the first tests every connect and SYN runs: the commit
 * point (is the guard on, is this generation the committed one, is the
 * port in its filter) and the settings' guarded ports.
 *
 * Kept apart because this is the path every connect on the host pays: what
 * is read here, and in which cache line, is the cost of a port that is not
 * guarded (BENCHMARKS.md, "Every path, cold and warm"). Included by
 * smtpguard.bpf.c only, after maps.bpf.h.
 */
#ifndef SMTPGUARD_BPF_COMMIT_H
#define SMTPGUARD_BPF_COMMIT_H

/*
 * The committed generation, or 0 when the guard is off. When it is not ours,
 * the hook hands the connect to the committed generation's program. Should
 * that slot be empty (it cannot be once committed, but the array is only as
 * good as its pin), the tail call falls through and this older, complete
 * generation decides: the last whole policy, never an open door and never
 * an outage of the MTA. "smtpguard status" reports the guard as damaged.
 */
static __always_inline __u64 committed(void)
{
	__u32 zero = 0;
	const struct sg_control *c = bpf_map_lookup_elem(&sg_control, &zero);
	__u64 word;

	if (!c)
		return 0;
	word = *(volatile const __u64 *)&c->generation; /* one load: never torn */
	return word & SG_CONTROL_OFF ? 0 : word;
}

/*
 * True when the guard is off (let the connect through). When another
 * generation is committed, this does not return: the committed program
 * takes over the connect through the hook's dispatch array.
 */
static __always_inline bool guard_off_or_handed_over(void *ctx, void *dispatch)
{
	__u64 gen = committed();

	if (!gen)
		return true;
	if (gen != sg_settings.generation)
		bpf_tail_call(ctx, dispatch, (__u32)(gen % SG_DISPATCH_SLOTS));
	return false;
}

static __always_inline __u16 ctx_dst_port(const struct bpf_sock_addr *ctx)
{
	/* Narrow loads of user_port are not allowed on every kernel. */
	volatile __u32 port = ctx->user_port;
	__u32 host = bpf_ntohs((__u16)port);

	/*
	 * Verifiers before 6.x do not know that a 16-bit byte swap leaves 16
	 * bits, and refuse the port as an index (port / 64) as unbounded. The
	 * compiler knows and would drop a plain mask: hide the value from it,
	 * so the mask stays and the verifier sees it.
	 */
	asm volatile("" : "+r"(host));
	return (__u16)(host & 0xffff);
}

/*
 * True when this connect is none of the guard's business: the guard is
 * off, or the port is not in the commit point's filter (a superset of the
 * committed generation's ports, whichever generation this program is). That
 * is one cache line, the commit point's, and nothing else: every connect on
 * the host pays it. When another generation is committed and the port may
 * be guarded, this does not return: the committed program takes over the
 * connect through the hook's dispatch array. Should that slot be empty (it
 * cannot be once committed, but the array is only as good as its pin), the
 * tail call falls through and this older, complete generation decides: the
 * last whole policy, never an open door and never an outage of the MTA.
 * "smtpguard status" reports the guard as damaged.
 */
static __always_inline bool not_ours_or_handed_over(struct bpf_sock_addr *ctx, void *dispatch,
						    __u16 port)
{
	__u32 zero = 0, bit = port % SG_PORTS_SEEN_BITS;
	const struct sg_control *c = bpf_map_lookup_elem(&sg_control, &zero);
	__u64 word;

	if (!c || !(c->ports_seen[bit / 64] & (1ULL << (bit % 64))))
		return true;
	word = *(volatile const __u64 *)&c->generation; /* one load: never torn */
	if (!word || (word & SG_CONTROL_OFF))
		return true;
	if (word != sg_settings.generation)
		bpf_tail_call(ctx, dispatch, (__u32)(word % SG_DISPATCH_SLOTS));
	return false;
}

static __always_inline bool port_guarded(__u16 port)
{
	bool hit = false;

	/* The settings are constant: the verifier drops the branch not taken. */
	if (!sg_settings.hot_ports[0])
		return sg_settings.ports[port / 64] & (1ULL << (port % 64));
#pragma unroll
	for (int i = 0; i < SG_HOT_PORTS; i++)
		hit |= port == sg_settings.hot_ports[i];
	return hit;
}

#endif /* SMTPGUARD_BPF_COMMIT_H */
