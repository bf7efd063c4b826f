// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_load.c - "smtpguard load", "sync" and "unload": turn the configuration
 * into a new generation and put it in force, or remove the guard.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "config_edit.h"
#include "diff.h"
#include "host_features.h"
#include "guard.h"
#include "guard_open.h"
#include "live.h"
#include "log.h"
#include "mounts.h"
#include "plan.h"
#include "policy.h"
#include "sync.h"

static unsigned int count_ports(const __u64 *ports)
{
	unsigned int n = 0;

	for (unsigned int p = 1; p < 65536; p++)
		n += config_port_guarded(ports, p);
	return n;
}

static void print_summary(const struct plan *pl, const char *cgroup)
{
	unsigned int ports = count_ports(pl->policy.settings.ports);
	size_t n = pl->policy.scope.nrules;
	char scoped[64] = "";

	if (n)
		snprintf(scoped, sizeof(scoped), " (and %zu scoped exception%s)", n,
			 n == 1 ? "" : "s");

	printf("smtpguard: %s %u port%s on %s: %zu user%s, %zu group%s and %zu "
	       "destination%s allowed%s, allow_local %s\n",
	       pl->policy.settings.mode == SG_MODE_AUDIT    ? "auditing (not refusing)" :
	       pl->policy.settings.mode == SG_MODE_REDIRECT ? "redirecting" :
							      "guarding",
	       ports, ports == 1 ? "" : "s", cgroup, pl->policy.uids.n,
	       pl->policy.uids.n == 1 ? "" : "s", pl->policy.gids.n,
	       pl->policy.gids.n == 1 ? "" : "s", pl->policy.dests.n,
	       pl->policy.dests.n == 1 ? "" : "s", scoped,
	       pl->policy.settings.flags & SG_F_ALLOW_LOCAL ? "yes" : "no");
}

/* With the lock held: print what changes against a loaded guard. */
static void print_changes(const char *pin_dir, const struct plan *pl)
{
	struct live_state live = {};
	char problem[512];
	struct guard g;
	__u32 abi;
	int state = guard_open(pin_dir, &g, problem, sizeof(problem));

	if (state == GUARD_LOADED && !live_read(&g, &live, false) &&
	    !diff_print(stdout, &live, &pl->policy, &pl->local, guard_prog_hash()))
		printf("smtpguard: no changes to the allowlists or settings\n");
	/* An upgrade across an ABI change cannot read the old maps: it replaces them all. */
	if (state != GUARD_NOT_LOADED && !live_abi_version(pin_dir, &abi) && abi != SG_ABI_VERSION)
		printf("~program: the loaded guard is from another smtpguard build (ABI %u, this "
		       "one %u); replacing it whole\n",
		       abi, SG_ABI_VERSION);
	guard_close(&g);
	live_free(&live);
}

/*
 * Put the plan in force at cgroup, under the lock: print what changes, load
 * the new generation (guard_load commits it), print the summary.
 */
static int apply_plan(const struct sg_opts *o, struct plan *pl, const char *cgroup)
{
	struct stat st;
	bool existed = !stat(o->pin_dir, &st);
	int lock_fd, err;

	lock_fd = guard_lock_create(o->pin_dir);
	if (lock_fd < 0)
		return EXIT_FAIL;
	print_changes(o->pin_dir, pl);
	err = guard_load(&(struct guard_load_args){
		.pin_dir = o->pin_dir,
		.cgroup = cgroup,
		.policy = &pl->policy,
		.local = &pl->local,
	});
	/* A first load that failed leaves no empty pin dir (rmdir fails if not empty). */
	if (err && !existed)
		rmdir(o->pin_dir);
	close(lock_fd);
	if (err)
		return EXIT_FAIL;
	print_summary(pl, cgroup);
	return EXIT_OK;
}

/* Loaded and whole: a damaged guard may have a hook unguarded. */
static bool guard_is_whole(const char *pin_dir)
{
	char problem[512];
	struct guard g;
	int state = guard_open(pin_dir, &g, problem, sizeof(problem));

	guard_close(&g);
	return state == GUARD_LOADED;
}

/*
 * A configuration error must never leave the host unguarded: with no whole
 * guard loaded (a boot, or a damaged guard), install the built-in defaults
 * and still fail.
 */
static int load_defaults_instead(const struct sg_opts *o, const char *cgroup)
{
	struct plan pl = {};
	int ret;

	if (guard_is_whole(o->pin_dir)) {
		log_err("the loaded guard is unchanged");
		return EXIT_USAGE;
	}
	ret = config_builtin(&pl.cfg, o->config) ? EXIT_FAIL : plan_resolve(&pl, o->pin_dir);
	if (ret == EXIT_OK)
		ret = apply_plan(o, &pl, cgroup);
	if (ret == EXIT_OK)
		log_err("no whole guard was loaded: loaded the built-in defaults instead, so the "
			"host stays guarded; fix %s and run 'smtpguard load'",
			o->config);
	plan_free(&pl);
	return ret == EXIT_OK ? EXIT_USAGE : ret;
}

/*
 * --mode is written to the file, so the next sync (which the path unit, the
 * address hooks and the timer run on their own) keeps it. The file must
 * exist: one made here would hold nothing but the mode, and loading it would
 * drop whatever the guard allowed through built-in defaults or another file.
 */
static int persist_mode(const struct sg_opts *o)
{
	const char *mode = config_mode_name((__u32)o->mode);
	struct sg_config cfg;
	bool exists;
	char msg[128];
	int n, ret;

	n = config_load(o->config, &cfg, stderr);
	exists = cfg.from_file;
	config_free(&cfg);
	if (!n && !exists) {
		log_err("%s does not exist: --mode is recorded in the configuration so that "
			"syncs keep it; create the file (an empty one means the built-in "
			"defaults) and run again. Nothing was changed",
			o->config);
		return EXIT_USAGE;
	}
	if (n) {
		log_err("%s has errors; fix them before switching mode, nothing was changed",
			o->config);
		return n < 0 ? EXIT_FAIL : EXIT_USAGE;
	}
	ret = config_edit_set(o->config, "mode", mode, "smtpguard load --mode", msg, sizeof(msg));
	if (ret < 0) {
		log_err("cannot record mode = %s in %s: %s", mode, o->config, strerror(-ret));
		return EXIT_FAIL;
	}
	if (ret)
		printf("smtpguard: mode = %s: %s of %s\n", mode, msg, o->config);
	return EXIT_OK;
}

/*
 * Where a first load attaches: the cgroup v2 root, every process of the host.
 * SMTPGUARD_CGROUP_ROOT replaces it (the test suite's safety net, so that a
 * regression can never reach the real root).
 */
static int default_cgroup(char *buf, size_t len)
{
	const char *env = getenv("SMTPGUARD_CGROUP_ROOT");
	int err;

	if (env && env[0] == '/') {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	err = cgroup2_root(buf, len);
	if (err)
		log_err("no cgroup v2 hierarchy in /proc/self/mountinfo: %s "
			"(smtpguard needs cgroup v2; mount -t cgroup2 none /sys/fs/cgroup)",
			strerror(-err));
	return err;
}

/*
 * A loaded guard stays where it is and follows the file it was loaded from,
 * unless --cgroup or --config says otherwise: a plain "load" (the DAMAGED
 * hint, a package upgrade, systemctl reload) must not move it or swap its
 * policy. A move is printed like any other change.
 */
int cmd_load(const struct sg_opts *o)
{
	struct live_record rec;
	struct sg_opts use = *o;
	struct plan pl = {};
	char cgroot[PATH_MAX];
	const char *cgroup = o->cgroup;
	int ret;

	live_recorded(o->pin_dir, &rec);
	if (!o->config_given && rec.config[0]) {
		use.config = rec.config;
		/* Absent, the default file means the built-in defaults, as at boot. */
		use.config_given = strcmp(rec.config, SG_DEFAULT_CONFIG) != 0;
	}
	if (!cgroup && rec.cgroup[0])
		cgroup = rec.cgroup;
	if (!cgroup) {
		if (default_cgroup(cgroot, sizeof(cgroot)))
			return EXIT_FAIL;
		cgroup = cgroot;
	}
	if (!features_ready(o->pin_dir, cgroup))
		return EXIT_FAIL;
	if (rec.cgroup[0] && strcmp(rec.cgroup, cgroup))
		printf("~cgroup: %s -> %s\n", rec.cgroup, cgroup);
	if (o->mode >= 0) {
		ret = persist_mode(&use);
		if (ret != EXIT_OK)
			return ret;
	}
	ret = plan_from_config(&pl, use.config, use.config_given, use.pin_dir);
	if (ret == EXIT_USAGE)
		ret = load_defaults_instead(&use, cgroup);
	else if (ret == EXIT_OK)
		ret = apply_plan(&use, &pl, cgroup);
	plan_free(&pl);
	return ret;
}

int cmd_sync(const struct sg_opts *o)
{
	return sync_guard(o->pin_dir, o->config, o->config_given);
}

int cmd_unload(const struct sg_opts *o)
{
	int err = guard_unload(o->pin_dir);

	if (err == -ENOENT) {
		printf("smtpguard: not loaded at %s, nothing to do\n", o->pin_dir);
		return EXIT_OK;
	}
	if (err)
		return EXIT_FAIL;
	printf("smtpguard: unloaded; SMTP connections are no longer guarded\n");
	return EXIT_OK;
}
