/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kill_sessions.h - "revoke ... --kill": after the revoke took effect, end
 * the account's open sessions to guarded ports on remote hosts (the
 * guard's guarded ports, read from the live guard; with --to, to that
 * destination and its ports only), and say how many were ended. A user is
 * its UID; a group, its members (group_members.h). See sock_kill.h.
 */
#ifndef SG_KILL_SESSIONS_H
#define SG_KILL_SESSIONS_H

#include <stdbool.h>
#include <linux/types.h>

#include "dest_spec.h"
#include "identity.h"

struct kill_request {
	const char *pin_dir;
	enum id_kind kind;
	__u32 id;
	const char *label; /* "uid 1001 (alice)" */
	const struct dest_spec *to; /* --to, or NULL */
};

/* One line on stdout ("ended N sessions of ..."), or one on stderr; the exit code. */
int kill_sessions(const struct kill_request *k);

#endif
