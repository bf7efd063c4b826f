// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* identity.c - NSS lookups; see identity.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
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

/*
 * An index of the accounts the name service enumerates (passwd and group
 * files, systemd's dynamic users), built once per process: a list or sync
 * of 100,000 identities must not make 100,000 NSS calls, each reopening
 * /etc/passwd. It is a cache of NSS, so it lives here, process-wide, the way
 * libc's own caches do. Names it does not hold (LDAP without enumeration)
 * are still looked up one by one.
 */
struct id_name {
	__u32 id;
	char *name;
};

static struct {
	bool built;
	struct id_name *by_id[2], *by_name[2];
	size_t n[2], cap[2];
	unsigned int misses[2]; /* display lookups of unknown IDs sent to NSS */
} idx;

/* NSS calls for IDs the index does not hold, for display only; beyond, no name. */
#define DISPLAY_MISSES_MAX 256

static int cmp_by_id(const void *a, const void *b)
{
	__u32 x = ((const struct id_name *)a)->id, y = ((const struct id_name *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_by_name(const void *a, const void *b)
{
	return strcmp(((const struct id_name *)a)->name, ((const struct id_name *)b)->name);
}

static void index_add(int k, __u32 id, const char *name)
{
	char *copy = strdup(name);

	if (!copy || array_reserve_one((void **)&idx.by_id[k], &idx.cap[k], idx.n[k],
				       sizeof(struct id_name))) {
		free(copy);
		return;
	}
	idx.by_id[k][idx.n[k]].id = id;
	idx.by_id[k][idx.n[k]].name = copy;
	idx.n[k]++;
}

static void build_index(void)
{
	struct passwd *pw;
	struct group *gr;

	idx.built = true;
	setpwent();
	while ((pw = getpwent()))
		index_add(ID_USER, pw->pw_uid, pw->pw_name);
	endpwent();
	setgrent();
	while ((gr = getgrent()))
		index_add(ID_GROUP, gr->gr_gid, gr->gr_name);
	endgrent();
	for (int k = ID_USER; k <= ID_GROUP; k++) {
		idx.by_name[k] = malloc((idx.n[k] ? idx.n[k] : 1) * sizeof(struct id_name));
		if (!idx.by_name[k]) {
			idx.n[k] = 0;
			continue;
		}
		memcpy(idx.by_name[k], idx.by_id[k], idx.n[k] * sizeof(struct id_name));
		qsort(idx.by_id[k], idx.n[k], sizeof(struct id_name), cmp_by_id);
		qsort(idx.by_name[k], idx.n[k], sizeof(struct id_name), cmp_by_name);
	}
}

static const struct id_name *index_find(enum id_kind kind, const struct id_name *key, bool by_id)
{
	if (!idx.built)
		build_index();
	return bsearch(key, by_id ? idx.by_id[kind] : idx.by_name[kind], idx.n[kind],
		       sizeof(struct id_name), by_id ? cmp_by_id : cmp_by_name);
}

int identity_lookup(enum id_kind kind, const char *name, __u32 *id)
{
	struct id_name key = { .name = (char *)name };
	const struct id_name *hit = index_find(kind, &key, false);

	if (hit) {
		*id = hit->id;
		return 0;
	}
	/* Not enumerated is not absent: ask the name service itself. */
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
	struct id_name key = { .id = id };
	const struct id_name *hit = index_find(kind, &key, true);
	const char *name;

	if (hit) {
		snprintf(buf, len, "%s", hit->name);
		return buf;
	}
	/* Names are only for display here: ask NSS for a bounded number of misses. */
	if (idx.misses[kind]++ >= DISPLAY_MISSES_MAX)
		return NULL;
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
