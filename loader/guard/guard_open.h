/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * guard_open.h - the live guard as its readers see it: the pinned links, the
 * commit point, and the maps of the generation that is committed (found
 * through the program, not through the map pins), or what is wrong with it.
 * Everything that reads or edits the live guard opens it here; loading and
 * unloading it are guard.h's.
 */
#ifndef SG_GUARD_OPEN_H
#define SG_GUARD_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "guard_hooks.h"
#include "guard_maps.h"

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

enum guard_state {
	GUARD_NOT_LOADED, /* no pin at all */
	GUARD_LOADED, /* every pin present */
	GUARD_DAMAGED, /* pins missing, hooks detached, or switched off by an
			* interrupted load or unload: "smtpguard load" repairs */
};

/* Mark every fd absent. */
void guard_init(struct guard *g);

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
 * The settings of the guard at pin_dir, when it is this smtpguard's: those
 * of the generation its links run; when they cannot be read (a damaged
 * guard, or one guard_open() cannot open), the settings pin's, unless
 * whole_only. The one way the settings are read back. 0, -ENOENT (nothing
 * loaded; with whole_only, not loaded whole), -EPROTO (another version's)
 * or -errno.
 */
struct sg_settings;
int guard_read_settings(const char *pin_dir, bool whole_only, struct sg_settings *out);

#endif
