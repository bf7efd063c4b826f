/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * who_rows.h - what the "which script?" rows (who*.c) share: the script, its
 * unit's cgroup and the paths of both, and the helpers that start it and
 * the monitor that must name it.
 */
#ifndef SG_E2E_WHO_ROWS_H
#define SG_E2E_WHO_ROWS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "e2e.h"

#define REMOTE4 "198.51.100.25"
#define UNIT "sgt-php-fpm.service"
/* The script's argument: a tab, an escape, a newline. */
#define ARG        \
	"a\tb\x1b" \
	"c\nd"
#define ARG_ESCAPED "a\\x09b\\x1bc\\x0ad"
#define SCRIPT_UID 64201
#define NAMED_UID 64290 /* sgt-who, made by an SH row; tests/run.sh removes it */
#define STORM_UID 64207
#define DECOY_ARGV0 "decoy-sleep"
/* The MESSAGE_IDs dist/smtpguard.catalog explains. */
#define MSGID_ATTEMPT "9bf6f080d7e2a4c32bd63e9b1c6aac6a"
#define MSGID_ALERT "2c5649e2fe4761ca51cc714224926af0"
#define MSGID_STORM "c9a2228e87973bdd0de1574f8661e97d"

/* The paths a row needs, made once. */
struct who_paths {
	char unit_cg[4200]; /* {CG}/sgt-php-fpm.service */
	char cg_rel[4200]; /* the same below the cgroup v2 root, as the monitor shows it */
	char www[4200], script[4300], decoy[4200];
	char exe[PATH_MAX]; /* what /proc/PID/exe of bash says */
	char cmdline[8400]; /* the script's command line, escaped as in JSON (\\x09) */
	char cmdline_raw[8400];
};

/* Make the script, its directory and the unit's cgroup. */
bool who_paths(const struct ctx *c, struct who_paths *w);
/* In a child: join the unit's cgroup as uid. 0 or -1. */
int who_join(const struct who_paths *w, unsigned int uid);
/* The script as uid: it tries port 25, then sleeps until stopped. */
pid_t who_start_script(const struct who_paths *w, unsigned int uid);
void who_stop_script(pid_t pid);
/* The script as uid, made to exit right after its attempt (its result to *result). */
pid_t who_attempt_and_exit(const struct who_paths *w, unsigned int uid, int *result);
/* start_monitor() for a which-script row; who_end_monitor() stops it. */
pid_t who_monitor(const struct ctx *c, enum conf conf, const char *mode, const char *name,
		  const char *env);
void who_end_monitor(pid_t pid);
/* The first of want[] that line lacks, or NULL. */
const char *who_missing(const char *line, const char *const *want, size_t n);
bool who_has_control_chars(const char *s);
/* The process's own memory map, for PR_SET_MM_MAP (arguments moved elsewhere). */
struct prctl_mm_map;
bool who_own_mm_map(struct prctl_mm_map *m);

struct stat;
pid_t who_start_foreign(const struct who_paths *w, unsigned int uid, struct stat *fake,
			struct stat *target);

/* The rows, one function each (who.c's run_who() calls them). */
void run_stall(struct ctx *c, size_t i, const struct who_paths *w);
void run_journal(struct ctx *c, size_t i, const struct who_paths *w);
void run_many_floods(struct ctx *c, size_t i, const struct who_paths *w);

#endif
