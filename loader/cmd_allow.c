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
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "config.h"
#include "config_edit.h"
#include "describe.h"
#include "guard.h"
#include "identity.h"
#include "live.h"
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
	char name[256]; /* the id's canonical name, "" if none */
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
		why = parse_is_number(r->arg) ? "IDs go from 0 to 4294967294" :
						parse_name_problem(r->arg);
		log_err("%s: '%s' is not a valid %s name or ID (%s)", verb, r->arg, what,
			why ? why : "unknown");
		return EXIT_USAGE;
	}
	r->resolved = true;
	if (!identity_name((enum id_kind)r->kind, r->id, r->name, sizeof(r->name)))
		r->name[0] = '\0';
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
	if (err && allow && (errno == E2BIG || errno == ENOSPC)) {
		log_err("cannot allow %s: the allowlist is full (max_identities = %u); raise "
			"max_identities in the configuration and run 'smtpguard load'",
			r->label, maps_max_entries(fd));
		ret = EXIT_FAIL;
		goto cleanup;
	}
	if (err) {
		log_err("cannot %s %s: %s", o->command, r->label, strerror(errno));
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

/*
 * config_edit's test: does an item written in the file mean the request's
 * target? Numbers compare as IDs, names with the ID's canonical name: no
 * name service lookup per item, however long the lists are.
 */
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
	if (parse_is_number(item))
		return !parse_u32(item, PARSE_MAX_ID, &id) && id == r->id;
	return r->name[0] && !strcmp(item, r->name);
}

/*
 * Would the configuration at path still allow the request's ID some other way
 * (a role, another line, a default)? Then say how, and return true.
 */
static bool still_allowed(const char *path, const struct allow_request *r)
{
	struct sg_policy p = {};
	struct sg_config cfg;
	const struct id_set *set;
	bool found = false;
	char buf[320];
	FILE *quiet;

	if (r->kind == ALLOW_DEST || !r->resolved)
		return false;
	quiet = fopen("/dev/null", "w");
	if (config_load(path, &cfg, quiet ? quiet : stderr) == 0 &&
	    policy_build(&cfg, &p, quiet ? quiet : stderr, NAMES_WARN, NULL) >= 0) {
		set = r->kind == ALLOW_USER ? &p.uids : &p.gids;
		for (size_t i = 0; i < set->n && !found; i++) {
			if (set->v[i].id != r->id)
				continue;
			found = true;
			log_err("revoke: nothing was changed: %s would still be allowed "
				"afterwards (remove it where it comes from: a role, another "
				"line or a built-in default)",
				describe_id((enum id_kind)r->kind, r->id, set->v[i].origin, buf,
					    sizeof(buf)));
		}
	}
	policy_free(&p);
	config_free(&cfg);
	if (quiet)
		fclose(quiet);
	return found;
}

/*
 * A copy of the configuration next to it, to edit and judge before it
 * replaces the file (config_edit keeps the copy's owner and mode).
 */
static int copy_config(const char *path, char *copy, size_t len)
{
	char buf[65536];
	int in, out, err = 0;
	struct stat st;
	ssize_t n;

	if (snprintf(copy, len, "%s.smtpguard-XXXXXX", path) >= (int)len)
		return -ENAMETOOLONG;
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = mkstemp(copy);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	if (fstat(in, &st) || fchmod(out, st.st_mode & 07777) || fchown(out, st.st_uid, st.st_gid))
		err = -errno;
	while (!err && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n)
			err = -errno;
	}
	close(in);
	if (close(out) && !err)
		err = -errno;
	if (err)
		unlink(copy);
	return err;
}

/*
 * Before anything changes: the guard must be loaded and whole (unless only
 * the file is wanted), and the file must exist. The guard's lock is held
 * only for the look (a load under way is waited for): the sync below takes
 * it again, and checks again.
 */
static int check_target(const struct sg_opts *o, const char *config)
{
	char problem[512];
	struct guard g;
	struct stat st;
	int state, lock_fd;

	if (!o->file_only) {
		lock_fd = guard_lock(o->pin_dir);
		state = lock_fd == -ENOENT ? GUARD_NOT_LOADED :
			lock_fd < 0	   ? lock_fd :
					     guard_open(o->pin_dir, &g, problem, sizeof(problem));
		if (lock_fd >= 0) {
			guard_close(&g);
			close(lock_fd);
		}
		if (state == GUARD_NOT_LOADED) {
			log_err("not loaded at %s: nothing changed (load the guard first, or use "
				"--file-only to edit %s alone)",
				o->pin_dir, config);
			return EXIT_NOT_LOADED;
		}
		if (state != GUARD_LOADED) {
			log_err("the guard at %s is damaged (%s): nothing changed; run 'smtpguard "
				"load' to repair",
				o->pin_dir, state < 0 ? strerror(-state) : problem);
			return state < 0 ? EXIT_FAIL : EXIT_NOT_LOADED;
		}
	}
	if (stat(config, &st)) {
		log_err("%s: %s; smtpguard never creates it: write the file first (an empty "
			"one means the built-in defaults)",
			config, strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
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
	char msg[256] = "", recorded[SG_CONFIG_PATH_MAX + 1], copy[PATH_MAX] = "";
	struct sg_opts to = *o;
	struct sg_config cfg;
	int lock_fd, n, ret, changed;
	bool not_loaded;

	/* The file the live guard was loaded from, unless --config says otherwise. */
	if (!o->config_given && !live_config_path(o->pin_dir, recorded, sizeof(recorded))) {
		to.config = recorded;
		to.config_given = true;
	}
	ret = check_target(o, to.config);
	if (ret != EXIT_OK)
		return ret;
	lock_fd = config_edit_lock(to.config);
	if (lock_fd < 0) {
		log_err("cannot lock the directory of %s: %s", to.config, strerror(errno));
		return EXIT_FAIL;
	}
	/* Never build on a broken file: it would not load afterwards either. */
	n = config_load(to.config, &cfg, stderr);
	config_free(&cfg);
	if (n) {
		log_err("%s has errors; fix them first, nothing was changed", to.config);
		ret = n < 0 ? EXIT_FAIL : EXIT_USAGE;
		goto cleanup;
	}
	/* Edit a copy and judge it; only a good result replaces the file. */
	ret = EXIT_FAIL;
	changed = copy_config(to.config, copy, sizeof(copy));
	if (!changed)
		changed = config_edit_apply(copy, &e, msg, sizeof(msg));
	if (changed < 0) {
		log_err("cannot update %s: %s", to.config, strerror(-changed));
		goto cleanup;
	}
	if (!allow && still_allowed(copy, r))
		goto cleanup;
	if (rename(copy, to.config)) {
		log_err("cannot replace %s: %s", to.config, strerror(errno));
		goto cleanup;
	}
	copy[0] = '\0';
	printf("smtpguard: %s: %s of %s\n", r->label, msg, to.config);
	if (o->file_only) {
		printf("smtpguard: only the file was changed (--file-only); it takes effect at "
		       "the next 'smtpguard load' or sync\n");
		ret = EXIT_OK;
		goto cleanup;
	}
	/* The file is the source of truth: bring the live guard to it. */
	ret = sync_guard(&to, &not_loaded);
	if (ret == EXIT_NOT_LOADED && not_loaded && changed)
		log_err("the guard was unloaded meanwhile: the change takes effect at the next "
			"'smtpguard load'");
cleanup:
	if (copy[0])
		unlink(copy);
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
	if (!allow && r.kind == ALLOW_USER && r.resolved && r.id == 0 && !o->force) {
		log_err("revoke: refusing to revoke root without --force: root's cron jobs, panel "
			"tasks and the MTA's queue runner may need to send; nothing was changed");
		return EXIT_USAGE;
	}
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
