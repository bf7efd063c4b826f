// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* scope_maps.c - see scope_maps.h. */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"
#include "scope_maps.h"

/* An array or trie has room for at least one element. */
static __u32 room(size_t n)
{
	return n ? (__u32)n : 1;
}

int scope_maps_size(struct bpf_map *trie, struct bpf_map *sets, struct bpf_map *rules,
		    const struct scope_plan *p)
{
	if (bpf_map__set_max_entries(trie, room(p->nentries)) ||
	    bpf_map__set_max_entries(sets, room(p->nsets)) ||
	    bpf_map__set_max_entries(rules, room(p->nrules)))
		return -errno;
	return 0;
}

int scope_maps_fill(int trie_fd, int sets_fd, int rules_fd, const struct scope_plan *p)
{
	/* Arrays first: no trie entry may point at a slot not written yet. */
	for (__u32 i = 0; i < p->nsets; i++)
		if (bpf_map_update_elem(sets_fd, &i, &p->sets[i], BPF_ANY))
			return -errno;
	for (__u32 i = 0; i < p->nrules; i++)
		if (bpf_map_update_elem(rules_fd, &i, &p->rules[i], BPF_ANY))
			return -errno;
	/* LPM tries have no batch update: one element at a time. */
	for (size_t i = 0; i < p->nentries; i++)
		if (bpf_map_update_elem(trie_fd, &p->entries[i].key, &p->entries[i].val, BPF_ANY))
			return -errno;
	return 0;
}

int scope_maps_check(int trie_fd, int sets_fd, int rules_fd)
{
	return maps_check_layout(trie_fd, sizeof(struct sg_scope_key), sizeof(struct sg_scope_val)) ?:
		       maps_check_layout(sets_fd, sizeof(__u32), sizeof(struct sg_port_set)) ?:
		       maps_check_layout(rules_fd, sizeof(__u32), sizeof(struct sg_scope_rule));
}

int scope_maps_read_rules(int rules_fd, struct scope_plan *out)
{
	__u32 n = maps_max_entries(rules_fd);
	struct sg_scope_rule r;
	int err;

	err = maps_check_layout(rules_fd, sizeof(__u32), sizeof(r));
	if (err)
		return err;
	for (__u32 i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(rules_fd, &i, &r))
			return -errno;
		if (!r.kind)
			continue; /* the one empty slot of a generation without rules */
		r.dest[SG_SCOPE_DEST_MAX - 1] = '\0';
		err = scope_add_rule(out, &r);
		if (err)
			return err;
	}
	/* Written sorted, but a runtime edit appends: keep the order diff expects. */
	scope_sort_rules(out);
	return 0;
}
