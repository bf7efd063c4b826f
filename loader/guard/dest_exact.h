/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dest_exact.h - allow_dest's single addresses in the exact table beside the
 * trie (struct sg_dest_exact): filled with a new generation, and kept in
 * step with the trie by the runtime edits, in the order the struct's comment
 * gives, so the program never skips the trie while it holds an entry the
 * table neither lists nor counts.
 */
#ifndef SG_DEST_EXACT_H
#define SG_DEST_EXACT_H

#include <stdbool.h>

#include "policy.h"
#include "smtpguard.h"

/* What s (the trie's entries) makes of the table: its /128s first, the rest counted. */
void dest_exact_table(struct sg_dest_table *t, const struct dest_set *s);

/* Fill a generation that is not live yet (its trie holds s). 0 or -errno. */
int dest_exact_fill(int exact_fd, const struct dest_set *s);

/*
 * Allow (origin SG_ORIGIN_RUNTIME) or revoke one CIDR of a live guard, in
 * its trie and its table. 0; -EEXIST when it was allowed already, -ENOENT
 * when it was not (revoke); -E2BIG or -ENOSPC when the trie is full; or
 * -errno. On error both stay as they were.
 */
int dest_exact_change(int trie_fd, int exact_fd, const struct sg_dest_key *k, bool allow);

#endif
