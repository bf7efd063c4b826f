// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * events.bpf.h - what a refused (or audited, or redirected) attempt leaves
 * behind: the totals, the per-UID counters, the event budget and the event
 * in the ring buffer.
 *
 * Only attempts the allowlists did not allow get here; nothing in this file
 * runs on an allowed connect. Included by smtpguard.bpf.c only, after
 * maps.bpf.h.
 */
#ifndef SMTPGUARD_BPF_EVENTS_H
#define SMTPGUARD_BPF_EVENTS_H

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
 * The calling task, when the event may read its process and cgroup
 * directly (SG_F_TASK_EVENT, which needs SG_F_TASK_CRED); else NULL, and
 * the helpers read the same fields. The flags are constant: the verifier
 * never looks at the branch a kernel cannot take.
 */
static __always_inline const char *event_task(const struct origin *o)
{
	if (!o->task || !(sg_settings.flags & SG_F_TASK_EVENT))
		return NULL;
	return sg_current_task();
}

/* cgroup_id(task_dfl_cgroup(task)): what bpf_get_current_cgroup_id() returns. */
static __always_inline __u64 task_cgroup_id(const char *task)
{
	const char *p = *(const char *const *)(task + sg_settings.task_cgroups_off);

	if (p)
		p = *(const char *const *)(p + sg_settings.css_set_dfl_cgrp_off);
	if (p)
		p = *(const char *const *)(p + sg_settings.cgroup_kn_off);
	return p ? *(const __u64 *)(p + sg_settings.kn_id_off) : 0;
}

/*
 * Count the attempt and report it. Never blocks or slows the connect: over
 * the UID's budget the event is not sent (suppressed), with the ring buffer
 * full it is dropped (lost); both are counted per UID and in the totals.
 */
static __always_inline void record_attempt(const struct sg_addr *dst, __u16 port, __u8 family,
					   __u32 action, __u64 uid_gid, __u8 ev_flags,
					   const struct origin *o)
{
	__u64 now = bpf_ktime_get_boot_ns(), pid_tgid = 0, cgroup_id = o->cgroup_id;
	const char *task = event_task(o);
	struct sg_counter *c = counter_of((__u32)uid_gid);
	struct sg_event *e;

	if (task)
		cgroup_id = task_cgroup_id(task);
	else if (o->task)
		cgroup_id = bpf_get_current_cgroup_id();
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
	if (task)
		pid_tgid = (__u64) * (const __u32 *)(task + sg_settings.task_tgid_off) << 32 |
			   *(const __u32 *)(task + sg_settings.task_pid_off);
	else if (o->task)
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
	if (task) {
		/* Always NUL-terminated; the bytes past the NUL may be an older name's. */
		const __u64 *name = (const __u64 *)(task + sg_settings.task_comm_off);
		__u64 *comm = (__u64 *)e->comm;

		comm[0] = name[0];
		comm[1] = name[1];
	} else if (o->task) {
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	} else {
		__u64 *comm = (__u64 *)e->comm;

		comm[0] = comm[1] = 0;
	}
	bpf_ringbuf_submit(e, 0);
}

#endif /* SMTPGUARD_BPF_EVENTS_H */
