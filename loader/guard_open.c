// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * guard_open.c - read back the live guard: its links, its commit point, and
 * the maps of the generation that is committed, whatever the links and map
 * pins say; and what is wrong with it. See guard.h.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commit.h"
#include "guard.h"
#include "maps.h"
#include "pins.h"

void guard_init(struct guard *g)
{
	*g = (struct guard){ .control = 0 };
	g->link_fd[SG_HOOK_CONNECT4] = g->link_fd[SG_HOOK_CONNECT6] = -1;
	g->settings_fd = g->local_fd = g->dest_fd = -1;
	g->scope_fd[0] = g->scope_fd[1] = g->scope_fd[2] = -1;
	g->events_fd = g->counters_fd = g->stats_fd = -1;
	g->allow_fd[ID_USER] = g->allow_fd[ID_GROUP] = -1;
	g->array_fd[ID_USER] = g->array_fd[ID_GROUP] = -1;
	g->control_fd = -1;
	g->dispatch_fd[SG_HOOK_CONNECT4] = g->dispatch_fd[SG_HOOK_CONNECT6] = -1;
}

static void note(char *buf, size_t len, const char *fmt, const char *arg)
{
	size_t used = strlen(buf);

	if (used)
		used += (size_t)snprintf(buf + used, len - used, "; ");
	if (used < len)
		snprintf(buf + used, len - used, fmt, arg);
}

/* Where a map of this name goes in struct guard, or NULL. */
static int *slot_of_map(struct guard *g, const char *name)
{
	static const struct {
		const char *name;
		size_t offset;
	} slots[] = {
		{ "sg_allow_uid", offsetof(struct guard, allow_fd[ID_USER]) },
		{ "sg_allow_gid", offsetof(struct guard, allow_fd[ID_GROUP]) },
		{ "sg_uid_array", offsetof(struct guard, array_fd[ID_USER]) },
		{ "sg_gid_array", offsetof(struct guard, array_fd[ID_GROUP]) },
		{ "sg_local_addr", offsetof(struct guard, local_fd) },
		{ "sg_allow_dest", offsetof(struct guard, dest_fd) },
		{ "sg_scoped", offsetof(struct guard, scope_fd[0]) },
		{ "sg_scope_ports", offsetof(struct guard, scope_fd[1]) },
		{ "sg_scope_rules", offsetof(struct guard, scope_fd[2]) },
		{ "sg_events", offsetof(struct guard, events_fd) },
		{ "sg_counters", offsetof(struct guard, counters_fd) },
		{ "sg_stats", offsetof(struct guard, stats_fd) },
		{ "sg_control", offsetof(struct guard, control_fd) },
		{ "sg_dispatch4", offsetof(struct guard, dispatch_fd[SG_HOOK_CONNECT4]) },
		{ "sg_dispatch6", offsetof(struct guard, dispatch_fd[SG_HOOK_CONNECT6]) },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (!strcmp(name, slots[i].name))
			return (int *)((char *)g + slots[i].offset);
	if (n > 7 && !strcmp(name + n - 7, ".rodata"))
		return &g->settings_fd;
	return NULL;
}

/*
 * The maps a program uses, found by name: the live truth, whatever the pins
 * say. Slots already filled are kept. -EPROTO when the program lacks one the
 * guard needs (built by another smtpguard version).
 */
static int open_prog_maps(__u32 prog_id, struct guard *g)
{
	__u32 map_ids[32], len;
	struct bpf_prog_info info = {};
	int prog_fd, err = 0;

	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	len = sizeof(info);
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		err = -errno;
		goto cleanup;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < sizeof(map_ids) / sizeof(map_ids[0]); i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(map_ids[i]), *slot;

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
			err = -errno;
			if (fd >= 0)
				close(fd);
			goto cleanup;
		}
		slot = slot_of_map(g, mi.name);
		if (slot && *slot < 0)
			*slot = fd;
		else
			close(fd);
	}
	if (g->settings_fd < 0 || g->allow_fd[ID_USER] < 0 || g->allow_fd[ID_GROUP] < 0 ||
	    g->array_fd[ID_USER] < 0 || g->array_fd[ID_GROUP] < 0 || g->local_fd < 0 ||
	    g->dest_fd < 0 || g->events_fd < 0 || g->counters_fd < 0 || g->stats_fd < 0 ||
	    g->control_fd < 0 || g->scope_fd[0] < 0 || g->scope_fd[1] < 0 || g->scope_fd[2] < 0)
		err = -EPROTO;
cleanup:
	close(prog_fd);
	return err;
}

/* The generation a program belongs to (its settings), or 0. */
static __u64 prog_generation(__u32 prog_id)
{
	struct sg_settings settings;
	struct guard p;
	__u64 gen = 0;

	guard_init(&p);
	if (!open_prog_maps(prog_id, &p) && !maps_read_settings(p.settings_fd, &settings))
		gen = settings.generation;
	guard_close(&p);
	return gen;
}

/*
 * The program deciding for hook h: the link's own when it is the committed
 * generation, else the one it tail-calls. 0 when there is none.
 */
static __u32 committed_prog(const struct guard *g, const struct bpf_link_info *link, int h)
{
	__u64 gen = commit_generation(g->control);

	__u32 staged;

	if (link->prog_id && prog_generation(link->prog_id) == gen)
		return link->prog_id;
	staged = g->dispatch_fd[h] >= 0 ? commit_staged_prog(g->dispatch_fd[h], gen) : 0;
	return staged && prog_generation(staged) == gen ? staged : 0;
}

/* Replace g's generation maps by those of prog_id. */
static int open_generation(__u32 prog_id, struct guard *g)
{
	int *gen_fds[] = { &g->settings_fd,	  &g->allow_fd[ID_USER],  &g->allow_fd[ID_GROUP],
			   &g->array_fd[ID_USER], &g->array_fd[ID_GROUP], &g->local_fd,
			   &g->dest_fd,		  &g->scope_fd[0],	  &g->scope_fd[1],
			   &g->scope_fd[2] };

	for (size_t i = 0; i < sizeof(gen_fds) / sizeof(gen_fds[0]); i++) {
		if (*gen_fds[i] >= 0)
			close(*gen_fds[i]);
		*gen_fds[i] = -1;
	}
	return open_prog_maps(prog_id, g);
}

/* Pinned dispatch arrays for hooks whose link is missing. */
static void open_dispatch_pins(const char *pin_dir, struct guard *g)
{
	static const char *const pins[SG_HOOK_COUNT] = { SG_PIN_DISPATCH4, SG_PIN_DISPATCH6 };
	char path[PATH_MAX];

	for (int h = 0; h < SG_HOOK_COUNT; h++)
		if (g->dispatch_fd[h] < 0 && !pin_path(path, pin_dir, pins[h], ""))
			g->dispatch_fd[h] = bpf_obj_get(path);
}

/* Both hooks follow one commit point, committed and on, to one generation. */
static void check_generation(const char *pin_dir, struct guard *g,
			     const struct bpf_link_info info[SG_HOOK_COUNT], char *problem,
			     size_t len)
{
	__u32 prog[SG_HOOK_COUNT];
	struct guard other;
	int err;

	open_dispatch_pins(pin_dir, g);
	if (commit_read(g->control_fd, &g->control)) {
		note(problem, len, "cannot read its commit point: %s", strerror(errno));
		return;
	}
	if (commit_is_off(g->control)) {
		note(problem, len, "%s",
		     "it is switched off (a load or unload was interrupted): it lets "
		     "everything through");
		return;
	}
	for (int h = 0; h < SG_HOOK_COUNT; h++)
		prog[h] = committed_prog(g, &info[h], h);
	if (!prog[SG_HOOK_CONNECT4] || !prog[SG_HOOK_CONNECT6]) {
		note(problem, len, "%s", "the committed generation has no program for a hook");
		return;
	}
	err = open_generation(prog[SG_HOOK_CONNECT4], g);
	if (err) {
		note(problem, len, "cannot open the committed generation: %s", strerror(-err));
		return;
	}
	guard_init(&other);
	if (g->link_fd[SG_HOOK_CONNECT6] >= 0 && g->link_fd[SG_HOOK_CONNECT4] >= 0 &&
	    (open_prog_maps(prog[SG_HOOK_CONNECT6], &other) ||
	     !maps_same(other.allow_fd[ID_USER], g->allow_fd[ID_USER]) ||
	     !maps_same(other.control_fd, g->control_fd)))
		note(problem, len, "%s", "connect4 and connect6 run different generations");
	guard_close(&other);
}

int guard_open(const char *pin_dir, struct guard *g, char *problem, size_t len)
{
	struct bpf_link_info info[SG_HOOK_COUNT] = {};
	int found = 0, err;
	char path[PATH_MAX];

	guard_init(g);
	problem[0] = '\0';
	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		__u32 ilen = sizeof(info[h]);

		err = pin_path(path, pin_dir, link_pins[h], "");
		if (err)
			goto fail;
		g->link_fd[h] = bpf_obj_get(path);
		if (g->link_fd[h] < 0) {
			if (errno != ENOENT) {
				err = -errno;
				goto fail;
			}
			note(problem, len, "%s is not pinned", link_pins[h]);
			continue;
		}
		found++;
		if (bpf_obj_get_info_by_fd(g->link_fd[h], &info[h], &ilen)) {
			err = -errno;
			goto fail;
		}
		if (info[h].type != BPF_LINK_TYPE_CGROUP || !info[h].cgroup.cgroup_id)
			note(problem, len, "%s is detached from its cgroup",
			     guard_hook_name((enum sg_hook)h));
	}
	if (!found) {
		/* Stray map pins without links are a damaged guard too. */
		for (int m = 0; m < MAP_COUNT; m++)
			if (!pin_path(path, pin_dir, map_pins[m], "") && !access(path, F_OK))
				return GUARD_DAMAGED;
		return GUARD_NOT_LOADED;
	}
	if (found == SG_HOOK_COUNT &&
	    info[SG_HOOK_CONNECT4].cgroup.cgroup_id != info[SG_HOOK_CONNECT6].cgroup.cgroup_id)
		note(problem, len, "%s", "connect4 and connect6 are attached to different cgroups");
	/* The state maps, from the links' programs (each knows its own dispatch array). */
	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		if (g->link_fd[h] < 0 || !info[h].prog_id)
			continue;
		err = open_prog_maps(info[h].prog_id, g);
		if (err == -EPROTO) {
			note(problem, len, "%s",
			     "its program was built by another smtpguard version");
			return GUARD_DAMAGED;
		}
		if (err)
			goto fail;
	}
	/* Each hook must follow this commit point, or a commit does not reach it. */
	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		struct guard p;

		guard_init(&p);
		if (g->link_fd[h] >= 0 && info[h].prog_id &&
		    (open_prog_maps(info[h].prog_id, &p) ||
		     !maps_same(p.control_fd, g->control_fd)))
			note(problem, len,
			     "%s runs a program that does not follow the guard's commit "
			     "point",
			     guard_hook_name((enum sg_hook)h));
		guard_close(&p);
	}
	check_generation(pin_dir, g, info, problem, len);
	return problem[0] ? GUARD_DAMAGED : GUARD_LOADED;
fail:
	guard_close(g);
	return err;
}

void guard_close(struct guard *g)
{
	int *fds[] = { &g->link_fd[0],	&g->link_fd[1],	    &g->settings_fd,	&g->allow_fd[0],
		       &g->allow_fd[1], &g->array_fd[0],    &g->array_fd[1],	&g->local_fd,
		       &g->dest_fd,	&g->events_fd,	    &g->counters_fd,	&g->stats_fd,
		       &g->control_fd,	&g->dispatch_fd[0], &g->dispatch_fd[1], &g->scope_fd[0],
		       &g->scope_fd[1], &g->scope_fd[2] };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void guard_keep_state_only(struct guard *g)
{
	int *fds[] = { &g->link_fd[0],	&g->link_fd[1],	 &g->settings_fd,    &g->allow_fd[0],
		       &g->allow_fd[1], &g->array_fd[0], &g->array_fd[1],    &g->local_fd,
		       &g->dest_fd,	&g->control_fd,	 &g->dispatch_fd[0], &g->dispatch_fd[1],
		       &g->scope_fd[0], &g->scope_fd[1], &g->scope_fd[2] };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
