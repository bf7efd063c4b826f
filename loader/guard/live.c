// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* live.c - read the live guard; see live.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idlist.h"
#include "live.h"
#include "maps.h"
#include "mounts.h"
#include "scope_maps.h"

static int read_maps(const struct guard *g, struct live_state *s)
{
	int err = maps_read_settings(g->fd[SG_MAP_SETTINGS], &s->settings);

	for (int k = ID_USER; !err && k <= ID_GROUP; k++) {
		struct idlist l;

		err = idlist_open(&l, g->fd[guard_array_map(k)], g->fd[guard_allow_map(k)], false);
		if (!err)
			err = idlist_read(&l, &s->ids[k]);
		idlist_close(&l);
	}
	s->max_ids = s->settings.max_ids;
	if (!err)
		err = maps_check_layout(g->fd[SG_MAP_ALLOW_DEST], sizeof(struct sg_dest_key),
					sizeof(struct sg_allow));
	if (!err)
		err = maps_read_dests(g->fd[SG_MAP_ALLOW_DEST], &s->dests);
	if (!err)
		err = maps_check_layout(g->fd[SG_MAP_OWN_ADDRS], sizeof(struct sg_addr),
					sizeof(struct sg_local));
	if (!err)
		err = maps_read_own_addrs(g->fd[SG_MAP_OWN_ADDRS], &s->local);
	if (!err)
		err = scope_maps_check(g->fd[SG_MAP_SCOPED], g->fd[SG_MAP_SCOPE_PORTS],
				       g->fd[SG_MAP_SCOPE_RULES]);
	if (!err)
		err = scope_maps_read_rules(g->fd[SG_MAP_SCOPE_RULES], &s->scope);
	return err;
}

static int read_links(const struct guard *g, struct live_state *s)
{
	char root[PATH_MAX];

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

int live_read(const struct guard *g, struct live_state *s, bool with_links)
{
	int err = read_maps(g, s);

	return err || !with_links ? err : read_links(g, s);
}

int live_config_path(const char *pin_dir, char *buf, size_t len)
{
	struct sg_settings settings;

	/* Only a whole guard's: a damaged one is repaired with the file named. */
	if (guard_read_settings(pin_dir, true, &settings) || !settings.config_path[0])
		return -ENOENT;
	snprintf(buf, len, "%.*s", (int)sizeof(settings.config_path),
		 (const char *)settings.config_path);
	return 0;
}

/* Where the pinned connect4 link is attached, for a guard without the record. */
static void attached_cgroup(const char *pin_dir, char *buf, size_t len)
{
	struct bpf_link_info info = {};
	__u32 info_len = sizeof(info);
	char pin[PATH_MAX], root[PATH_MAX];
	int fd;

	snprintf(pin, sizeof(pin), "%s/%s", pin_dir, SG_PIN_LINK_CONNECT4);
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len) && info.type == BPF_LINK_TYPE_CGROUP &&
	    !cgroup2_root(root, sizeof(root)) &&
	    cgroup_path_from_id(root, info.cgroup.cgroup_id, buf, len))
		buf[0] = '\0';
	close(fd);
}

void live_recorded(const char *pin_dir, struct live_record *r)
{
	struct sg_settings settings;

	memset(r, 0, sizeof(*r));
	if (!guard_read_settings(pin_dir, false, &settings)) {
		snprintf(r->config, sizeof(r->config), "%.*s", (int)sizeof(settings.config_path),
			 (const char *)settings.config_path);
		snprintf(r->cgroup, sizeof(r->cgroup), "%.*s", (int)sizeof(settings.cgroup_path),
			 (const char *)settings.cgroup_path);
	}
	/* Another version's settings, or none: where its link is, if it has one. */
	if (!r->cgroup[0])
		attached_cgroup(pin_dir, r->cgroup, sizeof(r->cgroup));
}

void live_scope_rules(const char *pin_dir, struct scope_plan *out)
{
	char problem[512];
	struct guard g;

	if (guard_open(pin_dir, &g, problem, sizeof(problem)) == GUARD_LOADED &&
	    scope_maps_read_rules(g.fd[SG_MAP_SCOPE_RULES], out))
		scope_free(out);
	guard_close(&g);
}

static int copy_ids(const struct id_set *from, struct id_set *to)
{
	for (size_t i = 0; i < from->n; i++)
		if (id_set_add(to, from->v[i].id, from->v[i].origin))
			return -ENOMEM;
	return 0;
}

int live_policy(const struct live_state *s, struct sg_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->settings = s->settings;
	p->max_ids = s->max_ids;
	if (copy_ids(&s->ids[ID_USER], &p->uids) || copy_ids(&s->ids[ID_GROUP], &p->gids))
		goto nomem;
	for (size_t i = 0; i < s->dests.n; i++)
		if (dest_set_add(&p->dests, &s->dests.v[i].key, s->dests.v[i].origin))
			goto nomem;
	for (size_t i = 0; i < s->scope.nrules; i++) {
		/* With its count: the next generation goes on from it (see plan.c). */
		if (scope_add_rule(&p->scope, &s->scope.rules[i]))
			goto nomem;
	}
	return 0;
nomem:
	policy_free(p);
	return -ENOMEM;
}

int live_abi_version(const char *pin_dir, __u32 *abi)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	char pin[PATH_MAX];
	void *value = NULL;
	int fd, err = 0;

	snprintf(pin, sizeof(pin), "%s/%s", pin_dir, SG_PIN_SETTINGS);
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.key_size != sizeof(zero) || info.value_size < sizeof(*abi))
		err = -EPROTO;
	else if (!(value = calloc(1, info.value_size)))
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(fd, &zero, value))
		err = -errno;
	else
		memcpy(abi, value, sizeof(*abi)); /* abi_version stays the first field */
	free(value);
	close(fd);
	return err;
}

bool live_has_id(const char *pin_dir, enum id_kind kind, __u32 id, __u32 *origin)
{
	char problem[512];
	struct guard g;
	struct idlist l = {};
	bool found = false;

	if (guard_open(pin_dir, &g, problem, sizeof(problem)) == GUARD_LOADED &&
	    !idlist_open(&l, g.fd[guard_array_map(kind)], g.fd[guard_allow_map(kind)], false))
		found = !idlist_get(&l, id, origin);
	idlist_close(&l);
	guard_close(&g);
	return found;
}

const char *const live_state_names[5] = { "enforcing", "audit", "redirect", "damaged",
					  "not loaded" };

const char *live_state_name(int state, __u32 mode)
{
	if (state == GUARD_NOT_LOADED)
		return live_state_names[4];
	if (state != GUARD_LOADED)
		return live_state_names[3];
	if (mode == SG_MODE_AUDIT)
		return live_state_names[1];
	return live_state_names[mode == SG_MODE_REDIRECT ? 2 : 0];
}

void live_free(struct live_state *s)
{
	id_set_free(&s->ids[ID_USER]);
	id_set_free(&s->ids[ID_GROUP]);
	free(s->dests.v);
	memset(&s->dests, 0, sizeof(s->dests));
	scope_free(&s->scope);
	addr_list_free(&s->local);
}
