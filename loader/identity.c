// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* identity.c - NSS lookups; see identity.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "identity.h"
#include "parse.h"

const char *identity_kind_word(enum id_kind kind)
{
	return kind == ID_USER ? "user" : "group";
}

const char *identity_id_word(enum id_kind kind)
{
	return kind == ID_USER ? "uid" : "gid";
}

int identity_lookup(enum id_kind kind, const char *name, __u32 *id)
{
	if (kind == ID_USER) {
		struct passwd *pw = getpwnam(name);

		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	} else {
		struct group *gr = getgrnam(name);

		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
	}
	return 0;
}

int identity_from_arg(enum id_kind kind, const char *arg, __u32 *id)
{
	if (parse_is_number(arg))
		return parse_u32(arg, PARSE_MAX_ID, id) ? -EINVAL : 0;
	if (parse_name_problem(arg))
		return -EINVAL;
	return identity_lookup(kind, arg, id);
}

const char *identity_name(enum id_kind kind, __u32 id, char *buf, size_t len)
{
	const char *name;

	if (kind == ID_USER) {
		struct passwd *pw = getpwuid(id);

		name = pw ? pw->pw_name : NULL;
	} else {
		struct group *gr = getgrgid(id);

		name = gr ? gr->gr_name : NULL;
	}
	if (!name)
		return NULL;
	snprintf(buf, len, "%s", name);
	return buf;
}
