// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_allow.c - "smtpguard allow|revoke user|group|dest ITEM [--to DEST]
 * [--runtime]", and revoke's --kill (kill_sessions.h) once the revoke took
 * effect.
 *
 * Without --runtime the configuration file is edited (atomically, comments
 * kept) and the live guard is then synced to it, so the file stays the one
 * source of truth. With --runtime only the live maps change, until the next
 * load or sync: one map update for a user, group or plain CIDR; a scoped
 * exception (--to, or a dest with ports or a name) changes several trie
 * entries at once, so it is a new generation built from the live one and put
 * in force through the commit point, like a sync.
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
#include "dest_exact.h"
#include "dest_spec.h"
#include "diff.h"
#include "file_replace.h"
#include "guard.h"
#include "guard_maps.h"
#include "guard_open.h"
#include "identity.h"
#include "idlist.h"
#include "kill_sessions.h"
#include "live.h"
#include "live_open.h"
#include "log.h"
#include "maps.h"
#include "parse.h"
#include "scope_resolve.h"
#include "sync.h"

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
	/* A scoped exception: --to, or a dest with ports or a name (anyone). */
	bool scoped;
	enum sg_scope_kind scope_kind;
	struct dest_spec to;
	char label[640]; /* "uid 1001 (alice)", "dest 203.0.113.0/24", "uid 1001 (alice) to relay:587" */
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
	if (o->kill && (r->kind == ALLOW_DEST || o->file_only)) {
		log_err("%s: --kill goes with user or group, and the live guard (not --file-only)",
			verb);
		return EXIT_USAGE;
	}
	if (r->kind == ALLOW_DEST) {
		if (o->to) {
			log_err("%s: --to goes with user or group; for anyone, write: %s dest "
				"DEST[:PORTS]",
				verb, verb);
			return EXIT_USAGE;
		}
		why = dest_spec_parse(r->arg, &r->to);
		if (why) {
			log_err("%s: bad destination '%s': %s", verb, r->arg, why);
			return EXIT_USAGE;
		}
		r->dest = r->to.key;
		/* ::/0 and the like: a scoped rule, written without IPv4 (dest_spec.h). */
		r->scoped = r->to.is_name || r->to.nports ||
			    dest_prefix_covers_v4(&r->to.key.addr, r->to.key.prefixlen);
		r->scope_kind = SG_SCOPE_ANYONE;
		r->resolved = true;
		snprintf(r->label, sizeof(r->label), "dest %s", r->arg);
		return EXIT_OK;
	}
	if (o->to) {
		why = dest_spec_parse(o->to, &r->to);
		if (why) {
			log_err("%s: bad --to '%s': %s", verb, o->to, why);
			return EXIT_USAGE;
		}
		r->scoped = true;
		r->scope_kind = r->kind == ALLOW_USER ? SG_SCOPE_UID : SG_SCOPE_GID;
	}
	err = identity_from_arg((enum id_kind)r->kind, r->arg, &r->id);
	/* A revoke may name an account that is gone: the file may still list it. */
	if (err == -ENOENT && !allow && !o->runtime) {
		snprintf(r->label, sizeof(r->label), "%s %s", what, r->arg);
		if (r->scoped)
			snprintf(r->label + strlen(r->label), sizeof(r->label) - strlen(r->label),
				 " to %s", o->to);
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
	if (r->scoped)
		snprintf(r->label + strlen(r->label), sizeof(r->label) - strlen(r->label), " to %s",
			 o->to);
	return EXIT_OK;
}

/* What allow and revoke say when the live guard is not there to change. */
static const struct live_context nothing_changed = { .then = "nothing changed" };

/* The request as a scoped rule; a name is not resolved yet. */
static void request_rule(const struct allow_request *r, struct sg_scope_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	rule->kind = r->scope_kind;
	rule->origin = SG_ORIGIN_RUNTIME;
	if (r->scope_kind != SG_SCOPE_ANYONE) {
		rule->id = r->id;
		rule->origin |= parse_is_number(r->arg) ? SG_ORIGIN_BY_ID : SG_ORIGIN_BY_NAME;
	}
	dest_spec_host(&r->to, (char *)rule->dest, sizeof(rule->dest));
	rule->nports = (__u16)r->to.nports;
	memcpy(rule->ports, r->to.ports, sizeof(rule->ports));
	if (r->to.is_name) {
		rule->state = SG_RESOLVE_NONE;
		rule->prefixlen = 128;
	} else {
		rule->state = SG_RESOLVE_LITERAL;
		rule->prefixlen = r->to.key.prefixlen;
		rule->addrs[0] = r->to.key.addr;
		rule->naddrs = 1;
	}
}

/* A port that is not guarded is never refused: allowing it would allow nothing. */
static bool ports_guarded(const struct sg_opts *o, const struct allow_request *r,
			  const __u64 *guarded)
{
	for (unsigned int i = 0; i < r->to.nports; i++) {
		if (config_port_guarded(guarded, r->to.ports[i]))
			continue;
		log_err("%s: port %u is not guarded (see 'ports'): the rule would allow nothing; "
			"nothing was changed",
			o->command, r->to.ports[i]);
		return false;
	}
	return true;
}

/* A name must resolve now: a rule that allows nothing is not what was asked for. */
static bool name_resolves(const struct sg_opts *o, const struct allow_request *r,
			  struct sg_scope_rule *rule)
{
	char why[512];

	if (!r->to.is_name || !scope_resolve_one(rule, why, sizeof(why)))
		return true;
	log_err("%s: %s; nothing was changed", o->command, why);
	return false;
}

/*
 * The request applied to rules (allow: added unless covered; revoke: its
 * ports taken from the rules of the same identity and destination). 1 when
 * the rules changed, 0 when nothing was to change, or -errno.
 */
static int apply_to_rules(const struct allow_request *r, bool allow, struct scope_plan *rules,
			  struct sg_scope_rule *want, const __u64 *guarded)
{
	size_t out = 0;
	int changed = 0;

	for (size_t i = 0; i < rules->nrules; i++) {
		struct sg_scope_rule *x = &rules->rules[i];
		bool same = x->kind == want->kind && x->id == want->id &&
			    !strcmp((const char *)x->dest, (const char *)want->dest);
		bool narrowed = false;
		int gone = 0;

		if (same && allow && scope_rule_covers(x, want->ports, want->nports))
			return 0;
		if (same && !allow) {
			gone = scope_rule_take_ports(x, r->to.ports, r->to.nports, guarded,
						     &narrowed);
			if (gone < 0)
				return gone;
			changed |= narrowed;
		}
		if (gone != 1)
			rules->rules[out++] = *x;
	}
	rules->nrules = out;
	if (!allow)
		return changed;
	return scope_add_rule(rules, want) ?: 1;
}

/*
 * A scoped exception at runtime: a new generation, the live one with the
 * change, committed at once (the trie's entries depend on each other).
 */
static int change_live_scoped(const struct sg_opts *o, const struct allow_request *r, bool allow)
{
	struct sg_scope_rule want;
	struct sg_policy p = {};
	struct live_guard lg;
	int ret, n;

	if (live_open(&lg, o->pin_dir, LIVE_LOCK | LIVE_READ | LIVE_READ_LINKS) != LIVE_WHOLE ||
	    live_check_cgroup(&lg) != LIVE_WHOLE) {
		ret = live_explain(&lg, &nothing_changed);
		goto cleanup;
	}
	ret = EXIT_FAIL;
	if (live_policy(&lg.s, &p)) {
		log_err("cannot %s %s: out of memory", o->command, r->label);
		goto cleanup;
	}
	request_rule(r, &want);
	ret = EXIT_USAGE;
	if (allow && (!ports_guarded(o, r, lg.s.settings.ports) || !name_resolves(o, r, &want)))
		goto cleanup;
	ret = EXIT_FAIL;
	n = apply_to_rules(r, allow, &p.scope, &want, lg.s.settings.ports);
	if (n == 0) {
		printf("smtpguard: %s %s\n", r->label,
		       allow ? "is already allowed" : "was not allowed");
		ret = EXIT_OK;
		goto cleanup;
	}
	if (n < 0) {
		log_err("cannot %s %s: %s", o->command, r->label,
			n == -E2BIG ? "too many rules, or ports to list" : strerror(-n));
		goto cleanup;
	}
	scope_sort_rules(&p.scope);
	n = scope_resolve(&p, (const char *)lg.s.settings.config_path, NULL, stderr, NAMES_WARN,
			  NULL);
	if (n) {
		log_err("cannot %s %s: %s", o->command, r->label,
			n < 0 ? strerror(-n) : "too many entries");
		goto cleanup;
	}
	diff_print(stdout, &lg.s, &p, &lg.s.local, guard_prog_hash());
	if (guard_load(&(struct guard_load_args){ .pin_dir = o->pin_dir,
						  .cgroup = lg.s.cgroup,
						  .policy = &p,
						  .local = &lg.s.local }))
		goto cleanup;
	printf("smtpguard: %s %s until the next load or sync (--runtime)\n",
	       allow ? "allowed" : "revoked", r->label);
	ret = EXIT_OK;
cleanup:
	policy_free(&p);
	live_close(&lg);
	return ret;
}

/*
 * A UID or GID at runtime: one byte of the allowlist's array, or one entry of
 * its hash for high IDs (idlist.h). The lock is held: nobody else writes.
 */
static int change_live_id(const struct allow_request *r, bool allow, const struct guard *g)
{
	struct sg_settings settings;
	struct idlist l = {};
	__u32 origin;
	long n = 0;
	int err;

	err = maps_read_settings(g->fd[SG_MAP_SETTINGS], &settings);
	if (!err)
		err = idlist_open(&l, g->fd[guard_array_map(r->kind)],
				  g->fd[guard_allow_map(r->kind)], true);
	if (err) {
		log_err("cannot open the live allowlist for %s: %s", r->label, strerror(-err));
		goto cleanup;
	}
	if (allow == !idlist_get(&l, r->id, &origin)) {
		printf("smtpguard: %s %s\n", r->label,
		       allow ? "is already allowed" : "was not allowed");
		goto cleanup;
	}
	if (allow) {
		n = idlist_count(&l);
		err = n < 0 ? (int)n : n >= settings.max_ids ? -ENOSPC : 0;
	}
	if (err == -ENOSPC) {
		log_err("cannot allow %s: the allowlist is full (max_identities = %u); raise "
			"max_identities in the configuration and run 'smtpguard load'",
			r->label, settings.max_ids);
		goto cleanup;
	}
	if (!err)
		err = allow ? idlist_set(&l, r->id, SG_ORIGIN_RUNTIME) : idlist_clear(&l, r->id);
	if (err == -E2BIG)
		log_err("cannot allow %s: the loaded guard has no more room for IDs of %u and "
			"above (%u); add it to the configuration ('smtpguard allow' without "
			"--runtime), which loads the guard again with room for more",
			r->label, l.range, maps_max_entries(l.hash_fd));
	else if (err)
		log_err("cannot %s %s: %s", allow ? "allow" : "revoke", r->label, strerror(-err));
	else
		printf("smtpguard: %s %s until the next load or sync (--runtime)\n",
		       allow ? "allowed" : "revoked", r->label);
cleanup:
	idlist_close(&l);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* A plain CIDR at runtime: one entry of the destination allowlist (dest_exact.h). */
static int change_live_dest(const struct allow_request *r, bool allow, const struct guard *g)
{
	int err = dest_exact_change(g->fd[SG_MAP_ALLOW_DEST], g->fd[SG_MAP_DEST_EXACT], &r->dest,
				    allow);

	if (err == -EEXIST) {
		printf("smtpguard: %s is already allowed\n", r->label);
		return EXIT_OK;
	}
	if (err == -ENOENT && !allow) {
		printf("smtpguard: %s was not allowed\n", r->label);
		return EXIT_OK;
	}
	if (allow && (err == -E2BIG || err == -ENOSPC)) {
		log_err("cannot allow %s: the destination allowlist is full (%u entries)", r->label,
			maps_max_entries(g->fd[SG_MAP_ALLOW_DEST]));
		return EXIT_FAIL;
	}
	if (err) {
		log_err("cannot %s %s: %s", allow ? "allow" : "revoke", r->label, strerror(-err));
		return EXIT_FAIL;
	}
	printf("smtpguard: %s %s until the next load or sync (--runtime)\n",
	       allow ? "allowed" : "revoked", r->label);
	return EXIT_OK;
}

/* --runtime: the live guard only, until the next load or sync. */
static int change_live_only(const struct sg_opts *o, const struct allow_request *r, bool allow)
{
	struct live_guard lg;
	int ret;

	if (r->scoped)
		return change_live_scoped(o, r, allow);
	if (live_open(&lg, o->pin_dir, LIVE_LOCK) != LIVE_WHOLE)
		ret = live_explain(&lg, &nothing_changed);
	else
		ret = r->kind == ALLOW_DEST ? change_live_dest(r, allow, &lg.g) :
					      change_live_id(r, allow, &lg.g);
	live_close(&lg);
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

	if (r->kind == ALLOW_DEST || r->scoped || !r->resolved)
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
 * Before anything changes: the guard must be loaded and whole (unless only
 * the file is wanted), and the file must exist. The guard's lock is held
 * only for the look (a load under way is waited for): the sync below takes
 * it again, and checks again.
 */
static int check_target(const struct sg_opts *o, const char *config)
{
	char file_only[PATH_MAX + 64];
	struct live_context ctx = { .then = "nothing changed", .alternative = file_only };
	struct live_guard lg;
	struct stat st;
	int ret;

	if (!o->file_only) {
		snprintf(file_only, sizeof(file_only), "or use --file-only to edit %s alone",
			 config);
		live_open(&lg, o->pin_dir, LIVE_LOCK);
		ret = live_explain(&lg, &ctx);
		live_close(&lg);
		if (ret != EXIT_OK)
			return ret;
	}
	if (stat(config, &st)) {
		log_err("%s: %s; smtpguard never creates it: write the file first (an empty "
			"one means the built-in defaults)",
			config, strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The file's keys of scoped exceptions, by enum sg_scope_kind. */
static const char *const scope_keys[] = { [SG_SCOPE_UID] = "allow_user_dest",
					  [SG_SCOPE_GID] = "allow_group_dest",
					  [SG_SCOPE_ANYONE] = "allow_dest" };

/*
 * Edit the copy for the request: a list item, or a scoped exception (and
 * every allow_dest item, whose items may carry ports). cfg is the file as
 * it is (its guarded ports). 1 changed, 0 nothing to change, -errno.
 */
static int edit_copy(const char *copy, const struct allow_request *r, bool allow,
		     const struct sg_config *cfg, char *msg, size_t len)
{
	struct config_edit e = {
		.key = kind_keys[r->kind],
		.item = r->arg,
		.add = allow,
		.same = same_item,
		.ctx = r,
		.defaults = config_default_items(kind_keys[r->kind]),
	};
	struct config_scope_edit se = {
		.key = scope_keys[r->kind == ALLOW_DEST ? SG_SCOPE_ANYONE : r->scope_kind],
		.who = r->kind == ALLOW_DEST ? NULL : r->arg,
		.same_who = same_item,
		.ctx = r,
		.dest = r->to,
		.add = allow,
		.guarded = cfg->ports,
	};

	if (r->scoped || r->kind == ALLOW_DEST)
		return config_edit_scope(copy, &se, msg, len);
	return config_edit_apply(copy, &e, msg, len);
}

/* The edited copy must load: never replace a good file by a broken one. */
static bool copy_is_valid(const char *copy)
{
	struct sg_config cfg;
	FILE *quiet = fopen("/dev/null", "w");
	int n = config_load(copy, &cfg, quiet ? quiet : stderr);

	config_free(&cfg);
	if (quiet)
		fclose(quiet);
	return n == 0;
}

/*
 * Without --runtime: edit the file (a copy, judged before it replaces the
 * file), then sync the live guard to it unless --file-only.
 */
static int change_file_then_sync(const struct sg_opts *o, const struct allow_request *r, bool allow)
{
	char msg[256] = "", recorded[SG_CONFIG_PATH_MAX + 1];
	struct file_replace copy = {};
	struct sg_opts to = *o;
	struct sg_config cfg = {};
	struct sg_scope_rule want;
	int lock_fd, n, ret, changed;

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
	if (n) {
		log_err("%s has errors; fix them first, nothing was changed", to.config);
		ret = n < 0 ? EXIT_FAIL : EXIT_USAGE;
		goto cleanup;
	}
	ret = EXIT_USAGE;
	request_rule(r, &want);
	if (allow && r->scoped && (!ports_guarded(o, r, cfg.ports) || !name_resolves(o, r, &want)))
		goto cleanup;
	/*
	 * Edit a copy beside the file (its owner and mode kept) and judge it;
	 * only a good result replaces the file.
	 */
	ret = EXIT_FAIL;
	changed = file_replace_copy(&copy, to.config);
	if (!changed)
		changed = edit_copy(copy.tmp, r, allow, &cfg, msg, sizeof(msg));
	if (changed < 0) {
		log_err("cannot update %s: %s", to.config, strerror(-changed));
		goto cleanup;
	}
	if (changed && !copy_is_valid(copy.tmp)) {
		log_err("%s: the edit would leave %s with errors; nothing was changed", o->command,
			to.config);
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (!allow && still_allowed(copy.tmp, r))
		goto cleanup;
	n = file_replace_commit(&copy, NULL, true);
	copy.tmp[0] = '\0';
	if (n) {
		log_err("cannot replace %s: %s", to.config, strerror(-n));
		goto cleanup;
	}
	printf("smtpguard: %s: %s of %s\n", r->label, msg, to.config);
	if (o->file_only) {
		printf("smtpguard: only the file was changed (--file-only); it takes effect at "
		       "the next 'smtpguard load' or sync\n");
		ret = EXIT_OK;
		goto cleanup;
	}
	/* The file is the source of truth: bring the live guard to it. */
	ret = sync_guard(to.pin_dir, to.config, to.config_given);
	if (ret == EXIT_NOT_LOADED && changed)
		log_err("the guard was unloaded meanwhile: the change takes effect at the next "
			"'smtpguard load'");
cleanup:
	if (copy.tmp[0])
		file_replace_abort(&copy);
	config_free(&cfg);
	close(lock_fd);
	return ret;
}

int cmd_allow_check(const struct sg_opts *o)
{
	struct allow_request r = {};

	return parse_request(o, !strcmp(o->command, "allow"), &r);
}

static int allow_or_revoke(const struct sg_opts *o, bool allow)
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
	ret = o->runtime ? change_live_only(o, &r, allow) : change_file_then_sync(o, &r, allow);
	if (ret != EXIT_OK || !o->kill)
		return ret;
	if (!r.resolved) {
		log_err("revoke: --kill: no such %s '%s' now: no session to end", o->argv[0],
			r.arg);
		return EXIT_FAIL;
	}
	return kill_sessions(&(struct kill_request){ .pin_dir = o->pin_dir,
						     .kind = (enum id_kind)r.kind,
						     .id = r.id,
						     .label = r.label,
						     .to = r.scoped ? &r.to : NULL });
}

int cmd_allow(const struct sg_opts *o)
{
	return allow_or_revoke(o, true);
}

int cmd_revoke(const struct sg_opts *o)
{
	return allow_or_revoke(o, false);
}
