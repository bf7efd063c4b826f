/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * compat.h - build against libbpf 0.x as well as 1.x. Debian 11 ships libbpf
 * 0.3 (the oldest toolchain the userland matrix builds with); Ubuntu 22.04
 * 0.5, EL 8/9 0.x or 1.x. Like bcc's libbpf-tools, the code uses the 1.x
 * names, and this header maps them onto what older releases had. Include it
 * after <bpf/bpf.h> or <bpf/libbpf.h>.
 */
#ifndef SG_COMPAT_H
#define SG_COMPAT_H

#include <bpf/libbpf_common.h>

/* LIBBPF_OPTS() was DECLARE_LIBBPF_OPTS() before libbpf 0.7. */
#ifndef LIBBPF_OPTS
#define LIBBPF_OPTS DECLARE_LIBBPF_OPTS
#endif

/*
 * libbpf 0.x declares the batch update's keys and values without const; the
 * cast drops a const that 1.x would have added again.
 */
#define compat_map_update_batch(fd, keys, values, count, opts) \
	bpf_map_update_batch(fd, (void *)(keys), (void *)(values), count, opts)

/*
 * Before 5.11, BPF memory is charged to RLIMIT_MEMLOCK; libbpf 1.x raises it
 * by itself, 0.x (Debian 11) does not. As libbpf-tools' bump_memlock_rlimit().
 */
void compat_bump_memlock(void);

#endif
