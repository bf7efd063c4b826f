/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mounts.h - find the cgroup v2 hierarchy and the BPF filesystem. Nothing is
 * assumed about paths: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified
 * on hybrid ones, anything else that /proc/self/mountinfo says.
 */
#ifndef SG_MOUNTS_H
#define SG_MOUNTS_H

#include <stddef.h>
#include <linux/types.h>

/* Where bpffs is mounted by convention, and where load mounts it if needed. */
#define SG_BPFFS_DIR "/sys/fs/bpf"

/* Mount point of the cgroup v2 hierarchy root. 0, or -ENOENT if none. */
int cgroup2_root(char *buf, size_t len);

/*
 * Make sure pin_dir can hold pins: mount bpffs on /sys/fs/bpf if the pin dir
 * lies below it and nothing is mounted there, then create pin_dir (mode
 * 0700) and check that it is on a BPF filesystem. Errors are printed.
 */
int bpffs_prepare_dir(const char *pin_dir);

/* 0 when path is on a BPF filesystem. */
int bpffs_check(const char *path);

/* 0 when fd is a directory on a cgroup v2 filesystem, else -ENOTDIR or -errno. */
int cgroup2_check_fd(int fd);

/* The cgroup's ID (its inode number on cgroup2) from an open directory fd. */
int cgroup_id_of_fd(int fd, __u64 *id);

/* Path of the cgroup with this ID below root. 0, or -ENOENT. */
int cgroup_path_from_id(const char *root, __u64 id, char *buf, size_t len);

#endif
