// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* trust.c - see trust.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trust.h"

/* Each directory above path, from the innermost to "/". */
static bool dirs_trusted(const char *path, char *why, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		snprintf(why, len, "the path is too long");
		return false;
	}
	while ((slash = strrchr(dir, '/'))) {
		if (slash == dir)
			slash[1] = '\0'; /* "/" itself, last */
		else
			*slash = '\0';
		if (stat(dir, &st)) {
			snprintf(why, len, "cannot stat %s: %s", dir, strerror(errno));
			return false;
		}
		if (st.st_uid != 0) {
			snprintf(why, len, "%s is not owned by root", dir);
			return false;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			snprintf(why, len, "%s is writable by %s", dir,
				 st.st_mode & S_IWOTH ? "others" : "its group");
			return false;
		}
		if (!strcmp(dir, "/"))
			break;
	}
	return true;
}

bool trust_executable(const char *path, char *why, size_t len)
{
	char real[PATH_MAX];
	struct stat st;

	if (stat(path, &st)) {
		snprintf(why, len, "%s", strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) {
		snprintf(why, len, "not an executable file");
		return false;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, len, "must be owned by root and not writable by group or others");
		return false;
	}
	if (!realpath(path, real)) {
		snprintf(why, len, "%s", strerror(errno));
		return false;
	}
	return dirs_trusted(path, why, len) && dirs_trusted(real, why, len);
}
