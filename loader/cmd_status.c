// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_status.c - "smtpguard status" and "smtpguard list": what the kernel
 * enforces right now, read back from the pinned maps and links.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "guard.h"
#include "json.h"
#include "local_addrs.h"
#include "log.h"
#include "maps.h"
#include "mounts.h"
#include "policy.h"

/* status prints at most this many identities per list; "list" prints all. */
#define STATUS_MAX_SHOWN 20

struct live_state {
	struct sg_settings settings;
	struct id_set ids[2]; /* indexed by enum id_kind */
	struct addr_list local; /* exempt as "own" by the live guard */
	struct addr_list host; /* on this host's interfaces now */
	struct bpf_link_info links[SG_HOOK_COUNT];
	char cgroup[PATH_MAX]; /* where connect4 is attached */
	bool is_root; /* ... and that is the cgroup v2 root */
};

static void live_free(struct live_state *s)
{
	id_set_free(&s->ids[ID_USER]);
	id_set_free(&s->ids[ID_GROUP]);
	addr_list_free(&s->local);
	addr_list_free(&s->host);
}

/* Exempt addresses the host no longer has: someone else may hold them now. */
static size_t count_stale(const struct live_state *s, bool *stale)
{
	size_t n = 0;

	for (size_t i = 0; i < s->local.n; i++) {
		stale[i] = true;
		for (size_t k = 0; k < s->host.n && stale[i]; k++)
			stale[i] = memcmp(&s->local.v[i].addr, &s->host.v[k].addr,
					  sizeof(struct sg_addr)) != 0;
		n += stale[i];
	}
	return n;
}

static int read_lists(const struct guard *g, struct live_state *s)
{
	for (int k = ID_USER; k <= ID_GROUP; k++) {
		int err = maps_check_layout(g->allow_fd[k], sizeof(__u32), sizeof(struct sg_allow));

		if (!err)
			err = maps_read_ids(g->allow_fd[k], &s->ids[k]);
		if (err)
			return err;
	}
	return 0;
}

static int read_live(const struct guard *g, struct live_state *s)
{
	char root[PATH_MAX];
	int err;

	err = maps_read_settings(g->settings_fd, &s->settings);
	if (!err)
		err = read_lists(g, s);
	if (!err)
		err = maps_check_layout(g->local_fd, sizeof(struct sg_addr),
					sizeof(struct sg_local));
	if (!err)
		err = maps_read_local(g->local_fd, &s->local);
	if (!err)
		err = local_addrs_collect(&s->host);
	if (err)
		return err;
	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		__u32 len = sizeof(s->links[h]);

		if (bpf_obj_get_info_by_fd(g->link_fd[h], &s->links[h], &len))
			return -errno;
	}
	snprintf(s->cgroup, sizeof(s->cgroup), "(cgroup id %llu, not found)",
		 (unsigned long long)s->links[SG_HOOK_CONNECT4].cgroup.cgroup_id);
	if (!cgroup2_root(root, sizeof(root)))
		cgroup_path_from_id(root, s->links[SG_HOOK_CONNECT4].cgroup.cgroup_id, s->cgroup,
				    sizeof(s->cgroup));
	/* The root cgroup's ID is 1, whatever a cgroup namespace shows as "/". */
	s->is_root = s->links[SG_HOOK_CONNECT4].cgroup.cgroup_id == 1;
	return 0;
}

static const char *const origin_words[] = { "config", "default", "runtime" };

static void print_origin(FILE *out, __u32 origin)
{
	const char *sep = "";

	for (unsigned int b = 0; b < sizeof(origin_words) / sizeof(origin_words[0]); b++) {
		if (origin & (1U << b)) {
			fprintf(out, "%s%s", sep, origin_words[b]);
			sep = ",";
		}
	}
}

static void json_ids(struct json *j, const struct id_set *s, enum id_kind kind)
{
	char name[256];

	json_arr_begin(j, kind == ID_USER ? "allow_users" : "allow_groups");
	for (size_t i = 0; i < s->n; i++) {
		json_obj_begin(j, NULL);
		json_u64(j, identity_id_word(kind), s->v[i].id);
		json_str(j, "name", identity_name(kind, s->v[i].id, name, sizeof(name)));
		json_arr_begin(j, "origin");
		for (unsigned int b = 0; b < sizeof(origin_words) / sizeof(origin_words[0]); b++)
			if (s->v[i].origin & (1U << b))
				json_str(j, NULL, origin_words[b]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* "root (0), 64202, ..." on one line, at most max entries. */
static void text_ids_inline(const struct id_set *s, enum id_kind kind, size_t max)
{
	char name[256];

	for (size_t i = 0; i < s->n && i < max; i++) {
		const char *n = identity_name(kind, s->v[i].id, name, sizeof(name));

		printf("%s", i ? ", " : "");
		if (n)
			printf("%s (%u)", n, s->v[i].id);
		else
			printf("%u", s->v[i].id);
	}
	if (s->n > max)
		printf(", ... %zu more (smtpguard list)", s->n - max);
	printf("%s\n", s->n ? "" : "none");
}

static void status_text(const struct sg_opts *o, const struct live_state *s)
{
	char addr[INET6_ADDRSTRLEN];
	bool stale[s->local.n ? s->local.n : 1];
	size_t n_stale = count_stale(s, stale);

	printf("smtpguard: loaded, enforcing\n");
	printf("  pin dir        %s\n", o->pin_dir);
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
	if (n_stale)
		printf("  WARNING        %zu exempt address%s no longer on this host (GONE); run "
		       "'smtpguard load'\n",
		       n_stale, n_stale == 1 ? " is" : "es are");
	for (int k = ID_USER; k <= ID_GROUP; k++) {
		char label[32];

		snprintf(label, sizeof(label), "%ss (%zu)", identity_kind_word((enum id_kind)k),
			 s->ids[k].n);
		printf("  %-15s", label);
		text_ids_inline(&s->ids[k], (enum id_kind)k, STATUS_MAX_SHOWN);
	}
}

static void status_json(const struct sg_opts *o, const struct live_state *s)
{
	char addr[INET6_ADDRSTRLEN];
	bool stale[s->local.n ? s->local.n : 1];
	struct json j;

	count_stale(s, stale);
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_bool(&j, "loaded", true);
	json_str(&j, "mode", "enforce");
	json_str(&j, "pin_dir", o->pin_dir);
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
	json_arr_begin(&j, "local_addresses");
	for (size_t i = 0; i < s->local.n; i++)
		json_str(&j, NULL, sg_addr_format(&s->local.v[i].addr, addr, sizeof(addr)));
	json_arr_end(&j);
	json_arr_begin(&j, "stale_local_addresses");
	for (size_t i = 0; i < s->local.n; i++)
		if (stale[i])
			json_str(&j, NULL, sg_addr_format(&s->local.v[i].addr, addr, sizeof(addr)));
	json_arr_end(&j);
	json_ids(&j, &s->ids[ID_USER], ID_USER);
	json_ids(&j, &s->ids[ID_GROUP], ID_GROUP);
	json_obj_end(&j);
	json_finish(&j);
}

static void not_loaded(const struct sg_opts *o, int state, const char *problem)
{
	struct json j;

	if (o->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
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
		printf("smtpguard: not loaded (nothing pinned at %s)\n", o->pin_dir);
	}
}

/* Open the guard and read it; on anything but success, say why. */
static int open_live(const struct sg_opts *o, struct guard *g, struct live_state *s,
		     bool need_links)
{
	char problem[512];
	int state, err;

	state = guard_open(o->pin_dir, g, problem, sizeof(problem));
	if (state < 0) {
		log_err("cannot open the pins in %s: %s", o->pin_dir, strerror(-state));
		return EXIT_FAIL;
	}
	if (state != GUARD_LOADED) {
		not_loaded(o, state, problem);
		return EXIT_NOT_LOADED;
	}
	err = need_links ? read_live(g, s) : read_lists(g, s);
	if (err == -EPROTO) {
		log_err("the guard at %s was loaded by another smtpguard version; run "
			"'smtpguard load' to replace it",
			o->pin_dir);
		return EXIT_FAIL;
	}
	if (err) {
		log_err("cannot read the guard's maps: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_status(const struct sg_opts *o)
{
	struct live_state s = {};
	struct guard g;
	int ret;

	ret = open_live(o, &g, &s, true);
	if (ret == EXIT_OK) {
		if (o->json)
			status_json(o, &s);
		else
			status_text(o, &s);
	}
	guard_close(&g);
	live_free(&s);
	return ret;
}

int cmd_list(const struct sg_opts *o)
{
	struct live_state s = {};
	struct guard g;
	char name[256];
	struct json j;
	int ret;

	ret = open_live(o, &g, &s, false);
	if (ret != EXIT_OK)
		goto cleanup;
	if (o->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_ids(&j, &s.ids[ID_USER], ID_USER);
		json_ids(&j, &s.ids[ID_GROUP], ID_GROUP);
		json_obj_end(&j);
		json_finish(&j);
		goto cleanup;
	}
	for (int k = ID_USER; k <= ID_GROUP; k++) {
		printf("%-6s %-10s %-24s %s\n", k == ID_USER ? "user" : "group",
		       identity_id_word((enum id_kind)k), "name", "origin");
		for (size_t i = 0; i < s.ids[k].n; i++) {
			const char *n = identity_name((enum id_kind)k, s.ids[k].v[i].id, name,
						      sizeof(name));

			printf("%-6s %-10u %-24s ", "", s.ids[k].v[i].id, n ? n : "-");
			print_origin(stdout, s.ids[k].v[i].origin);
			putchar('\n');
		}
	}
cleanup:
	guard_close(&g);
	live_free(&s);
	return ret;
}
