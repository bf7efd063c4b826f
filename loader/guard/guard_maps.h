/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * guard_maps.h - the registry of the guard's maps: for each one its name in
 * the BPF object, its pin, whether it belongs to one generation or is state
 * shared by all of them, and whether every program of this smtpguard uses
 * it. struct guard (guard_open.h) holds their fds indexed by enum sg_map; opening,
 * closing, reusing and pinning the maps all go by this one table, so a new
 * map is one enum value and one row.
 */
#ifndef SG_GUARD_MAPS_H
#define SG_GUARD_MAPS_H

#include <stdbool.h>
#include <linux/types.h>

#include "identity.h"

enum sg_map {
	SG_MAP_SETTINGS, /* the program's .rodata: struct sg_settings */
	SG_MAP_ALLOW_UID, /* hash of the IDs at or above the array's range */
	SG_MAP_ALLOW_GID,
	SG_MAP_UID_ARRAY, /* origin bytes of the IDs below it (idlist.h) */
	SG_MAP_GID_ARRAY,
	SG_MAP_OWN_ADDRS, /* the host's own addresses */
	SG_MAP_ALLOW_DEST, /* destinations anyone may reach */
	SG_MAP_DEST_EXACT, /* their single addresses, scanned first (dest_exact.h) */
	SG_MAP_SCOPED, /* the scoped exceptions: trie, port sets, rules (scope_maps.h) */
	SG_MAP_SCOPE_PORTS,
	SG_MAP_SCOPE_RULES,
	SG_MAP_EVENTS, /* ring buffer of struct sg_event */
	SG_MAP_COUNTERS, /* per-UID struct sg_counter, one shared LRU hash */
	SG_MAP_STATS, /* enum sg_stat totals, per CPU */
	SG_MAP_CONTROL, /* struct sg_control: the commit point */
	SG_MAP_DISPATCH4, /* each hook's committed program */
	SG_MAP_DISPATCH6,
	SG_MAP_DISPATCH_EGRESS,
	SG_MAP_COUNT,
};

enum sg_map_kind {
	SG_KIND_GENERATION, /* built and filled by each load, replaced by the next */
	SG_KIND_STATE, /* outlives generations: each load reuses the live one */
	SG_KIND_COMMIT, /* the commit point (commit.h): reused whole or not at all */
};

struct sg_map_def {
	const char *bpf_name; /* ".rodata" stands for any "<object>.rodata" */
	const char *pin; /* under the pin directory */
	enum sg_map_kind kind;
	bool required; /* a program that lacks it is another smtpguard's */
	bool connect_only; /* ... but the egress program (cgroup_skb) does without it */
	/* The name builds of the same ABI gave it before a rename, or NULL:
	 * their live guard stays readable, and replaceable through its commit point. */
	const char *old_bpf_name;
};

extern const struct sg_map_def guard_maps[SG_MAP_COUNT];

/*
 * The allowlist maps of a kind of ID (enum id_kind): hash, and array
 * (idlist.h). An int, as callers keep the kind in enums of their own.
 */
static inline enum sg_map guard_allow_map(int kind)
{
	return kind == ID_GROUP ? SG_MAP_ALLOW_GID : SG_MAP_ALLOW_UID;
}

static inline enum sg_map guard_array_map(int kind)
{
	return kind == ID_GROUP ? SG_MAP_GID_ARRAY : SG_MAP_UID_ARRAY;
}

/*
 * The map called name, as the kernel (bpf_map_info.name, truncated) or
 * libbpf (bpf_map__name()) names it; SG_MAP_COUNT when it is none of ours.
 */
enum sg_map guard_map_named(const char *name);

/*
 * Open the maps a program uses into fd[] (by enum sg_map), found by name:
 * the live truth, whatever the pins say. Slots already filled (>= 0) are
 * kept. -EPROTO when the program lacks one that is required (built by
 * another smtpguard version), or -errno; the fds opened stay in fd[] either
 * way, for the caller to close.
 */
int guard_maps_of_prog(__u32 prog_id, int fd[SG_MAP_COUNT]);

#endif
