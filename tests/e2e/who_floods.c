// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * who_floods.c - many accounts flooding at once (issue 22) while a quiet one is
 * still reported, whole, every time.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "e2e.h"
#include "smtpguard.h"
#include "who_rows.h"

#define MANY_ACCOUNTS 100
#define MANY_FIRST_UID 64500
#define MANY_SECONDS 10.0
#define MANY_MAX_ATTEMPTS 50000000UL /* per process: a bound, whatever the machine */
#define QUIET_UID 64209
#define QUIET_TRIES 10

/* The kernel's count of uid's blocked attempts (the pinned counters map). */
static unsigned long long blocked_of(const struct ctx *c, unsigned int uid)
{
	char path[4200];
	struct sg_counter v;
	int fd;
	unsigned long long n = 0;

	snprintf(path, sizeof(path), "%s/" SG_PIN_COUNTERS, c->pin_dir);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_map_lookup_elem(fd, &uid, &v))
		n = v.attempts[SG_ACTION_BLOCKED];
	if (fd >= 0)
		close(fd);
	return n;
}

/* Refused connects as uid for MANY_SECONDS, with an empty argv (as execve allows). */
static void __attribute__((noreturn))
many_flooder(const struct ctx *c, unsigned int uid, unsigned long *done)
{
	const struct who fl = { "flooder", uid, uid, NULL, CG_TEST, false };
	struct prctl_mm_map m;

	if (!who_own_mm_map(&m))
		_exit(3);
	m.arg_end = m.arg_start; /* /proc/PID/cmdline is empty */
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof(m), 0) || become(c, &fl))
		_exit(2);
	*done = refused_connects_for(MANY_SECONDS, MANY_MAX_ATTEMPTS);
	_exit(0);
}

static bool all_found(char *const *found)
{
	for (int k = 0; k < QUIET_TRIES; k++)
		if (!found[k])
			return false;
	return true;
}

/* The newest event line of each pid in a file of any size (found[k] kept, malloc'd). */
static void find_pids(const char *path, const pid_t *pids, char **found)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, needle[32];
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		for (int k = 0; k < QUIET_TRIES; k++) {
			snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pids[k]);
			if (strstr(line, needle)) {
				free(found[k]);
				found[k] = strdup(line);
			}
		}
	}
	free(line);
	if (f)
		fclose(f);
}

/*
 * 100 accounts flood at once for 10 s, each from a process whose argv is
 * empty; meanwhile a quiet account runs the script 10 times, a second apart.
 * Each of its attempts is an event of its own, with unit, exe, cmdline and
 * cwd (or gone=), and the kernel's counters are exact for every account.
 */
void run_many_floods(struct ctx *c, size_t i, const struct who_paths *w)
{
	char *found[QUIET_TRIES] = { NULL };
	unsigned long *done = mmap(NULL, MANY_ACCOUNTS * sizeof(*done), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long long before[MANY_ACCOUNTS + 1], quiet_before, total = 0;
	pid_t kids[MANY_ACCOUNTS], quiet_pid[QUIET_TRIES], mon;
	char path[4200], unit[64], bad[256] = "";
	int seen = 0, whole = 0, gone = 0, inexact = 0;
	double t0, elapsed;

	if (done == MAP_FAILED) {
		t_result(&c->report, false, "[%zu] many floods: no shared memory", i);
		return;
	}
	snprintf(path, sizeof(path), "%s/who-many.out", c->workdir);
	snprintf(unit, sizeof(unit), "\"unit\":\"" UNIT "\"");
	for (int k = 0; k < MANY_ACCOUNTS; k++)
		before[k] = blocked_of(c, MANY_FIRST_UID + (unsigned int)k);
	quiet_before = blocked_of(c, QUIET_UID);
	mon = who_monitor(c, CONF_EVENTS, "--json", "who-many", NULL);
	t0 = now_s();
	for (int k = 0; k < MANY_ACCOUNTS; k++) {
		done[k] = 0;
		kids[k] = fork();
		if (kids[k] == 0)
			many_flooder(c, MANY_FIRST_UID + (unsigned int)k, &done[k]);
	}
	for (int k = 0; k < QUIET_TRIES; k++) {
		usleep(900 * 1000);
		quiet_pid[k] = who_start_script(w, QUIET_UID);
	}
	for (int k = 0; k < MANY_ACCOUNTS; k++)
		waitpid(kids[k], NULL, 0);
	elapsed = now_s() - t0;
	/* The monitor may be seconds behind; its output is megabytes: read it line by line. */
	for (double deadline = now_s() + 15; now_s() < deadline && !all_found(found);
	     usleep(200 * 1000))
		find_pids(path, quiet_pid, found);
	for (int k = 0; k < QUIET_TRIES; k++) {
		const char *line = found[k];

		if (!line) {
			if (!bad[0])
				snprintf(bad, sizeof(bad),
					 "no event for the quiet attempt %d (pid %d)", k + 1,
					 (int)quiet_pid[k]);
			continue;
		}
		seen++;
		if (strstr(line, unit) && !strstr(line, "\"exe\":null") &&
		    !strstr(line, "\"cmdline\":null") && !strstr(line, "\"cwd\":null"))
			whole++;
		else if (strstr(line, unit) && !strstr(line, "\"gone\":null"))
			gone++;
		else if (!bad[0])
			snprintf(bad, sizeof(bad),
				 "the quiet attempt %d lacks unit, exe, cmdline or cwd: %.150s",
				 k + 1, line);
	}
	for (int k = 0; k < MANY_ACCOUNTS; k++) {
		unsigned long long got =
			blocked_of(c, MANY_FIRST_UID + (unsigned int)k) - before[k];

		total += done[k];
		inexact += got != done[k];
	}
	if (blocked_of(c, QUIET_UID) - quiet_before != QUIET_TRIES)
		inexact++;
	who_end_monitor(mon);
	for (int k = 0; k < QUIET_TRIES; k++)
		who_stop_script(quiet_pid[k]);
	t_result(
		&c->report, seen == QUIET_TRIES && whole + gone == QUIET_TRIES && !inexact,
		"[%zu] %d accounts flooding at once (empty argv) made %llu refused attempts in "
		"%.1f s (%.0f/s); the quiet uid %u's %d attempts a second apart: %d events (%d with "
		"unit, exe, cmdline and cwd, %d gone=); counters exact for %d of %d accounts%s%s",
		i, MANY_ACCOUNTS, total, elapsed, total / elapsed, QUIET_UID, QUIET_TRIES, seen,
		whole, gone, MANY_ACCOUNTS + 1 - inexact, MANY_ACCOUNTS + 1, bad[0] ? ": " : "",
		bad);
	munmap(done, MANY_ACCOUNTS * sizeof(*done));
	for (int k = 0; k < QUIET_TRIES; k++)
		free(found[k]);
}
