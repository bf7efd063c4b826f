/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * diff.h - what a new policy changes against the live guard, one line per
 * change: "+uid 47 (mailnull, @mta)", "-uid 1003", "ports: 25 465 587 -> 25".
 */
#ifndef SG_DIFF_H
#define SG_DIFF_H

#include <stdio.h>

#include "live.h"
#include "own_addrs.h"
#include "policy.h"

/*
 * Print the changes to out (NULL: only count them); returns how many.
 * prog_hash identifies the BPF object the new generation would run
 * (guard_prog_hash()): passed in, so that this module needs no skeleton.
 */
size_t diff_print(FILE *out, const struct live_state *live, const struct sg_policy *p,
		  const struct addr_list *local, __u64 prog_hash);

#endif
