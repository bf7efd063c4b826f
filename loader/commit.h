/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * commit.h - the guard's commit point (struct sg_control): which generation
 * decides every connect(), or off. See include/smtpguard.h.
 */
#ifndef SG_COMMIT_H
#define SG_COMMIT_H

#include <stdbool.h>
#include <linux/types.h>

#include "smtpguard.h"

/* The control word of the sg_control map at fd. 0 or -errno. */
int commit_read(int control_fd, __u64 *word);

/*
 * Store word with one atomic 8-byte write through mmap: connect4 and
 * connect6 switch at the same instant. 0 or -errno.
 */
int commit_write(int control_fd, __u64 word);

static inline bool commit_is_off(__u64 word)
{
	return !word || (word & SG_CONTROL_OFF);
}

static inline __u64 commit_generation(__u64 word)
{
	return word & ~SG_CONTROL_OFF;
}

/* The next generation after word: numbers only grow, and are never 0. */
__u64 commit_next(__u64 word);

/* Put prog_fd in slot (generation % SG_DISPATCH_SLOTS) of a dispatch array. */
int commit_stage(int dispatch_fd, __u64 generation, int prog_fd);

/* Remove whatever program sits in the slot generation is not using. */
void commit_drop_other(int dispatch_fd, __u64 generation);

/* The ID of the program in generation's slot; 0 if it is empty. */
__u32 commit_staged_prog(int dispatch_fd, __u64 generation);

#endif
