// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* idlist.c - a UID or GID allowlist: array of origin bytes + hash; see idlist.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "idlist.h"
#include "maps.h"

void idlist_size_for(const struct id_set *s, __u32 max_ids, struct idlist_size *out)
{
	__u32 range = SG_ID_ARRAY_MIN, high = 0, room;

	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].id >= SG_ID_ARRAY_MAX)
			high++;
		else
			while (s->v[i].id >= range)
				range *= 2;
	}
	/* The hash's room for runtime additions: a quarter of what it holds, at least 256. */
	room = high + (high / 4 > SG_ID_HASH_ROOM ? high / 4 : SG_ID_HASH_ROOM);
	out->array_entries = range / SG_ID_BLOCK;
	out->hash_entries = room < max_ids ? room : max_ids;
}

static int check_map(int fd, __u32 type, __u32 value_size, __u32 flags, __u32 *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != type || info.key_size != sizeof(__u32) || info.value_size != value_size ||
	    (info.map_flags & flags) != flags)
		return -EPROTO;
	*max_entries = info.max_entries;
	return 0;
}

int idlist_open(struct idlist *l, int array_fd, int hash_fd, bool writable)
{
	__u32 blocks, hash_entries;
	void *p;
	int err;

	memset(l, 0, sizeof(*l));
	l->array_fd = array_fd;
	l->hash_fd = hash_fd;
	err = check_map(array_fd, BPF_MAP_TYPE_ARRAY, sizeof(struct sg_id_block), BPF_F_MMAPABLE, &blocks) ?:
		      check_map(hash_fd, BPF_MAP_TYPE_HASH, sizeof(struct sg_allow), 0,
				&hash_entries);
	if (err)
		return err;
	if (!blocks || blocks > SG_ID_ARRAY_MAX / SG_ID_BLOCK)
		return -EPROTO;
	l->range = blocks * SG_ID_BLOCK;
	/* The array's elements are contiguous bytes: origin[id] is element id / 8, byte id % 8. */
	p = mmap(NULL, l->range, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, array_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	l->origin = p;
	l->mapped = l->range;
	return 0;
}

void idlist_close(struct idlist *l)
{
	if (l->origin)
		munmap((void *)l->origin, l->mapped);
	l->origin = NULL;
	l->mapped = 0;
}

int idlist_write(struct idlist *l, const struct id_set *s)
{
	struct id_set high = {};
	int err = 0;

	for (size_t i = 0; i < s->n && !err; i++) {
		if (s->v[i].id >= l->range)
			err = id_set_add(&high, s->v[i].id, s->v[i].origin);
		else if (!s->v[i].origin || s->v[i].origin > 0xff)
			err = -EINVAL; /* 0 would mean "not allowed" */
		else
			l->origin[s->v[i].id] = (__u8)s->v[i].origin;
	}
	if (!err)
		err = maps_write_ids(l->hash_fd, &high);
	id_set_free(&high);
	return err;
}

/* The hash's IDs at or above the range (the program looks nothing else up there). */
static int read_high(const struct idlist *l, struct id_set *high)
{
	int err = maps_read_ids(l->hash_fd, high);
	size_t out = 0;

	for (size_t i = 0; !err && i < high->n; i++)
		if (high->v[i].id >= l->range)
			high->v[out++] = high->v[i];
	high->n = err ? 0 : out;
	return err;
}

int idlist_read(const struct idlist *l, struct id_set *out)
{
	struct id_set high = {};
	int err = 0;

	for (__u32 id = 0; id < l->range && !err; id++) {
		__u8 origin = l->origin[id];

		if (origin)
			err = id_set_add(out, id, origin);
	}
	if (!err)
		err = read_high(l, &high);
	for (size_t i = 0; !err && i < high.n; i++)
		err = id_set_add(out, high.v[i].id, high.v[i].origin);
	id_set_free(&high);
	if (!err)
		id_set_finish(out);
	return err;
}

long idlist_count(const struct idlist *l)
{
	struct id_set high = {};
	long n = 0;
	int err;

	for (__u32 id = 0; id < l->range; id++)
		n += l->origin[id] != 0;
	err = read_high(l, &high);
	n += (long)high.n;
	id_set_free(&high);
	return err ? err : n;
}

int idlist_get(const struct idlist *l, __u32 id, __u32 *origin)
{
	struct sg_allow val;

	if (id < l->range) {
		*origin = l->origin[id];
		return *origin ? 0 : -ENOENT;
	}
	if (bpf_map_lookup_elem(l->hash_fd, &id, &val))
		return -errno;
	*origin = val.origin;
	return 0;
}

int idlist_set(struct idlist *l, __u32 id, __u32 origin)
{
	struct sg_allow val = { .origin = origin };

	if (!origin || origin > 0xff)
		return -EINVAL;
	if (id < l->range) {
		__atomic_store_n(&l->origin[id], (__u8)origin, __ATOMIC_SEQ_CST);
		return 0;
	}
	return bpf_map_update_elem(l->hash_fd, &id, &val, BPF_ANY) ? -errno : 0;
}

int idlist_clear(struct idlist *l, __u32 id)
{
	if (id < l->range) {
		if (!l->origin[id])
			return -ENOENT;
		__atomic_store_n(&l->origin[id], 0, __ATOMIC_SEQ_CST);
		return 0;
	}
	return bpf_map_delete_elem(l->hash_fd, &id) ? -errno : 0;
}
