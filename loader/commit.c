// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* commit.c - read and move the guard's commit point; see commit.h. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "commit.h"

static volatile __u64 *control_map(int control_fd)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		       control_fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

int commit_read(int control_fd, __u64 *word)
{
	volatile __u64 *p = control_map(control_fd);

	if (!p)
		return -errno;
	*word = __atomic_load_n(p, __ATOMIC_SEQ_CST);
	munmap((void *)p, (size_t)sysconf(_SC_PAGESIZE));
	return 0;
}

int commit_write(int control_fd, __u64 word)
{
	volatile __u64 *p = control_map(control_fd);

	if (!p)
		return -errno;
	__atomic_store_n(p, word, __ATOMIC_SEQ_CST);
	munmap((void *)p, (size_t)sysconf(_SC_PAGESIZE));
	return 0;
}

__u64 commit_next(__u64 word)
{
	__u64 next = commit_generation(word) + 1;

	return next & SG_CONTROL_OFF ? 1 : next;
}

int commit_stage(int dispatch_fd, __u64 generation, int prog_fd)
{
	__u32 slot = (__u32)(generation % SG_DISPATCH_SLOTS);

	return bpf_map_update_elem(dispatch_fd, &slot, &prog_fd, BPF_ANY) ? -errno : 0;
}

void commit_drop_other(int dispatch_fd, __u64 generation)
{
	__u32 slot = (__u32)((generation + 1) % SG_DISPATCH_SLOTS);

	bpf_map_delete_elem(dispatch_fd, &slot);
}

__u32 commit_staged_prog(int dispatch_fd, __u64 generation)
{
	__u32 slot = (__u32)(generation % SG_DISPATCH_SLOTS), prog_id = 0;

	return bpf_map_lookup_elem(dispatch_fd, &slot, &prog_id) ? 0 : prog_id;
}
