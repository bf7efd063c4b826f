// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * resolver.c - what names resolve to, for the CLI the rows run, and for it
 * alone: the S_HOSTS rows write a hosts file (and a resolver that fails,
 * for S_RESOLVER), and each CLI child then sees them over /etc/hosts,
 * /etc/nsswitch.conf and /etc/resolv.conf in a mount namespace of its own.
 * Nothing shared is touched: the machine's /etc/hosts, which other suites
 * and sessions read and write, stays as it is, and nothing is left to
 * clean up when a row fails.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "e2e.h"

/* "hosts: files" (names from our hosts file only) or "hosts: dns" (to a server that is not there). */
static bool write_nsswitch(const char *path, const char *hosts_line)
{
	FILE *in = fopen("/etc/nsswitch.conf", "r"), *out = fopen(path, "w");
	char line[1024];
	bool ok = out != NULL;

	/* The other databases (passwd, group) as the host has them. */
	while (ok && in && fgets(line, sizeof(line), in))
		if (strncmp(line, "hosts:", 6))
			ok = fputs(line, out) >= 0;
	ok = ok && fprintf(out, "hosts: %s\n", hosts_line) > 0;
	if (in)
		fclose(in);
	if (out && fclose(out))
		ok = false;
	return ok;
}

bool resolver_set(struct ctx *c, const char *hosts, bool down)
{
	char path[4200], text[4096];
	FILE *f;

	c->resolver_private = hosts != NULL || down;
	c->resolver_down = down;
	if (!c->resolver_private)
		return true;
	snprintf(path, sizeof(path), "%s/resolver-hosts", c->workdir);
	if (hosts) {
		f = fopen(path, "w");
		if (!f ||
		    fprintf(f, "127.0.0.1 localhost\n%s", expand(c, hosts, text, sizeof(text))) <
			    0 ||
		    fclose(f))
			return false;
	}
	snprintf(path, sizeof(path), "%s/resolver-nsswitch", c->workdir);
	if (!write_nsswitch(path, down ? "dns" : "files"))
		return false;
	/* Nothing listens on port 53 in the test host: every query fails at once. */
	snprintf(path, sizeof(path), "%s/resolver-resolv.conf", c->workdir);
	f = fopen(path, "w");
	return f && fputs("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n", f) >= 0 &&
	       !fclose(f);
}

/* In a CLI child, before exec: the row's resolver, for this process only. 0 or -1. */
int resolver_enter(const struct ctx *c)
{
	static const char *const files[][2] = { { "resolver-hosts", "/etc/hosts" },
						{ "resolver-nsswitch", "/etc/nsswitch.conf" },
						{ "resolver-resolv.conf", "/etc/resolv.conf" } };
	char path[4200];

	if (!c->resolver_private)
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->workdir, files[i][0]);
		if (mount(path, files[i][1], NULL, MS_BIND, NULL))
			return -1;
	}
	return 0;
}
