// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_allow.c - "smtpguard allow|revoke user|group|dest ITEM [--runtime]".
 *
 * Without --runtime the configuration file is edited (atomically, comments
 * kept) and the live guard is then synced to it, so the file stays the one
 * source of truth. With --runtime only the live maps change, until the next
 * load or sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "config.h"
#include "config_edit.h"
#include "describe.h"
#include "guard.h"
#include "identity.h"
#include "log.h"
#include "maps.h"
#include "parse.h"

enum allow_kind {
	ALLOW_USER = ID_USER,
	ALLOW_GROUP = ID_GROUP,
	ALLOW_DEST,
};

struct allow_request {
	enum allow_kind kind;
	const char *arg; /* as given */
	bool resolved; /* id is known (a revoke may name a removed account) */
	__u32 id;
	struct sg_dest_key dest;
	char label[320]; /* "uid 1001 (alice)", "dest 203.0.113.0/24" */
};

static const char *const kind_keys[] = { "allow_users", "allow_groups", "allow_dest" };

static int parse_request(const struct sg_opts *o, bool allow, struct allow_request *r)
{
	const char *verb = o->command, *what = o->argv[0], *why;
	int err;

	r->arg = o->argv[1];
	if (!strcmp(what, "user")) {
		r->kind = ALLOW_USER;
	} else if (!strcmp(what, "group")) {
		r->kind = ALLOW_GROUP;
	} else if (!strcmp(what, "dest")) {
		r->kind = ALLOW_DEST;
	} else {
		log_err("%s: expected 'user', 'group' or 'dest', got '%s'", verb, what);
		return EXIT_USAGE;
	}
	if (r->kind == ALLOW_DEST) {
		why = parse_cidr(r->arg, &r->dest);
		if (why) {
			log_err("%s: bad destination '%s': %s", verb, r->arg, why);
			return EXIT_USAGE;
		}
		r->resolved = true;
		snprintf(r->label, sizeof(r->label), "dest %s", r->arg);
		return EXIT_OK;
	}
	err = identity_from_arg((enum id_kind)r->kind, r->arg, &r->id);
	/* A revoke may name an account that is gone: the file may still list it. */
	if (err == -ENOENT && !allow && !o->runtime) {
		snprintf(r->label, sizeof(r->label), "%s %s", what, r->arg);
		return EXIT_OK;
	}
	if (err == -ENOENT) {
		log_err("%s: no such %s '%s'", verb, what, r->arg);
		return EXIT_USAGE;
	}
	if (err) {
		log_err("%s: '%s' is not a valid %s name or ID (0 to 4294967294)", verb, r->arg,
			what);
		return EXIT_USAGE;
	}
	r->resolved = true;
	describe_id((enum id_kind)r->kind, r->id, 0, r->label, sizeof(r->label));
	return EXIT_OK;
}

/* Lock the live guard and open it; it must be loaded and whole. */
static int open_guard(const struct sg_opts *o, int *lock_fd, struct guard *g)
{
	char problem[512];
	int state;

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
	return EXIT_OK;
}

static int change_runtime(const struct sg_opts *o, const struct allow_request *r, bool allow)
{
	struct sg_allow val = { .origin = SG_ORIGIN_RUNTIME };
	int lock_fd = -1, ret, fd, err;
	const void *key = r->kind == ALLOW_DEST ? (const void *)&r->dest : &r->id;
	struct guard g;

	guard_init(&g);
	ret = open_guard(o, &lock_fd, &g);
	if (ret != EXIT_OK)
		goto cleanup;
	fd = r->kind == ALLOW_DEST ? g.dest_fd : g.allow_fd[r->kind];
	if (allow && !bpf_map_lookup_elem(fd, key, &val)) {
		printf("smtpguard: %s is already allowed\n", r->label);
		goto cleanup;
	}
	err = allow ? bpf_map_update_elem(fd, key, &val, BPF_NOEXIST) :
		      bpf_map_delete_elem(fd, key);
	if (err && !allow && errno == ENOENT) {
		printf("smtpguard: %s was not allowed\n", r->label);
		goto cleanup;
	}
	if (err) {
		log_err("cannot %s %s: %s%s", o->command, r->label, strerror(errno),
			errno == E2BIG || errno == ENOSPC ? " (the allowlist is full)" : "");
		ret = EXIT_FAIL;
		goto cleanup;
	}
	printf("smtpguard: %s %s until the next load or sync (--runtime)\n",
	       allow ? "allowed" : "revoked", r->label);
cleanup:
	guard_close(&g);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

/* config_edit's test: does an item written in the file mean the request's target? */
static bool same_item(const char *item, const void *ctx)
{
	const struct allow_request *r = ctx;
	struct sg_dest_key key;
	__u32 id;

	if (r->kind == ALLOW_DEST)
		return !parse_cidr(item, &key) && !memcmp(&key, &r->dest, sizeof(key));
	if (!strcmp(item, r->arg))
		return true;
	if (!r->resolved || item[0] == '@')
		return false;
	return !identity_from_arg((enum id_kind)r->kind, item, &id) && id == r->id;
}

/* Serialise edits of one configuration file: lock its directory. */
static int lock_config_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int change_config(const struct sg_opts *o, const struct allow_request *r, bool allow)
{
	struct config_edit e = {
		.key = kind_keys[r->kind],
		.item = r->arg,
		.add = allow,
		.same = same_item,
		.ctx = r,
		.defaults = config_default_items(kind_keys[r->kind]),
	};
	struct sg_config cfg;
	char msg[256] = "";
	int lock_fd, n, ret;

	lock_fd = lock_config_dir(o->config);
	if (lock_fd < 0) {
		log_err("cannot lock the directory of %s: %s", o->config, strerror(errno));
		return EXIT_FAIL;
	}
	/* Never build on a broken file: it would not load afterwards either. */
	n = config_load(o->config, &cfg, stderr);
	config_free(&cfg);
	if (n) {
		log_err("%s has errors; fix them first, nothing was changed", o->config);
		ret = n < 0 ? EXIT_FAIL : EXIT_USAGE;
		goto cleanup;
	}
	ret = config_edit_apply(o->config, &e, msg, sizeof(msg));
	if (ret < 0) {
		log_err("cannot update %s: %s", o->config, strerror(-ret));
		ret = EXIT_FAIL;
		goto cleanup;
	}
	printf("smtpguard: %s: %s %s\n", r->label, msg, o->config);
	/* The file is the source of truth: bring the live guard to it. */
	ret = cmd_sync(o);
	if (ret == EXIT_NOT_LOADED) {
		printf("smtpguard: the change takes effect at the next 'smtpguard load'\n");
		ret = EXIT_OK;
	}
cleanup:
	close(lock_fd);
	return ret;
}

int cmd_allow_check(const struct sg_opts *o)
{
	struct allow_request r = {};

	return parse_request(o, !strcmp(o->command, "allow"), &r);
}

static int change(const struct sg_opts *o, bool allow)
{
	struct allow_request r = {};
	int ret = parse_request(o, allow, &r);

	if (ret != EXIT_OK)
		return ret;
	return o->runtime ? change_runtime(o, &r, allow) : change_config(o, &r, allow);
}

int cmd_allow(const struct sg_opts *o)
{
	return change(o, true);
}

int cmd_revoke(const struct sg_opts *o)
{
	return change(o, false);
}
