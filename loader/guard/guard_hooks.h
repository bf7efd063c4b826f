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

static inline const char *guard_hook_name(enum sg_hook hook)
{
	return hook == SG_HOOK_CONNECT4 ? "connect4" :
	       hook == SG_HOOK_CONNECT6 ? "connect6" :
					  "egress";
}

/* A hook's dispatch array: its committed program (commit.h). */
static inline enum sg_map guard_dispatch_map(int hook)
{
	return hook == SG_HOOK_EGRESS	? SG_MAP_DISPATCH_EGRESS :
	       hook == SG_HOOK_CONNECT6 ? SG_MAP_DISPATCH6 :
					  SG_MAP_DISPATCH4;
}

#endif
