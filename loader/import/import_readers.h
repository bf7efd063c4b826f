/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * import_readers.h - one reader per incumbent (import_csf.c, import_apf.c,
 * import_imunify.c, import_cpanel.c): each turns its file into a policy,
 * with the helpers of import_policy.h. import_parse() picks the reader.
 */
#ifndef SG_IMPORT_READERS_H
#define SG_IMPORT_READERS_H

#include <stddef.h>
#include <stdio.h>

#include "import_policy.h"

/* Each returns the number of errors (0: p is complete), or -ENOMEM. */
int import_csf(struct import_policy *p, const char *buf, size_t len, FILE *diag);
int import_apf(struct import_policy *p, const char *buf, size_t len, FILE *diag);
int import_imunify(struct import_policy *p, const char *buf, size_t len, FILE *diag);
int import_cpanel(struct import_policy *p, const char *buf, size_t len, FILE *diag);

#endif
