/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * account_state.h - the process behind each account's latest event, as the
 * monitor read it, for "smtpguard status" (top accounts: the last
 * executable, command line and working directory).
 *
 * The kernel keeps each account's last cgroup (so status names the unit by
 * itself), but only the monitor reads /proc as events arrive. It keeps the
 * ACCOUNT_STATE_MAX accounts seen most recently, and rewrites this file at
 * most once a second when something changed (a new file renamed over the
 * old one: readers see one version or the other; mode 0600, root's):
 *
 *   /run/smtpguard-monitor<pin dir with '/' as '_'>.accounts
 *
 * A header line, then one line per account with tab-separated fields, the
 * account-chosen ones escaped (escape_text(): no tab or newline in them):
 *
 *   UID  BOOT_NS  EXE  CMDLINE  CWD
 *
 * BOOT_NS is the attempt's CLOCK_BOOTTIME, as in the events: /run and the
 * clock both start again at boot. A restarted monitor reads the file back.
 */
#ifndef SG_ACCOUNT_STATE_H
#define SG_ACCOUNT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "proc_info.h"

#define ACCOUNT_STATE_MAX 256
/* Escaped values are kept up to this many bytes (cut ones end in "..."). */
#define ACCOUNT_VALUE_MAX 512

struct account_seen {
	__u32 uid;
	bool used;
	__u64 boot_ns; /* of the attempt whose process this is */
	char exe[ACCOUNT_VALUE_MAX], cmdline[ACCOUNT_VALUE_MAX], cwd[ACCOUNT_VALUE_MAX];
};

struct account_state {
	struct account_seen v[ACCOUNT_STATE_MAX];
	bool dirty; /* changed since the last save */
};

/* "/run/smtpguard-monitor<pin dir, '/' as '_'><suffix>" */
void monitor_run_path(const char *pin_dir, const char *suffix, char *buf, size_t len);

/* The process p made uid's attempt at boot_ns; p->gone: nothing to note. */
void account_state_note(struct account_state *s, __u32 uid, __u64 boot_ns,
			const struct proc_info *p);

/* uid's entry, or NULL. */
const struct account_seen *account_state_find(const struct account_state *s, __u32 uid);

/* Write the file if dirty. 0 or -errno. */
int account_state_save(struct account_state *s, const char *path);

/*
 * Read the file into s (replacing it). Only a regular file owned by root
 * and writable by nobody else is believed. 0, -ENOENT, or -errno.
 */
int account_state_load(struct account_state *s, const char *path);

#endif
