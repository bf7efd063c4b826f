/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feature_check.h - one row of "smtpguard check": what it probes, how much
 * the guard needs it, and what the probe found. The sections that hold the
 * rows (host_features.c, host_incumbents.c) include this, not each other.
 */
#ifndef SG_FEATURE_CHECK_H
#define SG_FEATURE_CHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum feature_status {
	FEAT_OK, /* present, works */
	FEAT_MISSING, /* absent: fatal for a required row */
	FEAT_WARN, /* works, but the admin should know (or act) */
	FEAT_INFO, /* a fact about the host, neither good nor bad */
};

enum feature_need {
	NEED_REQUIRED, /* the guard cannot work without it: check exits 1, load refuses */
	NEED_OPTIONAL, /* the guard works without it; the row says what is lost */
	NEED_INFO, /* what the host offers (which vectors exist to be guarded) */
};

#define FEATURE_DETAIL_MAX 320

struct feature_result {
	enum feature_status status;
	char detail[FEATURE_DETAIL_MAX];
};

/* A probe's answer: its status and text (a long one is cut at FEATURE_DETAIL_MAX). */
void feature_result_set(struct feature_result *r, enum feature_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct inc_report;

/* What the probes share; filled as the rows run, in order. */
struct feature_env {
	const char *pin_dir; /* the guard whose state is reported */
	const char *cgroup; /* where the guard would attach; NULL: the cgroup v2 root */
	char cgroup2[PATH_MAX]; /* the cgroup v2 mount, "" if none */
	char probe_cgroup[PATH_MAX + 32]; /* the throwaway cgroup, "" when not made */
	int probe_cgroup_fd;
	int prog_fd[2]; /* trivial connect4 and connect6 programs, -1 if refused */
	bool verbose;
	struct inc_report *incumbents; /* host_incumbents.c: read once, on first use */
};

struct feature_check {
	const char *id; /* stable key for --json */
	const char *name; /* for people */
	const char *since; /* the mainline kernel that brought it, "Linux 5.8"; NULL */
	enum feature_need need;
	const char *used_for; /* what the guard needs it for, when it is missing */
	void (*probe)(struct feature_env *env, struct feature_result *r);
};

struct feature_section {
	const char *name;
	const struct feature_check *rows;
	size_t n_rows;
	bool for_load; /* "load" runs this section's required rows first */
};

#endif
