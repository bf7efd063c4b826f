// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_status.c - "smtpguard status" and "smtpguard list": what the kernel
 * enforces right now, read back from the live program's maps and links.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_text.h"
#include "account_state.h"
#include "cgroup_names.h"
#include "cli.h"
#include "config.h"
#include "counters.h"
#include "describe.h"
#include "event_format.h"
#include "guard_hooks.h"
#include "guard_open.h"
#include "json.h"
#include "live.h"
#include "live_open.h"
#include "own_addrs.h"
#include "log.h"
#include "mounts.h"
#include "scope_describe.h"

/* status prints at most this many identities per list; "list" prints all. */
#define STATUS_MAX_SHOWN 20
/* Accounts shown by attempts, most first. */
#define STATUS_TOP 10

/*
 * Where each account tried last: the cgroup the kernel counted (its unit),
 * and the process the monitor read for its latest event (if one runs).
 */
struct last_seen {
	struct cgroup_names cgroups;
	struct account_state monitor;
	char esc[4 * CGROUP_TEXT_MAX], text[2 + 4 * CGROUP_TEXT_MAX + 1]; /* scratch */
};

static void last_seen_open(struct last_seen *l, const char *pin_dir)
{
	char path[4200];

	cgroup_names_init(&l->cgroups);
	monitor_run_path(pin_dir, ".accounts", path, sizeof(path));
	account_state_load(&l->monitor, path); /* no monitor: no such lines */
}

static void redirect_text(const struct sg_settings *s, char *buf, size_t len)
{
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], p4[8] = "", p6[8] = "";

	inet_ntop(AF_INET, &s->redirect_ip4, a4, sizeof(a4));
	inet_ntop(AF_INET6, s->redirect_ip6, a6, sizeof(a6));
	if (s->redirect_port4)
		snprintf(p4, sizeof(p4), ":%u", s->redirect_port4);
	if (s->redirect_port6)
		snprintf(p6, sizeof(p6), ":%u", s->redirect_port6);
	snprintf(buf, len, "%s%s [%s]%s", a4, p4, a6, p6);
}

/* Exempt addresses the host no longer has: someone else may hold them now. */
static size_t count_stale(const struct live_state *s, const struct addr_list *host, bool *stale)
{
	size_t n = 0;

	for (size_t i = 0; i < s->local.n; i++) {
		stale[i] = true;
		for (size_t k = 0; k < host->n && stale[i]; k++)
			stale[i] = memcmp(&s->local.v[i].addr, &host->v[k].addr,
					  sizeof(struct sg_addr)) != 0;
		n += stale[i];
	}
	return n;
}

static void json_ids(struct json *j, const struct id_set *s, enum id_kind kind)
{
	const char *w;
	char name[256];

	json_arr_begin(j, kind == ID_USER ? "allow_users" : "allow_groups");
	for (size_t i = 0; i < s->n; i++) {
		json_obj_begin(j, NULL);
		json_u64(j, identity_id_word(kind), s->v[i].id);
		json_str(j, "name", identity_name(kind, s->v[i].id, name, sizeof(name)));
		json_arr_begin(j, "origin");
		for (unsigned int k = 0; (w = describe_origin_word(s->v[i].origin, k)); k++)
			json_str(j, NULL, w);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_dests(struct json *j, const struct dest_set *s)
{
	char buf[80];

	json_arr_begin(j, "allow_dest");
	for (size_t i = 0; i < s->n; i++)
		json_str(j, NULL, describe_cidr(&s->v[i].key, buf, sizeof(buf)));
	json_arr_end(j);
}

/* "root (0), mailnull (47, @mta), 64202, ..." on one line, at most max entries. */
static void text_ids_inline(const struct id_set *s, enum id_kind kind, size_t max)
{
	char buf[320];

	for (size_t i = 0; i < s->n && i < max; i++)
		printf("%s%s", i ? ", " : "",
		       describe_id(kind, s->v[i].id, s->v[i].origin, buf, sizeof(buf)));
	if (s->n > max)
		printf(", ... %zu more (smtpguard list)", s->n - max);
	printf("%s\n", s->n ? "" : "none");
}

/* "unit=... cgroup=..." and "exe=... cwd=... cmdline=... seen=..." under an account. */
static void last_seen_text(struct last_seen *l, const struct uid_count *u)
{
	const struct account_seen *a;
	const char *unit, *cg;
	char when[32], *v;
	size_t vlen;

	if (!l)
		return;
	a = account_state_find(&l->monitor, u->uid);
	cg = cgroup_names_get(&l->cgroups, u->last_cgroup_id, &unit);
	v = l->text;
	vlen = sizeof(l->text);
	if (cg) {
		printf("  %-15s  ", "");
		if (unit)
			printf("unit=%s ", text_value(unit, 255, v, vlen));
		printf("cgroup=%s\n",
		       text_value_escaped(escape_text(cg, strlen(cg), l->esc, sizeof(l->esc)), v,
					  vlen));
	}
	if (!a)
		return;
	printf("  %-15s  exe=%s", "", a->exe[0] ? text_value_escaped(a->exe, v, vlen) : "?");
	if (a->cwd[0])
		printf(" cwd=%s", text_value_escaped(a->cwd, v, vlen));
	if (a->cmdline[0])
		printf(" cmdline=%s", text_value_escaped(a->cmdline, v, vlen));
	printf(" seen=%s\n", boot_ns_to_iso(a->boot_ns, when, sizeof(when)));
}

static void counts_text(const struct counts *c, struct last_seen *l)
{
	char name[320], dst[80], when[32];

	printf("  attempts       ");
	for (unsigned int a = 0; a < SG_ACTION_COUNT; a++)
		printf("%s%s %llu", a ? ", " : "", counters_action_name(a),
		       (unsigned long long)c->totals[a]);
	printf(" (not reported one by one: %llu over an account's event budget, %llu lost)\n",
	       (unsigned long long)c->totals[SG_STAT_EVENTS_SUPPRESSED],
	       (unsigned long long)c->totals[SG_STAT_EVENTS_LOST]);
	for (size_t i = 0; i < c->n && i < STATUS_TOP; i++) {
		const struct uid_count *u = &c->v[i];

		printf("  %-15s%s: ", i ? "" : "top accounts",
		       describe_id(ID_USER, u->uid, 0, name, sizeof(name)));
		const char *sep = "";

		for (unsigned int a = 0; a < SG_ACTION_COUNT; a++) {
			if (!u->attempts[a])
				continue;
			printf("%s%llu %s", sep, (unsigned long long)u->attempts[a],
			       counters_action_name(a));
			sep = ", ";
		}
		if (u->suppressed || u->lost)
			printf(" (%llu suppressed, %llu lost)", (unsigned long long)u->suppressed,
			       (unsigned long long)u->lost);
		printf(", last %s at %s\n",
		       sg_addr_port_format(&u->last_dst, u->last_port, dst, sizeof(dst)),
		       boot_ns_to_iso(u->last_ns, when, sizeof(when)));
		last_seen_text(l, u);
	}
}

static void last_seen_json(struct json *j, struct last_seen *l, const struct uid_count *u)
{
	const struct account_seen *a = l ? account_state_find(&l->monitor, u->uid) : NULL;
	const char *unit = NULL,
		   *cg = l ? cgroup_names_get(&l->cgroups, u->last_cgroup_id, &unit) : NULL;
	char when[32];

	json_str(j, "last_cgroup", cg);
	json_str(j, "last_unit", cg ? unit : NULL);
	/* The accounts file keeps them escaped as the logs do; JSON gets the bytes. */
	json_str_text(j, "last_exe", a ? a->exe : NULL);
	json_str_text(j, "last_cmdline", a ? a->cmdline : NULL);
	json_str_text(j, "last_cwd", a ? a->cwd : NULL);
	json_str(j, "last_process_time", a ? boot_ns_to_iso(a->boot_ns, when, sizeof(when)) : NULL);
}

static void counts_json(struct json *j, const struct counts *c, struct last_seen *l)
{
	char name[256], dst[80], when[32];

	json_obj_begin(j, "totals");
	for (unsigned int a = 0; a < SG_ACTION_COUNT; a++)
		json_u64(j, counters_action_name(a), c->totals[a]);
	json_u64(j, "events_lost", c->totals[SG_STAT_EVENTS_LOST]);
	json_u64(j, "events_suppressed", c->totals[SG_STAT_EVENTS_SUPPRESSED]);
	json_obj_end(j);
	json_arr_begin(j, "top");
	for (size_t i = 0; i < c->n && i < STATUS_TOP; i++) {
		const struct uid_count *u = &c->v[i];

		json_obj_begin(j, NULL);
		json_u64(j, "uid", u->uid);
		json_str(j, "user", identity_name(ID_USER, u->uid, name, sizeof(name)));
		for (unsigned int a = 0; a < SG_ACTION_COUNT; a++)
			json_u64(j, counters_action_name(a), u->attempts[a]);
		json_u64(j, "events_suppressed", u->suppressed);
		json_u64(j, "events_lost", u->lost);
		json_str(j, "last_dst",
			 sg_addr_port_format(&u->last_dst, u->last_port, dst, sizeof(dst)));
		json_str(j, "last_seen", boot_ns_to_iso(u->last_ns, when, sizeof(when)));
		last_seen_json(j, l, u);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void status_text(const struct sg_opts *o, const struct live_state *s,
			const struct addr_list *host, const struct counts *c, struct last_seen *l)
{
	char redirect[128];
	char addr[INET6_ADDRSTRLEN], buf[80];
	bool stale[s->local.n ? s->local.n : 1];
	size_t n_stale = count_stale(s, host, stale);

	redirect_text(&s->settings, redirect, sizeof(redirect));
	printf("smtpguard: loaded, %s\n",
	       s->settings.mode == SG_MODE_AUDIT ?
		       "AUDIT MODE: nothing is refused, attempts are reported" :
	       s->settings.mode == SG_MODE_REDIRECT ? "redirecting to the local MTA" :
						      "enforcing");
	printf("  pin dir        %s\n", o->pin_dir);
	printf("  config         %s\n",
	       s->settings.config_path[0] ? (const char *)s->settings.config_path : "(unknown)");
	printf("  attached to    %s%s\n", s->cgroup,
	       s->is_root ? " (cgroup v2 root: every process)" : "");
	printf("  hooks         ");
	for (int h = 0; h < SG_HOOK_COUNT; h++)
		printf(" %s (link %u, prog %u)", guard_hook_name((enum sg_hook)h), s->links[h].id,
		       s->links[h].prog_id);
	printf("\n  guarded ports ");
	for (unsigned int p = 1; p < 65536; p++)
		if (config_port_guarded(s->settings.ports, p))
			printf(" %u", p);
	printf("\n  allow_local    %s", s->settings.flags & SG_F_ALLOW_LOCAL ? "yes" : "no");
	printf(" (loopback and %zu own address%s:", s->local.n, s->local.n == 1 ? "" : "es");
	for (size_t i = 0; i < s->local.n && i < 8; i++)
		printf(" %s%s", sg_addr_format(&s->local.v[i].addr, addr, sizeof(addr)),
		       stale[i] ? "(GONE)" : "");
	printf("%s)\n", s->local.n > 8 ? " ..." : "");
	printf("  containers     %s\n",
	       !(s->settings.flags & SG_F_ALLOW_LOCAL) ?
		       "no local exemption" :
	       s->settings.flags & SG_F_CONTAINER_LOOPBACK ?
		       "their own loopback is exempt (container_loopback = yes)" :
		       "no local exemption (other network namespaces)");
	if (n_stale)
		printf("  WARNING        %zu exempt address%s no longer on this host (GONE); run "
		       "'smtpguard sync'\n",
		       n_stale, n_stale == 1 ? " is" : "es are");
	for (int k = ID_USER; k <= ID_GROUP; k++) {
		char label[32];

		snprintf(label, sizeof(label), "%ss (%zu/%u)", identity_kind_word((enum id_kind)k),
			 s->ids[k].n, s->max_ids);
		printf("  %-14s ", label);
		text_ids_inline(&s->ids[k], (enum id_kind)k, STATUS_MAX_SHOWN);
	}
	printf("  allow_dest     ");
	for (size_t i = 0; i < s->dests.n; i++)
		printf("%s%s", i ? ", " : "", describe_cidr(&s->dests.v[i].key, buf, sizeof(buf)));
	printf("%s\n", s->dests.n ? "" : "none");
	scope_status_text(&s->scope, STATUS_MAX_SHOWN);
	/* One line per role, so each reads as a sentence ("@mta matches nobody"). */
	if (s->settings.flags & SG_F_EMPTY_MTA)
		printf("  roles          @mta matches nobody on this host (no Exim or Postfix "
		       "answered: not installed?)\n");
	if (s->settings.flags & SG_F_EMPTY_MAILMAN)
		printf("  roles          @mailman matches nobody on this host (not installed?)\n");
	printf("  mode           %s%s%s\n", config_mode_name(s->settings.mode),
	       s->settings.mode == SG_MODE_REDIRECT ? ", to " : "",
	       s->settings.mode == SG_MODE_REDIRECT ? redirect : "");
	counts_text(c, l);
}

static void status_json(const struct sg_opts *o, const struct live_state *s,
			const struct addr_list *host, const struct counts *c, struct last_seen *l)
{
	char redirect[128];
	char addr[INET6_ADDRSTRLEN];
	bool stale[s->local.n ? s->local.n : 1];
	struct json j;

	count_stale(s, host, stale);
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_u64(&j, "schema", SG_JSON_SCHEMA);
	json_str(&j, "state", live_state_name(GUARD_LOADED, s->settings.mode));
	json_bool(&j, "loaded", true);
	json_str(&j, "mode", config_mode_name(s->settings.mode));
	redirect_text(&s->settings, redirect, sizeof(redirect));
	json_str(&j, "redirect_to", redirect);
	json_str(&j, "pin_dir", o->pin_dir);
	json_str(&j, "config",
		 s->settings.config_path[0] ? (const char *)s->settings.config_path : NULL);
	json_str(&j, "cgroup", s->cgroup);
	json_bool(&j, "cgroup_is_root", s->is_root);
	json_obj_begin(&j, "hooks");
	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		json_obj_begin(&j, guard_hook_name((enum sg_hook)h));
		json_u64(&j, "link_id", s->links[h].id);
		json_u64(&j, "prog_id", s->links[h].prog_id);
		json_u64(&j, "cgroup_id", s->links[h].cgroup.cgroup_id);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_arr_begin(&j, "ports");
	for (unsigned int p = 1; p < 65536; p++)
		if (config_port_guarded(s->settings.ports, p))
			json_u64(&j, NULL, p);
	json_arr_end(&j);
	json_bool(&j, "allow_local", s->settings.flags & SG_F_ALLOW_LOCAL);
	json_bool(&j, "container_loopback", s->settings.flags & SG_F_CONTAINER_LOOPBACK);
	json_arr_begin(&j, "local_addresses");
	for (size_t i = 0; i < s->local.n; i++)
		json_str(&j, NULL, sg_addr_format(&s->local.v[i].addr, addr, sizeof(addr)));
	json_arr_end(&j);
	json_arr_begin(&j, "stale_local_addresses");
	for (size_t i = 0; i < s->local.n; i++)
		if (stale[i])
			json_str(&j, NULL, sg_addr_format(&s->local.v[i].addr, addr, sizeof(addr)));
	json_arr_end(&j);
	json_u64(&j, "max_identities", s->max_ids);
	json_arr_begin(&j, "empty_roles");
	if (s->settings.flags & SG_F_EMPTY_MTA)
		json_str(&j, NULL, "@mta");
	if (s->settings.flags & SG_F_EMPTY_MAILMAN)
		json_str(&j, NULL, "@mailman");
	json_arr_end(&j);
	json_ids(&j, &s->ids[ID_USER], ID_USER);
	json_ids(&j, &s->ids[ID_GROUP], ID_GROUP);
	json_dests(&j, &s->dests);
	scope_json(&j, &s->scope);
	counts_json(&j, c, l);
	json_obj_end(&j);
	json_finish(&j);
}

static void not_loaded(const struct sg_opts *o, int state, const char *problem)
{
	struct json j;

	if (o->json_document) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "schema", SG_JSON_SCHEMA);
		json_str(&j, "state", live_state_name(state, 0));
		json_bool(&j, "loaded", false);
		json_str(&j, "pin_dir", o->pin_dir);
		json_bool(&j, "damaged", state == GUARD_DAMAGED);
		if (state == GUARD_DAMAGED)
			json_str(&j, "problem", problem);
		json_obj_end(&j);
		json_finish(&j);
	} else if (state == GUARD_DAMAGED) {
		printf("smtpguard: DAMAGED at %s: %s; run 'smtpguard load' to repair\n", o->pin_dir,
		       problem[0] ? problem : "stray pins without links");
	} else {
		printf("smtpguard: not loaded (nothing pinned at %s%s)\n", o->pin_dir,
		       bpffs_check(SG_BPFFS_DIR) ?
			       "; no BPF filesystem is mounted on " SG_BPFFS_DIR :
			       "");
	}
}

/*
 * Open the guard and read it; on anything but success, say why: "not
 * loaded" and "damaged" are status's answer (on stdout, in JSON with
 * --json), the exit code is live_open's.
 */
static int open_live(const struct sg_opts *o, struct live_guard *lg, bool with_links)
{
	enum live_found found =
		live_open(lg, o->pin_dir, LIVE_READ | (with_links ? LIVE_READ_LINKS : 0));

	if (found == LIVE_NOT_LOADED || found == LIVE_DAMAGED) {
		not_loaded(o, found == LIVE_DAMAGED ? GUARD_DAMAGED : GUARD_NOT_LOADED,
			   lg->problem);
		return live_exit_code(lg, NULL);
	}
	return live_explain(lg, NULL);
}

int cmd_status(const struct sg_opts *o)
{
	struct addr_list host = {};
	struct counts c = {};
	/* Big (paths of 1 KiB): on the heap. NULL: those lines are left out. */
	struct last_seen *l = calloc(1, sizeof(*l));
	struct live_guard lg;
	int ret;

	ret = open_live(o, &lg, true);
	if (ret == EXIT_OK && (own_addrs_collect(&host) || counters_read(&lg.g, &c))) {
		log_err("cannot read the host's addresses or the guard's counters");
		ret = EXIT_FAIL;
	}
	if (l)
		last_seen_open(l, o->pin_dir);
	if (ret == EXIT_OK) {
		if (o->json_document)
			status_json(o, &lg.s, &host, &c, l);
		else
			status_text(o, &lg.s, &host, &c, l);
	}
	if (l)
		cgroup_names_free(&l->cgroups);
	free(l);
	counters_free(&c);
	addr_list_free(&host);
	live_close(&lg);
	return ret;
}

static void list_text(const struct live_state *s)
{
	char name[256], origin[96], buf[80];

	for (int k = ID_USER; k <= ID_GROUP; k++) {
		printf("%-6s %-10s %-24s %s\n", k == ID_USER ? "user" : "group",
		       identity_id_word((enum id_kind)k), "name", "origin");
		for (size_t i = 0; i < s->ids[k].n; i++) {
			const struct id_entry *e = &s->ids[k].v[i];
			const char *n = identity_name((enum id_kind)k, e->id, name, sizeof(name));

			printf("%-6s %-10u %-24s %s\n", "", e->id, n ? n : "-",
			       describe_origin(e->origin, origin, sizeof(origin)));
		}
	}
	printf("dest   %-35s %s\n", "cidr", "origin");
	for (size_t i = 0; i < s->dests.n; i++)
		printf("%-6s %-35s %s\n", "", describe_cidr(&s->dests.v[i].key, buf, sizeof(buf)),
		       describe_origin(s->dests.v[i].origin, origin, sizeof(origin)));
	scope_list_text(&s->scope);
}

int cmd_list(const struct sg_opts *o)
{
	struct live_guard lg;
	struct live_state *s = &lg.s;
	struct json j;
	int ret;

	ret = open_live(o, &lg, false);
	if (ret == EXIT_OK && o->json_document) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "schema", SG_JSON_SCHEMA);
		json_ids(&j, &s->ids[ID_USER], ID_USER);
		json_ids(&j, &s->ids[ID_GROUP], ID_GROUP);
		json_dests(&j, &s->dests);
		scope_json(&j, &s->scope);
		json_obj_end(&j);
		json_finish(&j);
	} else if (ret == EXIT_OK) {
		list_text(s);
	}
	live_close(&lg);
	return ret;
}
