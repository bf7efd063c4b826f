// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_allow.c - "smtpguard allow|revoke user|group NAME|ID --runtime": edit
 * the live allowlists. The next connect() sees the change.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "guard.h"
#include "identity.h"
#include "log.h"
#include "maps.h"

struct allow_request {
	enum id_kind kind;
	__u32 id;
	char label[300]; /* "uid 1001 (alice)" */
};

static int parse_request(const struct sg_opts *o, const char *verb, struct allow_request *r)
{
	const char *what = o->argv[0], *arg = o->argv[1];
	char name[256];
	int err;

	if (!strcmp(what, "user")) {
		r->kind = ID_USER;
	} else if (!strcmp(what, "group")) {
		r->kind = ID_GROUP;
	} else {
		log_err("%s: expected 'user' or 'group', got '%s'", verb, what);
		return EXIT_USAGE;
	}
	err = identity_from_arg(r->kind, arg, &r->id);
	if (err == -ENOENT) {
		log_err("%s: no such %s '%s'", verb, what, arg);
		return EXIT_USAGE;
	}
	if (err) {
		log_err("%s: '%s' is not a valid %s name or ID (0 to 4294967294)", verb, arg, what);
		return EXIT_USAGE;
	}
	if (!o->runtime) {
		log_err("%s: changes that persist are not supported yet: add --runtime (lasts "
			"until the next load), or edit %s and run 'smtpguard load'",
			verb, o->config);
		return EXIT_USAGE;
	}
	if (identity_name(r->kind, r->id, name, sizeof(name)))
		snprintf(r->label, sizeof(r->label), "%s %u (%s)", identity_id_word(r->kind), r->id,
			 name);
	else
		snprintf(r->label, sizeof(r->label), "%s %u", identity_id_word(r->kind), r->id);
	return EXIT_OK;
}

/* Lock the guard and open the allowlist of r->kind. */
static int open_allowlist(const struct sg_opts *o, const struct allow_request *r, int *lock_fd,
			  struct guard *g)
{
	char problem[512];
	int state, err;

	*lock_fd = guard_lock(o->pin_dir);
	if (*lock_fd == -ENOENT) {
		log_err("not loaded at %s (run 'smtpguard load' first)", o->pin_dir);
		return EXIT_NOT_LOADED;
	}
	if (*lock_fd < 0) {
		log_err("cannot lock %s: %s", o->pin_dir, strerror(-*lock_fd));
		return EXIT_FAIL;
	}
	state = guard_open(o->pin_dir, g, problem, sizeof(problem));
	if (state == GUARD_NOT_LOADED) {
		log_err("not loaded at %s (run 'smtpguard load' first)", o->pin_dir);
		return EXIT_NOT_LOADED;
	}
	if (state != GUARD_LOADED) {
		log_err("the guard at %s is damaged (%s); run 'smtpguard load' to repair",
			o->pin_dir, state < 0 ? strerror(-state) : problem);
		return state < 0 ? EXIT_FAIL : EXIT_NOT_LOADED;
	}
	err = maps_check_layout(g->allow_fd[r->kind], sizeof(__u32), sizeof(struct sg_allow));
	if (err) {
		log_err("the guard at %s was loaded by another smtpguard version; run "
			"'smtpguard load' first",
			o->pin_dir);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int change(const struct sg_opts *o, bool allow)
{
	const char *verb = allow ? "allow" : "revoke";
	struct allow_request r = {};
	struct guard g;
	struct sg_allow val;
	int lock_fd = -1, ret, fd;

	guard_init(&g);
	ret = parse_request(o, verb, &r);
	if (ret != EXIT_OK)
		return ret;
	ret = open_allowlist(o, &r, &lock_fd, &g);
	if (ret != EXIT_OK)
		goto cleanup;
	fd = g.allow_fd[r.kind];
	if (allow) {
		if (!bpf_map_lookup_elem(fd, &r.id, &val)) {
			printf("smtpguard: %s is already allowed\n", r.label);
			goto cleanup;
		}
		val.origin = SG_ORIGIN_RUNTIME;
		if (bpf_map_update_elem(fd, &r.id, &val, BPF_NOEXIST)) {
			log_err("cannot allow %s: %s%s", r.label, strerror(errno),
				errno == E2BIG ? " (the allowlist is full)" : "");
			ret = EXIT_FAIL;
			goto cleanup;
		}
		printf("smtpguard: allowed %s until the next load (--runtime)\n", r.label);
	} else {
		if (bpf_map_delete_elem(fd, &r.id)) {
			if (errno == ENOENT) {
				printf("smtpguard: %s was not allowed\n", r.label);
				goto cleanup;
			}
			log_err("cannot revoke %s: %s", r.label, strerror(errno));
			ret = EXIT_FAIL;
			goto cleanup;
		}
		printf("smtpguard: revoked %s until the next load (--runtime)\n", r.label);
	}
cleanup:
	guard_close(&g);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

int cmd_allow_check(const struct sg_opts *o)
{
	struct allow_request r = {};

	return parse_request(o, o->command, &r);
}

int cmd_allow(const struct sg_opts *o)
{
	return change(o, true);
}

int cmd_revoke(const struct sg_opts *o)
{
	return change(o, false);
}
