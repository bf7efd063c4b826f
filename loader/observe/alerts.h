/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * alerts.h - "alert_threshold = 20/60s": one alert per UID and window once
 * the UID reaches the count, like lfd's UID tracking. An alert_command runs
 * with the details in SMTPGUARD_* environment variables, never waited for:
 * at most ALERT_MAX_RUNNING at once (more are skipped and counted), each
 * killed after ALERT_COMMAND_TIMEOUT_S.
 */
#ifndef SG_ALERTS_H
#define SG_ALERTS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "uidtab.h"

#define ALERT_MAX_RUNNING 4
#define ALERT_COMMAND_TIMEOUT_S 30

struct alert_run {
	pid_t pid;
	__u64 started_ns;
};

struct alerts {
	__u32 count, seconds; /* 0: off */
	const char *command; /* or NULL */
	struct alert_run running[ALERT_MAX_RUNNING];
	__u64 skipped; /* commands not started: too many running */
};

struct alert_info {
	__u32 uid;
	const char *user; /* or NULL */
	__u32 count; /* attempts in the window */
	const char *action; /* "blocked", ... */
	const char *last_dst; /* "198.51.100.25:25" */
	const char *comm;
	__u32 pid;
	/* Where and what, escaped (escape_text()); "" when unknown. */
	const char *cgroup, *unit, *exe, *cmdline, *cwd;
	const char *gone; /* why exe, cmdline and cwd are "", or "" */
};

/*
 * Count one event of s->uid at now_ns; true when this event crosses the
 * threshold (the caller reports it, then calls alerts_run()).
 */
bool alerts_count(struct alerts *a, struct uid_state *s, __u64 now_ns);

/* Start alert_command for it, if set and not too many are running. */
void alerts_run(struct alerts *a, const struct alert_info *info, __u64 now_ns);

/* Reap finished commands, kill overdue ones. Never blocks. Call about once a second. */
void alerts_reap(struct alerts *a, __u64 now_ns);

/* At exit: kill the commands still running (and what they started). */
void alerts_kill_all(struct alerts *a);

#endif
