// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* trust.c - see trust.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

#define MAX_LINKS 40 /* as the kernel's path walk */
#define MAX_DEPTH 128

/* Where the walk is: the directories from "/" down, each one checked. */
struct walk {
	int fd[MAX_DEPTH];
	size_t shown_len[MAX_DEPTH]; /* of shown, at each depth */
	int depth; /* fd[depth] is the current directory */
	char shown[PATH_MAX]; /* the current directory, for messages */
	char todo[2 * PATH_MAX]; /* what is left to walk */
};

static void walk_up_to(struct walk *w, int depth)
{
	while (w->depth > depth)
		close(w->fd[w->depth--]);
	w->shown[w->shown_len[w->depth]] = '\0';
}

/* dir/name (cut to fit: for messages, and checked where it is kept). */
static const char *child_name(const struct walk *w, const char *name, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s%s%s", w->shown, strcmp(w->shown, "/") ? "/" : "", name) >=
	    (int)len)
		buf[len - 1] = '\0';
	return buf;
}

/* A directory root may look things up in: root's, writable by nobody else. */
static bool dir_trusted(int fd, const char *shown, char *why, size_t len)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(why, len, "cannot stat %s: %s", shown, strerror(errno));
		return false;
	}
	if (st.st_uid != 0) {
		snprintf(why, len, "%s is not owned by root", shown);
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "%s is writable by %s%s", shown,
			 st.st_mode & S_IWOTH ? "others" : "its group",
			 st.st_mode & S_ISVTX ?
				 " (sticky or not, another user can put a file there)" :
				 "");
		return false;
	}
	return true;
}

/* Step into the directory fd (named name below the current one). */
static bool walk_down(struct walk *w, int fd, const char *name, char *why, size_t len)
{
	char shown[PATH_MAX];

	child_name(w, name, shown, sizeof(shown));
	if (w->depth + 1 >= MAX_DEPTH || strlen(shown) >= sizeof(w->shown) - 1) {
		snprintf(why, len, "the path is too long");
		close(fd);
		return false;
	}
	if (!dir_trusted(fd, shown, why, len)) {
		close(fd);
		return false;
	}
	w->fd[++w->depth] = fd;
	memcpy(w->shown, shown, strlen(shown) + 1);
	w->shown_len[w->depth] = strlen(w->shown);
	return true;
}

/*
 * The symlink fd (in a directory already trusted: only root made it) is
 * followed by hand: its target, then what was left (rest), is walked next,
 * from "/" when the target is absolute.
 */
static bool follow(struct walk *w, int fd, const char *name, const char *rest, int *links,
		   char *why, size_t len)
{
	char target[PATH_MAX], next[sizeof(w->todo)], shown[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

	close(fd);
	if (n < 0) {
		snprintf(why, len, "cannot read the symlink %s: %s",
			 child_name(w, name, shown, sizeof(shown)), strerror(errno));
		return false;
	}
	target[n] = '\0';
	if (++*links > MAX_LINKS) {
		snprintf(why, len, "%s", strerror(ELOOP));
		return false;
	}
	if (snprintf(next, sizeof(next), "%s/%s", target, rest) >= (int)sizeof(next)) {
		snprintf(why, len, "the path is too long");
		return false;
	}
	if (target[0] == '/')
		walk_up_to(w, 0);
	memcpy(w->todo, next, strlen(next) + 1);
	return true;
}

/* The file itself, in the trusted current directory: opened for reading and checked. */
static int open_file(struct walk *w, const char *name, char *why, size_t len)
{
	int fd = openat(w->fd[w->depth], name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, len, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) {
		snprintf(why, len, "not an executable file");
	} else if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, len, "must be owned by root and not writable by group or others");
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

int trust_open_executable(const char *path, char *why, size_t len)
{
	struct walk *w = calloc(1, sizeof(*w));
	int links = 0, ret = -1;

	if (!w) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return -1;
	}
	w->fd[0] = -1;
	if (path[0] != '/' || snprintf(w->todo, sizeof(w->todo), "%s", path) >= PATH_MAX) {
		snprintf(why, len,
			 path[0] != '/' ? "not an absolute path" : "the path is too long");
		goto cleanup;
	}
	w->fd[0] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(w->shown, sizeof(w->shown), "/");
	w->shown_len[0] = 1;
	if (w->fd[0] < 0 || !dir_trusted(w->fd[0], "/", why, len))
		goto cleanup;
	for (;;) {
		char *name = w->todo, *rest;
		struct stat st;
		bool last;
		int fd;

		while (*name == '/')
			name++;
		rest = name + strcspn(name, "/");
		if (*rest)
			*rest++ = '\0';
		while (*rest == '/')
			rest++;
		last = !*rest;
		if (!*name) { /* "/" or a path ending in "/" */
			snprintf(why, len, "not an executable file");
			goto cleanup;
		}
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			if (name[1] && w->depth > 0)
				walk_up_to(w, w->depth - 1);
			if (last) {
				snprintf(why, len, "not an executable file");
				goto cleanup;
			}
			memmove(w->todo, rest, strlen(rest) + 1);
			continue;
		}
		fd = openat(w->fd[w->depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			snprintf(why, len, "%s", strerror(errno));
			if (fd >= 0)
				close(fd);
			goto cleanup;
		}
		if (S_ISLNK(st.st_mode)) {
			char left[sizeof(w->todo)];

			memcpy(left, rest, strlen(rest) + 1);
			if (!follow(w, fd, name, left, &links, why, len))
				goto cleanup;
			continue;
		}
		if (last) {
			close(fd);
			ret = open_file(w, name, why, len);
			goto cleanup;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			snprintf(why, len, "%s", strerror(ENOTDIR));
			goto cleanup;
		}
		if (!walk_down(w, fd, name, why, len))
			goto cleanup;
		memmove(w->todo, rest, strlen(rest) + 1);
	}
cleanup:
	walk_up_to(w, 0);
	if (w->fd[0] >= 0)
		close(w->fd[0]);
	free(w);
	return ret;
}

bool trust_executable(const char *path, char *why, size_t len)
{
	int fd = trust_open_executable(path, why, len);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}
