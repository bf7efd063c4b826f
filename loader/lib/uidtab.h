/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * uidtab.h - per-UID state of the monitor (storm condensing, alert windows)
 * in a fixed-size open-addressing table: bounded memory whatever the number
 * of UIDs a storm brings; when full, the slot with the oldest activity goes.
 */
#ifndef SG_UIDTAB_H
#define SG_UIDTAB_H

#include <stdbool.h>
#include <linux/types.h>

#define UIDTAB_SLOTS 8192

struct uid_state {
	__u32 uid;
	bool used;
	__u64 last_ns; /* monotonic time of the latest event */
	/* syslog condensing */
	__u64 log_window_ns; /* start of the current window */
	__u32 logged; /* lines written in it */
	__u64 suppressed; /* events not written in it */
	__u8 last_action;
	/*
	 * The kernel's per-UID counts of attempts not sent as events (over the
	 * budget, ring buffer full) as far as reported: events and the counter
	 * scan only ever move them forward. A UID first seen after the monitor
	 * attached starts from 0 (its counter is younger); one whose slot was
	 * recycled meanwhile is reported again from 0.
	 */
	__u64 k_suppressed, k_lost;
	/* alerts */
	__u64 alert_window_ns;
	__u32 alert_count;
	bool alerted;
};

struct uidtab {
	struct uid_state slot[UIDTAB_SLOTS];
};

/*
 * The state of uid, created if needed; never NULL. When a slot had to be
 * recycled, its old state is copied to *evicted (evicted->used is true).
 */
struct uid_state *uidtab_get(struct uidtab *t, __u32 uid, struct uid_state *evicted);

#endif
