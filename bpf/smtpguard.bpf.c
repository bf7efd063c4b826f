// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * smtpguard.bpf.c - refuse connect() to guarded SMTP ports on remote hosts
 * unless the calling task runs as an allowed UID or GID.
 *
 * cgroup/connect4 and cgroup/connect6 run in tcp_v{4,6}_pre_connect(), which
 * every way of starting an outgoing TCP connection goes through: connect(),
 * non-blocking connect, sendto(MSG_FASTOPEN), TCP_FASTOPEN_CONNECT, io_uring
 * IORING_OP_CONNECT and MPTCP subflows. An IPv4-mapped destination on an
 * IPv6 socket only runs connect6, so both hooks normalise the destination to
 * an IPv6 address (IPv4 as ::ffff:a.b.c.d) and share one decide().
 *
 * Cost (on CPUs whose return-stack mitigations make every call expensive,
 * calls are what counts; make bench measures it against an empty program):
 * ports that are not guarded leave after one test of the commit point's
 * port filter, in the same cache line as the committed generation (an
 * inlined array lookup: no call, one line of data); the rest, and sockets
 * that are not SOCK_STREAM, after an exact port test in the settings' first
 * cache line. An allowed connect adds reading the
 * caller's IDs (bpf_get_current_task_btf() and two loads where the kernel
 * allows it, else bpf_get_current_uid_gid()) and inlined array lookups,
 * however many identities are allowed; only IDs above the arrays' range
 * cost a hash lookup. Loopback and own addresses call bpf_get_netns_cookie(); a
 * connect its identity does not allow pays a scan of the own addresses (one
 * line of the settings; the own-address hash on hosts with more than 16),
 * and only one about to be refused a scan of allow_dest's single addresses
 * (an inlined array element), the LPM trie lookup only when allow_dest has
 * prefixes or more than 16 addresses, and,
 * when the generation has scoped exceptions, one LPM lookup per kind it has
 * (UID, GID, anyone) for which the caller's ID may have some (a filter in
 * the settings says), and an inlined array lookup for the ports.
 */
/*
 * No CO-RE: the program reads only UAPI context fields (bpf_sock_addr,
 * bpf_sock), which the kernel's verifier rewrites itself. Without
 * preserve_access_index there is nothing to relocate, so the program loads
 * on kernels built without BTF (CONFIG_DEBUG_INFO_BTF unset) too.
 */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "smtpguard.h"

#ifndef NULL /* libbpf 0.3's bpf_helpers.h has none */
#define NULL ((void *)0)
#endif

/* ifindex of "lo" in every network namespace. */
#define LOOPBACK_IFINDEX 1

/* Return codes of cgroup/connect* programs. */
#define SYS_REJECT 0 /* connect() fails with EPERM */
#define SYS_PROCEED 1

/* Filled in by the loader before load; see struct sg_settings. */
const volatile struct sg_settings sg_settings = {};

/* The program, one job per file; each opens with what it holds. */
#include "maps.bpf.h"
#include "commit.bpf.h"
#include "dest.bpf.h"
#include "ids.bpf.h"
#include "events.bpf.h"
#include "mode.bpf.h"
#include "scope.bpf.h"

/* SYS_PROCEED (possibly redirected) or SYS_REJECT. */
static __always_inline int decide(struct bpf_sock_addr *ctx, const struct sg_addr *dst, __u16 port,
				  __u8 family)
{
	__u8 ev_flags = 0;
	__u64 uid_gid;

	if (ctx->type != SOCK_STREAM || !port_guarded(port))
		return SYS_PROCEED;
	/*
	 * local_scope() calls a helper: only for destinations that can be
	 * local, and for loopback only when the answer depends on the
	 * namespace (with container_loopback, loopback is local in every one).
	 */
	if (dst_is_loopback(dst) && loopback_local(ctx))
		return SYS_PROCEED;
	uid_gid = caller_ids(); /* real IDs, init_user_ns */
	if (caller_allowed(uid_gid))
		return SYS_PROCEED;
	if (dst_is_own(dst) && local_scope(ctx) == LOCAL_ALL)
		return SYS_PROCEED;
	if (dest_allowed(dst))
		return SYS_PROCEED;
	if (scope_allows(uid_gid, dst, port, &ev_flags))
		return SYS_PROCEED;
	switch (mode_action(ctx, dst, port, family, uid_gid, ev_flags)) {
	case SG_ACTION_AUDITED:
		return SYS_PROCEED;
	case SG_ACTION_REDIRECTED:
		redirect(ctx, dst, family);
		return SYS_PROCEED;
	default:
		return SYS_REJECT;
	}
}

/*
 * The hooks build the destination after the commit check: nothing called
 * before can have written it, so the compiler keeps what it knows of it
 * (three constant words for connect4) in registers.
 */
SEC("cgroup/connect4")
int sg_connect4(struct bpf_sock_addr *ctx)
{
	__u16 port = ctx_dst_port(ctx);
	struct sg_addr dst;

	if (not_ours_or_handed_over(ctx, &sg_dispatch4, port))
		return SYS_PROCEED;
	dst = sg_addr_v4mapped(ctx->user_ip4);
	return decide(ctx, &dst, port, 4);
}

SEC("cgroup/connect6")
int sg_connect6(struct bpf_sock_addr *ctx)
{
	__u16 port = ctx_dst_port(ctx);
	struct sg_addr dst;

	if (not_ours_or_handed_over(ctx, &sg_dispatch6, port))
		return SYS_PROCEED;
	dst = (struct sg_addr){
		.words = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] },
	};
	return decide(ctx, &dst, port, 6);
}

/* The packet path: egress.bpf.h says what it decides and why. */
#include "egress.bpf.h"

SEC("cgroup_skb/egress")
int sg_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk;
	struct pkt p;
	__u64 uid_gid;
	__u8 ev_flags;
	int kind;

	/*
	 * Every generation, and the guard switched off, pass what is not a TCP
	 * SYN: that is decided before the commit point is even read.
	 */
	if (skb->protocol == ETH_P_IP_BE)
		kind = parse_v4(skb, &p);
	else if (skb->protocol == ETH_P_IPV6_BE)
		kind = parse_v6(skb, &p);
	else
		return SK_PASS;
	if (kind == PKT_OTHER)
		return SK_PASS;
	if (guard_off_or_handed_over(skb, &sg_dispatch_out))
		return SK_PASS;
	if (kind == PKT_SYN && !port_guarded(p.port))
		return SK_PASS;
	/* Rare from here on: a SYN to a guarded port, or a chain not followed. */
	sk = skb->sk;
	if (!sk)
		return SK_PASS;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return SK_PASS;
	if (sk->type == SOCK_STREAM && sk->protocol == IPPROTO_TCP_) {
		if (kind == PKT_SYN && as_connected(sk, &p))
			return SK_PASS;
		if (tcp_owner(sk, &uid_gid) == OWNER_HOST)
			return SK_PASS;
		ev_flags = SG_EV_PATH_NAT;
	} else {
		uid_gid = raw_sender();
		ev_flags = SG_EV_PATH_RAW;
	}
	if (kind == PKT_UNPARSED)
		ev_flags |= SG_EV_UNPARSED;
	return decide_packet(skb, &p, uid_gid, ev_flags);
}

/*
 * Not part of the guard: on kernels without SO_NETNS_COOKIE (before 5.14)
 * the loader learns its own network namespace's cookie by attaching this to
 * a throwaway cgroup for one socket() of its own (loader/netns.c). It is
 * never attached anywhere else.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sg_netns_seen SEC(".maps");

SEC("cgroup/sock_create")
int sg_netns_probe(struct bpf_sock *sk)
{
	__u32 zero = 0;
	__u64 *seen = bpf_map_lookup_elem(&sg_netns_seen, &zero);

	if (seen)
		*seen = bpf_get_netns_cookie(sk);
	return SYS_PROCEED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
