/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * import.h - "smtpguard import": the outbound-SMTP policy of CSF, APF,
 * Imunify360 or cPanel's SMTP Restrictions, read from the incumbent's own
 * file, as the lines of an smtpguard.conf. import_parse() (import.c) runs
 * the incumbent's reader (import_readers.h) into a policy
 * (import_policy.h); import_emit.c writes it as a file and checks it with
 * the real parser.
 */
#ifndef SG_IMPORT_H
#define SG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "import_policy.h"

/* True when this host runs cPanel & WHM. */
bool import_host_is_cpanel(void);

/*
 * Read buf (len bytes, the contents of path) as src's file into p. Every
 * problem that makes it not that kind of file goes to diag as
 * "PATH:LINE: message". Returns the number of errors (0: p is complete), or
 * -ENOMEM. on_cpanel is what import_host_is_cpanel() says (a parameter so
 * that the tests can choose).
 */
int import_parse(enum import_source src, const char *path, const char *buf, size_t len,
		 bool on_cpanel, struct import_policy *p, FILE *diag);

/* Write p as a complete smtpguard.conf. */
void import_emit(const struct import_policy *p, FILE *out);

/*
 * import_emit() into a malloc'd string, checked with config_parse(): 0, or
 * a negative errno; parser messages (which would be a bug here) go to diag.
 */
int import_render(const struct import_policy *p, char **text, size_t *len, FILE *diag);

#endif
