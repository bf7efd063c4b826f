// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* live_open.c - lock, open and read the live guard, and explain it; see live_open.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exit_codes.h"
#include "guard.h"
#include "live_open.h"
#include "log.h"

/*
 * Every state, its exit code and its message. smtpguard(8) and the README
 * promise 3 for "not loaded" and for "damaged", 1 for a failure; status,
 * list and allow/revoke follow that. sync alone fails (1) on a damaged
 * guard, as its man page entry ("exit 3 when no guard is loaded") and its
 * unit (SuccessExitStatus=3: nothing to do) say.
 */
static const struct live_row {
	const char *fact; /* printf format: the pin dir, then the detail */
	const char *repair; /* what the admin runs; NULL: nothing to offer */
	enum sg_exit exit;
	enum sg_exit exit_sync;
} rows[LIVE_FOUND_COUNT] = {
	[LIVE_WHOLE] = { NULL, NULL, EXIT_OK, EXIT_OK },
	[LIVE_NOT_LOADED] = { "not loaded at %s", "run 'smtpguard load' first", EXIT_NOT_LOADED,
			      EXIT_NOT_LOADED },
	[LIVE_DAMAGED] = { "the guard at %s is damaged (%s)",
			   "run 'smtpguard load' (or systemctl reload smtpguard) to repair",
			   EXIT_NOT_LOADED, EXIT_FAIL },
	[LIVE_LOCK_FAILED] = { "cannot lock %s: %s", NULL, EXIT_FAIL, EXIT_FAIL },
	[LIVE_OPEN_FAILED] = { "cannot open the guard at %s: %s", NULL, EXIT_FAIL, EXIT_FAIL },
	[LIVE_OTHER_VERSION] = { "the guard at %s was loaded by another smtpguard version",
				 "run 'smtpguard load' to replace it", EXIT_FAIL, EXIT_FAIL },
	[LIVE_READ_FAILED] = { "cannot read the guard at %s: %s", "run 'smtpguard load'", EXIT_FAIL,
			       EXIT_FAIL },
	[LIVE_CGROUP_GONE] = { "the guard at %s is attached to a cgroup that is gone %s",
			       "run 'smtpguard load'", EXIT_FAIL, EXIT_FAIL },
};

enum live_found live_open(struct live_guard *lg, const char *pin_dir, unsigned int flags)
{
	int state, err;

	memset(lg, 0, sizeof(*lg));
	lg->pin_dir = pin_dir;
	lg->lock_fd = -1;
	guard_init(&lg->g);
	if (flags & LIVE_LOCK) {
		err = guard_lock(pin_dir);
		if (err < 0) {
			/* No pin dir: unloaded (perhaps while we waited for the lock). */
			lg->err = -err;
			return lg->found = err == -ENOENT ? LIVE_NOT_LOADED : LIVE_LOCK_FAILED;
		}
		lg->lock_fd = err;
	}
	state = guard_open(pin_dir, &lg->g, lg->problem, sizeof(lg->problem));
	if (state < 0) {
		lg->err = -state;
		return lg->found = LIVE_OPEN_FAILED;
	}
	if (state == GUARD_NOT_LOADED)
		return lg->found = LIVE_NOT_LOADED;
	if (state != GUARD_LOADED)
		return lg->found = LIVE_DAMAGED;
	if (flags & LIVE_READ) {
		err = live_read(&lg->g, &lg->s, flags & LIVE_READ_LINKS);
		lg->err = -err;
		if (err == -EPROTO)
			return lg->found = LIVE_OTHER_VERSION;
		if (err)
			return lg->found = LIVE_READ_FAILED;
	}
	return lg->found = LIVE_WHOLE;
}

enum live_found live_check_cgroup(struct live_guard *lg)
{
	/* live_read writes "(cgroup id N, not found)" for one it cannot find. */
	if (lg->found == LIVE_WHOLE && lg->s.cgroup[0] != '/')
		lg->found = LIVE_CGROUP_GONE;
	return lg->found;
}

int live_exit_code(const struct live_guard *lg, const struct live_context *ctx)
{
	const struct live_row *row = &rows[lg->found];

	return ctx && ctx->sync ? row->exit_sync : row->exit;
}

int live_explain(const struct live_guard *lg, const struct live_context *ctx)
{
	const struct live_row *row = &rows[lg->found];
	const char *then = ctx ? ctx->then : NULL, *alt = ctx ? ctx->alternative : NULL;
	/* guard_open names no problem for map pins without links. */
	const char *detail = lg->found == LIVE_DAMAGED ?
				     lg->problem[0] ? lg->problem : "stray pins without links" :
			     lg->found == LIVE_CGROUP_GONE ? lg->s.cgroup :
							     strerror(lg->err);
	char fact[1024];

	if (lg->found == LIVE_WHOLE)
		return EXIT_OK;
	/* The formats are the table's own: two strings, the second one optional. */
	snprintf(fact, sizeof(fact), row->fact, lg->pin_dir, detail);
	log_err("%s%s%s%s%s%s%s", fact, then ? ": " : "", then ? then : "", row->repair ? "; " : "",
		row->repair ? row->repair : "", row->repair && alt ? ", " : "",
		row->repair && alt ? alt : "");
	return live_exit_code(lg, ctx);
}

void live_close(struct live_guard *lg)
{
	guard_close(&lg->g);
	live_free(&lg->s);
	if (lg->lock_fd >= 0)
		close(lg->lock_fd);
	lg->lock_fd = -1;
}
