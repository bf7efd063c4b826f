/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* maps.h - read and write the guard's maps through their file descriptors. */
#ifndef SG_MAPS_H
#define SG_MAPS_H

#include <linux/types.h>

#include "own_addrs.h"
#include "policy.h"
#include <stdbool.h>

#include "smtpguard.h"

/*
 * 0 when the map has this key and value size, -EPROTO when not (a guard
 * loaded by another smtpguard version), or -errno.
 */
int maps_check_layout(int fd, __u32 key_size, __u32 value_size);

/* The map's kernel ID, or 0 if fd is not an open map. */
__u32 maps_id(int fd);

/* Are a and b the same map object? False if either is not an open map. */
bool maps_same(int a, int b);

/* The map's capacity, or 0 if it cannot be read. */
__u32 maps_max_entries(int fd);

/*
 * Write every entry of s (batched) into a map of a generation that is not
 * live yet: on error the caller throws the whole generation away.
 */
int maps_write_ids(int fd, const struct id_set *s);
/* Read a whole UID or GID allowlist, sorted. */
int maps_read_ids(int fd, struct id_set *out);

int maps_write_own_addrs(int fd, const struct addr_list *l);
int maps_write_dests(int fd, const struct dest_set *s);
/* Read the whole destination allowlist, sorted. */
int maps_read_dests(int fd, struct dest_set *out);
int maps_read_own_addrs(int fd, struct addr_list *out);

/* The settings the loaded program enforces (its pinned .rodata). */
int maps_read_settings(int fd, struct sg_settings *s);

#endif
