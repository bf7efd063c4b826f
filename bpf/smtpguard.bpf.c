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
 * Cost: sockets that are not SOCK_STREAM, and ports that are not guarded,
 * leave after two loads and a bit test. A guarded connect costs one to three
 * hash lookups, however many identities are allowed; only a connect that is
 * about to be refused also pays one LPM trie lookup for allow_dest.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "smtpguard.h"

/* ifindex of "lo" in every network namespace. */
#define LOOPBACK_IFINDEX 1

/* Return codes of cgroup/connect* programs. */
#define SYS_REJECT 0 /* connect() fails with EPERM */
#define SYS_PROCEED 1

/* Filled in by the loader before load; see struct sg_settings. */
const volatile struct sg_settings sg_settings = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_IDS);
	__type(key, __u32); /* real UID, initial user namespace */
	__type(value, struct sg_allow);
} sg_allow_uid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_IDS);
	__type(key, __u32); /* real GID, initial user namespace */
	__type(value, struct sg_allow);
} sg_allow_gid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_LOCAL_ADDRS);
	__type(key, struct sg_addr);
	__type(value, struct sg_local);
} sg_local_addr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_DESTS);
	__type(key, struct sg_dest_key);
	__type(value, struct sg_allow);
} sg_allow_dest SEC(".maps");

static __always_inline __u16 ctx_dst_port(const struct bpf_sock_addr *ctx)
{
	/* Narrow loads of user_port are not allowed on every kernel. */
	volatile __u32 port = ctx->user_port;

	return bpf_ntohs((__u16)port);
}

static __always_inline bool port_guarded(__u16 port)
{
	return sg_settings.ports[port / 64] & (1ULL << (port % 64));
}

/*
 * 127.0.0.0/8, ::1 and their v4-mapped forms, plus the unspecified
 * addresses: the kernel connects 0.0.0.0 and :: to the loopback address.
 */
static __always_inline bool dst_is_loopback(const struct sg_addr *dst)
{
	__u32 w3 = bpf_ntohl(dst->words[3]);

	if (dst->words[0] | dst->words[1])
		return false;
	if (dst->words[2] == bpf_htonl(0xffff))
		return (w3 >> 24) == 127 || w3 == 0;
	return dst->words[2] == 0 && (w3 == 1 || w3 == 0);
}

static __always_inline bool caller_allowed(void)
{
	__u64 uid_gid = bpf_get_current_uid_gid(); /* real IDs, init_user_ns */
	__u32 uid = (__u32)uid_gid;
	__u32 gid = (__u32)(uid_gid >> 32);

	return bpf_map_lookup_elem(&sg_allow_uid, &uid) || bpf_map_lookup_elem(&sg_allow_gid, &gid);
}

/*
 * A local destination is only local when routing is free to pick the loopback
 * path. SO_BINDTODEVICE (unprivileged since 5.7) forces the connection out of
 * the bound interface, where a neighbour can answer for "our" address; so a
 * socket bound to any device but lo gets no local exemption. (IPv6 scope ids
 * are applied after this hook, which is why the loader never puts link-local
 * addresses in sg_local_addr.)
 */
static __always_inline bool may_be_local(const struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (!(sg_settings.flags & SG_F_ALLOW_LOCAL) || !sk)
		return false;
	return sk->bound_dev_if == 0 || sk->bound_dev_if == LOOPBACK_IFINDEX;
}

/* A relay the admin trusts; only consulted for connects that would be refused. */
static __always_inline bool dest_allowed(const struct sg_addr *dst)
{
	struct sg_dest_key key = { .prefixlen = 128, .addr = *dst };

	return bpf_map_lookup_elem(&sg_allow_dest, &key);
}

static __always_inline int decide(const struct bpf_sock_addr *ctx, const struct sg_addr *dst)
{
	bool allow_local;

	if (ctx->type != SOCK_STREAM || !port_guarded(ctx_dst_port(ctx)))
		return SYS_PROCEED;
	allow_local = may_be_local(ctx);
	if (allow_local && dst_is_loopback(dst))
		return SYS_PROCEED;
	if (caller_allowed())
		return SYS_PROCEED;
	if (allow_local && bpf_map_lookup_elem(&sg_local_addr, dst))
		return SYS_PROCEED;
	if (dest_allowed(dst))
		return SYS_PROCEED;
	return SYS_REJECT;
}

SEC("cgroup/connect4")
int sg_connect4(struct bpf_sock_addr *ctx)
{
	struct sg_addr dst = { .words = { 0, 0, bpf_htonl(0xffff), ctx->user_ip4 } };

	return decide(ctx, &dst);
}

SEC("cgroup/connect6")
int sg_connect6(struct bpf_sock_addr *ctx)
{
	struct sg_addr dst = {
		.words = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] },
	};

	return decide(ctx, &dst);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
