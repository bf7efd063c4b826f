// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * who.c - "which script?" (issue 17): the monitor names the unit, the
 * executable, the command line and the working directory of an attempt.
 *
 * The script is a real bash script in {WORK}/www, run with an argument full
 * of control characters, in a test cgroup named like a unit
 * ({CG}/sgt-php-fpm.service). It tries port 25 from the shell process
 * itself and then sleeps, so that the monitor finds it.
 *
 * What cannot be left to timing is made certain by stopping the monitor
 * (SIGSTOP) while the attempt is made: the event waits in the ring buffer
 * while the process exits, or exits and its PID is given to another process
 * (clone3 with set_tid, as root may), and only then does the monitor read
 * it (SIGCONT).
 *
 * This file holds what every which-script row shares, the rows above and
 * the foreign mount namespace's. The stall row (a command line that cannot
 * be read) is who_stall.c's, the journal rows who_journal.c's, the many
 * accounts flooding at once who_floods.c's.
 */
#include <errno.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "e2e.h"
#include "smtpguard.h"
#include "who_rows.h"

bool who_paths(const struct ctx *c, struct who_paths *w)
{
	const char *base = strrchr(c->cgroup, '/');
	char work[PATH_MAX];
	FILE *f;

	if (!base || !realpath(c->workdir, work) || !realpath("/bin/bash", w->exe))
		return false;
	snprintf(w->unit_cg, sizeof(w->unit_cg), "%s/" UNIT, c->cgroup);
	/* The world's cgroup is right below the root. */
	snprintf(w->cg_rel, sizeof(w->cg_rel), "%s/" UNIT, base);
	snprintf(w->www, sizeof(w->www), "%s/www", work);
	snprintf(w->script, sizeof(w->script), "%s/send.sh", w->www);
	snprintf(w->decoy, sizeof(w->decoy), "%s/decoy", work);
	snprintf(w->cmdline, sizeof(w->cmdline), "bash %s " ARG_ESCAPED, w->script);
	snprintf(w->cmdline_raw, sizeof(w->cmdline_raw), "bash %s " ARG, w->script);
	if ((mkdir(w->unit_cg, 0755) && errno != EEXIST) ||
	    (mkdir(w->www, 0755) && errno != EEXIST) || (mkdir(w->decoy, 0755) && errno != EEXIST))
		return false;
	/* ":" is a builtin: the shell process itself connects, and lives on. */
	f = fopen(w->script, "w");
	if (!f || fputs("#!/bin/bash\n: 3<>/dev/tcp/" REMOTE4 "/25\nsleep 20\nexit 0\n", f) < 0 ||
	    fchmod(fileno(f), 0755) || fclose(f))
		return false;
	return true;
}

/* In a child: into the unit's cgroup, then uid (and its own group) for good. */
int who_join(const struct who_paths *w, unsigned int uid)
{
	char procs[4300];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", w->unit_cg);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return -1;
	close(fd);
	return setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -1 : 0;
}

/* The script, from {WORK}/www, as uid; its pid (the one that connects). */
pid_t who_start_script(const struct who_paths *w, unsigned int uid)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	setpgid(0, 0);
	if (who_join(w, uid) || chdir(w->www))
		_exit(255);
	execl("/bin/bash", "bash", w->script, ARG, (char *)NULL);
	_exit(127);
}

void who_stop_script(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A refused connect from the unit's cgroup by a process that exits at once. */
pid_t who_attempt_and_exit(const struct who_paths *w, unsigned int uid, int *result)
{
	const struct probe p = { .family = AF_INET, .addr = REMOTE4, .port = 25 };
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(who_join(w, uid) ? 255 : probe_run(&p));
	*result = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
			  WEXITSTATUS(status) :
			  -1;
	return pid;
}

/* A monitor in mode (NULL: text) with output in WORK/name.out, once it reads events. */
pid_t who_monitor(const struct ctx *c, enum conf conf, const char *mode, const char *name,
		  const char *env)
{
	char err[4200], line[256];
	pid_t pid = start_monitor(c, conf, mode, name, env);

	snprintf(err, sizeof(err), "%s/%s.err", c->workdir, name);
	if (!mode || strcmp(mode, "--syslog"))
		newest_line_with(err, "monitoring", 5, line, sizeof(line));
	return pid;
}

void who_end_monitor(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGCONT);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* The first of want[] that line lacks, or NULL. */
const char *who_missing(const char *line, const char *const *want, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!strstr(line, want[k]))
			return want[k];
	return NULL;
}

bool who_has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

/* The process's own start_code ... env_end (/proc/self/stat fields 26-28, 45-51). */
bool who_own_mm_map(struct prctl_mm_map *m)
{
	unsigned long long v[52] = {};
	char buf[2048], *p, *save = NULL;
	FILE *f = fopen("/proc/self/stat", "r");
	int k = 3;

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	p = strrchr(buf, ')');
	for (char *t = p ? strtok_r(p + 2, " ", &save) : NULL; t && k < 52;
	     t = strtok_r(NULL, " ", &save))
		v[k++] = strtoull(t, NULL, 10);
	if (k < 52)
		return false;
	*m = (struct prctl_mm_map){ .start_code = v[26],
				    .end_code = v[27],
				    .start_stack = v[28],
				    .start_data = v[45],
				    .end_data = v[46],
				    .start_brk = v[47],
				    .brk = (uint64_t)(uintptr_t)sbrk(0),
				    .arg_start = v[48],
				    .arg_end = v[49],
				    .env_start = v[50],
				    .env_end = v[51],
				    .exe_fd = (uint32_t)-1 };
	return true;
}

/*
 * A script in a unit's cgroup: the JSON event names all four, the command
 * line escaped; and the text line parses to one value per key, each the
 * original bytes.
 */
static void run_all_four(struct ctx *c, size_t i, const struct who_paths *w)
{
	char line[8192] = "", needle[32], want[6][8600], val[8400], path[4200];
	const char *wants[6], *why = NULL;
	pid_t mon, script;

	mon = who_monitor(c, CONF_EVENTS, "--json", "who-json", NULL);
	script = who_start_script(w, SCRIPT_UID);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)script);
	snprintf(path, sizeof(path), "%s/who-json.out", c->workdir);
	snprintf(want[0], sizeof(want[0]), "\"cgroup\":\"%s\"", w->cg_rel);
	snprintf(want[1], sizeof(want[1]), "\"unit\":\"" UNIT "\"");
	snprintf(want[2], sizeof(want[2]), "\"exe\":\"%s\"", w->exe);
	/* JSON's own escapes: a tab is \t, ESC \u001b, a newline \n. */
	snprintf(want[3], sizeof(want[3]), "\"cmdline\":\"bash %s a\\tb\\u001bc\\nd\"", w->script);
	snprintf(want[4], sizeof(want[4]), "\"cwd\":\"%s\"", w->www);
	snprintf(want[5], sizeof(want[5]), "\"gone\":null");
	for (int k = 0; k < 6; k++)
		wants[k] = want[k];
	if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no event for the script's pid within 3 s";
	else
		why = who_missing(line, wants, 6);
	who_end_monitor(mon);
	who_stop_script(script);
	t_result(&c->report, !why,
		 "[%zu] a script in %s, run from %s: the JSON event names its unit, cgroup, "
		 "executable, command line (escaped) and working directory%s%s%s%s",
		 i, UNIT, w->www, why ? ": missing " : "", why ? why : "", why ? "\n    " : "",
		 why ? line : "");

	/* The same in a text line: one value per key, unescaped to the original. */
	mon = who_monitor(c, CONF_EVENTS, NULL, "who-text", NULL);
	script = who_start_script(w, SCRIPT_UID);
	snprintf(needle, sizeof(needle), " pid=%d ", (int)script);
	snprintf(path, sizeof(path), "%s/who-text.out", c->workdir);
	why = NULL;
	line[0] = '\0';
	if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no line for the script's pid within 3 s";
	else if (who_has_control_chars(line))
		why = "a control character in the line";
	else if (count_key(line, "unit", val, sizeof(val)) != 1 || strcmp(val, UNIT))
		why = "unit";
	else if (count_key(line, "cgroup", val, sizeof(val)) != 1 || strcmp(val, w->cg_rel))
		why = "cgroup";
	else if (count_key(line, "exe", val, sizeof(val)) != 1 || strcmp(val, w->exe))
		why = "exe";
	else if (count_key(line, "cwd", val, sizeof(val)) != 1 || strcmp(val, w->www))
		why = "cwd";
	else if (count_key(line, "cmdline", val, sizeof(val)) != 1 || strcmp(val, w->cmdline_raw))
		why = "cmdline";
	else if (count_key(line, "dst", val, sizeof(val)) != 1 || strcmp(val, REMOTE4 ":25"))
		why = "dst";
	who_end_monitor(mon);
	who_stop_script(script);
	t_result(&c->report, !why,
		 "[%zu] the text line of that script parses to one unit, cgroup, exe, cwd, cmdline "
		 "and dst, each the original bytes%s%s:\n    %s",
		 i, why ? ": wrong " : "", why ? why : "", line);
}

/* A process that exits before the monitor looks: kernel-side fields, and "gone". */
static void run_gone(struct ctx *c, size_t i, const struct who_paths *w)
{
	char line[8192] = "", needle[32], path[4200], uid[24], cg[4300];
	const char *wants[] = { uid,
				"\"comm\":\"e2e_guard\"",
				"\"action\":\"blocked\"",
				"\"dst\":\"" REMOTE4 "\"",
				"\"port\":25,",
				cg,
				"\"unit\":\"" UNIT "\"",
				"\"exe\":null",
				"\"cmdline\":null",
				"\"cwd\":null",
				"\"gone\":\"exited\"" };
	const char *why = NULL;
	int result;
	pid_t mon, pid;

	snprintf(uid, sizeof(uid), "\"uid\":%u,", SCRIPT_UID);
	snprintf(cg, sizeof(cg), "\"cgroup\":\"%s\"", w->cg_rel);
	mon = who_monitor(c, CONF_EVENTS, "--json", "who-gone", NULL);
	kill(mon, SIGSTOP);
	pid = who_attempt_and_exit(w, SCRIPT_UID, &result); /* exited and reaped */
	kill(mon, SIGCONT);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
	snprintf(path, sizeof(path), "%s/who-gone.out", c->workdir);
	if (result != EPERM)
		why = "the connect was not refused";
	else if (!newest_line_with(path, needle, 3, line, sizeof(line)))
		why = "no event for its pid within 3 s";
	else
		why = who_missing(line, wants, sizeof(wants) / sizeof(wants[0]));
	if (!why && (!strstr(line, "\"cgroup_id\":") || strstr(line, "\"cgroup_id\":0,")))
		why = "cgroup_id";
	who_end_monitor(mon);
	t_result(&c->report, !why,
		 "[%zu] a process that exits at once: its event keeps the kernel's uid, pid, comm, "
		 "cgroup and unit, and says gone: exited, with no exe, cmdline or cwd%s%s%s%s",
		 i, why ? ": " : "", why ? why : "", why ? "\n    " : "", why ? line : "");
}

/* Raw clone3 with a chosen PID (root only: CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN). */
struct sg_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

static pid_t fork_at(pid_t want)
{
	struct sg_clone_args a = { .exit_signal = SIGCHLD,
				   .set_tid = (uint64_t)(uintptr_t)&want,
				   .set_tid_size = 1 };

	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/*
 * A decoy at PID pid: uid, in the decoy directory, "decoy-sleep 20". delay_ms
 * first, so that its start is a clock tick (10 ms) later than the attempt.
 */
static pid_t decoy_at(const struct who_paths *w, pid_t pid, unsigned int uid, int delay_ms)
{
	pid_t got;

	usleep((useconds_t)delay_ms * 1000);
	got = fork_at(pid);
	if (got == 0) {
		if (who_join(w, uid) || chdir(w->decoy))
			_exit(255);
		execl("/bin/sleep", DECOY_ARGV0, "20", (char *)NULL);
		_exit(127);
	}
	return got;
}

/*
 * The attempt's process exits and its PID goes to a decoy before the monitor
 * looks: once the same account's (started a few ticks later), once another
 * account's (at once). The report must say so and show nothing of the decoy.
 */
static void run_pid_reuse(struct ctx *c, size_t i, const struct who_paths *w)
{
	static const struct {
		const char *label;
		unsigned int uid;
		int delay_ms;
		const char *gone[2];
	} cases[] = {
		{ "the same account's, started 30 ms later", SCRIPT_UID, 30, { "pid-reused" } },
		{ "another account's, at once", 64202, 0, { "pid-reused", "uid-changed" } },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char line[8192] = "", needle[32], path[4200], name[32], gone[48] = "";
		const char *why = NULL;
		int result = -1, tries;
		pid_t mon, pid = -1, decoy = -1;

		snprintf(name, sizeof(name), "who-reuse%zu", k);
		snprintf(path, sizeof(path), "%s/%s.out", c->workdir, name);
		mon = who_monitor(c, CONF_EVENTS, "--json", name, NULL);
		kill(mon, SIGSTOP);
		/* Another process on the machine may take the PID first: try again. */
		for (tries = 0; tries < 5 && decoy < 0; tries++) {
			pid = who_attempt_and_exit(w, SCRIPT_UID, &result);
			decoy = decoy_at(w, pid, cases[k].uid, cases[k].delay_ms);
			if (decoy < 0 && errno != EEXIST)
				break;
		}
		if (decoy < 0) {
			int err = errno;

			who_end_monitor(mon);
			if (err == ENOSYS || err == EPERM || err == EINVAL)
				t_skip(&c->report, "[%zu] PID reuse: clone3 with set_tid: %s", i,
				       strerror(err));
			else
				t_result(&c->report, false,
					 "[%zu] PID reuse: no decoy at pid %d: %s", i, (int)pid,
					 strerror(err));
			continue;
		}
		usleep(100 * 1000); /* the decoy has exec'd: it shows what it would show */
		kill(mon, SIGCONT);
		snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
		if (result != EPERM)
			why = "the connect was not refused";
		else if (!newest_line_with(path, needle, 3, line, sizeof(line)))
			why = "no event for the pid within 3 s";
		else if (strstr(line, "decoy") || strstr(line, "sleep"))
			why = "the decoy's data is in the report";
		else if (!strstr(line, "\"exe\":null") || !strstr(line, "\"cmdline\":null") ||
			 !strstr(line, "\"cwd\":null"))
			why = "exe, cmdline or cwd is not null";
		for (int g = 0; !gone[0] && g < 2 && cases[k].gone[g]; g++) {
			snprintf(gone, sizeof(gone), "\"gone\":\"%s\"", cases[k].gone[g]);
			if (!strstr(line, gone))
				gone[0] = '\0';
		}
		if (!why && !gone[0])
			why = "gone is not the reason expected";
		who_end_monitor(mon);
		who_stop_script(decoy);
		t_result(&c->report, !why,
			 "[%zu] PID reuse: pid %d refused, exited, then given to %s "
			 "(decoy-sleep in %s, %d attempt%s): %s%s%s%s",
			 i, (int)pid, cases[k].label, w->decoy, tries, tries == 1 ? "" : "s",
			 why ? why : gone, why ? "\n    " : "", why ? line : "", "");
	}
}

/* ---- a foreign mount namespace (issue 22) ------------------------------ */

/*
 * As a tenant that is root of its own user and mount namespace: a copy of
 * bash bind-mounted over {WORK}/www/postconf, run as postconf by uid from
 * the unit's cgroup; it tries port 25 and sleeps. The copy's stat to *fake,
 * postconf's to *target. The PID (its process group's), or -1.
 */
pid_t who_start_foreign(const struct who_paths *w, unsigned int uid, struct stat *fake,
			struct stat *target)
{
	char copy[4300], over[4300], cmd[20480];
	pid_t pid;

	snprintf(copy, sizeof(copy), "%s/tenant-bash", w->www);
	snprintf(over, sizeof(over), "%s/postconf", w->www);
	/* Made once: each row compares the event with this copy's inode. */
	snprintf(cmd, sizeof(cmd),
		 "{ [ -x '%s' ] || cp /bin/bash '%s'; } && { [ -x '%s' ] || cp /bin/true '%s'; }",
		 copy, copy, over, over);
	if (system(cmd) || stat(copy, fake) || stat(over, target))
		return -1;
	/*
	 * The ": " after sleep keeps the shell: bash execs a last simple
	 * command, and the monitor, which reads /proc as the event arrives,
	 * would find sleep there instead of the forged postconf.
	 */
	snprintf(cmd, sizeof(cmd),
		 "mount --bind '%s' '%s' && exec '%s' -c ': 3<>/dev/tcp/" REMOTE4
		 "/25; sleep 20; :'",
		 copy, over, over);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		if (who_join(w, uid) || chdir(w->www))
			_exit(255);
		execlp("unshare", "unshare", "-Urm", "/bin/sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * The event of who_start_foreign()'s attempt names the forged path, and
 * says so: mnt_ns foreign, with the device and inode of the file that
 * really runs (the copy's, as the host sees it).
 */
static void run_foreign_mnt(struct ctx *c, size_t i, const struct who_paths *w)
{
	char path[4200], needle[32], want[3][128];
	char line[8192] = "", tline[8192] = "", val[256];
	struct stat st_fake = {}, st_target = {};
	const char *why = NULL;
	pid_t mon, pid;

	for (int text = 0; !why && text < 2; text++) {
		mon = who_monitor(c, CONF_EVENTS, text ? NULL : "--json",
				  text ? "who-mnt-text" : "who-mnt", NULL);
		pid = who_start_foreign(w, SCRIPT_UID, &st_fake, &st_target);
		snprintf(path, sizeof(path), "%s/%s.out", c->workdir,
			 text ? "who-mnt-text" : "who-mnt");
		snprintf(needle, sizeof(needle), text ? " pid=%d " : "\"pid\":%d,", (int)pid);
		if (pid < 0)
			why = "cannot copy bash";
		else if (!newest_line_with(path, needle, 3, text ? tline : line, sizeof(line)))
			why = "no event within 3 s (unshare -Urm refused?)";
		who_end_monitor(mon);
		if (pid > 0)
			who_stop_script(pid);
	}
	snprintf(want[0], sizeof(want[0]), "\"mnt_ns\":\"foreign\"");
	snprintf(want[1], sizeof(want[1]), "\"exe_dev\":\"%u:%u\"", major(st_fake.st_dev),
		 minor(st_fake.st_dev));
	snprintf(want[2], sizeof(want[2]), "\"exe_ino\":%llu,", (unsigned long long)st_fake.st_ino);
	for (int k = 0; !why && k < 3; k++)
		if (!strstr(line, want[k]))
			why = want[k];
	if (!why && count_key(tline, "mnt_ns", val, sizeof(val)) != 1)
		why = "the text line has no mnt_ns=";
	else if (!why && strcmp(val, "foreign"))
		why = "the text line's mnt_ns is not foreign";
	else if (!why && (count_key(tline, "exe_ino", val, sizeof(val)) != 1 ||
			  strtoull(val, NULL, 10) != (unsigned long long)st_fake.st_ino))
		why = "the text line's exe_ino is not the copy's";
	t_result(&c->report, !why,
		 "[%zu] a tenant's bash bind-mounted over %s/postconf in its own user and mount "
		 "namespace: the event says mnt_ns foreign, exe_dev %u:%u and exe_ino %llu (the "
		 "copy's; postconf's is %llu), in JSON and text%s%s%s%s",
		 i, w->www, major(st_fake.st_dev), minor(st_fake.st_dev),
		 (unsigned long long)st_fake.st_ino, (unsigned long long)st_target.st_ino,
		 why ? ": " : "", why ? why : "", why ? "\n    " : "", why ? line : "");
}

void run_who(struct ctx *c, size_t i, int which)
{
	struct who_paths w;

	if (!who_paths(c, &w)) {
		t_result(&c->report, false, "[%zu] who: cannot set up the script and cgroups: %s",
			 i, strerror(errno));
		return;
	}
	if (which == WHO_ALL_FOUR)
		run_all_four(c, i, &w);
	else if (which == WHO_GONE)
		run_gone(c, i, &w);
	else if (which == WHO_PID_REUSE)
		run_pid_reuse(c, i, &w);
	else if (which == WHO_STALL)
		run_stall(c, i, &w);
	else if (which == WHO_MANY_FLOODS)
		run_many_floods(c, i, &w);
	else if (which == WHO_FOREIGN_MNT)
		run_foreign_mnt(c, i, &w);
	else
		run_journal(c, i, &w);
}
