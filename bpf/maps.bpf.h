// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * maps.bpf.h - every map of the connect and egress programs, in one place.
 *
 * The loader finds them by name (loader/guard/guard_maps.c's registry). Per
 * generation (the loader sizes and fills them before load): the
 * allowlists, own addresses, allow_dest and the scoped exceptions. Shared
 * by every generation (load reuses them): the events, counters, totals,
 * the commit point and the dispatch arrays. Included by smtpguard.bpf.c
 * only.
 */
#ifndef SMTPGUARD_BPF_MAPS_H
#define SMTPGUARD_BPF_MAPS_H

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

/* allow_dest's single addresses, scanned before the trie: see struct sg_dest_exact. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* runtime edits switch tables through mmap */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_dest_exact);
} sg_dest_exact SEC(".maps");

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

#endif /* SMTPGUARD_BPF_MAPS_H */
