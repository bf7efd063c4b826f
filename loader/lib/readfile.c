// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* readfile.c - read a whole regular file; see readfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "another kind of file";
}

int readfile_regular(const char *path, size_t max_bytes, bool root_owned, char **bufp, size_t *lenp,
		     FILE *diag)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret = 1;

	/* O_NONBLOCK: a FIFO put in the file's place must not hang a boot. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0) {
		int err = errno;

		/* A socket cannot be opened at all (ENXIO): say what it is. */
		if (!stat(path, &st) && !S_ISREG(st.st_mode))
			fprintf(diag, "%s: not a regular file (%s)\n", path, file_kind(st.st_mode));
		else
			fprintf(diag, "%s: cannot open: %s\n", path, strerror(err));
		return 1;
	}
	if (fstat(fd, &st)) {
		fprintf(diag, "%s: cannot stat: %s\n", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(diag, "%s: not a regular file (%s)\n", path, file_kind(st.st_mode));
		goto cleanup;
	}
	if (root_owned && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		fprintf(diag,
			"%s: must be owned by root and not writable by group or others "
			"(chown root %s; chmod go-w %s)\n",
			path, path, path);
		goto cleanup;
	}
	if ((unsigned long long)st.st_size > max_bytes) {
		fprintf(diag, "%s: larger than %zu MiB\n", path, max_bytes >> 20);
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(diag, "%s: read error: %s\n", path, strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	close(fd);
	return ret;
}
