// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cgroup_names.c - see cgroup_names.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "cgroup_names.h"
#include "mounts.h"

/* The kernfs file handle type (FILEID_KERNFS): 8 bytes, the cgroup's ID. */
#define SG_FILEID_KERNFS 0xfe

static const char *const unit_suffixes[] = { ".service", ".scope", ".socket", ".mount", ".swap" };

int cgroup_names_init(struct cgroup_names *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->root_fd = -1;
	err = cgroup2_root(c->root, sizeof(c->root));
	if (err)
		return err;
	c->root_fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return c->root_fd < 0 ? -errno : 0;
}

void cgroup_names_free(struct cgroup_names *c)
{
	if (c->root_fd >= 0)
		close(c->root_fd);
	c->root_fd = -1;
}

/* Characters systemd allows in unit names ("\x2d" escapes included). */
static bool unit_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr(":-_.\\@", ch));
}

static bool is_unit_name(const char *s, size_t n, bool *slice)
{
	*slice = n > 6 && !strncmp(s + n - 6, ".slice", 6);
	for (size_t i = 0; i < n; i++)
		if (!unit_char(s[i]))
			return false;
	if (*slice || n >= CGROUP_UNIT_MAX)
		return *slice;
	for (size_t k = 0; k < ARRAY_SIZE(unit_suffixes); k++) {
		size_t l = strlen(unit_suffixes[k]);

		if (n > l && !strncmp(s + n - l, unit_suffixes[k], l))
			return true;
	}
	return false;
}

const char *cgroup_unit(const char *path, char *buf, size_t len)
{
	for (const char *p = path; *p;) {
		size_t n;
		bool slice;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		/* A container's or a test's directory is passed over. */
		if (n && is_unit_name(p, n, &slice) && !slice) {
			if (n >= len)
				return NULL;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
		p += n;
	}
	return NULL;
}

/* Strip the mount point: the path below the cgroup v2 root ("/" for it). */
static void below_root(const struct cgroup_names *c, const char *full, char *out, size_t len)
{
	size_t r = strlen(c->root);
	const char *rest = full;

	if (!strncmp(full, c->root, r) && (full[r] == '/' || !full[r]))
		rest = full + r;
	snprintf(out, len, "%s", *rest ? rest : "/");
}

/* The directory by its handle, its path from /proc/self/fd. 0, -ESTALE (gone), -errno. */
static int path_by_handle(struct cgroup_names *c, __u64 id, char *out, size_t len)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = SG_FILEID_KERNFS } };
	char link[64], full[PATH_MAX + 16];
	ssize_t n;
	int fd, err = 0;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(c->root_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, full, sizeof(full) - 1);
	if (n < 0) {
		err = -errno;
	} else {
		full[n] = '\0';
		/* Removed between the open and the readlink. */
		if (n > 10 && !strcmp(full + n - 10, " (deleted)")) {
			struct stat st;

			/* Unless a cgroup is really called that. */
			if (stat(full, &st) || st.st_ino != id)
				err = -ESTALE;
		}
	}
	close(fd);
	if (!err)
		below_root(c, full, out, len);
	return err;
}

/* The slow way: a walk of the tree, for kernels whose handles do not work. */
static int path_by_walk(struct cgroup_names *c, __u64 id, char *out, size_t len)
{
	char full[PATH_MAX];
	int err = cgroup_path_from_id(c->root, id, full, sizeof(full));

	if (!err)
		below_root(c, full, out, len);
	return err;
}

static void keep_path(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n < CGROUP_PATH_KEPT) {
		memcpy(dst, src, n + 1);
		return;
	}
	memcpy(dst, src, CGROUP_PATH_KEPT - 4);
	memcpy(dst + CGROUP_PATH_KEPT - 4, "...", 4);
}

const char *cgroup_names_get(struct cgroup_names *c, __u64 id, const char **unit)
{
	typeof(c->slot[0]) *s = &c->slot[id % CGROUP_NAME_SLOTS];
	time_t now = time(NULL);
	char path[PATH_MAX];
	int err = -ENOENT;

	*unit = NULL;
	if (c->root_fd < 0 || !id)
		return NULL;
	if (!s->valid || s->id != id || now - s->at > CGROUP_NAME_TTL_S) {
		if (!c->no_handles) {
			err = path_by_handle(c, id, path, sizeof(path));
			/* Anything but "no such cgroup": this kernel cannot do handles. */
			if (err && err != -ESTALE && err != -ENOENT)
				c->no_handles = true;
		}
		if (c->no_handles)
			err = path_by_walk(c, id, path, sizeof(path));
		s->valid = true;
		s->id = id;
		s->at = now;
		s->found = !err;
		s->unit[0] = '\0';
		if (!err) {
			keep_path(s->path, path);
			cgroup_unit(path, s->unit, sizeof(s->unit));
		}
	}
	if (!s->found)
		return NULL;
	*unit = s->unit[0] ? s->unit : NULL;
	return s->path;
}
