// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* group_members.c - see group_members.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "array.h"
#include "group_members.h"

struct uid_list {
	__u32 *v;
	size_t n, cap;
};

static int add_uid(struct uid_list *l, __u32 uid)
{
	if (array_reserve_one((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = uid;
	return 0;
}

static int cmp_uid(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int group_members(__u32 gid, __u32 **uids, size_t *n)
{
	struct uid_list l = {};
	struct passwd *pw;
	struct group *gr;
	size_t out = 0;
	int err = 0;

	setpwent();
	while (!err && (pw = getpwent()))
		if (pw->pw_gid == gid)
			err = add_uid(&l, pw->pw_uid);
	endpwent();
	gr = err ? NULL : getgrgid(gid);
	for (char **m = gr ? gr->gr_mem : NULL; !err && m && *m; m++) {
		pw = getpwnam(*m);
		if (pw)
			err = add_uid(&l, pw->pw_uid);
	}
	if (err) {
		free(l.v);
		return err;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(l.v[0]), cmp_uid);
	for (size_t i = 0; i < l.n; i++)
		if (!i || l.v[i] != l.v[out - 1])
			l.v[out++] = l.v[i];
	*uids = l.v;
	*n = out;
	return 0;
}
