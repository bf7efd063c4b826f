// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commit_test.c - the commit point's arithmetic, which needs no kernel: what
 * a control word says (off, which generation), the generation a load takes
 * next, the dispatch slot each one uses, and the port filter a commit
 * writes (loader/commit.h). Built with ASan and UBSan.
 */
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "commit.h"
#include "testlib.h"

#define OFF SG_CONTROL_OFF
#define TOP (SG_CONTROL_OFF - 1) /* the largest generation number */

/* clang-format off */
static const struct {
	const char *what;
	__u64 word;
	bool off;
	__u64 generation, next;
} words[] = {
	{ "never committed", 0, true, 0, 1 },
	{ "the first commit", 1, false, 1, 2 },
	{ "a later one", 41, false, 41, 42 },
	{ "switched off: the number is kept", OFF | 41, true, 41, 42 },
	{ "off before any commit", OFF, true, 0, 1 },
	{ "the last number: the next wraps to 2 (not 0, off, or 1 in its slot)", TOP, false, TOP, 2 },
	{ "the last number, off", OFF | TOP, true, TOP, 2 },
};

static const struct {
	__u64 generation;
	__u32 slot, other;
} slots[] = {
	{ 1, 1, 0 },
	{ 2, 0, 1 },
	{ 41, 1, 0 },
	{ TOP, 1, 0 },
};
/* Port lists, 0-ended: the filter must hold each, and no bit no port of them gives. */
static const struct {
	const char *what;
	unsigned int ports[8];
} port_sets[] = {
	{ "the default ports", { 25, 465, 587 } },
	{ "ports 256 apart share a bit", { 25, 281, 65305 } },
	{ "the highest port", { 65535 } },
	{ "submission and a custom one", { 587, 2525, 10025 } },
	{ "none", { 0 } },
};
/* clang-format on */

/* The filter of one port set is exactly the bits (port % 256) of its ports. */
static bool filter_exact(const unsigned int *ports)
{
	__u64 bitmap[SG_PORT_WORDS] = { 0 }, seen[SG_PORTS_SEEN_WORDS], want[SG_PORTS_SEEN_WORDS];

	memset(want, 0, sizeof(want));
	for (int i = 0; ports[i]; i++) {
		unsigned int bit = ports[i] % SG_PORTS_SEEN_BITS;

		bitmap[ports[i] / 64] |= 1ULL << (ports[i] % 64);
		want[bit / 64] |= 1ULL << (bit % 64);
	}
	commit_ports_seen(bitmap, seen);
	return !memcmp(seen, want, sizeof(seen));
}

int main(void)
{
	struct test_report r = {};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		__u64 w = words[i].word;

		t_result(&r,
			 commit_is_off(w) == words[i].off &&
				 commit_generation(w) == words[i].generation &&
				 commit_next(w) == words[i].next &&
				 (!commit_generation(w) ||
				  commit_slot(commit_next(w)) != commit_slot(commit_generation(w))),
			 "word %#llx (%s): %s, generation %llu, next %llu", (unsigned long long)w,
			 words[i].what, commit_is_off(w) ? "off" : "on",
			 (unsigned long long)commit_generation(w),
			 (unsigned long long)commit_next(w));
	}
	for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
		__u64 g = slots[i].generation;

		t_result(&r,
			 commit_slot(g) == slots[i].slot && commit_other_slot(g) == slots[i].other,
			 "generation %llu stages in slot %u and leaves slot %u",
			 (unsigned long long)g, commit_slot(g), commit_other_slot(g));
	}

	for (size_t i = 0; i < sizeof(port_sets) / sizeof(port_sets[0]); i++)
		t_result(&r, filter_exact(port_sets[i].ports),
			 "the commit point's port filter of %s: every port's bit, no other",
			 port_sets[i].what);
	{
		__u64 all[SG_PORT_WORDS], seen[SG_PORTS_SEEN_WORDS];
		bool full = true;

		memset(all, 0xff, sizeof(all));
		commit_ports_seen(all, seen);
		for (int w = 0; w < SG_PORTS_SEEN_WORDS; w++)
			full = full && seen[w] == ~0ULL;
		t_result(&r, full, "every port guarded: every bit of the filter set");
	}

	/*
	 * Over a run of loads from nothing: each generation is on, larger than
	 * the last, takes the slot the live one does not use, and off keeps it.
	 */
	{
		__u64 word = 0, bad = 0;

		for (int n = 0; n < 1000 && !bad; n++) {
			__u64 next = commit_next(word);

			__u64 live = commit_generation(word);

			if (commit_is_off(next) || next <= live ||
			    commit_slot(next) == commit_slot(live) ||
			    commit_other_slot(next) != commit_slot(live) ||
			    commit_generation(next | OFF) != next || !commit_is_off(next | OFF))
				bad = next;
			/* Every third load finds the guard switched off by an unload. */
			word = n % 3 == 2 ? next | OFF : next;
		}
		t_result(&r, !bad,
			 "1000 loads in a row, some after an unload: numbers grow, never off, "
			 "alternate slots%s",
			 bad ? " (broken)" : "");
	}
	return t_summary(&r);
}
