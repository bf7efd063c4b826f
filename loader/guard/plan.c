// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* plan.c - from the configuration to a plan; see plan.h. */
#include <errno.h>
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
	const char *which = "/proc/self/ns/net";
	struct stat self, init;

	/* PID 1's link needs ptrace access: EACCES without CAP_SYS_PTRACE (some sandboxes). */
	if (stat(which, &self) || stat(which = "/proc/1/ns/net", &init)) {
		log_note("could not check whether this is PID 1's network namespace (%s: %s): the "
			 "host's own addresses are taken from this process's",
			 which, strerror(errno));
		return;
	}
	if (self.st_ino != init.st_ino || self.st_dev != init.st_dev)
		log_warn("running in a network namespace other than PID 1's: the host's own "
			 "addresses are taken from this one");
}

/*
 * A rule's "let through" count lives in its generation's rules map, which
 * every load and sync that changes anything builds anew: a rule the new
 * generation keeps (same who, destination and ports, whatever its addresses
 * now) starts from the live count, as the per-account counters go on
 * across reloads. Connects let through between this read and the commit
 * (milliseconds) are the only ones not carried.
 */
static void carry_hits(struct scope_plan *next, const struct scope_plan *live)
{
	for (size_t i = 0; i < next->nrules; i++)
		for (size_t k = 0; k < live->nrules; k++)
			if (!scope_rule_cmp(&next->rules[i], &live->rules[k])) {
				next->rules[i].hits = live->rules[k].hits;
				break;
			}
}

/* Names of scoped exceptions, with the live guard's addresses for an outage. */
static int resolve_scopes(struct plan *pl, const char *pin_dir)
{
	struct scope_plan live = {};
	int n;

	live_scope_rules(pin_dir, &live);
	n = scope_resolve(&pl->policy, pl->cfg.path, &live, stderr, NAMES_WARN, NULL);
	if (n >= 0)
		carry_hits(&pl->policy.scope, &live);
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
