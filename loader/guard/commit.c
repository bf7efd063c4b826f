// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* commit.c - read and move the guard's commit point; see commit.h. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commit.h"
#include "guard_maps.h"
#include "maps.h"

static volatile struct sg_control *control_map(int control_fd)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		       control_fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

int commit_read(int control_fd, __u64 *word)
{
	volatile struct sg_control *p = control_map(control_fd);

	if (!p)
		return -errno;
	*word = __atomic_load_n(&p->generation, __ATOMIC_SEQ_CST);
	munmap((void *)p, (size_t)sysconf(_SC_PAGESIZE));
	return 0;
}

static int commit_write(int control_fd, __u64 word)
{
	volatile struct sg_control *p = control_map(control_fd);

	if (!p)
		return -errno;
	__atomic_store_n(&p->generation, word, __ATOMIC_SEQ_CST);
	munmap((void *)p, (size_t)sysconf(_SC_PAGESIZE));
	return 0;
}

int commit_stage(const struct commit_point *c, __u64 generation, const int prog_fd[SG_HOOK_COUNT])
{
	__u32 slot = commit_slot(generation);

	for (int h = 0; h < SG_HOOK_COUNT; h++)
		if (bpf_map_update_elem(c->dispatch_fd[h], &slot, &prog_fd[h], BPF_ANY))
			return -errno;
	return 0;
}

/*
 * Each store is one 8-byte word the program reads whole; the filter only
 * gains bits before the switch, and only loses the old generation's after
 * it (struct sg_control), so whatever a connect reads in between, its
 * filter holds the committed generation's ports.
 */
int commit_switch_on(int control_fd, __u64 generation, const __u64 ports[SG_PORT_WORDS])
{
	volatile struct sg_control *p = control_map(control_fd);
	__u64 seen[SG_PORTS_SEEN_WORDS];

	if (!p)
		return -errno;
	commit_ports_seen(ports, seen);
	for (int w = 0; w < SG_PORTS_SEEN_WORDS; w++)
		__atomic_store_n(&p->ports_seen[w], p->ports_seen[w] | seen[w], __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->generation, generation, __ATOMIC_SEQ_CST);
	for (int w = 0; w < SG_PORTS_SEEN_WORDS; w++)
		__atomic_store_n(&p->ports_seen[w], seen[w], __ATOMIC_SEQ_CST);
	munmap((void *)p, (size_t)sysconf(_SC_PAGESIZE));
	return 0;
}

/*
 * The word is read here, not taken from a caller: what guard_open() cached
 * is 0 when it stopped early (a program of another version), and OFF|0
 * would lose the number a stale program compares with.
 */
int commit_switch_off(int control_fd)
{
	__u64 word;
	int err = commit_read(control_fd, &word);

	return err ?: commit_write(control_fd, commit_generation(word) | SG_CONTROL_OFF);
}

void commit_drop_other(const struct commit_point *c, __u64 generation)
{
	__u32 slot = commit_other_slot(generation);

	for (int h = 0; h < SG_HOOK_COUNT; h++)
		bpf_map_delete_elem(c->dispatch_fd[h], &slot);
}

/* The ID of the program in generation's slot; 0 if it is empty. */
static __u32 staged_prog(int dispatch_fd, __u64 generation)
{
	__u32 slot = commit_slot(generation), prog_id = 0;

	return bpf_map_lookup_elem(dispatch_fd, &slot, &prog_id) ? 0 : prog_id;
}

/* The generation a program of this smtpguard belongs to (its settings), or 0. */
static __u64 prog_generation(__u32 prog_id)
{
	struct sg_settings settings;
	int fd[SG_MAP_COUNT];
	__u64 gen = 0;

	for (int m = 0; m < SG_MAP_COUNT; m++)
		fd[m] = -1;
	if (!guard_maps_of_prog(prog_id, fd) && !maps_read_settings(fd[SG_MAP_SETTINGS], &settings))
		gen = settings.generation;
	for (int m = 0; m < SG_MAP_COUNT; m++)
		if (fd[m] >= 0)
			close(fd[m]);
	return gen;
}

__u32 commit_deciding_prog(__u64 word, __u32 link_prog_id, int dispatch_fd)
{
	__u64 gen = commit_generation(word);
	__u32 staged;

	if (link_prog_id && prog_generation(link_prog_id) == gen)
		return link_prog_id;
	staged = dispatch_fd >= 0 ? staged_prog(dispatch_fd, gen) : 0;
	return staged && prog_generation(staged) == gen ? staged : 0;
}
