// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* counters.c - see counters.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "counters.h"

const char *counters_action_name(unsigned int action)
{
	static const char *const names[SG_ACTION_COUNT] = {
		[SG_ACTION_BLOCKED] = "blocked",
		[SG_ACTION_AUDITED] = "audited",
		[SG_ACTION_REDIRECTED] = "redirected",
	};

	return action < SG_ACTION_COUNT ? names[action] : "unknown";
}

const char *boot_ns_to_iso(__u64 boot_ns, char *buf, size_t len)
{
	struct timespec real, boot;
	__s64 ago_ns;
	time_t t;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	ago_ns = ((__s64)boot.tv_sec * 1000000000LL + boot.tv_nsec) - (__s64)boot_ns;
	t = real.tv_sec - (time_t)(ago_ns / 1000000000LL);
	if (ago_ns % 1000000000LL > real.tv_nsec)
		t--;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int cmp_total(const void *a, const void *b)
{
	__u64 x = ((const struct uid_count *)a)->total, y = ((const struct uid_count *)b)->total;

	return x < y ? 1 : x > y ? -1 : 0;
}

int counters_read_totals(const struct guard *g, __u64 *totals)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < SG_STAT_COUNT; k++) {
		totals[k] = 0;
		if (bpf_map_lookup_elem(g->fd[SG_MAP_STATS], &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			totals[k] += vals[c];
	}
	free(vals);
	return 0;
}

static int cmp_uid(const void *a, const void *b)
{
	__u32 x = ((const struct uid_count *)a)->uid, y = ((const struct uid_count *)b)->uid;

	return x < y ? -1 : x > y;
}

/*
 * Walking an LRU map while it evicts may restart from its first key: the
 * same UID can come twice. Keep one (the later read), sorted by total.
 */
static void dedupe(struct counts *out)
{
	size_t w = 0;

	qsort(out->v, out->n, sizeof(out->v[0]), cmp_uid);
	for (size_t i = 0; i < out->n; i++) {
		if (w && out->v[w - 1].uid == out->v[i].uid)
			out->v[w - 1] = out->v[i];
		else
			out->v[w++] = out->v[i];
	}
	out->n = w;
	qsort(out->v, out->n, sizeof(out->v[0]), cmp_total);
}

int counters_read(const struct guard *g, struct counts *out)
{
	struct sg_counter val;
	__u32 key, next;
	void *prev = NULL;
	size_t cap = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = counters_read_totals(g, out->totals);
	if (err)
		return err;
	/* Bounded even if evictions keep restarting the walk. */
	for (__u32 steps = 0; steps < 2 * SG_MAX_COUNTED_UIDS &&
			      !bpf_map_get_next_key(g->fd[SG_MAP_COUNTERS], prev, &next);
	     steps++) {
		struct uid_count *u;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(g->fd[SG_MAP_COUNTERS], &key, &val))
			continue;
		if (array_reserve_one((void **)&out->v, &cap, out->n, sizeof(*out->v)))
			return -ENOMEM;
		u = &out->v[out->n++];
		memset(u, 0, sizeof(*u));
		u->uid = key;
		for (int a = 0; a < SG_ACTION_COUNT; a++) {
			u->attempts[a] = val.attempts[a];
			u->total += val.attempts[a];
		}
		u->last_ns = val.last_ns;
		u->last_dst = val.last_dst;
		u->last_port = val.last_port;
		u->last_cgroup_id = val.last_cgroup_id;
		u->suppressed = val.suppressed;
		u->lost = val.lost;
	}
	if (out->n)
		dedupe(out);
	return 0;
}

void counters_free(struct counts *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}
