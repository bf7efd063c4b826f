// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* guard_maps.c - the registry of the guard's maps; see guard_maps.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "array.h"
#include "guard_maps.h"
#include "smtpguard.h"

/* Designated fields: old_bpf_name is left out of most rows (gcc 10 warns otherwise). */
#define MAP(name, pin_, kind_, required_)                                           \
	{                                                                           \
		.bpf_name = name, .pin = pin_, .kind = kind_, .required = required_ \
	}
#define GEN(name, pin_) MAP(name, pin_, SG_KIND_GENERATION, true)

const struct sg_map_def guard_maps[SG_MAP_COUNT] = {
	[SG_MAP_SETTINGS] = GEN(".rodata", SG_PIN_SETTINGS),
	[SG_MAP_ALLOW_UID] = GEN("sg_allow_uid", SG_PIN_ALLOW_UID),
	[SG_MAP_ALLOW_GID] = GEN("sg_allow_gid", SG_PIN_ALLOW_GID),
	[SG_MAP_UID_ARRAY] = GEN("sg_uid_array", SG_PIN_UID_ARRAY),
	[SG_MAP_GID_ARRAY] = GEN("sg_gid_array", SG_PIN_GID_ARRAY),
	[SG_MAP_OWN_ADDRS] = { .bpf_name = "sg_own_addrs",
			       .pin = SG_PIN_OWN_ADDRS,
			       .kind = SG_KIND_GENERATION,
			       .required = true,
			       .connect_only = true, /* egress: "local" is leaving through lo */
			       .old_bpf_name = "sg_local_addr" },
	[SG_MAP_ALLOW_DEST] = GEN("sg_allow_dest", SG_PIN_ALLOW_DEST),
	[SG_MAP_DEST_EXACT] = GEN("sg_dest_exact", SG_PIN_DEST_EXACT),
	[SG_MAP_SCOPED] = GEN("sg_scoped", SG_PIN_SCOPED),
	[SG_MAP_SCOPE_PORTS] = GEN("sg_scope_ports", SG_PIN_SCOPE_PORTS),
	[SG_MAP_SCOPE_RULES] = GEN("sg_scope_rules", SG_PIN_SCOPE_RULES),
	[SG_MAP_EVENTS] = MAP("sg_events", SG_PIN_EVENTS, SG_KIND_STATE, true),
	[SG_MAP_COUNTERS] = MAP("sg_counters", SG_PIN_COUNTERS, SG_KIND_STATE, true),
	[SG_MAP_STATS] = MAP("sg_stats", SG_PIN_STATS, SG_KIND_STATE, true),
	[SG_MAP_CONTROL] = MAP("sg_control", SG_PIN_CONTROL, SG_KIND_COMMIT, true),
	/* Each program uses only its own hook's dispatch array. */
	[SG_MAP_DISPATCH4] = MAP("sg_dispatch4", SG_PIN_DISPATCH4, SG_KIND_COMMIT, false),
	[SG_MAP_DISPATCH6] = MAP("sg_dispatch6", SG_PIN_DISPATCH6, SG_KIND_COMMIT, false),
	/* "out": the kernel keeps 15 characters of a map's name. */
	[SG_MAP_DISPATCH_EGRESS] =
		MAP("sg_dispatch_out", SG_PIN_DISPATCH_EGRESS, SG_KIND_COMMIT, false),
};

enum sg_map guard_map_named(const char *name)
{
	size_t n = strlen(name);

	for (int m = 0; m < SG_MAP_COUNT; m++) {
		const char *want = guard_maps[m].bpf_name;
		size_t w = strlen(want);

		/* libbpf prefixes its internal maps with the object's name. */
		if (want[0] == '.' ? n > w && !strcmp(name + n - w, want) : !strcmp(name, want))
			return (enum sg_map)m;
		if (guard_maps[m].old_bpf_name && !strcmp(name, guard_maps[m].old_bpf_name))
			return (enum sg_map)m;
	}
	return SG_MAP_COUNT;
}

int guard_maps_of_prog(__u32 prog_id, int fd[SG_MAP_COUNT])
{
	__u32 map_ids[32], len;
	struct bpf_prog_info info = {};
	int prog_fd, err = 0;

	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	len = sizeof(info);
	info.nr_map_ids = ARRAY_SIZE(map_ids);
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		err = -errno;
		goto cleanup;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < ARRAY_SIZE(map_ids); i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int map_fd = bpf_map_get_fd_by_id(map_ids[i]);
		enum sg_map m;

		if (map_fd < 0 || bpf_obj_get_info_by_fd(map_fd, &mi, &mlen)) {
			err = -errno;
			if (map_fd >= 0)
				close(map_fd);
			goto cleanup;
		}
		m = guard_map_named(mi.name);
		if (m < SG_MAP_COUNT && fd[m] < 0)
			fd[m] = map_fd;
		else
			close(map_fd);
	}
	for (int m = 0; m < SG_MAP_COUNT; m++)
		if (guard_maps[m].required && fd[m] < 0 &&
		    !(guard_maps[m].connect_only && info.type == BPF_PROG_TYPE_CGROUP_SKB))
			err = -EPROTO;
cleanup:
	close(prog_fd);
	return err;
}
