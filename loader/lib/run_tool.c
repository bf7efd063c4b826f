// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* run_tool.c - run a trusted system tool and capture its output; see run_tool.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_tool.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0 and the path when name is in a trusted directory; -ENOENT or -EPERM. */
static int find_tool(const struct tool_place *where, const char *name, char *path, size_t len)
{
	const char *list = getenv(where->env);
	char dirs[1024], candidate[PATH_MAX], *save = NULL;
	int ret = -ENOENT;

	snprintf(dirs, sizeof(dirs), "%s", list && *list ? list : where->dirs);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct stat st;

		if (d[0] != '/')
			continue; /* never a relative directory */
		snprintf(candidate, sizeof(candidate), "%s/%s", d, name);
		if (stat(candidate, &st))
			continue;
		if (S_ISREG(st.st_mode) && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    (st.st_mode & S_IXUSR)) {
			snprintf(path, len, "%s", candidate);
			return 0;
		}
		/* The first one refused is the one to name, not the last one tried. */
		if (ret != -EPERM)
			snprintf(path, len, "%s", candidate);
		ret = -EPERM;
	}
	return ret;
}

static int reap(pid_t pid, long deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -ECHILD;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIME;
		}
		usleep(10 * 1000);
	}
}

int tool_run(const struct tool_place *where, const char *name, const char *const args[], char **out,
	     size_t *len, char *why, size_t why_len)
{
	long deadline = now_ms() + where->timeout_ms;
	char path[PATH_MAX], *argv[16], *buf = NULL;
	size_t used = 0, cap = 0, n = 0;
	int pipefd[2], status = 0, ret;
	pid_t pid;

	*out = NULL;
	*len = 0;
	why[0] = '\0';
	ret = find_tool(where, name, path, sizeof(path));
	if (ret == -EPERM)
		snprintf(why, why_len,
			 "not running %s: it must be owned by root and not writable by group or "
			 "others",
			 path);
	if (ret)
		return ret;
	argv[n++] = (char *)name;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(null, 2);
		dup2(pipefd[1], 1);
		execv(path, argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (used + 65536 + 1 > cap) {
			char *more;

			if (cap >= TOOL_MAX_OUTPUT)
				break;
			cap = cap ? cap * 2 : 65536 * 2;
			more = realloc(buf, cap);
			if (!more)
				break;
			buf = more;
		}
		r = read(pipefd[0], buf + used, cap - used - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		used += (size_t)r;
	}
	close(pipefd[0]);
	ret = reap(pid, deadline, &status);
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = -EIO;
	if (ret == -ETIME)
		snprintf(why, why_len, "%s did not answer within %d ms; killed", path,
			 where->timeout_ms);
	else if (ret)
		snprintf(why, why_len, "%s failed (exit status %d)", path,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (ret || !buf) {
		free(buf);
		if (!ret) {
			buf = strdup("");
			if (!buf)
				return -ENOMEM;
			*out = buf;
		}
		return ret;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}
