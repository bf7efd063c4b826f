/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * guard_hooks.h - the guard's three hooks, their names and the dispatch
 * array (commit.h) through which each runs the committed generation.
 * Everything that walks the hooks goes by enum sg_hook, so a hook is one
 * value here, one link pin (pins.h) and one program in bpf/.
 */
#ifndef SG_GUARD_HOOKS_H
#define SG_GUARD_HOOKS_H

#include "guard_maps.h"

enum sg_hook {
	SG_HOOK_CONNECT4,
	SG_HOOK_CONNECT6,
	SG_HOOK_EGRESS, /* cgroup_skb/egress: the SYNs connect() did not decide */
	SG_HOOK_COUNT,
};

/* Tables by hook: a hook without its row does not build. */
static inline const char *guard_hook_name(enum sg_hook hook)
{
	static const char *const names[] = {
		[SG_HOOK_CONNECT4] = "connect4",
		[SG_HOOK_CONNECT6] = "connect6",
		[SG_HOOK_EGRESS] = "egress",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == SG_HOOK_COUNT, "a name per hook");

	return names[hook];
}

/* A hook's dispatch array: its committed program (commit.h). */
static inline enum sg_map guard_dispatch_map(int hook)
{
	static const enum sg_map dispatch[] = {
		[SG_HOOK_CONNECT4] = SG_MAP_DISPATCH4,
		[SG_HOOK_CONNECT6] = SG_MAP_DISPATCH6,
		[SG_HOOK_EGRESS] = SG_MAP_DISPATCH_EGRESS,
	};
	_Static_assert(sizeof(dispatch) / sizeof(dispatch[0]) == SG_HOOK_COUNT,
		       "a dispatch array per hook");

	return dispatch[hook];
}

#endif
