// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* maps.c - map I/O; see maps.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "compat.h"
#include "maps.h"

int maps_check_layout(int fd, __u32 key_size, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.key_size != key_size || info.value_size != value_size)
		return -EPROTO;
	return 0;
}

__u32 maps_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

bool maps_same(int a, int b)
{
	__u32 id = maps_id(a);

	return id && id == maps_id(b);
}

__u32 maps_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

static int write_batch(int fd, const void *keys, const void *values, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = (__u32)n;
	int err;

	if (!n)
		return 0;
	err = compat_map_update_batch(fd, keys, values, &count, &opts);
	return err ? -errno : 0;
}

int maps_write_ids(int fd, const struct id_set *s)
{
	__u32 *keys = calloc(s->n ? s->n : 1, sizeof(*keys));
	struct sg_allow *vals = calloc(s->n ? s->n : 1, sizeof(*vals));
	int err = -ENOMEM;

	if (!keys || !vals)
		goto cleanup;
	for (size_t i = 0; i < s->n; i++) {
		keys[i] = s->v[i].id;
		vals[i].origin = s->v[i].origin;
	}
	err = write_batch(fd, keys, vals, s->n);
cleanup:
	free(keys);
	free(vals);
	return err;
}

/* Called for each entry of a walked map; non-zero stops the walk. */
typedef int (*map_entry_fn)(const void *key, const void *val, void *ctx);

#define WALK_MAX_SIZE 64 /* larger than any key or value of the guard's maps */

/*
 * Every (key, value) of a map, one get_next_key and one lookup each. An entry
 * deleted while we walk is skipped. 0, or the callback's error, or -errno.
 */
static int map_walk(int fd, size_t key_size, size_t val_size, map_entry_fn fn, void *ctx)
{
	/* Zeroed: checkers that do not model bpf(2) see what the kernel wrote. */
	unsigned char key[WALK_MAX_SIZE] = {}, next[WALK_MAX_SIZE] = {}, val[WALK_MAX_SIZE] = {};
	void *prev = NULL;
	int err;

	if (key_size > WALK_MAX_SIZE || val_size > WALK_MAX_SIZE)
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		err = fn(key, val, ctx);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int add_id(const void *key, const void *val, void *ctx)
{
	return id_set_add(ctx, *(const __u32 *)key, ((const struct sg_allow *)val)->origin);
}

static int add_local(const void *key, const void *val, void *ctx)
{
	return addr_list_add(ctx, key, ((const struct sg_local *)val)->ifindex);
}

static int add_dest(const void *key, const void *val, void *ctx)
{
	return dest_set_add(ctx, key, ((const struct sg_allow *)val)->origin);
}

/* The whole map in BPF_MAP_LOOKUP_BATCH calls; -EOPNOTSUPP if the kernel cannot. */
static int read_ids_batch(int fd, struct id_set *out)
{
	__u32 keys[1024] = {}, batch = 0, count; /* zeroed: see map_walk() */
	struct sg_allow vals[1024] = {};
	bool first = true;
	int err;

	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		count = 1024;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &count,
					   &opts);
		err = err ? -errno : 0;
		if (err && err != -ENOENT)
			return err;
		for (__u32 i = 0; i < count; i++)
			if (id_set_add(out, keys[i], vals[i].origin))
				return -ENOMEM;
		if (err == -ENOENT)
			break; /* that was the last batch */
		first = false;
	}
	id_set_finish(out);
	return 0;
}

int maps_read_ids(int fd, struct id_set *out)
{
	int err = read_ids_batch(fd, out);

	if (err != -EINVAL && err != -EOPNOTSUPP && err != -524 /* ENOTSUPP */)
		return err;
	out->n = 0;
	err = map_walk(fd, sizeof(__u32), sizeof(struct sg_allow), add_id, out);
	if (!err)
		id_set_finish(out);
	return err;
}

int maps_write_own_addrs(int fd, const struct addr_list *l)
{
	struct sg_addr *keys = calloc(l->n ? l->n : 1, sizeof(*keys));
	struct sg_local *vals = calloc(l->n ? l->n : 1, sizeof(*vals));
	int err = -ENOMEM;

	if (!keys || !vals)
		goto cleanup;
	for (size_t i = 0; i < l->n; i++) {
		keys[i] = l->v[i].addr;
		vals[i].ifindex = l->v[i].ifindex;
	}
	err = write_batch(fd, keys, vals, l->n);
cleanup:
	free(keys);
	free(vals);
	return err;
}

int maps_read_own_addrs(int fd, struct addr_list *out)
{
	return map_walk(fd, sizeof(struct sg_addr), sizeof(struct sg_local), add_local, out);
}

int maps_write_dests(int fd, const struct dest_set *s)
{
	/* LPM tries have no batch update: one element at a time. */
	for (size_t i = 0; i < s->n; i++) {
		struct sg_allow val = { .origin = s->v[i].origin };

		if (bpf_map_update_elem(fd, &s->v[i].key, &val, BPF_ANY))
			return -errno;
	}
	return 0;
}

int maps_read_dests(int fd, struct dest_set *out)
{
	int err = map_walk(fd, sizeof(struct sg_dest_key), sizeof(struct sg_allow), add_dest, out);

	if (!err)
		dest_set_finish(out);
	return err;
}

int maps_read_settings(int fd, struct sg_settings *s)
{
	__u32 zero = 0;
	int err;

	err = maps_check_layout(fd, sizeof(zero), sizeof(*s));
	if (err)
		return err;
	if (bpf_map_lookup_elem(fd, &zero, s))
		return -errno;
	return s->abi_version == SG_ABI_VERSION ? 0 : -EPROTO;
}
