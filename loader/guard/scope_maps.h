/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * scope_maps.h - the scoped exceptions' three maps of a generation: the
 * trie (sg_scoped), its port sets (sg_scope_ports) and the rules
 * (sg_scope_rules). Sized to what one generation holds, filled before it is
 * committed, read back by status, list, the monitor and the next sync.
 */
#ifndef SG_SCOPE_MAPS_H
#define SG_SCOPE_MAPS_H

#include "scope.h"

struct bpf_map;

/* Size the maps of a generation that is not loaded yet. 0 or -errno. */
int scope_maps_size(struct bpf_map *trie, struct bpf_map *sets, struct bpf_map *rules,
		    const struct scope_plan *p);

/* Fill them once loaded (not live yet). 0 or -errno. */
int scope_maps_fill(int trie_fd, int sets_fd, int rules_fd, const struct scope_plan *p);

/* 0 when the maps have the layout of this build, -EPROTO when not, or -errno. */
int scope_maps_check(int trie_fd, int sets_fd, int rules_fd);

/* Every rule of a live generation into out (sorted), with its hits. 0 or -errno. */
int scope_maps_read_rules(int rules_fd, struct scope_plan *out);

#endif
