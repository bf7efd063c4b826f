// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uidtab_test.c - the monitor's per-UID table (uidtab.h): each row a
 * sequence of lookups on an empty table and what each must find: a fresh
 * state, the state from before, or a fresh one that recycled the slot idle
 * longest. Built with ASan and UBSan. To add a case, add a row.
 *
 * "c3" names the fourth UID (counting from 1000) whose home slot is that of
 * UID 1000; the home slot is where a lookup in an empty table lands, so the
 * rows do not depend on the hash itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "testlib.h"
#include "uidtab.h"

enum want {
	NEW, /* a zeroed state for the UID, nothing evicted */
	NEW_HOME, /* ... in the UID's home slot, no other UID's */
	KEPT, /* the state of the previous lookup, as it was left */
	EVICTS, /* a zeroed state; the evicted one is handed back whole */
};

struct lookup {
	const char *uid; /* "1000", or "cN" */
	__u64 now; /* the caller's last_ns after the lookup */
	enum want want;
	const char *evicted; /* EVICTS: whose state */
};

#define MAX_LOOKUPS 40
#define L(u, t, w)                            \
	{                                     \
		.uid = u, .now = t, .want = w \
	}
#define EV(u, t, who)                                              \
	{                                                          \
		.uid = u, .now = t, .want = EVICTS, .evicted = who \
	}

/* clang-format off */
static const struct {
	const char *name;
	struct lookup l[MAX_LOOKUPS];
} cases[] = {
	{ "a new UID gets a zeroed state", { L("1000", 1, NEW) } },
	{ "the same UID finds its state again",
	  { L("1000", 1, NEW), L("1000", 2, KEPT), L("1000", 3, KEPT) } },
	{ "UID 0 is a UID like any other", { L("0", 1, NEW), L("0", 2, KEPT) } },
	{ "UIDs 65536 apart (containers' subordinate ranges) have their own home slots",
	  { L("1000", 1, NEW_HOME), L("66536", 2, NEW_HOME), L("132072", 3, NEW_HOME),
	    L("197608", 4, NEW_HOME), L("4294902760", 5, NEW_HOME) } },
	{ "sixteen UIDs of one home slot all fit, and are all found again",
	  { L("c0", 1, NEW), L("c1", 1, NEW), L("c2", 1, NEW), L("c3", 1, NEW), L("c4", 1, NEW),
	    L("c5", 1, NEW), L("c6", 1, NEW), L("c7", 1, NEW), L("c8", 1, NEW), L("c9", 1, NEW),
	    L("c10", 1, NEW), L("c11", 1, NEW), L("c12", 1, NEW), L("c13", 1, NEW),
	    L("c14", 1, NEW), L("c15", 1, NEW),
	    L("c0", 2, KEPT), L("c7", 2, KEPT), L("c15", 2, KEPT) } },
	{ "the seventeenth recycles the slot idle longest, then the next",
	  { L("c0", 10, NEW), L("c1", 5, NEW), L("c2", 20, NEW), L("c3", 20, NEW), L("c4", 20, NEW),
	    L("c5", 20, NEW), L("c6", 20, NEW), L("c7", 20, NEW), L("c8", 20, NEW), L("c9", 20, NEW),
	    L("c10", 20, NEW), L("c11", 20, NEW), L("c12", 20, NEW), L("c13", 20, NEW),
	    L("c14", 20, NEW), L("c15", 20, NEW),
	    EV("c16", 100, "c1"), EV("c1", 101, "c0"), L("c16", 102, KEPT),
	    L("c1", 103, KEPT), L("c2", 104, KEPT) } },
	{ "activity keeps a slot: the one touched last is not recycled",
	  { L("c0", 1, NEW), L("c1", 2, NEW), L("c2", 3, NEW), L("c3", 4, NEW), L("c4", 5, NEW),
	    L("c5", 6, NEW), L("c6", 7, NEW), L("c7", 8, NEW), L("c8", 9, NEW), L("c9", 10, NEW),
	    L("c10", 11, NEW), L("c11", 12, NEW), L("c12", 13, NEW), L("c13", 14, NEW),
	    L("c14", 15, NEW), L("c15", 16, NEW), L("c0", 50, KEPT),
	    EV("c16", 60, "c1") } },
};
/* clang-format on */

#define N_CASES ARRAY_SIZE(cases)
#define FAMILY 17

static struct uidtab empty;

/* Where a lookup of uid lands in an empty table. */
static size_t home_of(__u32 uid)
{
	struct uid_state *s = uidtab_get(&empty, uid, NULL);
	size_t slot = (size_t)(s - empty.slot);

	memset(s, 0, sizeof(*s));
	return slot;
}

static __u32 family[FAMILY];

static void find_family(void)
{
	size_t home = home_of(1000), n = 0;

	for (__u32 uid = 1000; n < FAMILY; uid++)
		if (home_of(uid) == home)
			family[n++] = uid;
}

static __u32 uid_of(const char *name)
{
	return name[0] == 'c' ? family[atoi(name + 1) % FAMILY] : (__u32)strtoul(name, NULL, 10);
}

/* NULL when the lookup found what the row wants, else why not. */
static const char *check(const struct uidtab *t, const struct uid_state *s,
			 const struct uid_state *ev, const struct lookup *l, const __u64 *last,
			 size_t nlast, const char *const *names, char *why, size_t len)
{
	__u32 uid = uid_of(l->uid);

	if (!s->used || s->uid != uid)
		return "the state is not the UID's";
	if (l->want == KEPT) {
		for (size_t k = 0; k < nlast; k++)
			if (!strcmp(names[k], l->uid) && s->last_ns != last[k])
				return "its state was not kept";
		return ev->used ? "something was evicted" : NULL;
	}
	if (s->last_ns || s->logged || s->alert_count)
		return "the state is not zeroed";
	if (l->want == NEW_HOME && (size_t)(s - t->slot) != home_of(uid))
		return "not in its home slot";
	if (l->want != EVICTS)
		return ev->used ? "something was evicted" : NULL;
	if (!ev->used || ev->uid != uid_of(l->evicted)) {
		snprintf(why, len, "evicted %s, not %s", ev->used ? "another UID" : "nothing",
			 l->evicted);
		return why;
	}
	for (size_t k = 0; k < nlast; k++)
		if (!strcmp(names[k], l->evicted))
			return ev->last_ns == last[k] && ev->logged ?
				       NULL :
				       "the evicted state is not whole";
	return NULL;
}

int main(void)
{
	struct test_report r = {};
	struct uidtab *t = malloc(sizeof(*t));

	if (!t)
		return 2;
	find_family();
	for (size_t i = 0; i < N_CASES; i++) {
		const char *names[MAX_LOOKUPS], *why = NULL;
		__u64 last[MAX_LOOKUPS];
		size_t nlast = 0, k;
		char buf[96];

		memset(t, 0, sizeof(*t));
		for (k = 0; k < MAX_LOOKUPS && cases[i].l[k].uid && !why; k++) {
			const struct lookup *l = &cases[i].l[k];
			struct uid_state ev, *s = uidtab_get(t, uid_of(l->uid), &ev);
			size_t m;

			why = check(t, s, &ev, l, last, nlast, names, buf, sizeof(buf));
			/* What the monitor does with it: note the time, count a line. */
			s->last_ns = l->now;
			s->logged++;
			for (m = 0; m < nlast && strcmp(names[m], l->uid); m++)
				;
			names[m] = l->uid;
			last[m] = l->now;
			if (m == nlast)
				nlast++;
		}
		if (why)
			t_result(&r, false, "uidtab: %s: lookup %zu (%s): %s", cases[i].name, k,
				 cases[i].l[k - 1].uid, why);
		else
			t_result(&r, true, "uidtab: %s", cases[i].name);
	}
	free(t);
	return t_summary(&r);
}
