// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * soak.c - "make soak": no wrong decision while the guard is changed, for
 * SOAK_SECONDS (60 by default; CI runs 15).
 *
 * One prober process per identity joins the test cgroup, takes the identity
 * (numeric IDs; no accounts are made) and connects in a loop to the mail
 * host over IPv4, IPv6 and IPv4-mapped IPv6, on the guarded ports 25, 465
 * and 587 and on 2525, which no configuration guards. Meanwhile the parent
 * churns the guard with the real CLI: allow and revoke of UID 64305 with and
 * without --runtime, and sync and load after rewriting the file (two
 * configurations that differ in 64305 and in their program).
 *
 * Every attempt is judged. The stable identities (allowed by UID, by GID,
 * and denied) must get their answer always, also while a load or sync is
 * swapping the program and maps. The churned UID is judged against the state
 * the last finished churn operation left, through a seqlock in shared
 * memory: an attempt that overlapped an operation is counted "in
 * transition" instead. Any result other than connected or EPERM (a timeout,
 * a refused connection) is an error: a flaky world fails the run too.
 *
 * tests/soak/run.sh builds the world (tests/world.sh) and runs this in the
 * test host's network namespace with SG_BIN, SG_PIN_DIR, SG_CGROUP and
 * SG_WORKDIR set, like the e2e suite.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define REMOTE4 "198.51.100.25"
#define REMOTE6 "2001:db8:1::25"
#define MAPPED4 "::ffff:198.51.100.25"
#define UNGUARDED_PORT 2525
#define CHURNED_UID 64305
#define CONNECT_TIMEOUT_S 3
#define SETTLE_MS 25 /* between churn ops: the churned UID is judged then */
#define GRACE_SECONDS 120 /* the hard deadline: SOAK_SECONDS + this */
#define MAX_RECORDS 8 /* wrong answers and errors shown in detail */
#define MIN_JUDGED 100 /* per stable class: a soak that did nothing fails */

enum cls { C_ALLOWED, C_DENIED, C_CHURNED, C_ANY };

static const struct ident {
	const char *label;
	unsigned int uid, gid;
	enum cls cls;
} idents[] = {
	{ "uid 64302 (allowed by UID)", 64302, 64301, C_ALLOWED },
	{ "uid 64303 (allowed by UID)", 64303, 64301, C_ALLOWED },
	{ "uid 64306 (allowed by GID 64310)", 64306, 64310, C_ALLOWED },
	{ "uid 64301 (denied)", 64301, 64301, C_DENIED },
	{ "uid 64304 (denied)", 64304, 64304, C_DENIED },
	{ "uid 64305 (churned)", CHURNED_UID, 64301, C_CHURNED },
};

#define N_PROBERS (int)(sizeof(idents) / sizeof(idents[0]))

/* Every family on every port; a prober walks the list in a loop. */
static const struct target {
	int family;
	const char *addr;
	unsigned short port;
} targets[] = {
	{ AF_INET, REMOTE4, 25 },   { AF_INET6, REMOTE6, 465 },	 { AF_INET6, MAPPED4, 587 },
	{ AF_INET, REMOTE4, 2525 }, { AF_INET, REMOTE4, 465 },	 { AF_INET6, REMOTE6, 587 },
	{ AF_INET6, MAPPED4, 25 },  { AF_INET6, REMOTE6, 2525 }, { AF_INET, REMOTE4, 587 },
	{ AF_INET6, REMOTE6, 25 },  { AF_INET6, MAPPED4, 465 },	 { AF_INET6, MAPPED4, 2525 },
};

#define N_TARGETS (int)(sizeof(targets) / sizeof(targets[0]))

/* The two files the churn alternates: the same answers but for 64305. */
#define CONF_A                                   \
	"# soak A: lists the churned UID\n"      \
	"ports = 25 465 587\n"                   \
	"allow_users = root 64302 64303 64305\n" \
	"allow_groups = 64310\n"                 \
	"allow_local = yes\n"
#define CONF_B                                                             \
	"# soak B: without it; another port, so the program changes too\n" \
	"ports = 25 465 587 10025\n"                                       \
	"allow_users = 64303 root 64302\n"                                 \
	"allow_groups = 64399 64310\n"                                     \
	"allow_local = no\n"

enum op_kind { OP_RUNTIME, OP_PERSISTENT, OP_SYNC, OP_LOAD, OP_KINDS };

/* One cycle of churn; each op leaves 64305 allowed or not, whatever came before. */
static const struct churn_op {
	enum op_kind kind;
	const char *args;
	const char *conf; /* write this to the file first (NULL: keep it) */
	bool allowed_after;
} cycle[] = {
	{ OP_RUNTIME, "allow user 64305 --runtime", NULL, true },
	{ OP_RUNTIME, "revoke user 64305 --runtime", NULL, false },
	{ OP_PERSISTENT, "allow user 64305", NULL, true },
	{ OP_PERSISTENT, "revoke user 64305", NULL, false },
	{ OP_SYNC, "sync", CONF_A, true },
	{ OP_RUNTIME, "revoke user 64305 --runtime", NULL, false }, /* the file's entry */
	{ OP_RUNTIME, "allow user 64305 --runtime", NULL, true },
	{ OP_LOAD, "load", CONF_B, false },
	{ OP_LOAD, "load", CONF_A, true },
	{ OP_SYNC, "sync", CONF_B, false },
};

#define CYCLE_LEN (int)(sizeof(cycle) / sizeof(cycle[0]))

/* One prober's tally; only that prober writes it. */
struct counts {
	long allowed_ok, denied_ok, churn_allowed_ok, churn_denied_ok, unguarded_ok;
	long transition, wrong, errors;
};

/* An attempt that went wrong, or failed with neither success nor EPERM. */
struct record {
	double t; /* seconds into the soak */
	int prober, target, got, expected;
	long op; /* the churn op running, or the last one */
	bool during_op; /* an op ran during the attempt */
};

/* Shared by the parent and the probers (MAP_SHARED). */
struct shared {
	unsigned int seq; /* odd while a churn op runs */
	long op; /* the churn op started last, -1 before the first */
	int churn_allowed; /* what the last finished op left for 64305 */
	int stop;
	struct timespec start;
	struct counts counts[N_PROBERS];
	int n_records;
	struct record records[MAX_RECORDS];
};

struct soak {
	const char *bin, *pin_dir, *cgroup, *workdir;
	int bin_fd; /* the binary the run started with, whatever "make" does meanwhile */
	char conf[4096];
	int seconds;
	struct shared *sh;
	struct sockaddr_storage addrs[N_TARGETS];
	socklen_t addr_lens[N_TARGETS];
};

/* For the SIGALRM handler: whatever is still running when time is up. */
static volatile pid_t kids[N_PROBERS], cli_pid;

static void on_alarm(int sig)
{
	static const char msg[] = "soak: hard deadline passed, killing everything\n";

	for (int k = 0; k < N_PROBERS; k++)
		if (kids[k] > 0)
			kill(kids[k], SIGKILL);
	if (cli_pid > 0)
		kill(cli_pid, SIGKILL);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static double elapsed(const struct shared *sh)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - sh->start.tv_sec) + (now.tv_nsec - sh->start.tv_nsec) / 1e9;
}

static const char *result_name(int e)
{
	return e == 0 ? "connected" : e == EPERM ? "EPERM" : strerror(e);
}

static void target_label(int t, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s port %u", targets[t].family == AF_INET ? "IPv4" : "IPv6",
		 targets[t].addr, targets[t].port);
}

static int make_addrs(struct soak *s)
{
	for (int t = 0; t < N_TARGETS; t++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&s->addrs[t];
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->addrs[t];
		void *dst = targets[t].family == AF_INET ? (void *)&sin->sin_addr :
							   (void *)&sin6->sin6_addr;

		memset(&s->addrs[t], 0, sizeof(s->addrs[t]));
		s->addrs[t].ss_family = (sa_family_t)targets[t].family;
		/* sin_port and sin6_port sit at the same offset */
		sin->sin_port = htons(targets[t].port);
		s->addr_lens[t] = targets[t].family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
		if (inet_pton(targets[t].family, targets[t].addr, dst) != 1)
			return -1;
	}
	return 0;
}

/*
 * One blocking connect: 0 or the errno. The close sends RST, so a long run
 * does not fill the port range with TIME_WAIT sockets.
 */
static int try_connect(const struct soak *s, int t)
{
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_S };
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	int fd = socket(targets[t].family, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	err = connect(fd, (const struct sockaddr *)&s->addrs[t], s->addr_lens[t]) ? errno : 0;
	close(fd);
	return err;
}

static void record(struct shared *sh, int prober, int t, int got, int expected, bool during_op,
		   long op)
{
	int n = __atomic_fetch_add(&sh->n_records, 1, __ATOMIC_SEQ_CST);

	if (n >= MAX_RECORDS)
		return;
	sh->records[n] = (struct record){ .t = elapsed(sh),
					  .prober = prober,
					  .target = t,
					  .got = got,
					  .expected = expected,
					  .op = op,
					  .during_op = during_op };
}

/* Join the test cgroup and take the identity for good (real, effective, saved). */
static int become(const struct soak *s, const struct ident *id)
{
	char procs[4200];
	int fd, ret = -1;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", s->cgroup);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, "0", 1) != 1)
		goto cleanup;
	if (setgroups(0, NULL) || setresgid(id->gid, id->gid, id->gid) ||
	    setresuid(id->uid, id->uid, id->uid))
		goto cleanup;
	ret = 0;
cleanup:
	close(fd);
	return ret;
}

static void __attribute__((noreturn)) prober(const struct soak *s, int k, pid_t parent)
{
	const struct ident *id = &idents[k];
	struct shared *sh = s->sh;
	struct counts *c = &sh->counts[k];

	if (become(s, id))
		_exit(2);
	/* After the identity change, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	for (long n = 0; !__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST); n++) {
		int t = (int)(n % N_TARGETS), got, expected = 0;
		bool guarded = targets[t].port != UNGUARDED_PORT, judged = true, during_op;
		unsigned int seq = __atomic_load_n(&sh->seq, __ATOMIC_SEQ_CST);
		int allowed = __atomic_load_n(&sh->churn_allowed, __ATOMIC_SEQ_CST);
		long op;

		if (guarded && id->cls == C_DENIED)
			expected = EPERM;
		if (guarded && id->cls == C_CHURNED)
			expected = allowed ? 0 : EPERM;
		got = try_connect(s, t);
		/* An op started or ended meanwhile: the churned UID is not judged. */
		during_op = (seq & 1) || seq != __atomic_load_n(&sh->seq, __ATOMIC_SEQ_CST);
		op = __atomic_load_n(&sh->op, __ATOMIC_SEQ_CST);
		if (guarded && id->cls == C_CHURNED)
			judged = !during_op;
		if (got != 0 && got != EPERM) {
			c->errors++;
			record(sh, k, t, got, expected, during_op, op);
		} else if (!judged) {
			c->transition++;
		} else if (got != expected) {
			c->wrong++;
			record(sh, k, t, got, expected, during_op, op);
		} else if (!guarded) {
			c->unguarded_ok++;
		} else if (id->cls == C_CHURNED) {
			*(allowed ? &c->churn_allowed_ok : &c->churn_denied_ok) += 1;
		} else {
			*(id->cls == C_ALLOWED ? &c->allowed_ok : &c->denied_ok) += 1;
		}
	}
	_exit(0);
}

/* Replace the configuration file atomically, as an editor would. */
static int write_conf(const struct soak *s, const char *text)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", s->conf);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	/* smtpguard refuses a configuration others may write. */
	if (fchmod(fileno(f), 0644) || fputs(text, f) < 0) {
		fclose(f);
		return -1;
	}
	if (fclose(f) || rename(tmp, s->conf))
		return -1;
	return 0;
}

/* smtpguard ARGS --pin-dir P --config C [--cgroup CG]: its exit status, output in out. */
static int run_cli(const struct soak *s, const char *args, char *out, size_t len)
{
	char buf[256], *argv[16], *save = NULL;
	int argc = 0, pipefd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	snprintf(buf, sizeof(buf), "%s", args);
	argv[argc++] = (char *)s->bin;
	for (char *w = strtok_r(buf, " ", &save); w && argc < 8; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc++] = "--pin-dir";
	argv[argc++] = (char *)s->pin_dir;
	argv[argc++] = "--config";
	argv[argc++] = (char *)s->conf;
	if (!strcmp(args, "load")) {
		argv[argc++] = "--cgroup";
		argv[argc++] = (char *)s->cgroup;
	}
	argv[argc] = NULL;
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		fexecve(s->bin_fd, argv, environ);
		perror("soak: exec smtpguard");
		_exit(127);
	}
	cli_pid = pid;
	close(pipefd[1]);
	while (used + 1 < len && (n = read(pipefd[0], out + used, len - used - 1)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pipefd[0]);
	n = waitpid(pid, &status, 0);
	cli_pid = 0;
	if (n != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct churn_stats {
	long ops[OP_KINDS], failed;
	double slowest;
	long slowest_op;
};

/* One churn op between seqlock writes; the seq stays odd if it failed. */
static void churn_once(struct soak *s, long n, struct churn_stats *cs)
{
	const struct churn_op *op = &cycle[n % CYCLE_LEN];
	struct shared *sh = s->sh;
	unsigned int seq = __atomic_load_n(&sh->seq, __ATOMIC_SEQ_CST);
	char out[4096] = "";
	int code = -1;
	double t0, dt;

	if (!(seq & 1))
		__atomic_store_n(&sh->seq, ++seq, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sh->op, n, __ATOMIC_SEQ_CST);
	t0 = elapsed(sh);
	if (!op->conf || !write_conf(s, op->conf))
		code = run_cli(s, op->args, out, sizeof(out));
	dt = elapsed(sh) - t0;
	if (dt > cs->slowest) {
		cs->slowest = dt;
		cs->slowest_op = n;
	}
	cs->ops[op->kind]++;
	if (code != 0) {
		if (cs->failed++ < 3)
			printf("# churn op %ld (smtpguard %s%s) failed: exit %d\n%s", n, op->args,
			       op->conf ? ", file rewritten" : "", code, out);
		return;
	}
	__atomic_store_n(&sh->churn_allowed, op->allowed_after, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sh->seq, seq + 1, __ATOMIC_SEQ_CST);
}

static void sum_counts(const struct shared *sh, enum cls cls, struct counts *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int k = 0; k < N_PROBERS; k++) {
		const struct counts *c = &sh->counts[k];

		if (idents[k].cls != cls && cls != C_ANY)
			continue;
		sum->allowed_ok += c->allowed_ok;
		sum->denied_ok += c->denied_ok;
		sum->churn_allowed_ok += c->churn_allowed_ok;
		sum->churn_denied_ok += c->churn_denied_ok;
		sum->unguarded_ok += c->unguarded_ok;
		sum->transition += c->transition;
		sum->wrong += c->wrong;
		sum->errors += c->errors;
	}
}

/* Stop the probers, give them a connect timeout or two to finish, reap them. */
static int stop_probers(struct shared *sh)
{
	int bad = 0, status;

	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	for (int tries = 0; tries < 100; tries++) {
		int left = 0;

		for (int k = 0; k < N_PROBERS; k++) {
			if (kids[k] <= 0)
				continue;
			if (waitpid(kids[k], &status, WNOHANG) == kids[k]) {
				if (!WIFEXITED(status) || WEXITSTATUS(status))
					bad++;
				kids[k] = 0;
			} else {
				left++;
			}
		}
		if (!left)
			return bad;
		usleep(100 * 1000);
	}
	for (int k = 0; k < N_PROBERS; k++) {
		if (kids[k] > 0) {
			kill(kids[k], SIGKILL);
			waitpid(kids[k], NULL, 0);
			kids[k] = 0;
			bad++;
		}
	}
	return bad;
}

static void print_records(const struct shared *sh)
{
	int n = sh->n_records < MAX_RECORDS ? sh->n_records : MAX_RECORDS;

	for (int i = 0; i < n; i++) {
		const struct record *r = &sh->records[i];
		char where[128];

		target_label(r->target, where, sizeof(where));
		printf("# at %.3f s: %s, %s: %s, expected %s, %s churn op %ld (smtpguard %s)\n",
		       r->t, idents[r->prober].label, where, result_name(r->got),
		       result_name(r->expected), r->during_op ? "during" : "after", r->op,
		       r->op >= 0 ? cycle[r->op % CYCLE_LEN].args : "initial load");
	}
	if (sh->n_records > MAX_RECORDS)
		printf("# ... and %d more\n", sh->n_records - MAX_RECORDS);
	for (int k = 0; n && k < N_PROBERS; k++)
		printf("# %s: %ld wrong, %ld errors\n", idents[k].label, sh->counts[k].wrong,
		       sh->counts[k].errors);
}

static int report(const struct soak *s, const struct churn_stats *cs, int bad_probers,
		  int final_status)
{
	struct test_report r = {};
	struct counts all, al, de, ch;
	int n_cls[C_ANY] = { 0 };
	long judged, ops = 0;

	sum_counts(s->sh, C_ANY, &all);
	sum_counts(s->sh, C_ALLOWED, &al);
	sum_counts(s->sh, C_DENIED, &de);
	sum_counts(s->sh, C_CHURNED, &ch);
	for (int k = 0; k < OP_KINDS; k++)
		ops += cs->ops[k];
	for (int k = 0; k < N_PROBERS; k++)
		n_cls[idents[k].cls]++;
	judged = all.allowed_ok + all.denied_ok + all.churn_allowed_ok + all.churn_denied_ok +
		 all.unguarded_ok + all.wrong;
	printf("soak: %d s, %d allowed + %d denied + %d churned UIDs, %d probers\n", s->seconds,
	       n_cls[C_ALLOWED], n_cls[C_DENIED], n_cls[C_CHURNED], N_PROBERS);
	printf("decisions: %ld judged (allowed ok %ld, denied ok %ld, churned judged %ld: "
	       "allowed %ld, denied %ld; unguarded port ok %ld), %ld in transition, "
	       "%ld wrong, %ld errors\n",
	       judged, al.allowed_ok, de.denied_ok, ch.churn_allowed_ok + ch.churn_denied_ok,
	       ch.churn_allowed_ok, ch.churn_denied_ok, all.unguarded_ok, all.transition, all.wrong,
	       all.errors);
	printf("churn: %ld ops (%ld runtime allow/revoke, %ld persistent, %ld sync, %ld load), "
	       "%ld failed; slowest %.3f s (op %ld: smtpguard %s)\n",
	       ops, cs->ops[OP_RUNTIME], cs->ops[OP_PERSISTENT], cs->ops[OP_SYNC], cs->ops[OP_LOAD],
	       cs->failed, cs->slowest, cs->slowest_op, cycle[cs->slowest_op % CYCLE_LEN].args);
	print_records(s->sh);
	t_result(&r, !all.wrong, "no wrong decision (%ld judged)", judged);
	t_result(&r, !all.errors, "no connect error other than EPERM (%ld)", all.errors);
	t_result(&r, !cs->failed && ops >= CYCLE_LEN, "churn: %ld ops, %ld failed", ops,
		 cs->failed);
	t_result(&r,
		 al.allowed_ok >= MIN_JUDGED && de.denied_ok >= MIN_JUDGED &&
			 all.unguarded_ok >= MIN_JUDGED && ch.churn_allowed_ok > 0 &&
			 ch.churn_denied_ok > 0,
		 "every class judged often enough (stable and unguarded >= %d, churned > 0 "
		 "either way)",
		 MIN_JUDGED);
	t_result(&r, !bad_probers, "every prober took its identity and stopped on time");
	t_result(&r, final_status == 0,
		 "the guard is loaded and whole afterwards (status: exit %d)", final_status);
	return t_summary(&r);
}

static int setup(struct soak *s)
{
	const char *names[] = { "SG_BIN", "SG_PIN_DIR", "SG_CGROUP", "SG_WORKDIR" };
	const char **dst[] = { &s->bin, &s->pin_dir, &s->cgroup, &s->workdir };
	const char *secs = getenv("SOAK_SECONDS");

	for (int k = 0; k < 4; k++) {
		*dst[k] = getenv(names[k]);
		if (!*dst[k]) {
			fprintf(stderr, "soak: %s is not set (run tests/soak/run.sh)\n", names[k]);
			return -1;
		}
	}
	s->seconds = secs && *secs ? atoi(secs) : 60;
	if (s->seconds < 1 || s->seconds > 24 * 3600) {
		fprintf(stderr, "soak: SOAK_SECONDS=%s: expected 1 to 86400\n", secs);
		return -1;
	}
	snprintf(s->conf, sizeof(s->conf), "%s/soak.conf", s->workdir);
	s->bin_fd = open(s->bin, O_PATH | O_CLOEXEC);
	if (s->bin_fd < 0) {
		perror(s->bin);
		return -1;
	}
	if (make_addrs(s))
		return -1;
	s->sh = mmap(NULL, sizeof(*s->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (s->sh == MAP_FAILED) {
		perror("soak: mmap");
		return -1;
	}
	memset(s->sh, 0, sizeof(*s->sh));
	s->sh->op = -1;
	return 0;
}

int main(void)
{
	struct churn_stats cs = {};
	struct soak s = {};
	pid_t parent = getpid();
	int code, bad_probers = 0;
	double next_note = 15;
	char out[4096];

	if (setup(&s))
		return 2;
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)(s.seconds + GRACE_SECONDS));
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* File B: 64305 starts denied. */
	code = write_conf(&s, CONF_B) ? -1 : run_cli(&s, "load", out, sizeof(out));
	if (code) {
		printf("not ok - smtpguard load (%s): exit %d\n%s", s.conf, code, out);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &s.sh->start);
	for (int k = 0; k < N_PROBERS; k++) {
		pid_t pid = fork();

		if (pid == 0)
			prober(&s, k, parent);
		if (pid < 0) {
			perror("soak: fork");
			bad_probers++;
		}
		kids[k] = pid;
	}
	printf("# soak: %d s; churning UID %d while %d probers connect\n", s.seconds, CHURNED_UID,
	       N_PROBERS);
	for (long n = 0; elapsed(s.sh) < s.seconds; n++) {
		churn_once(&s, n, &cs);
		usleep(SETTLE_MS * 1000);
		if (elapsed(s.sh) >= next_note) {
			struct counts all;

			sum_counts(s.sh, C_ANY, &all);
			printf("# %.0f s: %ld churn ops, %ld wrong, %ld errors so far\n", next_note,
			       n + 1, all.wrong, all.errors);
			next_note += 15;
		}
	}
	bad_probers += stop_probers(s.sh);
	code = run_cli(&s, "status", out, sizeof(out));
	alarm(0);
	return report(&s, &cs, bad_probers, code);
}
