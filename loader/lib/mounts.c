// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mounts.c - cgroup2 and bpffs discovery; see mounts.h. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "log.h"
#include "mounts.h"

/* mountinfo escapes blanks and backslashes as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/*
 * mountinfo line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SRC SUPER.
 * Only a mount of the hierarchy's root (ROOT "/") shows every cgroup.
 */
static int find_mount(const char *fstype, char *buf, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (ret && getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], mnt[PATH_MAX], type[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (strcmp(type, fstype) || strcmp(root, "/"))
			continue;
		unescape_octal(mnt);
		if (snprintf(buf, len, "%s", mnt) >= (int)len)
			ret = -ENAMETOOLONG;
		else
			ret = 0;
	}
	free(line);
	fclose(f);
	return ret;
}

int cgroup2_root(char *buf, size_t len)
{
	return find_mount("cgroup2", buf, len);
}

int bpffs_check(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC ? 0 : -ENOTDIR;
}

static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

int bpffs_prepare_dir(const char *pin_dir)
{
	char parent[PATH_MAX];
	char *slash;
	int err;

	if (below(pin_dir, SG_BPFFS_DIR) && bpffs_check(SG_BPFFS_DIR)) {
		log_debug("mounting bpffs on %s", SG_BPFFS_DIR);
		if (mount("bpf", SG_BPFFS_DIR, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0700")) {
			err = -errno;
			log_err("cannot mount the BPF filesystem on %s: %s", SG_BPFFS_DIR,
				strerror(errno));
			return err;
		}
	}
	/* Refuse before creating anything outside a BPF filesystem. */
	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash)
		*(slash == parent ? slash + 1 : slash) = '\0';
	err = bpffs_check(slash ? parent : ".");
	if (err) {
		log_err("pin dir %s is not on a BPF filesystem (%s: %s)", pin_dir,
			slash ? parent : ".", err == -ENOTDIR ? "not bpffs" : strerror(-err));
		return err;
	}
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("cannot create pin dir %s: %s", pin_dir, strerror(errno));
		return err;
	}
	return 0;
}

int cgroup2_check_fd(int fd)
{
	struct statfs st;

	if (fstatfs(fd, &st))
		return -errno;
	return st.f_type == CGROUP2_SUPER_MAGIC ? 0 : -ENOTDIR;
}

int cgroup_id_of_fd(int fd, __u64 *id)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

/* Depth-first search of dir_fd (consumed) for a cgroup with inode id. */
static int find_cgroup(int dir_fd, __u64 id, char *buf, size_t len, size_t used)
{
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = fdopendir(dir_fd);
	if (!d) {
		close(dir_fd);
		return -ENOENT;
	}
	while (ret && (de = readdir(d))) {
		struct stat st;
		int n, fd;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = snprintf(buf + used, len - used, "/%s", de->d_name);
		if (n < 0 || (size_t)n >= len - used)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && st.st_ino == id) {
			close(fd);
			ret = 0;
			break;
		}
		ret = find_cgroup(fd, id, buf, len, used + (size_t)n);
	}
	closedir(d);
	return ret;
}

int cgroup_path_from_id(const char *root, __u64 id, char *buf, size_t len)
{
	struct stat st;
	size_t used;
	int fd;

	used = (size_t)snprintf(buf, len, "%s", root);
	if (used >= len)
		return -ENAMETOOLONG;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && st.st_ino == id) {
		close(fd);
		return 0;
	}
	return find_cgroup(fd, id, buf, len, used);
}
