// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* plan.c - from the configuration to a plan; see plan.h. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "live.h"
#include "log.h"
#include "plan.h"
#include "scope_resolve.h"

void plan_free(struct plan *pl)
{
	addr_list_free(&pl->local);
	policy_free(&pl->policy);
	config_free(&pl->cfg);
}

/*
 * The own-address set is read in this process's network namespace. Run from
 * a unit with PrivateNetwork= or under "ip netns exec", it is not the host's.
 */
static void warn_foreign_netns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) || stat("/proc/1/ns/net", &init))
		return;
	if (self.st_ino != init.st_ino || self.st_dev != init.st_dev)
		log_warn("running in a network namespace other than PID 1's: the host's own "
			 "addresses are taken from this one");
}

/* Names of scoped exceptions, with the live guard's addresses for an outage. */
static int resolve_scopes(struct plan *pl, const char *pin_dir)
{
	struct scope_plan live = {};
	int n;

	live_scope_rules(pin_dir, &live);
	n = scope_resolve(&pl->policy, pl->cfg.path, &live, stderr, NAMES_WARN, NULL);
	scope_free(&live);
	return n;
}

int plan_resolve(struct plan *pl, const char *pin_dir)
{
	int err;

	if (policy_build(&pl->cfg, &pl->policy, stderr, NAMES_WARN, NULL) < 0) {
		log_err("out of memory");
		return EXIT_FAIL;
	}
	err = resolve_scopes(pl, pin_dir);
	if (err < 0) {
		log_err("out of memory");
		return EXIT_FAIL;
	}
	if (err > 0) {
		log_err("%s: nothing applied", pl->cfg.path);
		return EXIT_USAGE;
	}
	/* Like a bad port: a configuration error, nothing applied. */
	if (!policy_fits(&pl->cfg, &pl->policy, stderr)) {
		log_err("%s: nothing applied", pl->cfg.path);
		return EXIT_USAGE;
	}
	warn_foreign_netns();
	err = own_addrs_collect(&pl->local);
	if (err) {
		log_err("cannot list the host's addresses: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Read and check the configuration, resolve it. EXIT_USAGE: it has errors. */
int plan_from_config(struct plan *pl, const char *config, bool config_given, const char *pin_dir)
{
	int n = config_load(config, &pl->cfg, stderr);

	if (n < 0) {
		log_err("%s: %s", config, strerror(-n));
		return EXIT_FAIL;
	}
	if (n > 0) {
		/* Every problem in one run, as check-config: names are looked up too. */
		if (pl->cfg.from_file &&
		    (policy_build(&pl->cfg, &pl->policy, stderr, NAMES_WARN, NULL) < 0 ||
		     resolve_scopes(pl, pin_dir) < 0))
			return EXIT_FAIL;
		log_err("%s: %d error%s, nothing applied", config, n, n == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	if (!pl->cfg.from_file && config_given) {
		log_err("%s: no such file (the built-in defaults apply only when the default %s "
			"is absent)",
			config, SG_DEFAULT_CONFIG);
		return EXIT_USAGE;
	}
	if (!pl->cfg.from_file)
		printf("smtpguard: %s not found, using the built-in defaults\n", config);
	return plan_resolve(pl, pin_dir);
}
