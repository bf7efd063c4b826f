// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dest_exact.c - allow_dest's exact table beside the trie; see dest_exact.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "dest_exact.h"

static size_t map_len(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (sizeof(struct sg_dest_exact) + page - 1) / page * page;
}

static int find(const struct sg_dest_table *t, const struct sg_dest_key *k)
{
	if (k->prefixlen != 128)
		return -1;
	for (__u32 i = 0; i < t->count && i < SG_DEST_EXACT; i++)
		if (!memcmp(&t->addrs[i], &k->addr, sizeof(k->addr)))
			return (int)i;
	return -1;
}

/* k is in the trie now: list it if it is an address and there is room, else count it. */
static void add(struct sg_dest_table *t, const struct sg_dest_key *k)
{
	if (k->prefixlen == 128 && t->count < SG_DEST_EXACT) {
		t->addrs[t->count] = k->addr;
		t->w3[t->count] = k->addr.words[3];
		t->count++;
	} else {
		t->trie_only++;
	}
}

/* k leaves the trie: unlist it (the last slot takes its place), or uncount it. */
static void remove_key(struct sg_dest_table *t, const struct sg_dest_key *k)
{
	int i = find(t, k);

	if (i < 0) {
		if (t->trie_only)
			t->trie_only--;
		return;
	}
	t->count--;
	t->addrs[i] = t->addrs[t->count];
	t->w3[i] = t->w3[t->count];
	memset(&t->addrs[t->count], 0, sizeof(t->addrs[0]));
	t->w3[t->count] = 0;
}

void dest_exact_table(struct sg_dest_table *t, const struct dest_set *s)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->n; i++)
		add(t, &s->v[i].key);
}

/*
 * Make t the table the program reads: written whole into the other slot,
 * then switched with one store. A program run that began on the slot being
 * written would have to outlast a whole runtime edit before (a process of
 * its own, under the live guard's lock): it takes well under a microsecond.
 */
static void publish(struct sg_dest_exact *x, const struct sg_dest_table *t)
{
	__u32 next = __atomic_load_n(&x->active, __ATOMIC_ACQUIRE) ? 0 : 1;

	memcpy(&x->table[next], t, sizeof(*t));
	__atomic_store_n(&x->active, next, __ATOMIC_RELEASE);
}

int dest_exact_fill(int exact_fd, const struct dest_set *s)
{
	struct sg_dest_exact *x =
		mmap(NULL, map_len(), PROT_READ | PROT_WRITE, MAP_SHARED, exact_fd, 0);
	struct sg_dest_table t;

	if (x == MAP_FAILED)
		return -errno;
	dest_exact_table(&t, s);
	publish(x, &t);
	munmap(x, map_len());
	return 0;
}

int dest_exact_change(int trie_fd, int exact_fd, const struct sg_dest_key *k, bool allow)
{
	struct sg_allow val = { .origin = SG_ORIGIN_RUNTIME }, old;
	struct sg_dest_exact *x =
		mmap(NULL, map_len(), PROT_READ | PROT_WRITE, MAP_SHARED, exact_fd, 0);
	struct sg_dest_table was, now;
	bool listed;
	int err = 0;

	if (x == MAP_FAILED)
		return -errno;
	was = x->table[__atomic_load_n(&x->active, __ATOMIC_ACQUIRE) ? 1 : 0];
	now = was;
	if (allow) {
		if (!bpf_map_lookup_elem(trie_fd, k, &old)) {
			err = -EEXIST;
			goto cleanup;
		}
		add(&now, k);
		listed = now.count > was.count;
		/* Counted before it is in the trie; listed only once it is. */
		if (!listed)
			publish(x, &now);
		if (bpf_map_update_elem(trie_fd, k, &val, BPF_NOEXIST)) {
			err = -errno;
			if (!listed)
				publish(x, &was);
			goto cleanup;
		}
		if (listed)
			publish(x, &now);
	} else {
		listed = find(&was, k) >= 0;
		remove_key(&now, k);
		/* Unlisted before it leaves the trie; uncounted only once it has. */
		if (listed)
			publish(x, &now);
		if (bpf_map_delete_elem(trie_fd, k)) {
			err = -errno;
			if (listed)
				publish(x, &was);
			goto cleanup;
		}
		if (!listed)
			publish(x, &now);
	}
cleanup:
	munmap(x, map_len());
	return err;
}
