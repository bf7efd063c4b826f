/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * guard.h - the life cycle of the guard in the kernel: load a program
 * generation, attach or update the cgroup links, pin everything, unload.
 *
 * Every "load" builds a complete new generation (programs + maps, filled)
 * before anything live changes, stages its programs in the dispatch arrays,
 * and commits it with one atomic store to the control map (commit.h): every
 * hook switches at once. Over a guard that enforces, only then are the links
 * pointed at the new programs (until then the old ones tail-call the
 * committed generation); over one that is off or new, the links come first
 * and the commit last. The map pins are renamed over the old ones at the
 * end. A connect() sees the old generation or the
 * new one, never a half-filled map and never one hook of each; a loader
 * killed at any point leaves one or the other. Changes to the live guard
 * are serialised by an exclusive flock on the pin directory.
 *
 * Reading the live guard back is guard_open.h's; the hooks are in
 * guard_hooks.h, the maps in guard_maps.h.
 */
#ifndef SG_GUARD_H
#define SG_GUARD_H

#include <linux/types.h>

#include "own_addrs.h"
#include "policy.h"

#define SG_DEFAULT_PIN_DIR "/sys/fs/bpf/smtpguard"

struct guard_load_args {
	const char *pin_dir;
	const char *cgroup; /* cgroup v2 directory to attach to */
	const struct sg_policy *policy;
	const struct addr_list *local;
};

/* Identifies the BPF object built into this smtpguard (see sg_settings). */
__u64 guard_prog_hash(void);

/*
 * Create the pin dir if needed (mounting bpffs on /sys/fs/bpf when nothing is
 * there) and take the lock that serialises changes. Returns the lock fd, or a
 * negative errno after printing why.
 */
int guard_lock_create(const char *pin_dir);

/*
 * Take the exclusive lock that serialises changes to the guard at pin_dir.
 * Returns the lock fd (close it to unlock), or -ENOENT when the pin dir does
 * not exist (was unloaded meanwhile).
 */
int guard_lock(const char *pin_dir);

/* With the lock held. Returns 0, or a negative errno after printing why. */
int guard_load(const struct guard_load_args *args);

/* Detach and remove every pin. -ENOENT when nothing was loaded. */
int guard_unload(const char *pin_dir);

#endif
