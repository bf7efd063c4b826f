/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * counters.h - the per-UID attempt counters and the totals. They live in the
 * kernel and count whether or not anyone is listening. The totals (per-CPU,
 * never evicted) are exact; per-account counters cover the accounts seen
 * most recently (an LRU of SG_MAX_COUNTED_UIDS).
 */
#ifndef SG_COUNTERS_H
#define SG_COUNTERS_H

#include <stddef.h>
#include <linux/types.h>

#include "guard_open.h"
#include "smtpguard.h"

struct uid_count {
	__u32 uid;
	__u64 attempts[SG_ACTION_COUNT];
	__u64 total; /* sum of attempts[] */
	__u64 last_ns; /* CLOCK_BOOTTIME */
	struct sg_addr last_dst;
	__u16 last_port;
	__u64 last_cgroup_id; /* the latest attempt's cgroup v2 */
	__u64 suppressed; /* not sent as events: over the UID's budget */
	__u64 lost; /* not sent as events: the ring buffer was full */
};

struct counts {
	struct uid_count *v; /* sorted by total, most first */
	size_t n;
	__u64 totals[SG_STAT_COUNT]; /* enum sg_stat */
};

int counters_read(const struct guard *g, struct counts *out);
/* Only the totals (enum sg_stat), cheap enough for every second. */
int counters_read_totals(const struct guard *g, __u64 *totals);
void counters_free(struct counts *c);

/* "blocked", "audited", "redirected" */
const char *counters_action_name(unsigned int action);

/* CLOCK_BOOTTIME nanoseconds as "2026-11-21T10:04:05Z". */
const char *boot_ns_to_iso(__u64 boot_ns, char *buf, size_t len);

#endif
