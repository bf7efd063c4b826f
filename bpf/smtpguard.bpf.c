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
 * and only one about to be refused the LPM trie lookup for allow_dest and,
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

/*
 * The UID and GID allowlists, each in two maps (see struct sg_id_block): an
 * ARRAY of origin bytes for the IDs below its range, which the verifier
 * turns into plain loads (no helper call), and a hash for the IDs at or
 * above it. The loader sizes both before load; max_entries here are
 * placeholders.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the loader writes single bytes through mmap */
	__uint(max_entries, SG_ID_ARRAY_MIN / SG_ID_BLOCK);
	__type(key, __u32); /* real UID / SG_ID_BLOCK, initial user namespace */
	__type(value, struct sg_id_block);
} sg_uid_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SG_ID_ARRAY_MIN / SG_ID_BLOCK);
	__type(key, __u32); /* real GID / SG_ID_BLOCK, initial user namespace */
	__type(value, struct sg_id_block);
} sg_gid_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_ID_HASH_ROOM);
	__type(key, __u32); /* real UID, at or above sg_uid_array's range */
	__type(value, struct sg_allow);
} sg_allow_uid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_ID_HASH_ROOM);
	__type(key, __u32); /* real GID, at or above sg_gid_array's range */
	__type(value, struct sg_allow);
} sg_allow_gid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_LOCAL_ADDRS);
	__type(key, struct sg_addr);
	__type(value, struct sg_local);
} sg_own_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_DESTS);
	__type(key, struct sg_dest_key);
	__type(value, struct sg_allow);
} sg_allow_dest SEC(".maps");

/* Scoped exceptions: see struct sg_scope_key. Sized by the loader per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct sg_scope_key);
	__type(value, struct sg_scope_val);
} sg_scoped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_port_set);
} sg_scope_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_scope_rule);
} sg_scope_rules SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SG_DISPATCH_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sg_dispatch_out SEC(".maps");

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
 * Is id in the allowlist made of array and hash? Below the array's range
 * (its max_entries, which the inlined lookup compares against) only the
 * array's byte counts; at or above it only the hash.
 */
static __always_inline bool id_allowed(void *array, void *hash, __u32 id)
{
	__u32 index = id / SG_ID_BLOCK;
	const struct sg_id_block *b = bpf_map_lookup_elem(array, &index);

	if (b)
		return b->origin[id % SG_ID_BLOCK] != 0;
	return bpf_map_lookup_elem(hash, &id);
}

/*
 * bpf_get_current_task_btf(), declared here: older libbpf headers lack it.
 * Only called when the loader found that connect programs may (newer
 * kernels, with BTF); the settings being constant, the verifier never looks
 * at the branch otherwise.
 */
static void *(*const sg_current_task)(void) = (void *)158;

/*
 * The calling task's real UID (low half) and GID (high half), as IDs of the
 * initial user namespace: what bpf_get_current_uid_gid() returns (it reads
 * the same current->cred fields and maps them through init_user_ns, which
 * changes nothing), read directly when the loader knows the offsets. A
 * running task's cred is never NULL, and cannot be freed under it.
 */
static __always_inline __u64 caller_ids(void)
{
	const char *task, *cred;
	__u64 uid, gid;

	if (!(sg_settings.flags & SG_F_TASK_CRED))
		return bpf_get_current_uid_gid();
	task = sg_current_task();
	cred = *(const char *const *)(task + sg_settings.cred_off);
	uid = *(const __u32 *)(cred + sg_settings.uid_off);
	gid = *(const __u32 *)(cred + sg_settings.gid_off);
	return gid << 32 | uid;
}

static __always_inline bool caller_allowed(__u64 uid_gid)
{
	__u32 uid = (__u32)uid_gid;
	__u32 gid = (__u32)(uid_gid >> 32);

	return id_allowed(&sg_uid_array, &sg_allow_uid, uid) ||
	       id_allowed(&sg_gid_array, &sg_allow_gid, gid);
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
 * Events of all accounts past their share, per window: the pool. .bss, so
 * per generation (a load starts it afresh), and read and reset like the
 * per-UID window, without fetching atomics.
 */
static struct {
	__u64 window_start;
	__u64 window_events;
} sg_pool;

/*
 * May an account past its share send one more event? Only from the shared
 * pool, and only while the ring buffer is less than half full: the other
 * half stays for the shares of the accounts that try now and then.
 */
static __always_inline bool pool_allows(__u64 now)
{
	if (now - sg_pool.window_start >= SG_EVENT_WINDOW_NS) {
		sg_pool.window_start = now;
		sg_pool.window_events = 0;
	}
	if (sg_pool.window_events >= SG_EVENT_POOL ||
	    bpf_ringbuf_query(&sg_events, BPF_RB_AVAIL_DATA) >= SG_EVENTS_BYTES / 2)
		return false;
	__sync_fetch_and_add(&sg_pool.window_events, 1);
	return true;
}

/*
 * Is this UID still within its event budget? Its first SG_EVENT_SHARE
 * events of a window always are (the ring buffer permitting); up to
 * SG_EVENT_BURST while the shared pool has room. So a hundred accounts
 * flooding at once send at most 100 x SG_EVENT_SHARE + SG_EVENT_POOL
 * events a window, and one that tries now and then is always reported.
 * The window is read and reset without fetching atomics (5.10 has none):
 * CPUs racing on one UID may send a few more events than that, never
 * fewer, and never wait.
 */
static __always_inline bool within_budget(struct sg_counter *c, __u64 now)
{
	if (now - c->window_start >= SG_EVENT_WINDOW_NS) {
		c->window_start = now;
		c->window_events = 0;
	}
	if (c->window_events >= SG_EVENT_BURST ||
	    (c->window_events >= SG_EVENT_SHARE && !pool_allows(now))) {
		__sync_fetch_and_add(&c->suppressed, 1);
		return false;
	}
	__sync_fetch_and_add(&c->window_events, 1);
	return true;
}

/*
 * Who an attempt is reported as: the calling task at connect(); at egress
 * (where no helper names a process) only the socket's cgroup.
 */
struct origin {
	bool task; /* the current task is the caller */
	__u64 cgroup_id; /* when not */
};

/*
 * Count the attempt and report it. Never blocks or slows the connect: over
 * the UID's budget the event is not sent (suppressed), with the ring buffer
 * full it is dropped (lost); both are counted per UID and in the totals.
 */
static __always_inline void record_attempt(const struct sg_addr *dst, __u16 port, __u8 family,
					   __u32 action, __u64 uid_gid, __u8 ev_flags,
					   const struct origin *o)
{
	__u64 now = bpf_ktime_get_boot_ns(), pid_tgid = 0;
	__u64 cgroup_id = o->task ? bpf_get_current_cgroup_id() : o->cgroup_id;
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
	if (o->task)
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
	e->flags = ev_flags;
	e->pad[0] = e->pad[1] = 0;
	e->suppressed = c ? c->suppressed : 0;
	e->lost = c ? c->lost : 0;
	if (o->task) {
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	} else {
		__u64 *comm = (__u64 *)e->comm;

		comm[0] = comm[1] = 0;
	}
	bpf_ringbuf_submit(e, 0);
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
	if (sg_addr_is_v4mapped(dst))
		return sg_settings.redirect_ip4 != 0;
	return sg_settings.redirect_ip6[0] | sg_settings.redirect_ip6[1] |
	       sg_settings.redirect_ip6[2] | sg_settings.redirect_ip6[3];
}

/*
 * What the mode makes of a connect the allowlists did not allow (an
 * SG_ACTION_*: refused, audited or redirected), counted and reported. A
 * redirect that cannot happen is a refusal, and is recorded as one.
 */
static __always_inline __u32 mode_action(struct bpf_sock_addr *ctx, const struct sg_addr *dst,
					 __u16 port, __u8 family, __u64 uid_gid, __u8 ev_flags)
{
	struct origin caller = { .task = true };
	__u32 mode = sg_settings.mode;
	__u32 action = SG_ACTION_BLOCKED;

	if (mode == SG_MODE_AUDIT)
		action = SG_ACTION_AUDITED;
	else if (mode == SG_MODE_REDIRECT && can_redirect(ctx, dst))
		action = SG_ACTION_REDIRECTED;

	record_attempt(dst, port, family, action, uid_gid, ev_flags, &caller);
	return action;
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

/* A relay the admin trusts; only consulted for connects that would be refused. */
static __always_inline bool dest_allowed(const struct sg_addr *dst)
{
	struct sg_dest_key key = { .prefixlen = 128, .addr = *dst };

	return bpf_map_lookup_elem(&sg_allow_dest, &key);
}

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

/*
 * Point a connect at the redirect target of its family (can_redirect() made
 * sure there is one); a v4-mapped connect6 stays v4-mapped: ::ffff:<the IPv4
 * target>. The branches go by family, a constant in each hook, and not by
 * the destination alone: connect4 must not even contain a write to
 * user_ip6, which its verifier refuses, and older verifiers cannot tell from
 * the stack that connect4's destination is always v4-mapped.
 */
static __always_inline void redirect(struct bpf_sock_addr *ctx, const struct sg_addr *dst,
				     __u8 family)
{
	__u16 port = sg_settings.redirect_port4;

	if (family == 4) {
		ctx->user_ip4 = sg_settings.redirect_ip4;
	} else if (sg_addr_is_v4mapped(dst)) {
		ctx->user_ip6[3] = sg_settings.redirect_ip4;
	} else {
		ctx->user_ip6[0] = sg_settings.redirect_ip6[0];
		ctx->user_ip6[1] = sg_settings.redirect_ip6[1];
		ctx->user_ip6[2] = sg_settings.redirect_ip6[2];
		ctx->user_ip6[3] = sg_settings.redirect_ip6[3];
		port = sg_settings.redirect_port6;
	}
	if (port)
		ctx->user_port = bpf_htons(port);
}

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

/*
 * ---- The packet path -----------------------------------------------------
 *
 * connect4/6 decide on the address given to connect(). A socket outside the
 * host's network namespace can still reach a guarded port another way: its
 * namespace's root rewrites the destination with netfilter NAT after the
 * hook (connect to :2526, DNAT to MX:25), or never calls connect() and sends
 * a hand-made SYN on a raw socket (CAP_NET_RAW of its own user namespace).
 * cgroup_skb/egress runs after the namespace's OUTPUT and POSTROUTING hooks,
 * on every packet of every socket in the cgroup (raw ones too), so it sees
 * the SYN as it really leaves. It decides again only what connect() did not:
 *
 *   not a TCP SYN (SYN without ACK, first fragment) -> pass
 *   the committed generation's (tail call); not to a guarded port -> pass
 *   from a TCP socket, to the address and port it connected to        -> pass
 *     (connect() decided it: "path": "connect")
 *   from a TCP socket of the host's network namespace                 -> pass
 *   otherwise, a NAT'd SYN ("nat") or a raw socket's ("raw"): leaving
 *   through lo is local; else the allowlists, relays and scoped
 *   exceptions decide on the socket owner's (nat) or sender's (raw) real
 *   IDs as the host sees them; refused -> dropped (return 0).
 *
 * So a host packet that is not a TCP SYN costs reading its IP and TCP
 * headers in place: no helper call, no map, not even the commit point (every
 * generation passes it). A SYN adds the commit check (an inlined array
 * lookup) and the port test; only one to a guarded port goes further. Redirect mode cannot
 * rewrite a packet here: it refuses (action "blocked", mode "redirect").
 */
#define SK_DROP 0
#define SK_PASS 1

#define ETH_P_IP_BE 0x0008 /* htons(ETH_P_IP) on little endian */
#define ETH_P_IPV6_BE 0xdd86
#define IPPROTO_TCP_ 6
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10
#define IPV6_EXT_MAX 4 /* extension headers followed before giving up */

/* What parse_syn() found. */
#define PKT_OTHER 0 /* not a SYN to a guarded port */
#define PKT_SYN 1
#define PKT_UNPARSED 2 /* IPv6 extension headers it could not follow */

struct pkt {
	struct sg_addr dst;
	__u16 port; /* host byte order */
	__u8 family;
};

/*
 * The len bytes at off of the packet: in place when they are in its linear
 * part (every header the kernel builds is), else copied into buf by the
 * helper (a raw socket can push a header into page fragments with
 * MSG_MORE). NULL when the packet is shorter.
 */
static __always_inline const __u8 *pkt_at(struct __sk_buff *skb, __u32 off, __u32 len, void *buf)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *data_end = (const __u8 *)(long)skb->data_end;

	if (off > 512)
		return NULL;
	if (data + off + len <= data_end)
		return data + off;
	return bpf_skb_load_bytes(skb, off, buf, len) ? NULL : buf;
}

/*
 * The TCP header at off: is it a SYN without ACK (p->port: its port)? A
 * first fragment too short to hold the flags counts as a SYN (the flags may
 * follow in another fragment). Whether the port is guarded is the committed
 * generation's question, asked later.
 */
static __always_inline int tcp_syn(struct __sk_buff *skb, __u32 off, struct pkt *p)
{
	__u8 buf[14];
	const __u8 *th = pkt_at(skb, off, sizeof(buf), buf);
	__u16 port;

	if (th) {
		if ((th[13] & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
			return PKT_OTHER;
	} else if (!(th = pkt_at(skb, off, 4, buf))) {
		return PKT_OTHER;
	}
	port = (__u16)(th[2] << 8 | th[3]);
	p->port = port;
	return PKT_SYN;
}

static __always_inline int parse_v4(struct __sk_buff *skb, struct pkt *p)
{
	struct iphdr buf;
	const struct iphdr *ip = (const void *)pkt_at(skb, 0, sizeof(buf), &buf);
	__u32 hlen;

	if (!ip || ip->protocol != IPPROTO_TCP_)
		return PKT_OTHER;
	/* Not the first fragment: no TCP header in it (the first one is decided). */
	if (ip->frag_off & bpf_htons(0x1fff))
		return PKT_OTHER;
	hlen = (ip->ihl & 0xf) * 4;
	if (hlen < sizeof(buf) || tcp_syn(skb, hlen, p) == PKT_OTHER)
		return PKT_OTHER;
	/* Only a SYN gets this far: the rest stores nothing. */
	p->dst = sg_addr_v4mapped(ip->daddr);
	p->family = 4;
	return PKT_SYN;
}

/*
 * IPv6: TCP directly, or after at most IPV6_EXT_MAX hop-by-hop, routing,
 * destination options, fragment (first fragments only) or AH headers. A
 * chain that does not end within that, or cannot be read, is PKT_UNPARSED:
 * refused from outside the host's network namespace. Other next headers
 * (UDP, ICMPv6, ESP, none) are not TCP: passed.
 */
static __always_inline int parse_v6(struct __sk_buff *skb, struct pkt *p)
{
	struct ipv6hdr buf;
	const struct ipv6hdr *ip = (const void *)pkt_at(skb, 0, sizeof(buf), &buf);
	__u32 off = sizeof(buf);
	__u8 nh, ebuf[4];
	const __u8 *ext;

	if (!ip)
		return PKT_OTHER;
	nh = ip->nexthdr;
	if (nh != IPPROTO_TCP_ && nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60)
		return PKT_OTHER;
	__builtin_memcpy(p->dst.words, &ip->daddr, sizeof(p->dst.words));
	p->family = 6;
	p->port = 0;
#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (nh == IPPROTO_TCP_)
			return tcp_syn(skb, off, p);
		if (nh != 0 && nh != 43 && nh != 44 && nh != 51 && nh != 60)
			return PKT_OTHER;
		ext = pkt_at(skb, off, sizeof(ebuf), ebuf);
		if (!ext)
			return PKT_UNPARSED;
		if (nh == 44) { /* fragment: 8 bytes; offset in the top 13 bits of 2-3 */
			if ((ext[2] << 8 | ext[3]) & 0xfff8)
				return PKT_OTHER;
			off += 8;
		} else if (nh == 51) { /* AH: (len + 2) * 4 bytes */
			off += ((__u32)ext[1] + 2) * 4;
		} else {
			off += ((__u32)ext[1] + 1) * 8;
		}
		nh = ext[0];
	}
	return nh == IPPROTO_TCP_ ? tcp_syn(skb, off, p) : PKT_UNPARSED;
}

/*
 * Did this TCP socket connect() to where the packet goes? Then that decided.
 * Every field is read, each on its own (volatile), before choosing: the
 * verifier refuses arithmetic on a socket pointer, which a load shared by
 * two branches would need.
 */
static __always_inline bool as_connected(const struct bpf_sock *sk, const struct pkt *p)
{
	__u32 family = *(volatile const __u32 *)&sk->family;
	__u32 ip4 = *(volatile const __u32 *)&sk->dst_ip4;
	struct sg_addr to = { .words = {
				      *(volatile const __u32 *)&sk->dst_ip6[0],
				      *(volatile const __u32 *)&sk->dst_ip6[1],
				      *(volatile const __u32 *)&sk->dst_ip6[2],
				      *(volatile const __u32 *)&sk->dst_ip6[3],
			      } };

	if (*(volatile const __u16 *)&sk->dst_port != bpf_htons(p->port))
		return false;
	if (family == 2 /* AF_INET */)
		to = sg_addr_v4mapped(ip4);
	/* A v4-mapped socket's IPv4 packets compare as v4-mapped, like the rest. */
	return to.words[0] == p->dst.words[0] && to.words[1] == p->dst.words[1] &&
	       to.words[2] == p->dst.words[2] && to.words[3] == p->dst.words[3];
}

/* bpf_skc_to_tcp_sock(), declared here: older libbpf headers lack it. */
static void *(*const sg_skc_to_tcp_sock)(void *sk) = (void *)137;

#define OWNER_HOST 0 /* the host's network namespace: connect() decided */
#define OWNER_FOREIGN 1

/*
 * A TCP socket's network namespace and owner, read through the kernel's BTF
 * (the offsets are constants the loader wrote): the real IDs of the socket
 * file's credentials, as the host sees them (bpf_get_socket_uid() would map
 * them into the namespace's own user namespace, where a container's root is
 * 0). A socket without a file (a kernel socket) is owned by sk_uid, with no
 * group. The cred of an open file cannot go away under it.
 */
static __always_inline int tcp_owner(struct bpf_sock *sk, __u64 *uid_gid)
{
	const char *tp, *net, *sock, *file, *cred;
	__u64 uid, gid = SG_NO_ID;

	*uid_gid = (__u64)SG_NO_ID << 32 | SG_NO_ID;
	if (!(sg_settings.flags & SG_F_EGRESS_SOCK))
		return OWNER_FOREIGN;
	tp = sg_skc_to_tcp_sock(sk);
	if (!tp)
		return OWNER_FOREIGN;
	net = *(const char *const *)(tp + sg_settings.sk_net_off);
	if (net && *(const __u32 *)(net + sg_settings.net_ino_off) == sg_settings.netns_ino)
		return OWNER_HOST;
	uid = *(const __u32 *)(tp + sg_settings.sk_uid_off);
	sock = *(const char *const *)(tp + sg_settings.sk_socket_off);
	file = sock ? *(const char *const *)(sock + sg_settings.socket_file_off) : NULL;
	cred = file ? *(const char *const *)(file + sg_settings.file_cred_off) : NULL;
	if (cred) {
		uid = *(const __u32 *)(cred + sg_settings.uid_off);
		gid = *(const __u32 *)(cred + sg_settings.gid_off);
	}
	*uid_gid = gid << 32 | uid;
	return OWNER_FOREIGN;
}

/*
 * A raw socket's packet is sent in its sender's own sendmsg(): the current
 * task is the one that sends, as the caller is at connect(). Its real IDs,
 * from its credentials (caller_ids()' reads), wherever its socket is: a raw
 * socket in the host's namespace needs the host's CAP_NET_RAW, whose holder
 * the allowlists (root) name anyway.
 */
static __always_inline __u64 raw_sender(void)
{
	const char *task, *cred;
	__u64 uid, gid;

	if (!(sg_settings.flags & SG_F_EGRESS_TASK))
		return (__u64)SG_NO_ID << 32 | SG_NO_ID;
	task = sg_current_task();
	cred = *(const char *const *)(task + sg_settings.cred_off);
	if (!cred)
		return (__u64)SG_NO_ID << 32 | SG_NO_ID;
	uid = *(const __u32 *)(cred + sg_settings.uid_off);
	gid = *(const __u32 *)(cred + sg_settings.gid_off);
	return gid << 32 | uid;
}

/* The SYN of pkt, which connect() did not decide: pass or drop, counted. */
static __always_inline int decide_packet(struct __sk_buff *skb, const struct pkt *p, __u64 uid_gid,
					 __u8 ev_flags)
{
	struct origin socket = { .task = false, .cgroup_id = bpf_skb_cgroup_id(skb) };
	__u32 action;

	if (!(ev_flags & SG_EV_UNPARSED)) {
		/* Leaving through lo: it stays in the socket's namespace. */
		if (skb->ifindex == LOOPBACK_IFINDEX && (sg_settings.flags & SG_F_ALLOW_LOCAL))
			return SK_PASS;
		if (caller_allowed(uid_gid) || dest_allowed(&p->dst) ||
		    scope_allows(uid_gid, &p->dst, p->port, &ev_flags))
			return SK_PASS;
	}
	action = sg_settings.mode == SG_MODE_AUDIT ? SG_ACTION_AUDITED : SG_ACTION_BLOCKED;
	record_attempt(&p->dst, p->port, p->family, action, uid_gid, ev_flags, &socket);
	return action == SG_ACTION_AUDITED ? SK_PASS : SK_DROP;
}

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
