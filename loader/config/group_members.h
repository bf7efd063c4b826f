/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * group_members.h - the accounts of a group, for "revoke group --kill": a
 * socket records only the UID that made it, not a GID, so a group's
 * sessions are those of its members. A member is an account whose primary
 * group it is (passwd) or that the group lists (group), through NSS: the
 * accounts that can make it their real GID (login, newgrp, sg).
 */
#ifndef SG_GROUP_MEMBERS_H
#define SG_GROUP_MEMBERS_H

#include <stddef.h>
#include <linux/types.h>

/* The members' UIDs into *uids (malloc'ed, sorted, no duplicates), *n of them. 0 or -ENOMEM. */
int group_members(__u32 gid, __u32 **uids, size_t *n);

#endif
