/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * idlist.h - one UID or GID allowlist of a generation, as the program reads
 * it: an ARRAY of origin bytes for the IDs below its range, and a hash for
 * the IDs at or above it (see struct sg_id_block in smtpguard.h).
 *
 * Every change of the live allowlist is one update the program sees whole:
 * a single-byte store into the mapped array (a byte store is never torn,
 * and leaves its neighbours alone), or one hash update or delete. Writers
 * hold the guard's lock, so a check followed by a change sees no other
 * writer in between; the kernel only reads these maps.
 */
#ifndef SG_IDLIST_H
#define SG_IDLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "policy.h"

struct idlist {
	int array_fd, hash_fd; /* not owned: the caller closes them */
	__u32 range; /* IDs below it are in the array */
	volatile __u8 *origin; /* the array mapped: origin[id] for id < range */
	size_t mapped;
};

/* max_entries for a new generation's array and hash that are to hold s. */
struct idlist_size {
	__u32 array_entries;
	__u32 hash_entries;
};

/*
 * The array covers the largest ID of s below SG_ID_ARRAY_MAX, rounded up to
 * a power of two (at least SG_ID_ARRAY_MIN: room for new accounts); the hash
 * holds the IDs above it and has room for SG_ID_HASH_ROOM more, or a quarter
 * more when that is larger, at most max_ids in all.
 */
void idlist_size_for(const struct id_set *s, __u32 max_ids, struct idlist_size *out);

/*
 * Map the array at array_fd (read-only unless writable) and check that both
 * maps have the layout above. 0, -EPROTO (another smtpguard's maps) or
 * -errno.
 */
int idlist_open(struct idlist *l, int array_fd, int hash_fd, bool writable);
void idlist_close(struct idlist *l);

/* Fill the maps of a generation that is not live yet with s. 0 or -errno. */
int idlist_write(struct idlist *l, const struct id_set *s);

/* Every allowed ID with its origin, sorted, as the program decides. */
int idlist_read(const struct idlist *l, struct id_set *out);

/* How many IDs are allowed; negative errno on failure. */
long idlist_count(const struct idlist *l);

/* 0 and the ID's origin, or -ENOENT when it is not allowed. */
int idlist_get(const struct idlist *l, __u32 id, __u32 *origin);

/*
 * Allow id (origin must not be 0) or stop allowing it: one update. -E2BIG
 * when the hash for IDs at or above the range is full, -ENOENT when a
 * removed ID was not there.
 */
int idlist_set(struct idlist *l, __u32 id, __u32 origin);
int idlist_clear(struct idlist *l, __u32 id);

#endif
