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
 * leave after the commit check (an inlined array lookup), two loads and a
 * bit test. A guarded connect costs one to three
 * hash lookups, however many identities are allowed; only a connect that is
 * about to be refused also pays one LPM trie lookup for allow_dest.
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

/* ifindex of "lo" in every network namespace. */
#define LOOPBACK_IFINDEX 1

/* Return codes of cgroup/connect* programs. */
#define SYS_REJECT 0 /* connect() fails with EPERM */
#define SYS_PROCEED 1
/* decide() only: proceed, after the hook rewrote the destination. */
#define SG_REDIRECT 2

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

/*
 * State that outlives a program generation: load reuses these maps, so a
 * running monitor and the counts survive every reload.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SG_EVENTS_BYTES);
} sg_events SEC(".maps");

/*
 * A shared LRU hash, not a per-CPU one: per-CPU LRU maps are preallocated for
 * every possible CPU (tens of MiB on large hosts). Updates are atomic adds;
 * they only contend within one UID, on the deny path.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_MAX_COUNTED_UIDS);
	__type(key, __u32); /* real UID */
	__type(value, struct sg_counter);
} sg_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_STAT_COUNT);
	__type(key, __u32); /* enum sg_stat */
	__type(value, __u64);
} sg_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the loader commits with one atomic store */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_control);
} sg_control SEC(".maps");

/* The committed generation's programs, at slot generation % 2 (one array per hook). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SG_DISPATCH_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sg_dispatch4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SG_DISPATCH_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sg_dispatch6 SEC(".maps");

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
static __always_inline bool follow_commit(struct bpf_sock_addr *ctx, void *dispatch)
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

static __always_inline bool caller_allowed(__u64 uid_gid)
{
	__u32 uid = (__u32)uid_gid;
	__u32 gid = (__u32)(uid_gid >> 32);

	return bpf_map_lookup_elem(&sg_allow_uid, &uid) || bpf_map_lookup_elem(&sg_allow_gid, &gid);
}

static __always_inline void stat_inc(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&sg_stats, &slot);

	if (v)
		__sync_fetch_and_add(v, 1); /* atomic: preemptible kernels share a CPU */
}

/* This UID's counters, made on its first attempt. NULL only when the map refuses. */
static __always_inline struct sg_counter *counter_of(__u32 uid)
{
	struct sg_counter *c = bpf_map_lookup_elem(&sg_counters, &uid);

	if (!c) {
		struct sg_counter fresh = {};

		bpf_map_update_elem(&sg_counters, &uid, &fresh, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&sg_counters, &uid);
	}
	return c;
}

/*
 * Is this UID still within its event budget (SG_EVENT_BURST per window)?
 * The window is read and reset without fetching atomics (5.10 has none):
 * CPUs racing on one UID may send a few more events than the burst, never
 * fewer, and never wait.
 */
static __always_inline bool within_budget(struct sg_counter *c, __u64 now)
{
	if (now - c->window_start >= SG_EVENT_WINDOW_NS) {
		c->window_start = now;
		c->window_events = 0;
	}
	if (c->window_events >= SG_EVENT_BURST) {
		__sync_fetch_and_add(&c->suppressed, 1);
		return false;
	}
	__sync_fetch_and_add(&c->window_events, 1);
	return true;
}

/*
 * Count the attempt and report it. Never blocks or slows the connect: over
 * the UID's budget the event is not sent (suppressed), with the ring buffer
 * full it is dropped (lost); both are counted per UID and in the totals.
 */
static __always_inline void record(const struct sg_addr *dst, __u16 port, __u8 family, __u32 action,
				   __u64 uid_gid)
{
	__u64 now = bpf_ktime_get_boot_ns(), pid_tgid, cgroup_id = bpf_get_current_cgroup_id();
	struct sg_counter *c = counter_of((__u32)uid_gid);
	struct sg_event *e;

	stat_inc(action);
	if (c) {
		if (action < SG_ACTION_COUNT)
			__sync_fetch_and_add(&c->attempts[action], 1);
		c->last_ns = now;
		c->last_dst = *dst;
		c->last_port = port;
		c->last_cgroup_id = cgroup_id;
		if (!within_budget(c, now)) {
			stat_inc(SG_STAT_EVENTS_SUPPRESSED);
			return;
		}
	}
	e = bpf_ringbuf_reserve(&sg_events, sizeof(*e), 0);
	if (!e) {
		stat_inc(SG_STAT_EVENTS_LOST);
		if (c)
			__sync_fetch_and_add(&c->lost, 1);
		return;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	e->boot_ns = now;
	e->cgroup_id = cgroup_id;
	e->pid = (__u32)pid_tgid;
	e->tgid = (__u32)(pid_tgid >> 32);
	e->uid = (__u32)uid_gid;
	e->gid = (__u32)(uid_gid >> 32);
	e->dst = *dst;
	e->port = port;
	e->family = family;
	e->action = (__u8)action;
	e->mode = (__u8)sg_settings.mode;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	e->suppressed = c ? c->suppressed : 0;
	e->lost = c ? c->lost : 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline bool is_v4_mapped(const struct sg_addr *a)
{
	return !a->words[0] && !a->words[1] && a->words[2] == bpf_htonl(0xffff);
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
 * Can this connect be redirected? There must be a target for its family, the
 * socket must be in the host's network namespace (the target is this host's
 * MTA), and not bound to an interface other than lo: the target is meant to
 * be reached on this host, not out of a chosen interface.
 */
static __always_inline bool can_redirect(struct bpf_sock_addr *ctx, const struct sg_addr *dst)
{
	if (!routed_freely(ctx) || !in_host_netns(ctx))
		return false;
	if (is_v4_mapped(dst))
		return sg_settings.redirect_ip4 != 0;
	return sg_settings.redirect_ip6[0] | sg_settings.redirect_ip6[1] |
	       sg_settings.redirect_ip6[2] | sg_settings.redirect_ip6[3];
}

/*
 * What the mode makes of a connect the allowlists did not allow. A redirect
 * that cannot happen is a refusal, and is recorded as one.
 */
static __always_inline int deny(struct bpf_sock_addr *ctx, const struct sg_addr *dst, __u16 port,
				__u8 family, __u64 uid_gid)
{
	__u32 mode = sg_settings.mode;
	__u32 action = SG_ACTION_BLOCKED;

	if (mode == SG_MODE_AUDIT)
		action = SG_ACTION_AUDITED;
	else if (mode == SG_MODE_REDIRECT && can_redirect(ctx, dst))
		action = SG_ACTION_REDIRECTED;

	record(dst, port, family, action, uid_gid);
	if (action == SG_ACTION_AUDITED)
		return SYS_PROCEED;
	return action == SG_ACTION_REDIRECTED ? SG_REDIRECT : SYS_REJECT;
}

/*
 * Which local exemptions apply to this socket (LOCAL_*)? A destination is only
 * local when routing is free to pick the loopback path: SO_BINDTODEVICE
 * forces the connection out of the bound interface, where a neighbour can
 * answer for "our" address; so a socket bound to any device but lo gets no
 * local exemption. (IPv6 scope ids are applied after this hook, which is why
 * the loader never puts link-local addresses in sg_local_addr.) And only in
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

/* A relay the admin trusts; only consulted for connects that would be refused. */
static __always_inline bool dest_allowed(const struct sg_addr *dst)
{
	struct sg_dest_key key = { .prefixlen = 128, .addr = *dst };

	return bpf_map_lookup_elem(&sg_allow_dest, &key);
}

/* SYS_PROCEED, SYS_REJECT, or SG_REDIRECT (the hook rewrites the destination). */
static __always_inline int decide(struct bpf_sock_addr *ctx, const struct sg_addr *dst, __u8 family)
{
	__u16 port = ctx_dst_port(ctx);
	__u64 uid_gid;

	if (ctx->type != SOCK_STREAM || !port_guarded(port))
		return SYS_PROCEED;
	/* local_scope() calls a helper: only for destinations that can be local. */
	if (dst_is_loopback(dst) && local_scope(ctx) != LOCAL_NONE)
		return SYS_PROCEED;
	uid_gid = bpf_get_current_uid_gid(); /* real IDs, init_user_ns */
	if (caller_allowed(uid_gid))
		return SYS_PROCEED;
	if (bpf_map_lookup_elem(&sg_local_addr, dst) && local_scope(ctx) == LOCAL_ALL)
		return SYS_PROCEED;
	if (dest_allowed(dst))
		return SYS_PROCEED;
	return deny(ctx, dst, port, family, uid_gid);
}

SEC("cgroup/connect4")
int sg_connect4(struct bpf_sock_addr *ctx)
{
	struct sg_addr dst = { .words = { 0, 0, bpf_htonl(0xffff), ctx->user_ip4 } };
	int verdict;

	if (follow_commit(ctx, &sg_dispatch4))
		return SYS_PROCEED;
	verdict = decide(ctx, &dst, 4);

	if (verdict != SG_REDIRECT)
		return verdict;
	if (!sg_settings.redirect_ip4)
		return SYS_REJECT;
	ctx->user_ip4 = sg_settings.redirect_ip4;
	if (sg_settings.redirect_port4)
		ctx->user_port = bpf_htons(sg_settings.redirect_port4);
	return SYS_PROCEED;
}

SEC("cgroup/connect6")
int sg_connect6(struct bpf_sock_addr *ctx)
{
	struct sg_addr dst = {
		.words = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] },
	};
	int verdict;

	if (follow_commit(ctx, &sg_dispatch6))
		return SYS_PROCEED;
	verdict = decide(ctx, &dst, 6);

	if (verdict != SG_REDIRECT)
		return verdict;
	/* A v4-mapped socket stays v4-mapped: ::ffff:<the IPv4 target>. */
	if (is_v4_mapped(&dst)) {
		if (!sg_settings.redirect_ip4)
			return SYS_REJECT;
		ctx->user_ip6[3] = sg_settings.redirect_ip4;
		if (sg_settings.redirect_port4)
			ctx->user_port = bpf_htons(sg_settings.redirect_port4);
		return SYS_PROCEED;
	}
	if (!(sg_settings.redirect_ip6[0] | sg_settings.redirect_ip6[1] |
	      sg_settings.redirect_ip6[2] | sg_settings.redirect_ip6[3]))
		return SYS_REJECT;
	ctx->user_ip6[0] = sg_settings.redirect_ip6[0];
	ctx->user_ip6[1] = sg_settings.redirect_ip6[1];
	ctx->user_ip6[2] = sg_settings.redirect_ip6[2];
	ctx->user_ip6[3] = sg_settings.redirect_ip6[3];
	if (sg_settings.redirect_port6)
		ctx->user_port = bpf_htons(sg_settings.redirect_port6);
	return SYS_PROCEED;
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
