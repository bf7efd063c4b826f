/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup_names.h - the cgroup v2 path of a cgroup ID, as events and the
 * counters carry it (bpf_get_current_cgroup_id()), and the systemd unit the
 * path names: /system.slice/php-fpm.service, /user.slice/user-1001.slice/
 * session-4.scope.
 *
 * The ID is the cgroup directory's inode number, and also its file handle on
 * cgroupfs: open_by_handle_at() opens the directory in one call, and its
 * /proc/self/fd link is the path. Where handles do not work, the tree is
 * walked. Answers are cached per ID (IDs are never reused) and looked up
 * again after CGROUP_NAME_TTL_S, since a delegated cgroup can be renamed.
 */
#ifndef SG_CGROUP_NAMES_H
#define SG_CGROUP_NAMES_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>
#include <linux/types.h>

#define CGROUP_NAME_SLOTS 256
#define CGROUP_NAME_TTL_S 60
/* Bytes kept of a path (longer ones end in "..."); a unit name is at most 255. */
#define CGROUP_PATH_KEPT 1024
#define CGROUP_UNIT_MAX 256

struct cgroup_names {
	int root_fd; /* the cgroup v2 mount (open_by_handle_at), or -1 */
	char root[PATH_MAX];
	bool no_handles; /* open_by_handle_at does not work here: walk */
	struct {
		__u64 id;
		time_t at;
		bool valid, found;
		char path[CGROUP_PATH_KEPT]; /* below the root: "/" is the root itself */
		char unit[CGROUP_UNIT_MAX]; /* "" when the path names none */
	} slot[CGROUP_NAME_SLOTS];
};

/* Find the cgroup v2 mount; 0 or -errno (then every lookup answers NULL). */
int cgroup_names_init(struct cgroup_names *c);
void cgroup_names_free(struct cgroup_names *c);

/*
 * The path of cgroup id below the cgroup v2 root, or NULL when it cannot be
 * found (removed since: a transient scope that ended). *unit: the unit the
 * path names, or NULL. Valid until the next call.
 */
const char *cgroup_names_get(struct cgroup_names *c, __u64 id, const char **unit);

/*
 * The systemd unit a cgroup path names: its first component that is a unit
 * name (a .service, .scope, .socket, .mount or .swap) and not a .slice.
 * Units below it (a delegated subtree's own) are not it: whoever the unit
 * delegated to may name them anything. NULL when there is none.
 */
const char *cgroup_unit(const char *path, char *buf, size_t len);

#endif
