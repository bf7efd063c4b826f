// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* file_replace.c - see file_replace.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_replace.h"

int file_replace_open(struct file_replace *r, const char *path)
{
	int fd, err;

	memset(r, 0, sizeof(*r));
	if (snprintf(r->path, sizeof(r->path), "%s", path) >= (int)sizeof(r->path) ||
	    snprintf(r->tmp, sizeof(r->tmp), "%s.smtpguard-XXXXXX", path) >= (int)sizeof(r->tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(r->tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r->f = fdopen(fd, "w");
	if (!r->f) {
		err = -errno;
		close(fd);
		unlink(r->tmp);
		return err;
	}
	return 0;
}

static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Flush and close the temporary file, with like's mode and owner. */
static int finish_tmp(struct file_replace *r, const struct stat *like, bool durable)
{
	int fd = fileno(r->f), err = 0;

	errno = 0;
	if (fflush(r->f) || ferror(r->f) || (like && fchmod(fd, like->st_mode & 07777)) ||
	    (like && fchown(fd, like->st_uid, like->st_gid)) || (durable && fsync(fd)))
		err = errno ? -errno : -EIO;
	if (fclose(r->f) && !err)
		err = -errno;
	r->f = NULL;
	return err;
}

int file_replace_copy(struct file_replace *r, const char *path)
{
	char buf[65536];
	struct stat st;
	int in, err;
	ssize_t n;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	err = fstat(in, &st) ? -errno : file_replace_open(r, path);
	if (err) {
		close(in);
		memset(r, 0, sizeof(*r)); /* no temporary file to remove */
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(buf, 1, (size_t)n, r->f) != (size_t)n) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
	}
	close(in);
	if (!err)
		err = finish_tmp(r, &st, false);
	if (err) {
		file_replace_abort(r);
		memset(r, 0, sizeof(*r));
	}
	return err;
}

int file_replace_commit(struct file_replace *r, const struct stat *like, bool durable)
{
	int err = r->f ? finish_tmp(r, like, durable) : 0;

	if (!err && rename(r->tmp, r->path))
		err = -errno;
	if (err) {
		unlink(r->tmp);
		return err;
	}
	if (durable)
		sync_dir(r->path);
	return 0;
}

void file_replace_abort(struct file_replace *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
	unlink(r->tmp);
}

void file_replace_remove_stale(const char *path)
{
	char dir[PATH_MAX], base[PATH_MAX], prefix[PATH_MAX];
	struct dirent *e;
	size_t plen;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(prefix, sizeof(prefix), "%s.smtpguard-", basename(base));
	plen = strlen(prefix);
	d = opendir(dirname(dir));
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, plen) && strlen(e->d_name) == plen + 6)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}
