// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* uidtab.c - see uidtab.h. */
#include <string.h>

#include "uidtab.h"

#define PROBES 16

struct uid_state *uidtab_get(struct uidtab *t, __u32 uid, struct uid_state *evicted)
{
	/* The high bits of a multiplicative hash: UIDs 65536 apart (subordinate
	 * ranges of containers) must not share a slot. */
	__u32 h = (uid * 2654435761u) >> 19;
	struct uid_state *oldest = NULL;

	if (evicted)
		evicted->used = false;
	for (__u32 i = 0; i < PROBES; i++) {
		struct uid_state *s = &t->slot[(h + i) % UIDTAB_SLOTS];

		if (s->used && s->uid == uid)
			return s;
		if (!s->used) {
			memset(s, 0, sizeof(*s));
			s->used = true;
			s->uid = uid;
			return s;
		}
		if (!oldest || s->last_ns < oldest->last_ns)
			oldest = s;
	}
	if (evicted)
		*evicted = *oldest;
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->uid = uid;
	return oldest;
}
