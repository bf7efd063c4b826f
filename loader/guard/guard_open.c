// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * guard_open.c - read back the live guard: its links, its commit point, and
 * the maps of the generation that is committed, whatever the links and map
 * pins say; and what is wrong with it. See guard_open.h.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commit.h"
#include "guard_open.h"
#include "maps.h"
#include "pins.h"

void guard_init(struct guard *g)
{
	*g = (struct guard){ .control = 0 };
	for (int h = 0; h < SG_HOOK_COUNT; h++)
		g->link_fd[h] = -1;
	for (int m = 0; m < SG_MAP_COUNT; m++)
		g->fd[m] = -1;
}

static void note(char *buf, size_t len, const char *fmt, const char *arg)
{
	size_t used = strlen(buf);

	if (used)
		used += (size_t)snprintf(buf + used, len - used, "; ");
	if (used < len)
		snprintf(buf + used, len - used, fmt, arg);
}

/* guard_maps_of_prog() into g. */
static int open_prog_maps(__u32 prog_id, struct guard *g)
{
	return guard_maps_of_prog(prog_id, g->fd);
}

/* Replace g's generation maps by those of prog_id. */
static int open_committed_maps(__u32 prog_id, struct guard *g)
{
	for (int m = 0; m < SG_MAP_COUNT; m++) {
		if (guard_maps[m].kind != SG_KIND_GENERATION)
			continue;
		if (g->fd[m] >= 0)
			close(g->fd[m]);
		g->fd[m] = -1;
	}
	return open_prog_maps(prog_id, g);
}

/* Pinned dispatch arrays for hooks whose link is missing. */
static void open_dispatch_pins(const char *pin_dir, struct guard *g)
{
	char path[PATH_MAX];

	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		enum sg_map m = guard_dispatch_map((enum sg_hook)h);

		if (g->fd[m] < 0 && !pin_path(path, pin_dir, guard_maps[m].pin, ""))
			g->fd[m] = bpf_obj_get(path);
	}
}

/* Every hook follows one commit point, committed and on, to one generation. */
static void check_generation(const char *pin_dir, struct guard *g,
			     const struct bpf_link_info info[SG_HOOK_COUNT], char *problem,
			     size_t len)
{
	__u32 prog[SG_HOOK_COUNT];
	struct guard other;
	int err;

	open_dispatch_pins(pin_dir, g);
	if (commit_read(g->fd[SG_MAP_CONTROL], &g->control)) {
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
		prog[h] = commit_deciding_prog(g->control, info[h].prog_id,
					       g->fd[guard_dispatch_map(h)]);
	for (int h = 0; h < SG_HOOK_COUNT; h++)
		if (!prog[h]) {
			note(problem, len, "the committed generation has no %s program",
			     guard_hook_name((enum sg_hook)h));
			return;
		}
	err = open_committed_maps(prog[SG_HOOK_CONNECT4], g);
	if (err) {
		note(problem, len, "cannot open the committed generation: %s", strerror(-err));
		return;
	}
	for (int h = SG_HOOK_CONNECT6; h < SG_HOOK_COUNT; h++) {
		guard_init(&other);
		if (g->link_fd[h] >= 0 && g->link_fd[SG_HOOK_CONNECT4] >= 0 &&
		    (open_prog_maps(prog[h], &other) ||
		     !maps_same(other.fd[SG_MAP_ALLOW_UID], g->fd[SG_MAP_ALLOW_UID]) ||
		     !maps_same(other.fd[SG_MAP_CONTROL], g->fd[SG_MAP_CONTROL])))
			note(problem, len, "connect4 and %s run different generations",
			     guard_hook_name((enum sg_hook)h));
		guard_close(&other);
	}
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
		for (int m = 0; m < SG_MAP_COUNT; m++)
			if (!pin_path(path, pin_dir, guard_maps[m].pin, "") && !access(path, F_OK))
				return GUARD_DAMAGED;
		return GUARD_NOT_LOADED;
	}
	for (int h = SG_HOOK_CONNECT6; h < SG_HOOK_COUNT; h++)
		if (g->link_fd[h] >= 0 && g->link_fd[SG_HOOK_CONNECT4] >= 0 &&
		    info[SG_HOOK_CONNECT4].cgroup.cgroup_id != info[h].cgroup.cgroup_id)
			note(problem, len, "connect4 and %s are attached to different cgroups",
			     guard_hook_name((enum sg_hook)h));
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
		     !maps_same(p.fd[SG_MAP_CONTROL], g->fd[SG_MAP_CONTROL])))
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

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void guard_close(struct guard *g)
{
	for (int h = 0; h < SG_HOOK_COUNT; h++)
		close_fd(&g->link_fd[h]);
	for (int m = 0; m < SG_MAP_COUNT; m++)
		close_fd(&g->fd[m]);
}

int guard_read_settings(const char *pin_dir, bool whole_only, struct sg_settings *out)
{
	char problem[512], path[PATH_MAX];
	struct guard g;
	int state, fd, err;

	/* guard_open() initialises g and leaves it closed when it fails. */
	state = guard_open(pin_dir, &g, problem, sizeof(problem));
	err = -ENOENT;
	if (state == GUARD_NOT_LOADED || (whole_only && state != GUARD_LOADED))
		goto cleanup;
	/* The committed generation's: the settings pin may be a replaced one's. */
	if (state >= 0 && g.fd[SG_MAP_SETTINGS] >= 0)
		err = maps_read_settings(g.fd[SG_MAP_SETTINGS], out);
	if (!err || state == GUARD_LOADED)
		goto cleanup;
	/* A damaged guard, or one that could not be opened: what its pin says. */
	err = pin_path(path, pin_dir, guard_maps[SG_MAP_SETTINGS].pin, "");
	if (err)
		goto cleanup;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = maps_read_settings(fd, out);
	close(fd);
cleanup:
	guard_close(&g);
	return err;
}

void guard_keep_state_only(struct guard *g)
{
	for (int h = 0; h < SG_HOOK_COUNT; h++)
		close_fd(&g->link_fd[h]);
	for (int m = 0; m < SG_MAP_COUNT; m++)
		if (guard_maps[m].kind != SG_KIND_STATE)
			close_fd(&g->fd[m]);
}
