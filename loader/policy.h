/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * policy.h - what the kernel should enforce: the configuration with every
 * name resolved to an ID, as sorted sets ready to be written to the maps.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stdio.h>
#include <linux/types.h>

#include "config.h"
#include "smtpguard.h"

struct id_entry {
	__u32 id;
	__u32 origin; /* SG_ORIGIN_* */
};

/* Sorted by id, no duplicates once id_set_finish() has run. */
struct id_set {
	struct id_entry *v;
	size_t n, cap;
};

struct sg_policy {
	struct sg_settings settings;
	struct id_set uids;
	struct id_set gids;
};

int id_set_add(struct id_set *s, __u32 id, __u32 origin);
/* Sort and merge duplicates (their origins are OR-ed). */
void id_set_finish(struct id_set *s);
void id_set_free(struct id_set *s);

/*
 * Resolve cfg into p. A name that does not resolve is never allowed: it is
 * reported on diag as "FILE:LINE: warning: no such user NAME" and skipped.
 * Built-in defaults that do not exist (no mailman group) are skipped quietly.
 * Returns the number of warnings, or -ENOMEM.
 */
int policy_build(const struct sg_config *cfg, struct sg_policy *p, FILE *diag);
void policy_free(struct sg_policy *p);

#endif
