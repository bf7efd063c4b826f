// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cmd_load.c - "smtpguard load" and "smtpguard unload". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "guard.h"
#include "local_addrs.h"
#include "log.h"
#include "mounts.h"
#include "policy.h"

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

static unsigned int count_ports(const __u64 *ports)
{
	unsigned int n = 0;

	for (unsigned int p = 1; p < 65536; p++)
		n += config_port_guarded(ports, p);
	return n;
}

int cmd_load(const struct sg_opts *o)
{
	struct sg_config cfg;
	struct sg_policy policy = {};
	struct addr_list local = {};
	char cgroot[PATH_MAX];
	const char *cgroup = o->cgroup;
	int ret = EXIT_FAIL, n, err;

	n = config_load(o->config, &cfg, stderr);
	if (n < 0) {
		log_err("%s: %s", o->config, strerror(-n));
		goto cleanup;
	}
	if (n > 0) {
		log_err("%s: %d error%s, nothing applied", o->config, n, n == 1 ? "" : "s");
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (!cfg.from_file && o->config_given) {
		log_err("%s: no such file (the built-in defaults apply only when the default %s "
			"is absent)",
			o->config, SG_DEFAULT_CONFIG);
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (!cfg.from_file)
		printf("smtpguard: %s not found, using the built-in defaults\n", o->config);
	warn_foreign_netns();
	if (policy_build(&cfg, &policy, stderr) < 0) {
		log_err("out of memory");
		goto cleanup;
	}
	err = local_addrs_collect(&local);
	if (err) {
		log_err("cannot list the host's addresses: %s", strerror(-err));
		goto cleanup;
	}
	if (!cgroup) {
		err = cgroup2_root(cgroot, sizeof(cgroot));
		if (err) {
			log_err("no cgroup v2 hierarchy in /proc/self/mountinfo: %s "
				"(smtpguard needs cgroup v2; mount -t cgroup2 none /sys/fs/cgroup)",
				strerror(-err));
			goto cleanup;
		}
		cgroup = cgroot;
	}
	err = guard_load(&(struct guard_load_args){
		.pin_dir = o->pin_dir,
		.cgroup = cgroup,
		.policy = &policy,
		.local = &local,
	});
	if (err)
		goto cleanup;
	printf("smtpguard: guarding %u port%s on %s: %zu user%s and %zu group%s allowed, "
	       "allow_local %s\n",
	       count_ports(policy.settings.ports),
	       count_ports(policy.settings.ports) == 1 ? "" : "s", cgroup, policy.uids.n,
	       policy.uids.n == 1 ? "" : "s", policy.gids.n, policy.gids.n == 1 ? "" : "s",
	       cfg.allow_local ? "yes" : "no");
	ret = EXIT_OK;
cleanup:
	addr_list_free(&local);
	policy_free(&policy);
	config_free(&cfg);
	return ret;
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
