// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* import_owner_lists.c - CSF's and APF's SMTP_ALLOWUSER / SMTP_ALLOWGROUP; see the header. */
#include "import_owner_lists.h"

int import_owner_lists(struct import_policy *p, const struct kv_file *f, const char *tool,
		       enum ident_rule rule, size_t *groups)
{
	unsigned int gl = kv_line(f, "SMTP_ALLOWGROUP");
	size_t users = 0;
	int err;

	*groups = 0;
	err = import_add_line(p, CFG_ALLOW_USERS, "root", "%s always allows root (--uid-owner 0)",
			      tool);
	if (!err)
		err = import_keep_mta(p, "the local MTA keeps delivering (see the notes)", &users);
	if (!err)
		err = import_ident_list(p, ID_USER, kv_value(f, "SMTP_ALLOWUSER"),
					kv_line(f, "SMTP_ALLOWUSER"), "SMTP_ALLOWUSER", rule,
					&users);
	if (!err)
		err = import_ident_list(p, ID_GROUP, kv_value(f, "SMTP_ALLOWGROUP"), gl,
					"SMTP_ALLOWGROUP", rule, groups);
	if (!err && !*groups)
		err = import_add_line(p, CFG_ALLOW_GROUPS, CONFIG_NONE,
				      "%s:%u SMTP_ALLOWGROUP allows no group", p->label, gl);
	return err;
}
