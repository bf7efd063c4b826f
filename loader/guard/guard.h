/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * guard.h - the life cycle of the guard in the kernel: load a program
 * generation, attach or update the cgroup links, pin everything, unload.
 *
 * Every "load" builds a complete new generation (programs + maps, filled)
 * before anything live changes, stages its programs in the dispatch arrays,
 * and commits it with one atomic store to the control map (commit.h): both
 * hooks switch at once. Over a guard that enforces, only then are the links
 * pointed at the new programs (until then the old ones tail-call the
 * committed generation); over one that is off or new, the links come first
 * and the commit last. The map pins are renamed over the old ones at the
 * end. A connect() sees the old generation or the
 * new one, never a half-filled map and never one hook of each; a loader
 * killed at any point leaves one or the other. Changes to the live guard
 * are serialised by an exclusive flock on the pin directory.
 */
#ifndef SG_GUARD_H
#define SG_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "guard_maps.h"
#include "identity.h"
#include "own_addrs.h"
#include "policy.h"

#define SG_DEFAULT_PIN_DIR "/sys/fs/bpf/smtpguard"

enum sg_hook {
	SG_HOOK_CONNECT4,
	SG_HOOK_CONNECT6,
	SG_HOOK_EGRESS, /* cgroup_skb/egress: the SYNs connect() did not decide */
	SG_HOOK_COUNT,
};

/*
 * File descriptors of a loaded guard's objects; -1 when absent. The
 * generation maps are those of the committed generation, whatever program
 * the links point to.
 */
struct guard {
	int link_fd[SG_HOOK_COUNT];
	__u64 control; /* the control word (commit.h) */
	int fd[SG_MAP_COUNT]; /* the maps, by the registry (guard_maps.h) */
};

/*
 * The allowlist maps of a kind of ID (enum id_kind): hash, and array
 * (idlist.h). An int, as callers keep the kind in enums of their own.
 */
static inline enum sg_map guard_allow_map(int kind)
{
	return kind == ID_GROUP ? SG_MAP_ALLOW_GID : SG_MAP_ALLOW_UID;
}

static inline enum sg_map guard_array_map(int kind)
{
	return kind == ID_GROUP ? SG_MAP_GID_ARRAY : SG_MAP_UID_ARRAY;
}

/* A hook's dispatch array: its committed program (commit.h). */
static inline enum sg_map guard_dispatch_map(int hook)
{
	return hook == SG_HOOK_EGRESS	? SG_MAP_DISPATCH_EGRESS :
	       hook == SG_HOOK_CONNECT6 ? SG_MAP_DISPATCH6 :
					  SG_MAP_DISPATCH4;
}

enum guard_state {
	GUARD_NOT_LOADED, /* no pin at all */
	GUARD_LOADED, /* every pin present */
	GUARD_DAMAGED, /* pins missing, hooks detached, or switched off by an
			* interrupted load or unload: "smtpguard load" repairs */
};

struct guard_load_args {
	const char *pin_dir;
	const char *cgroup; /* cgroup v2 directory to attach to */
	const struct sg_policy *policy;
	const struct addr_list *local;
};

static inline const char *guard_hook_name(enum sg_hook hook)
{
	return hook == SG_HOOK_CONNECT4 ? "connect4" :
	       hook == SG_HOOK_CONNECT6 ? "connect6" :
					  "egress";
}

/* Identifies the BPF object built into this smtpguard (see sg_settings). */
__u64 guard_prog_hash(void);

/* Mark every fd absent. */
void guard_init(struct guard *g);

/*
 * Create the pin dir if needed (mounting bpffs on /sys/fs/bpf when nothing is
 * there) and take the lock that serialises changes. Returns the lock fd, or a
 * negative errno after printing why.
 */
int guard_lock_create(const char *pin_dir);

/* With the lock held. Returns 0, or a negative errno after printing why. */
int guard_load(const struct guard_load_args *args);

/* Detach and remove every pin. -ENOENT when nothing was loaded. */
int guard_unload(const char *pin_dir);

/*
 * Open the pinned links, and the maps their program actually uses (found
 * through the program, not through the map pins). What is wrong with a
 * damaged guard is written to problem. Returns the state, or a negative errno.
 */
int guard_open(const char *pin_dir, struct guard *g, char *problem, size_t len);
void guard_close(struct guard *g);

/*
 * Keep only the state maps (events, counters, stats) open: a long-running
 * reader must not keep a replaced generation, and its allowlists, alive.
 */
void guard_keep_state_only(struct guard *g);

/*
 * Take the exclusive lock that serialises changes to the guard at pin_dir.
 * Returns the lock fd (close it to unlock), or -ENOENT when the pin dir does
 * not exist (was unloaded meanwhile).
 */
int guard_lock(const char *pin_dir);

#endif
