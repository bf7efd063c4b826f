/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * scope_resolve.h - the names of scoped exceptions, resolved through the
 * system resolver (getaddrinfo: A and AAAA, every address), and the
 * generation's trie built from the result.
 *
 * A name that does not exist (or has no address) allows nothing, with a
 * "FILE:LINE: warning" (an error for check-config). When the resolver itself
 * fails (EAI_AGAIN: no DNS server answers), the name keeps the addresses the
 * live guard has for it, marked stale: an outage must neither open the door
 * wider nor cut a customer's relay off. status shows which.
 */
#ifndef SG_SCOPE_RESOLVE_H
#define SG_SCOPE_RESOLVE_H

#include <stdio.h>

#include "config.h"
#include "policy.h"
#include "scope.h"

/*
 * Resolve the names of p's rules that were never tried (checked_at 0: from
 * the file; those read back from the live guard keep theirs), with
 * previous, the live guard's rules, for the last good addresses (NULL for
 * none). Then build the entries and put the SG_F_SCOPED_* flags in p's
 * settings. Problems go to diag as PATH:LINE.
 * Returns the number of errors (a name that does not exist, with
 * NAMES_ERROR; too many entries), or -ENOMEM; *warnings, if not NULL, is
 * increased by the number of warnings.
 */
int scope_resolve(struct sg_policy *p, const char *path, const struct scope_plan *previous,
		  FILE *diag, enum name_policy names, int *warnings);

/*
 * Resolve one rule's name now, for "allow --to NAME": 0 (r filled in), or -1
 * with why it cannot be allowed ("does not resolve", "the resolver failed").
 */
int scope_resolve_one(struct sg_scope_rule *r, char *why, size_t len);

#endif
