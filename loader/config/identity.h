/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * identity.h - user and group names to IDs and back. One set of functions
 * serves both kinds, so users and groups are always treated alike.
 */
#ifndef SG_IDENTITY_H
#define SG_IDENTITY_H

#include <stddef.h>
#include <linux/types.h>

enum id_kind {
	ID_USER,
	ID_GROUP,
};

/* "user" / "group" */
const char *identity_kind_word(enum id_kind kind);
/* "uid" / "gid" */
const char *identity_id_word(enum id_kind kind);

/*
 * Name to ID: from an index of the enumerable accounts (built once per
 * process), else through NSS. 0, or -ENOENT when there is no such name.
 */
int identity_lookup(enum id_kind kind, const char *name, __u32 *id);

/*
 * A command-line argument: a number is taken as an ID (no passwd entry
 * needed), anything else must be an existing name. 0, -EINVAL (malformed)
 * or -ENOENT (no such name).
 */
int identity_from_arg(enum id_kind kind, const char *arg, __u32 *id);

/*
 * ID to name into buf, for display; NULL when the ID has no name. IDs the
 * index does not hold go to NSS only a bounded number of times per process.
 */
const char *identity_name(enum id_kind kind, __u32 id, char *buf, size_t len);

#endif
