// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_check.c - "smtpguard check-config [FILE]": validate a configuration
 * without touching the kernel. Stricter than load: a name that does not
 * resolve is an error here (a typo is caught when the file is edited), while
 * load only warns and skips it.
 *
 * Without FILE or --config it checks the file the loaded guard records (the
 * one sync will apply), not /etc/smtpguard.conf, and says so: "check-config
 * && sync" must judge the file that sync then applies.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "live.h"
#include "log.h"
#include "policy.h"
#include "scope_resolve.h"

int cmd_check_config(const struct sg_opts *o)
{
	const char *path = o->argc ? o->argv[0] : o->config;
	char recorded[SG_CONFIG_PATH_MAX + 1];
	struct sg_policy policy = {};
	struct sg_config cfg;
	int errors, resolve_errors, warnings = 0, ret = EXIT_USAGE, n;
	bool given = o->argc || o->config_given;

	if (!given && !live_config_path(o->pin_dir, recorded, sizeof(recorded))) {
		path = recorded;
		given = true;
		fprintf(stderr,
			"smtpguard: checking %s, the file the guard at %s was loaded from (sync "
			"applies it; name a FILE to check another)\n",
			path, o->pin_dir);
	} else if (!given && geteuid() != 0) {
		fprintf(stderr,
			"smtpguard: not root, so the loaded guard cannot say which file it uses; "
			"checking %s\n",
			path);
	}
	errors = config_load(path, &cfg, stderr);
	if (errors < 0) {
		log_err("%s: %s", path, strerror(-errors));
		ret = EXIT_FAIL;
		goto cleanup;
	}
	if (!errors && !cfg.from_file && given) {
		log_err("%s: no such file", path);
		goto cleanup;
	}
	/* Names are checked even when the syntax is wrong: report every error at once. */
	if (cfg.from_file || !errors) {
		resolve_errors = policy_build(&cfg, &policy, stderr, NAMES_ERROR, &warnings);
		if (resolve_errors < 0) {
			ret = EXIT_FAIL;
			goto cleanup;
		}
		/* The scoped exceptions' DNS names: one that does not exist is an error here. */
		n = scope_resolve(&policy, path, NULL, stderr, NAMES_ERROR, &warnings);
		if (n < 0) {
			ret = EXIT_FAIL;
			goto cleanup;
		}
		resolve_errors += n;
		/* Only a valid max_identities is worth comparing with. */
		if (!errors)
			resolve_errors += !policy_fits(&cfg, &policy, stderr);
		errors += resolve_errors;
	}
	if (errors) {
		log_err("%s: %d error%s", path, errors, errors == 1 ? "" : "s");
		goto cleanup;
	}
	printf("smtpguard: %s %s: %zu user%s, %zu group%s, %zu destination%s allowed, "
	       "%zu scoped exception%s, %d warning%s\n",
	       path, cfg.from_file ? "is valid" : "is absent, the built-in defaults apply",
	       policy.uids.n, policy.uids.n == 1 ? "" : "s", policy.gids.n,
	       policy.gids.n == 1 ? "" : "s", policy.dests.n, policy.dests.n == 1 ? "" : "s",
	       policy.scope.nrules, policy.scope.nrules == 1 ? "" : "s", warnings,
	       warnings == 1 ? "" : "s");
	ret = EXIT_OK;
cleanup:
	policy_free(&policy);
	config_free(&cfg);
	return ret;
}
