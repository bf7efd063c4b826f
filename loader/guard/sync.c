// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sync.c - bring the live guard to its configuration; see sync.h. */
#include <stdio.h>

#include "diff.h"
#include "guard.h"
#include "live_open.h"
#include "log.h"
#include "plan.h"
#include "sync.h"

int sync_guard(const char *pin_dir, const char *config, bool config_given)
{
	/* Nothing loaded: nothing to sync. Otherwise the file may hold changes
	 * that cannot be applied now: nothing changed. */
	static const struct live_context absent = { .then = "nothing to sync", .sync = true },
					 broken = { .then = "nothing changed", .sync = true };
	struct live_guard lg;
	struct plan pl = {};
	int ret = EXIT_FAIL;
	size_t n;

	if (live_open(&lg, pin_dir, LIVE_LOCK | LIVE_READ | LIVE_READ_LINKS) != LIVE_WHOLE) {
		ret = live_explain(&lg, lg.found == LIVE_NOT_LOADED ? &absent : &broken);
		goto cleanup;
	}
	/* Unless told otherwise, follow the file the guard was loaded from. */
	if (!config_given && lg.s.settings.config_path[0]) {
		config = (const char *)lg.s.settings.config_path;
		config_given = true;
	}
	ret = plan_from_config(&pl, config, config_given, pin_dir);
	if (ret == EXIT_USAGE)
		log_err("the loaded guard is unchanged");
	if (ret != EXIT_OK)
		goto cleanup;
	/* After the file's errors, which are the admin's to fix first. */
	if (live_check_cgroup(&lg) != LIVE_WHOLE) {
		ret = live_explain(&lg, lg.found == LIVE_NOT_LOADED ? &absent : &broken);
		goto cleanup;
	}
	ret = EXIT_FAIL;
	n = diff_print(stdout, &lg.s, &pl.policy, &pl.local, guard_prog_hash());
	if (!n) {
		printf("smtpguard: in sync, nothing changed\n");
		ret = EXIT_OK;
		goto cleanup;
	}
	if (guard_load(&(struct guard_load_args){
		    .pin_dir = pin_dir,
		    .cgroup = lg.s.cgroup,
		    .policy = &pl.policy,
		    .local = &pl.local,
	    }))
		goto cleanup;
	printf("smtpguard: %zu change%s applied\n", n, n == 1 ? "" : "s");
	ret = EXIT_OK;
cleanup:
	plan_free(&pl);
	live_close(&lg);
	return ret;
}
