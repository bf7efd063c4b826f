// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sync.c - bring the live guard to its configuration; see sync.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "guard.h"
#include "live.h"
#include "log.h"
#include "plan.h"
#include "sync.h"

int sync_guard(const char *pin_dir, const char *config, bool config_given, bool *not_loaded)
{
	struct live_state live = {};
	struct plan pl = {};
	char problem[512];
	int lock_fd, state, ret = EXIT_FAIL;
	struct guard g;
	size_t n;

	*not_loaded = false;
	guard_init(&g);
	lock_fd = guard_lock(pin_dir);
	if (lock_fd == -ENOENT) {
		*not_loaded = true;
		printf("smtpguard: not loaded at %s, nothing to sync\n", pin_dir);
		return EXIT_NOT_LOADED;
	}
	if (lock_fd < 0) {
		log_err("cannot lock %s: %s", pin_dir, strerror(-lock_fd));
		return EXIT_FAIL;
	}
	state = guard_open(pin_dir, &g, problem, sizeof(problem));
	if (state != GUARD_LOADED) {
		*not_loaded = state == GUARD_NOT_LOADED;
		if (state < 0)
			log_err("cannot open the guard at %s: %s", pin_dir, strerror(-state));
		else if (state == GUARD_DAMAGED)
			log_err("the guard at %s is damaged (%s); run 'smtpguard load' (or systemctl "
				"reload smtpguard)",
				pin_dir, problem);
		else
			printf("smtpguard: not loaded at %s, nothing to sync\n", pin_dir);
		/* Damaged (including: loaded by another version) is a failure the
		 * sync unit must show, not "nothing loaded". */
		ret = state == GUARD_NOT_LOADED ? EXIT_NOT_LOADED : EXIT_FAIL;
		goto cleanup;
	}
	if (live_read(&g, &live, true)) {
		log_err("cannot read the loaded guard; run 'smtpguard load'");
		goto cleanup;
	}
	/* Unless told otherwise, follow the file the guard was loaded from. */
	if (!config_given && live.settings.config_path[0]) {
		config = (const char *)live.settings.config_path;
		config_given = true;
	}
	ret = plan_from_config(&pl, config, config_given, pin_dir);
	if (ret == EXIT_USAGE)
		log_err("the loaded guard is unchanged");
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_FAIL;
	if (live.cgroup[0] != '/') {
		log_err("the guard's cgroup %s is gone; run 'smtpguard load'", live.cgroup);
		goto cleanup;
	}
	n = diff_print(stdout, &live, &pl.policy, &pl.local);
	if (!n) {
		printf("smtpguard: in sync, nothing changed\n");
		ret = EXIT_OK;
		goto cleanup;
	}
	if (guard_load(&(struct guard_load_args){
		    .pin_dir = pin_dir,
		    .cgroup = live.cgroup,
		    .policy = &pl.policy,
		    .local = &pl.local,
	    }))
		goto cleanup;
	printf("smtpguard: %zu change%s applied\n", n, n == 1 ? "" : "s");
	ret = EXIT_OK;
cleanup:
	guard_close(&g);
	live_free(&live);
	plan_free(&pl);
	close(lock_fd);
	return ret;
}
