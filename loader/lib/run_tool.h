/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * run_tool.h - run a system tool (iptables-save, nft) and capture what it
 * prints. smtpguard runs as root: the binary is looked up in the system
 * directories only (never the caller's PATH), must be owned by root and not
 * writable by others, gets a time limit, and runs in its own process group
 * so that a timeout kills everything it started.
 */
#ifndef SG_RUN_TOOL_H
#define SG_RUN_TOOL_H

#include <stddef.h>

#define TOOL_TIMEOUT_MS 10000
#define TOOL_MAX_OUTPUT (64u << 20)

/* Where the firewall tools may be (check, import). */
#define TOOL_SEARCH_PATH "/usr/sbin:/sbin:/usr/bin:/bin:/usr/local/sbin"

/* Where one kind of tool may be, and how long it gets. */
struct tool_place {
	/* An environment variable whose ':' list of absolute directories
	 * replaces dirs: the tests use it to hide a tool or bring a stand-in. */
	const char *env;
	const char *dirs;
	int timeout_ms;
};

/*
 * Run name from where's directories with args (NULL-terminated, without
 * argv[0]); stdin and stderr on /dev/null. 0 with its stdout in *out
 * (malloc'd, NUL-terminated) when it exited 0. -ENOENT: not installed;
 * -EPERM: installed but not trusted; -ETIME: it took too long; -EIO: it
 * failed. Every error but -ENOENT has a one-line reason in why.
 */
int tool_run(const struct tool_place *where, const char *name, const char *const args[], char **out,
	     size_t *len, char *why, size_t why_len);

#endif
