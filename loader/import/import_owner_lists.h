/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * import_owner_lists.h - the owner-match lists CSF and APF share: both keep
 * SMTP_ALLOWUSER and SMTP_ALLOWGROUP in a shell-like file and turn them into
 * iptables --uid-owner / --gid-owner rules after an --uid-owner 0 one.
 */
#ifndef SG_IMPORT_OWNER_LISTS_H
#define SG_IMPORT_OWNER_LISTS_H

#include <stddef.h>

#include "import_policy.h"
#include "kvfile.h"

/*
 * root (tool always allows it), @mta (import_keep_mta()), then the items of
 * SMTP_ALLOWUSER and SMTP_ALLOWGROUP as rule reads them, and
 * "allow_groups = none" when no group is allowed (absent would mean
 * smtpguard's default groups, which the incumbent does not allow).
 * *groups: how many group lines were written. 0 or a negative errno.
 */
int import_owner_lists(struct import_policy *p, const struct kv_file *f, const char *tool,
		       enum ident_rule rule, size_t *groups);

#endif
