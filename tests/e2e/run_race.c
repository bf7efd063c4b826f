// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * run_race.c - the reload and sync races: probers as an allowed and a denied
 * account connect in a loop while the guard is reloaded (or synced) again
 * and again; no connect may get the other answer.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "e2e.h"
#include "rows.h"
#include "runners.h"
#include "steps.h"

#define RACE_LOADS 20
#define SYNC_RACE_ROUNDS 51 /* one load, then 50 syncs */
#define RACE_MAX_SECONDS 60

struct race_shared {
	volatile int stop;
	long attempts[2], wrong[2];
	int last_err[2];
};

/* Probe in a loop as allowed (0) or denied (1) until told to stop. */
static void __attribute__((noreturn))
race_prober(const struct ctx *c, struct race_shared *sh, int which)
{
	struct probe p4 = P4(REMOTE4, 25, PM_CONNECT), p6 = P6(MAPPED4, 587, PM_CONNECT);
	time_t deadline = time(NULL) + RACE_MAX_SECONDS;

	/* In the nested cgroup: both attach points of the race are above it. */
	if (become(c, which ? &denied_nested : &allowed_uid_nested))
		_exit(1);
	while (!sh->stop && time(NULL) < deadline) {
		int err = probe_run(sh->attempts[which] % 2 ? &p6 : &p4);

		if (err != (which ? EPERM : 0)) {
			sh->wrong[which]++;
			sh->last_err[which] = err;
		}
		sh->attempts[which]++;
	}
	_exit(0);
}

/* One change to the guard per call, while the probers run; true if it worked. */
typedef bool (*race_driver)(const struct ctx *c, int n);

#define SYNC_A "ports = 25 587 2525\nallow_users = root 64202 64299\nallow_groups = 64210\n"
#define SYNC_B "ports = 25 465 587\nallow_users = 64202 root\nallow_local = no\n"

/* Alternate two configurations; every third load moves the attachment (new link). */
static bool reload_driver(const struct ctx *c, int n)
{
	const char *cg = (n / 3) % 2 ? c->nested_top : c->cgroup;
	char out[4096];

	return run_cli(c, "load", n % 2 ? CONF_RACE : CONF_TEST, 0, NULL, cg, out, sizeof(out)) ==
	       0;
}

/* Rewrite the file, then sync: every sync must really change the guard. */
static bool sync_driver(const struct ctx *c, int n)
{
	char out[4096];

	if (!write_conf_file(c->conf_path[CONF_SYNC], n % 2 ? SYNC_B : SYNC_A))
		return false;
	if (n == 0)
		return run_cli(c, "load", CONF_SYNC, 0, NULL, NULL, out, sizeof(out)) == 0;
	return run_cli(c, "sync", CONF_SYNC, 0, NULL, NULL, out, sizeof(out)) == 0 &&
	       strstr(out, "applied");
}

static void run_race(struct ctx *c, size_t i, const char *what, race_driver drive, int rounds)
{
	struct race_shared *sh =
		mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char out[4096];
	int ok = 0;
	pid_t kids[2];

	if (sh == MAP_FAILED) {
		t_result(&c->report, false, "[%zu] %s: mmap failed", i, what);
		return;
	}
	memset(sh, 0, sizeof(*sh));
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0)
			race_prober(c, sh, k);
	}
	usleep(100 * 1000);
	for (int n = 0; n < rounds; n++)
		ok += drive(c, n);
	sh->stop = 1;
	for (int k = 0; k < 2; k++)
		waitpid(kids[k], NULL, 0);
	/* Leave the guard where the rows below expect it. */
	ok += run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out)) == 0;
	t_result(&c->report,
		 ok == rounds + 1 && !sh->wrong[0] && !sh->wrong[1] && sh->attempts[0] >= rounds &&
			 sh->attempts[1] >= rounds,
		 "[%zu] %s: %d/%d changes ok; allowed uid: %ld attempts, %ld refused%s%s; "
		 "denied uid: %ld attempts, %ld let through",
		 i, what, ok, rounds + 1, sh->attempts[0], sh->wrong[0],
		 sh->wrong[0] ? ", last: " : "", sh->wrong[0] ? errno_name(sh->last_err[0]) : "",
		 sh->attempts[1], sh->wrong[1]);
	munmap(sh, sizeof(*sh));
}

void run_reload_race(struct ctx *c, size_t i, const struct step *s)
{
	run_race(c, i, "reload race", reload_driver, RACE_LOADS);
}

void run_sync_race(struct ctx *c, size_t i, const struct step *s)
{
	run_race(c, i, "sync race", sync_driver, SYNC_RACE_ROUNDS);
}
