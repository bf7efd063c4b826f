/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * live_open.h - what every command that needs the live guard does first:
 * take the lock (to change it), open it, read it, and when it is not there
 * or not whole, say so with the exit code of smtpguard(8), EXIT STATUS. One
 * table in live_open.c maps each state to its exit code and message.
 */
#ifndef SG_LIVE_OPEN_H
#define SG_LIVE_OPEN_H

#include <stdbool.h>

#include "guard_open.h"
#include "live.h"

/* What live_open() found; LIVE_WHOLE is the only one to go on with. */
enum live_found {
	LIVE_WHOLE, /* loaded and whole (and read, when asked) */
	LIVE_NOT_LOADED, /* nothing pinned, or the pin dir is gone */
	LIVE_DAMAGED, /* guard_open's problem: "smtpguard load" repairs */
	LIVE_LOCK_FAILED, /* the pin dir's lock: err */
	LIVE_OPEN_FAILED, /* the pins: err */
	LIVE_OTHER_VERSION, /* maps of another smtpguard build's layout (-EPROTO) */
	LIVE_READ_FAILED, /* the maps: err */
	LIVE_CGROUP_GONE, /* the cgroup it is attached to is gone (live_check_cgroup) */
	LIVE_FOUND_COUNT,
};

enum live_open_flags {
	LIVE_LOCK = 1 << 0, /* take the lock that serialises changes; held until live_close */
	LIVE_READ = 1 << 1, /* read its state into s (live_read) */
	LIVE_READ_LINKS = 1 << 2, /* ... with the links and the cgroup's path */
};

struct live_guard {
	const char *pin_dir;
	int lock_fd; /* -1 when not locked */
	struct guard g;
	struct live_state s; /* LIVE_READ */
	enum live_found found;
	int err; /* errno of the *_FAILED states */
	char problem[512]; /* what is wrong with a damaged guard */
};

/*
 * Lock (LIVE_LOCK), open and read the guard at pin_dir into lg. Prints
 * nothing; returns lg->found. live_close() lg afterwards, whatever it found.
 */
enum live_found live_open(struct live_guard *lg, const char *pin_dir, unsigned int flags);

/*
 * A new generation is attached where the guard is: its cgroup (read with
 * LIVE_READ_LINKS) must still exist. LIVE_WHOLE, or LIVE_CGROUP_GONE.
 */
enum live_found live_check_cgroup(struct live_guard *lg);

/* How a command explains what live_open() found. */
struct live_context {
	/* What the command did not do: "nothing changed", "nothing to sync"; or NULL. */
	const char *then;
	/* Offered next to the repair: "or use --file-only to edit F alone"; or NULL. */
	const char *alternative;
	/*
	 * For sync: smtpguard-sync.service counts 3 as "nothing loaded,
	 * nothing to do", so a damaged guard must fail it (1) to be seen.
	 */
	bool sync;
};

/* The exit code for what lg found (EXIT_OK when whole); ctx may be NULL. */
int live_exit_code(const struct live_guard *lg, const struct live_context *ctx);

/*
 * Unless whole: one line on stderr, "FACT[: THEN][; REPAIR[, ALTERNATIVE]]".
 * Returns live_exit_code().
 */
int live_explain(const struct live_guard *lg, const struct live_context *ctx);

/* Close the guard, free its state, unlock. */
void live_close(struct live_guard *lg);

#endif
