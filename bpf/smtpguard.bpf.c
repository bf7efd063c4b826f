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
 * Count the attempt and report it. Never blocks or slows the connect: over
 * the UID's budget the event is not sent (suppressed), with the ring buffer
 * full it is dropped (lost); both are counted per UID and in the totals.
 */
static __always_inline void record_attempt(const struct sg_addr *dst, __u16 port, __u8 family,
					   __u32 action, __u64 uid_gid, __u8 ev_flags)
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
	e->flags = ev_flags;
	e->pad[0] = e->pad[1] = 0;
	e->suppressed = c ? c->suppressed : 0;
	e->lost = c ? c->lost : 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
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
	__u32 mode = sg_settings.mode;
	__u32 action = SG_ACTION_BLOCKED;

	if (mode == SG_MODE_AUDIT)
		action = SG_ACTION_AUDITED;
	else if (mode == SG_MODE_REDIRECT && can_redirect(ctx, dst))
		action = SG_ACTION_REDIRECTED;

	record_attempt(dst, port, family, action, uid_gid, ev_flags);
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
