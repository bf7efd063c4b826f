/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * commit.h - the guard's commit point: the control word (struct sg_control)
 * that says which generation decides every connect(), or off, and the
 * dispatch arrays that hold each generation's programs. See
 * include/smtpguard.h.
 *
 * A load stages its programs (commit_stage), switches them on with one
 * store (commit_switch_on) and then drops the previous generation's
 * (commit_drop_other); an unload starts with commit_switch_off. Readers ask
 * commit_read and commit_deciding_prog. Nothing else writes the word.
 */
#ifndef SG_COMMIT_H
#define SG_COMMIT_H

#include <stdbool.h>
#include <linux/types.h>

#include "guard_hooks.h"
#include "smtpguard.h"

/* A guard's control map and its hooks' dispatch arrays. */
struct commit_point {
	int control_fd;
	int dispatch_fd[SG_HOOK_COUNT];
};

/* The control word of the sg_control map at fd. 0 or -errno. */
int commit_read(int control_fd, __u64 *word);

static inline bool commit_is_off(__u64 word)
{
	return !word || (word & SG_CONTROL_OFF);
}

static inline __u64 commit_generation(__u64 word)
{
	return word & ~SG_CONTROL_OFF;
}

/*
 * The next generation after word: numbers grow and are never 0, and each
 * takes the dispatch slot the one before does not use. After the last
 * number (2^63 - 1, odd) the count starts again at 2, not 1: 1 shares the
 * last number's slot, and would be staged over the live programs.
 */
static inline __u64 commit_next(__u64 word)
{
	__u64 next = commit_generation(word) + 1;

	return next & SG_CONTROL_OFF ? SG_DISPATCH_SLOTS : next;
}

/* The dispatch slot of a generation, and the one it leaves to the other. */
static inline __u32 commit_slot(__u64 generation)
{
	return (__u32)(generation % SG_DISPATCH_SLOTS);
}

static inline __u32 commit_other_slot(__u64 generation)
{
	return (__u32)((generation + 1) % SG_DISPATCH_SLOTS);
}

/* Put each hook's program of generation in its slot. 0 or -errno. */
int commit_stage(const struct commit_point *c, __u64 generation, const int prog_fd[SG_HOOK_COUNT]);

/*
 * Commit generation, whose guarded ports are ports: one atomic 8-byte store
 * through mmap, so connect4 and connect6 switch at the same instant, with
 * the port filter widened before and narrowed to ports after (struct
 * sg_control). 0 or -errno.
 */
int commit_switch_on(int control_fd, __u64 generation, const __u64 ports[SG_PORT_WORDS]);

/* The commit point's filter for a port bitmap (sg_settings.ports): bit port % 256. */
static inline void commit_ports_seen(const __u64 ports[SG_PORT_WORDS],
				     __u64 seen[SG_PORTS_SEEN_WORDS])
{
	for (int w = 0; w < SG_PORTS_SEEN_WORDS; w++)
		seen[w] = 0;
	/* The 64 ports of one bitmap word fall on one word of the filter. */
	for (int w = 0; w < SG_PORT_WORDS; w++)
		seen[w % SG_PORTS_SEEN_WORDS] |= ports[w];
}

/*
 * Let everything through from this store on, keeping the generation number
 * of the live word (include/smtpguard.h: off keeps the number). 0 or -errno.
 */
int commit_switch_off(int control_fd);

/* Empty the slots generation is not using: the old programs may go. */
void commit_drop_other(const struct commit_point *c, __u64 generation);

/*
 * The program deciding for a hook under word: the link's own (link_prog_id)
 * when it is of the committed generation, else the one staged in the hook's
 * dispatch array, which the link's program tail-calls. 0 when there is none.
 */
__u32 commit_deciding_prog(__u64 word, __u32 link_prog_id, int dispatch_fd);

#endif
