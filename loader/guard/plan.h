/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * plan.h - the configuration turned into what a load or sync puts in force:
 * the policy (names and roles resolved, scoped exceptions' names looked up)
 * and the host's own addresses.
 */
#ifndef SG_PLAN_H
#define SG_PLAN_H

#include <stdbool.h>

#include "config.h"
#include "exit_codes.h"
#include "own_addrs.h"
#include "policy.h"

/* Everything one load or sync needs, freed by plan_free(). */
struct plan {
	struct sg_config cfg;
	struct sg_policy policy;
	struct addr_list local;
};

void plan_free(struct plan *pl);

/*
 * Resolve a configuration already in pl->cfg: the policy, the scoped
 * exceptions (with the live guard's addresses for a resolver outage) and the
 * host's own addresses. EXIT_OK, EXIT_USAGE (nothing applied) or EXIT_FAIL.
 */
int plan_resolve(struct plan *pl, const char *pin_dir);

/*
 * Read and check the configuration, resolve it. EXIT_USAGE: it has errors
 * (each printed), or config_given and the file is absent (the built-in
 * defaults stand in only for the default file). pin_dir: the live guard,
 * whose addresses of scoped names outlast a resolver outage.
 */
int plan_from_config(struct plan *pl, const char *config, bool config_given, const char *pin_dir);

#endif
