/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * scope_explain.h - for the monitor: what an account that was refused may
 * reach instead, when it has scoped exceptions ("alice may reach
 * smtp.sendgrid.net:587, not 198.51.100.9:25"): the question the admin will
 * be asked. The kernel flags such events (SG_EV_SCOPED_*); the rules are read
 * from the generation in force, again whenever a new one is committed.
 */
#ifndef SG_SCOPE_EXPLAIN_H
#define SG_SCOPE_EXPLAIN_H

#include <stddef.h>
#include <linux/types.h>

#include "scope.h"
#include "smtpguard.h"

/* All zero is a valid, empty one. */
struct scope_explain {
	__u64 control; /* the commit word the rules below were read under; 0: none */
	struct scope_plan rules;
};

void scope_explain_free(struct scope_explain *x);

/*
 * The sentence for event e of account user (NULL: no name) of the guard at
 * pin_dir, into buf; NULL when the event's UID and GID had no scoped
 * exception.
 */
const char *scope_explain(struct scope_explain *x, const char *pin_dir, const struct sg_event *e,
			  const char *user, char *buf, size_t len);

#endif
