// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * guard_maps_test.c - the registry of the guard's maps (loader/guard_maps.c):
 * which map a kernel or libbpf name is (each row a name and the map it must
 * be, or none), and that the table itself is whole: every map has a name, a
 * pin, names and pins are unique, and only the dispatch arrays are optional.
 * Built with ASan and UBSan. To add a case, add a row.
 */
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "guard_maps.h"
#include "testlib.h"

/* clang-format off */
static const struct {
	const char *name;
	enum sg_map want;
} names[] = {
	{ "sg_allow_uid", SG_MAP_ALLOW_UID },
	{ "sg_gid_array", SG_MAP_GID_ARRAY },
	{ "sg_own_addrs", SG_MAP_OWN_ADDRS },
	/* The name builds of ABI 7 gave it before the rename: still ours. */
	{ "sg_local_addr", SG_MAP_OWN_ADDRS },
	{ "sg_scope_rules", SG_MAP_SCOPE_RULES },
	{ "sg_dispatch6", SG_MAP_DISPATCH6 },
	/* 15 characters: the kernel keeps the egress dispatch array's name whole. */
	{ "sg_dispatch_out", SG_MAP_DISPATCH_EGRESS },
	/* libbpf's name for the settings, and the kernel's (cut at 15 bytes). */
	{ "smtpguard_bpf.rodata", SG_MAP_SETTINGS },
	{ "smtpguar.rodata", SG_MAP_SETTINGS },
	{ ".rodata", SG_MAP_COUNT }, /* no object name: not libbpf's */
	{ "other.bss", SG_MAP_COUNT },
	{ "sg_allow_ui", SG_MAP_COUNT }, /* a prefix is not the map */
	{ "sg_netns_seen", SG_MAP_COUNT }, /* the probe's map is no part of a guard */
	{ "", SG_MAP_COUNT },
};
/* clang-format on */

int main(void)
{
	struct test_report r = {};
	int optional = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		enum sg_map got = guard_map_named(names[i].name);

		t_result(&r, got == names[i].want, "\"%s\" is %s (got %s)", names[i].name,
			 names[i].want < SG_MAP_COUNT ? guard_maps[names[i].want].pin : "none",
			 got < SG_MAP_COUNT ? guard_maps[got].pin : "none");
	}
	for (int m = 0; m < SG_MAP_COUNT; m++) {
		const struct sg_map_def *d = &guard_maps[m];
		bool unique = d->bpf_name && d->pin && *d->pin;

		for (int o = 0; o < m && unique; o++)
			unique = strcmp(d->bpf_name, guard_maps[o].bpf_name) &&
				 strcmp(d->pin, guard_maps[o].pin);
		t_result(&r,
			 unique && guard_map_named(d->bpf_name[0] == '.' ?
							   "x.rodata" :
							   d->bpf_name) == (enum sg_map)m,
			 "map %d (%s, pin %s): named, pinned, unique, found by its name", m,
			 d->bpf_name ? d->bpf_name : "?", d->pin ? d->pin : "?");
		optional += !d->required;
	}
	t_result(&r,
		 optional == 3 && !guard_maps[SG_MAP_DISPATCH4].required &&
			 !guard_maps[SG_MAP_DISPATCH6].required &&
			 !guard_maps[SG_MAP_DISPATCH_EGRESS].required,
		 "only the three dispatch arrays are optional (%d optional)", optional);
	return t_summary(&r);
}
