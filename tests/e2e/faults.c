// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * faults.c - the guard survives its tools dying and racing (issue 6).
 *
 * Kill loop: load, sync and unload are SIGKILLed at random moments, over and
 * over. After each one the kernel must enforce exactly the old state or
 * exactly the new one (A: uid 64202 allowed and 64201 refused; B: the other
 * way round; OFF: both connect), judged by real connects over IPv4 and IPv6,
 * and "status" and "list" must describe what the kernel does. A final plain
 * load must repair whatever the kills left.
 *
 * Lock storm: many "smtpguard allow" runs (each edits the configuration and
 * syncs), plus loads and syncs, all at once: every one of them lands.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "smtpguard.h"

#define REMOTE4 "198.51.100.25"
#define REMOTE6 "2001:db8:1::25"

enum kstate { K_OFF, K_A, K_B, K_MIXED };
static const char *const kstate_names[] = { "off", "A", "B", "MIXED" };

enum kop { OP_LOAD_A, OP_LOAD_B, OP_SYNC, OP_UNLOAD, OP_COUNT };
static const char *const kop_names[] = { "load A", "load B", "sync", "unload" };
static const char *const kill_names[] = { "not killed", "killed at any time", "killed late",
					  "killed at the commit" };

#define CONF_TEXT_A "allow_users = root 64202\nallow_groups = none\n"
#define CONF_TEXT_B "allow_users = root 64201\nallow_groups = none\n"

/* What the kernel does, by four real connects; details of a mix in why. */
static enum kstate observe(const struct ctx *c, char *why, size_t len)
{
	const struct probe p4 = { .family = AF_INET, .addr = REMOTE4, .port = 25 };
	const struct probe p6 = { .family = AF_INET6, .addr = REMOTE6, .port = 25 };
	int a4 = probe_as(c, &allowed_uid, &p4), a6 = probe_as(c, &allowed_uid, &p6);
	int d4 = probe_as(c, &denied, &p4), d6 = probe_as(c, &denied, &p6);

	snprintf(why, len, "64202: v4 %s, v6 %s; 64201: v4 %s, v6 %s", errno_name(a4),
		 errno_name(a6), errno_name(d4), errno_name(d6));
	if (!a4 && !a6 && !d4 && !d6)
		return K_OFF;
	if (!a4 && !a6 && d4 == EPERM && d6 == EPERM)
		return K_A;
	if (a4 == EPERM && a6 == EPERM && !d4 && !d6)
		return K_B;
	return K_MIXED;
}

/* "status" and "list" tell the truth about what observe() saw. */
static bool view_matches(const struct ctx *c, enum kstate st, char *why, size_t len)
{
	static char out[1 << 16];
	int code = run_cli(c, "status", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	bool has_a, has_b;

	if (st == K_OFF) {
		if (code == 3)
			return true;
		snprintf(why, len, "the guard lets everything through but status exits %d", code);
		return false;
	}
	if (code != 0) {
		snprintf(why, len, "the guard enforces %s but status exits %d: %.300s",
			 kstate_names[st], code, out);
		return false;
	}
	code = run_cli(c, "list --json", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	has_a = strstr(out, "{\"uid\":64202,") != NULL;
	has_b = strstr(out, "{\"uid\":64201,") != NULL;
	if (code == 0 && has_a == (st == K_A) && has_b == (st == K_B))
		return true;
	snprintf(why, len, "the guard enforces %s but list says 64202 %s, 64201 %s",
		 kstate_names[st], has_a ? "allowed" : "refused", has_b ? "allowed" : "refused");
	return false;
}

/* Start the CLI with its output thrown away. */
static pid_t spawn_cli(const struct ctx *c, const char *args, enum conf conf)
{
	char buf[1024], *argv[CLI_ARGV_MAX];
	pid_t pid;

	cli_argv(c, args, conf, NULL, buf, sizeof(buf), argv);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execv(c->bin, argv);
		_exit(127);
	}
	return pid;
}

/* How an op is killed. */
enum kill_how {
	KILL_NEVER,
	KILL_ANYTIME, /* at a random moment of its usual duration */
	KILL_LATE, /* at a random moment near its usual end */
	KILL_AT_COMMIT, /* the moment the control word changes, seen through mmap */
};

static enum kill_how kill_how(void)
{
	static const enum kill_how mix[8] = { KILL_NEVER,     KILL_ANYTIME,  KILL_ANYTIME,
					      KILL_LATE,      KILL_LATE,     KILL_AT_COMMIT,
					      KILL_AT_COMMIT, KILL_AT_COMMIT };

	return mix[rand() % 8];
}

/* The live control word, mapped read-only; NULL before the first load. */
static const volatile __u64 *map_control(const struct ctx *c)
{
	char path[4200];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/control", c->pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* Has pid not exited yet? (It stays a zombie for waitpid.) */
static bool running(pid_t pid)
{
	siginfo_t info = {};

	return !waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) && !info.si_pid;
}

/* Wait until the control word moves (or pid exits, or 2 s pass). */
static void await_commit(const struct ctx *c, pid_t pid)
{
	const volatile __u64 *word = map_control(c);
	double deadline = now_s() + 2;
	__u64 was;

	if (!word)
		return;
	was = *word;
	while (*word == was && now_s() < deadline && running(pid))
		;
	munmap((void *)word, (size_t)sysconf(_SC_PAGESIZE));
}

static double run_op(const struct ctx *c, enum kop op, enum kill_how how, double usual,
		     bool *killed)
{
	static const char *const args[] = { "load", "load", "sync", "unload" };
	static const enum conf op_conf[] = { CONF_KILL_A, CONF_KILL_B, CONF_KILL_SYNC, CONF_NONE };
	long us = (long)(usual * 1e6) + 1;
	double start = now_s();
	pid_t pid = spawn_cli(c, args[op], op_conf[op]);
	int status = 0;

	if (how == KILL_ANYTIME)
		usleep((useconds_t)(rand() % us));
	else if (how == KILL_LATE)
		usleep((useconds_t)(us * 85 / 100 + rand() % (us / 5 + 1)));
	else if (how == KILL_AT_COMMIT)
		await_commit(c, pid);
	if (how != KILL_NEVER)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	*killed = WIFSIGNALED(status);
	return now_s() - start;
}

/* The state a completed op leads to from st (sync: to what the file now says). */
static enum kstate op_result(enum kop op, enum kstate st, enum kstate sync_to)
{
	switch (op) {
	case OP_LOAD_A:
		return K_A;
	case OP_LOAD_B:
		return K_B;
	case OP_SYNC:
		return st == K_OFF ? K_OFF : sync_to; /* nothing to sync, or refused */
	default:
		return K_OFF;
	}
}

void run_kill_loop(struct ctx *c, size_t i, int rounds)
{
	long left_old[OP_COUNT] = {}, left_new[OP_COUNT] = {}, finished = 0;
	double took[OP_COUNT];
	enum kstate st, sync_to = K_A;
	char why[512] = "", out[4096];
	int bad = 0;
	bool killed;

	srand((unsigned int)time(NULL));
	if (!write_conf_file(c->conf_path[CONF_KILL_SYNC], CONF_TEXT_A)) {
		t_result(&c->report, false, "[%zu] kill loop: cannot write the sync file", i);
		return;
	}
	/* How long each op takes unharmed (kept up to date), so kills land all through it. */
	for (int k = 0; k < 4; k++)
		took[k % 2 ? OP_LOAD_B : OP_LOAD_A] =
			run_op(c, k % 2 ? OP_LOAD_B : OP_LOAD_A, KILL_NEVER, 0, &killed);
	took[OP_SYNC] = took[OP_UNLOAD] = took[OP_LOAD_A];
	st = observe(c, why, sizeof(why));
	for (int n = 0; n < rounds && !bad; n++) {
		enum kop op = (enum kop)(rand() % OP_COUNT);
		enum kstate from = st, to;
		enum kill_how how = kill_how();
		double t;

		if (op == OP_SYNC) {
			sync_to = sync_to == K_A ? K_B : K_A;
			if (!write_conf_file(c->conf_path[CONF_KILL_SYNC],
					     sync_to == K_A ? CONF_TEXT_A : CONF_TEXT_B))
				break;
		}
		t = run_op(c, op, how, took[op], &killed);
		if (!killed)
			took[op] = 0.7 * took[op] + 0.3 * t;
		to = op_result(op, from, sync_to);
		st = observe(c, why, sizeof(why));
		if (st == K_MIXED || (st != from && st != to)) {
			t_result(
				&c->report, false,
				"[%zu] kill loop round %d: %s from %s, %s (%s): the kernel enforces "
				"%s (%s), expected %s or %s",
				i, n, kop_names[op], kstate_names[from], killed ? "killed" : "done",
				kill_names[how], kstate_names[st], why, kstate_names[from],
				kstate_names[to]);
			bad++;
			break;
		}
		if (!view_matches(c, st, why, sizeof(why))) {
			t_result(&c->report, false, "[%zu] kill loop round %d: %s from %s, %s: %s",
				 i, n, kop_names[op], kstate_names[from],
				 killed ? "killed" : "done", why);
			bad++;
			break;
		}
		if (!killed)
			finished++;
		else if (from != to)
			(st == from ? left_old : left_new)[op]++;
	}
	/* Whatever the kills left, one plain load repairs it. */
	if (!bad && run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out)) != 0) {
		t_result(&c->report, false, "[%zu] kill loop: the repairing load failed: %s", i,
			 out);
		bad++;
	}
	if (bad)
		return;
	t_result(&c->report, true,
		 "[%zu] kill loop: %d rounds, %ld ran to the end; kills that left the old or the "
		 "new state: load %ld/%ld, sync %ld/%ld, unload %ld/%ld; never mixed, status and "
		 "list always true",
		 i, rounds, finished, left_old[OP_LOAD_A] + left_old[OP_LOAD_B],
		 left_new[OP_LOAD_A] + left_new[OP_LOAD_B], left_old[OP_SYNC], left_new[OP_SYNC],
		 left_old[OP_UNLOAD], left_new[OP_UNLOAD]);
	/* Kills must have landed on both sides of the commit, or they proved nothing. */
	t_result(&c->report,
		 left_old[OP_LOAD_A] + left_old[OP_LOAD_B] > 0 &&
			 left_new[OP_LOAD_A] + left_new[OP_LOAD_B] > 0,
		 "[%zu] kill loop: some killed loads left the old state and some the new one "
		 "(a load takes %.1f ms)",
		 i, took[OP_LOAD_A] * 1e3);
}

void run_lock_storm(struct ctx *c, size_t i, int writers)
{
	static char out[1 << 16], text[1 << 16];
	pid_t pids[64];
	int n = 0, failed = 0, missing_file = 0, missing_live = 0;

	if (writers > 60)
		writers = 60;
	if (run_cli(c, "load", CONF_LOCK, 0, NULL, NULL, out, sizeof(out)) != 0) {
		t_result(&c->report, false, "[%zu] lock storm: the first load failed: %s", i, out);
		return;
	}
	for (int k = 0; k < writers; k++) {
		char args[64];

		snprintf(args, sizeof(args), "allow user %d", 64400 + k);
		pids[n++] = spawn_cli(c, args, CONF_LOCK);
		if (k % 8 == 0)
			pids[n++] = spawn_cli(c, k % 16 ? "sync" : "load", CONF_LOCK);
	}
	for (int k = 0; k < n; k++) {
		int status;

		if (waitpid(pids[k], &status, 0) != pids[k] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	run_cli(c, "list --json", CONF_LOCK, 0, NULL, NULL, out, sizeof(out));
	if (!read_text(c->conf_path[CONF_LOCK], text, sizeof(text)))
		text[0] = '\0';
	for (int k = 0; k < writers; k++) {
		char id[32], line[64];

		snprintf(id, sizeof(id), "{\"uid\":%d,", 64400 + k);
		snprintf(line, sizeof(line), "allow_users = %d\n", 64400 + k);
		missing_live += !strstr(out, id);
		missing_file += !strstr(text, line);
	}
	t_result(&c->report, !failed && !missing_file && !missing_live,
		 "[%zu] lock storm: %d processes at once (%d allow, the rest load and sync): %d "
		 "failed; of %d added users, %d missing from the file, %d from the live guard",
		 i, n, writers, failed, writers, missing_file, missing_live);
	run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out));
}

/*
 * connect6's link made to run another guard's program (one that reads its
 * own commit point): a commit of ours would not reach it. status must call
 * that damaged, and load must repair it.
 */
void run_foreign_link(struct ctx *c, size_t i)
{
	char out[4096], path[4200], args[4300];
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int link_fd = -1, other_fd = -1, prog_fd = -1, code;
	bool ok = false, damaged = false, repaired = false;

	snprintf(args, sizeof(args), "load --pin-dir %s-other", c->pin_dir);
	if (run_cli(c, args, CONF_KILL_B, 0, NULL, NULL, out, sizeof(out)))
		goto cleanup;
	snprintf(path, sizeof(path), "%s-other/link_connect6", c->pin_dir);
	other_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/link_connect6", c->pin_dir);
	link_fd = bpf_obj_get(path);
	if (other_fd < 0 || link_fd < 0 || bpf_obj_get_info_by_fd(other_fd, &info, &len))
		goto cleanup;
	prog_fd = bpf_prog_get_fd_by_id(info.prog_id);
	if (prog_fd < 0 || bpf_link_update(link_fd, prog_fd, NULL))
		goto cleanup;
	ok = true;
	code = run_cli(c, "status", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	damaged = code == 3 && strstr(out, "connect6 runs a program that does not follow");
	repaired = !run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out)) &&
		   !run_cli(c, "status", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
cleanup:
	snprintf(args, sizeof(args), "unload --pin-dir %s-other", c->pin_dir);
	run_cli(c, args, CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	if (link_fd >= 0)
		close(link_fd);
	if (other_fd >= 0)
		close(other_fd);
	if (prog_fd >= 0)
		close(prog_fd);
	t_result(&c->report, ok && damaged && repaired,
		 "[%zu] connect6 made to run another guard's program: %s, %s", i,
		 !ok	 ? "could not set it up" :
		 damaged ? "status says DAMAGED" :
			   "status missed it",
		 repaired ? "load repaired it" : "load did not repair it");
}

/*
 * A program that uses the guard's control map and nothing else of it, as a
 * connect4 program of another smtpguard version would look to guard_open()
 * (a map it needs is missing: -EPROTO). It lets every connect through. An
 * fd, or -1.
 */
static int load_control_only_prog(int control_fd)
{
	struct bpf_insn insns[] = {
		/* r1 = the control map (the kernel records it as used) */
		{ .code = BPF_LD | BPF_DW | BPF_IMM,
		  .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = control_fd },
		{ 0 },
		/* return 1: allowed */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {};

	attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	attr.expected_attach_type = BPF_CGROUP_INET4_CONNECT;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (__u64)(unsigned long)"GPL";
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/*
 * Unload over a guard whose connect4 runs a program of another version: the
 * guard is damaged and its commit point never read in full, yet the unload's
 * first step (off for both hooks at once) must keep the generation number,
 * as include/smtpguard.h promises: a stale program can then never take a
 * later commit for its own. The word is read through an fd kept open across
 * the unload, which removes the pins.
 */
void run_unload_other_version(struct ctx *c, size_t i)
{
	char out[4096], path[4200];
	int control_fd = -1, link_fd = -1, prog_fd = -1, code = -1;
	__u64 before = 0, after = 0;
	const char *what = "could not set it up";
	bool ok = false;

	if (run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out)))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/control", c->pin_dir);
	control_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/link_connect4", c->pin_dir);
	link_fd = bpf_obj_get(path);
	if (control_fd < 0 || link_fd < 0)
		goto cleanup;
	prog_fd = load_control_only_prog(control_fd);
	if (prog_fd < 0 || bpf_map_lookup_elem(control_fd, &(__u32){ 0 }, &before) ||
	    bpf_link_update(link_fd, prog_fd, NULL))
		goto cleanup;
	code = run_cli(c, "status", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	if (code != 3 || !strstr(out, "built by another smtpguard version")) {
		what = "status did not see a program of another version";
		goto cleanup;
	}
	code = run_cli(c, "unload", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	if (code || bpf_map_lookup_elem(control_fd, &(__u32){ 0 }, &after)) {
		what = "unload failed";
		goto cleanup;
	}
	ok = before && !(before & SG_CONTROL_OFF) && after == (before | SG_CONTROL_OFF);
	what = ok ? "switched off, generation number kept" : "the generation number was lost";
cleanup:
	if (prog_fd >= 0)
		close(prog_fd);
	if (link_fd >= 0)
		close(link_fd);
	if (control_fd >= 0)
		close(control_fd);
	/* Whatever happened, the next rows find the test guard loaded. */
	run_cli(c, "unload", CONF_NONE, 0, NULL, NULL, out, sizeof(out));
	if (run_cli(c, "load", CONF_TEST, 0, NULL, NULL, out, sizeof(out)))
		ok = false;
	t_result(&c->report, ok,
		 "[%zu] unload over a connect4 program of another version: %s (control word "
		 "%#llx before, %#llx after)",
		 i, what, (unsigned long long)before, (unsigned long long)after);
}
