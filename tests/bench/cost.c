// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cost.c - "make bench", cost per decision: what smtpguard's connect4 and
 * connect6 programs cost inside the kernel, next to an empty program
 * ("return 1") attached to a sibling cgroup, in the same run.
 *
 * Whole-connect timings cannot tell a good hot path from a better one (a
 * connect costs some 30 us, the program well under 1 us). The kernel's own
 * BPF statistics can: with kernel.bpf_stats_enabled=1 (tests/bench/run.sh
 * sets it and puts it back) every program counts its runs and the time
 * spent in them, read here with bpf_obj_get_info_by_fd() as run_cnt and
 * run_time_ns. One sample is a batch of connects by a child that joined the
 * cgroup and took the path's UID and GID: (time after - time before) / (runs
 * after - runs before). The empty program sees the same batch from the
 * sibling cgroup; the difference is what smtpguard adds to any cgroup hook.
 *
 * Paths (each for connect4 and connect6): a non-SMTP port, loopback, allowed
 * by UID, allowed by GID, the host's own address, allow_dest, refused, and
 * allowed by a UID kept above the allowlists' arrays (in the hash map).
 * Sizes: 1, 1,000 and 100,000 allowed users and as many groups. Rounds
 * interleave everything (the order rotates), so drift hits all alike; the
 * table shows medians with the min-max spread over rounds. Then the kernel
 * memory of the guard's maps at each size. Then the cost per packet of the
 * egress program (cgroup_skb/egress) on the host's own traffic, TCP segments
 * and UDP datagrams, against an empty egress program likewise. Results to stdout,
 * $BENCH_OUT/cost.md and, sample by sample, $BENCH_OUT/cost.csv.
 *
 * Two kinds of batch: warm (one connect after the other: the program's code
 * and data stay in the caches) and cold (at the first and the last size): a
 * loopback handshake between two connects, as on a host where other work
 * runs in between. The child is the server of that handshake (accept() runs
 * no connect hook); its peer, a process outside both cgroups pinned to the
 * child's CPU, connects, so the kernel's TCP work, two context switches and
 * the peer's code run on that CPU between every two measured connects.
 *
 * Run by tests/bench/run.sh in the test host's network namespace with SG_BIN,
 * SG_PIN_DIR, SG_CGROUP (guarded), SG_FLOOR_CGROUP (its sibling), SG_WORKDIR,
 * BENCH_OUT; BENCH_QUICK=1 makes it a smoke run of a few seconds;
 * COST_ROUNDS=N (3 to 15) and COST_SIZES="1 100000" set the rounds and the
 * sizes, to compare two builds quickly; COST_PATHS="refused,allow_dest"
 * measures only the paths whose names start with one of the words (the
 * others print as "-").
 *
 * This file holds the connect paths and main(); cost_progs.c the programs
 * and the guard under test, cost_packets.c the per-packet rows,
 * cost_report.c the figures and tables.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "become.h"
#include "cost.h"

const struct path_def paths[P_COUNT] = {
	[P_OTHER_PORT] = { "non-SMTP port", DENIED_ID, DENIED_ID, REMOTE4, REMOTE6, OTHER_PORT },
	[P_LOOPBACK] = { "loopback", DENIED_ID, DENIED_ID, "127.0.0.1", "::1", 25 },
	[P_UID] = { "allowed by UID", ALLOWED_UID, DENIED_ID, REMOTE4, REMOTE6, 25 },
	[P_GID] = { "allowed by GID", DENIED_ID, ALLOWED_GID, REMOTE4, REMOTE6, 25 },
	[P_OWN] = { "own address", DENIED_ID, DENIED_ID, OWN4, OWN6, 25 },
	[P_DEST] = { "allow_dest", DENIED_ID, DENIED_ID, RELAY4, RELAY6, 25 },
	[P_REFUSED] = { "refused", DENIED_ID, DENIED_ID, REMOTE4, REMOTE6, 25, true },
	[P_HIGH_UID] = { "allowed by UID 3000000000 (hash)", HIGH_UID, DENIED_ID, REMOTE4, REMOTE6,
			 25 },
	[P_SCOPED_UID] = { "scoped: the user's relay", SCOPED_UID, DENIED_ID, REMOTE4, REMOTE6,
			   25 },
	[P_SCOPED_GID] = { "scoped: the group's relay", DENIED_ID, SCOPED_GID, REMOTE4, REMOTE6,
			   25 },
	[P_SCOPED_ANYONE] = { "scoped: allow_dest with a port", DENIED_ID, DENIED_ID, REMOTE4,
			      REMOTE6, SCOPED_PORT },
	[P_SCOPED_MISSED] = { "scoped: refused, the user's rules miss", SCOPED_UID, DENIED_ID,
			      REMOTE4, REMOTE6, OTHER_GUARDED, true },
};

const char *const hook_names[H_COUNT] = { "connect4", "connect6" };
const char *const warmth_names[W_COUNT] = { "warm", "cold" };

static socklen_t dest_of(const struct path_def *p, enum hook h, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (h == H4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)p->port);
		inet_pton(AF_INET, p->dst4, &sin->sin_addr);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((unsigned short)p->port);
	inet_pton(AF_INET6, p->dst6, &sin6->sin6_addr);
	return sizeof(*sin6);
}

struct outcome {
	int ok, eperm, other, other_errno; /* the last other failure's errno */
};

/* The peer of the cold batches: n loopback connects to port, each held until the child answers. */
static void handshake_peer(int port, int n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((unsigned short)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char b;

	for (int k = 0; k < n; k++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    read(fd, &b, 1) != 1)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

/*
 * For a cold batch, before the child joins its cgroup: a listener on
 * loopback and its peer (still in the cost process's cgroup, so its connects
 * run neither program), both pinned to this CPU. The listener's fd, or -1.
 */
static int start_handshakes(int n, pid_t *peer)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	if (fd < 0 || sched_setaffinity(0, sizeof(cpu), &cpu) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	*peer = fork();
	if (*peer == 0) {
		close(fd);
		handshake_peer(ntohs(sin.sin_port), n);
	}
	return *peer > 0 ? fd : -1;
}

/* The child's half of one handshake: accept the peer's connect and let it go. */
static int serve_handshake(int listen_fd)
{
	int fd = accept(listen_fd, NULL, NULL);
	int ok = fd >= 0 && write(fd, "x", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/*
 * n connects (closed with RST: no TIME_WAIT pile-up) in a child as the path's
 * identity; cold: with a loopback handshake after each.
 */
static int connect_batch(const struct cost *c, enum path p, enum hook h, enum side s, enum warmth w,
			 struct outcome *o)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct timeval tv = { .tv_sec = 2 };
	int pipefd[2], status;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct outcome r = { 0 };
		struct sockaddr_storage ss;
		socklen_t len = dest_of(&paths[p], h, &ss);
		int listen_fd = -1;
		pid_t peer = -1;

		close(pipefd[0]);
		if (w == W_COLD && (listen_fd = start_handshakes(c->batch, &peer)) < 0)
			_exit(1);
		if (become(s == S_GUARD ? c->cgroup : c->floor_cgroup, paths[p].uid, paths[p].gid))
			_exit(1);
		for (int k = 0; k < c->batch; k++) {
			int fd = socket(ss.ss_family, SOCK_STREAM, 0);

			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
			if (!connect(fd, (struct sockaddr *)&ss, len))
				r.ok++;
			else if (errno == EPERM)
				r.eperm++;
			else
				r.other++, r.other_errno = errno;
			close(fd);
			if (listen_fd >= 0 && serve_handshake(listen_fd))
				_exit(1);
		}
		if (peer > 0 && (waitpid(peer, &status, 0) != peer || status))
			_exit(1);
		_exit(write(pipefd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pipefd[1]);
	status = pid > 0 && read(pipefd[0], o, sizeof(*o)) == sizeof(*o) ? 0 : -1;
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return status;
}

/* One sample: ns per run of the program that decided the batch. */
static double sample(struct cost *c, int size, enum path p, enum hook h, enum side s, enum warmth w)
{
	int prog = s == S_GUARD ? c->guard_prog[h] : c->floor_prog[h];
	__u64 ns0, cnt0, ns1, cnt1;
	struct outcome o;
	bool right;

	if (prog_stats(prog, &ns0, &cnt0) || connect_batch(c, p, h, s, w, &o) ||
	    prog_stats(prog, &ns1, &cnt1))
		return -1;
	/*
	 * The path measured must be the path named: every connect decided as
	 * expected. An allowed connect the mail host then failed to answer in
	 * time (its listener's queue, now and then in the cold batches) was
	 * still allowed: up to 1% of them are the network's, not a decision.
	 */
	if (s == S_FLOOR || !paths[p].refused)
		right = !o.eperm && o.other * 100 <= c->batch;
	else
		right = o.eperm == c->batch;
	if (!right || cnt1 - cnt0 != (__u64)c->batch) {
		fprintf(stderr,
			"cost: %d identities, %s, %s, %s, %s: %d connected, %d refused, %d "
			"failed otherwise%s%s%s, %llu runs counted (expected %d %s)\n",
			size, warmth_names[w], paths[p].name, hook_names[h],
			s == S_GUARD ? "smtpguard" : "empty", o.ok, o.eperm, o.other,
			o.other ? " (the last: " : "", o.other ? strerror(o.other_errno) : "",
			o.other ? ")" : "", (unsigned long long)(cnt1 - cnt0), c->batch,
			s == S_GUARD && paths[p].refused ? "refusals" : "connections");
		c->wrong++;
	} else if (o.other) {
		fprintf(stderr,
			"cost: %d identities, %s, %s, %s, %s: %d allowed connect(s) not "
			"answered (%s): the network's, not a decision\n",
			size, warmth_names[w], paths[p].name, hook_names[h],
			s == S_GUARD ? "smtpguard" : "empty", o.other, strerror(o.other_errno));
	}
	return cnt1 > cnt0 ? (double)(ns1 - ns0) / (double)(cnt1 - cnt0) : -1;
}

static int run_size(struct cost *c, int si)
{
	int n = c->sizes[si];
	char detail[2048];
	FILE *d;

	/* Memory first, users only (as the other tables count identities), then both. */
	if (load_guard(c, n, 0))
		return -1;
	c->memory[si][0] = guard_memory(c, NULL);
	if (load_guard(c, n, n))
		return -1;
	d = fmemopen(detail, sizeof(detail), "w");
	c->memory[si][1] = guard_memory(c, d);
	if (d)
		fclose(d);
	fprintf(c->csv, "# %d users and groups: %s\n", n, detail);
	for (int r = 0; r < c->rounds; r++) {
		for (int k = 0; k < P_COUNT * W_COUNT; k++) {
			enum path p = (enum path)((k / W_COUNT + r) % P_COUNT);
			enum warmth w = (enum warmth)((k + r) % W_COUNT);

			if ((w == W_COLD && !c->cold[si]) || c->skip[p])
				continue;
			for (int h = 0; h < H_COUNT; h++) {
				for (int j = 0; j < S_COUNT; j++) {
					/* Which side goes first alternates too. */
					enum side s = (enum side)((j + r + k) % S_COUNT);
					double v = sample(c, n, p, (enum hook)h, s, w);

					c->samples[si][w][p][h][s][r] = v;
					fprintf(c->csv, "%d,%s,%s,%s,%s,%d,%.2f\n", n,
						warmth_names[w], paths[p].name, hook_names[h],
						s == S_GUARD ? "smtpguard" : "empty", r, v);
				}
			}
		}
		fprintf(stderr, "cost: %d identities, round %d/%d done\n", n, r + 1, c->rounds);
	}
	unload_guard(c);
	return 0;
}

/* COST_PATHS: a comma-separated list of the paths' name prefixes; the rest are skipped. */
static int select_paths(struct cost *c, const char *list)
{
	bool any = false;

	for (int p = 0; p < P_COUNT; p++) {
		const char *w = list;

		c->skip[p] = true;
		while (*w) {
			size_t len = strcspn(w, ",");

			if (len && !strncmp(paths[p].name, w, len))
				c->skip[p] = false;
			w += len + (w[len] == ',');
		}
		any |= !c->skip[p];
	}
	if (!any)
		fprintf(stderr, "cost: COST_PATHS=%s names no path (e.g. \"refused,allow_dest\")\n",
			list);
	return any ? 0 : -1;
}

static int stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (f && fscanf(f, "%d", &v) != 1)
		v = 0;
	if (f)
		fclose(f);
	return v;
}

int main(void)
{
	struct cost *c = calloc(1, sizeof(*c));
	char path[4200];
	bool packets_only;
	int err = 0;

	if (!c)
		return 1;
	c->bin = getenv("SG_BIN");
	c->pin_dir = getenv("SG_PIN_DIR");
	c->cgroup = getenv("SG_CGROUP");
	c->floor_cgroup = getenv("SG_FLOOR_CGROUP");
	c->workdir = getenv("SG_WORKDIR");
	c->out = getenv("BENCH_OUT");
	if (!c->bin || !c->pin_dir || !c->cgroup || !c->floor_cgroup || !c->workdir || !c->out) {
		fprintf(stderr, "cost: run tests/bench/run.sh (make bench)\n");
		return 2;
	}
	if (stats_enabled() != 1) {
		fprintf(stderr, "cost: kernel.bpf_stats_enabled is not 1 (tests/bench/run.sh sets "
				"it for the run)\n");
		return 2;
	}
	c->quick = getenv("BENCH_QUICK") && !strcmp(getenv("BENCH_QUICK"), "1");
	/* BENCH_ONLY=packet: the per-packet rows alone. */
	packets_only = getenv("BENCH_ONLY") && !strcmp(getenv("BENCH_ONLY"), "packet");
	c->rounds = c->quick ? 3 : 15;
	if (getenv("COST_ROUNDS"))
		c->rounds = atoi(getenv("COST_ROUNDS"));
	if (c->rounds < 3 || c->rounds > MAX_ROUNDS) {
		fprintf(stderr, "cost: COST_ROUNDS must be 3 to %d\n", MAX_ROUNDS);
		return 2;
	}
	c->batch = c->quick ? 300 : 2000;
	if (getenv("COST_SIZES")) {
		/* e.g. "1 100000": to compare builds without the middle size */
		char *p = getenv("COST_SIZES"), *end;

		while (c->n_sizes < MAX_SIZES &&
		       (c->sizes[c->n_sizes] = (int)strtol(p, &end, 10)) > 0)
			c->n_sizes++, p = end;
	} else {
		c->sizes[c->n_sizes++] = 1;
		c->sizes[c->n_sizes++] = 1000;
		if (!c->quick)
			c->sizes[c->n_sizes++] = 100000;
	}
	if (!c->n_sizes) {
		fprintf(stderr, "cost: COST_SIZES must list 1 to %d sizes\n", MAX_SIZES);
		return 2;
	}
	if (getenv("COST_PATHS") && select_paths(c, getenv("COST_PATHS")))
		return 2;
	/* Cold at the first and the last size; the quick run only at the first. */
	c->cold[0] = true;
	c->cold[c->n_sizes - 1] = !c->quick;
	c->guard_prog[H4] = c->guard_prog[H6] = c->guard_egress = -1;
	snprintf(path, sizeof(path), "%s/cost.csv", c->out);
	c->csv = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/cost.md", c->out);
	c->md = fopen(path, "w");
	if (!c->csv || !c->md) {
		perror(path);
		return 1;
	}
	if (attach_floor(c))
		return 1;
	fprintf(c->csv, "identities,kind,path,hook,program,round,ns_per_run\n");
	out(c, "### Cost per decision, inside the kernel%s\n",
	    c->quick ? " (BENCH_QUICK=1 smoke run)" : "");
	for (int si = 0; si < c->n_sizes && !err && !packets_only; si++)
		err = run_size(c, si);
	if (!err)
		err = run_packets(c);
	if (err) {
		unload_guard(c);
		fprintf(stderr, "cost: cannot load the guard\n");
		return 1;
	}
	if (!packets_only) {
		print_tables(c);
		print_summary(c);
	}
	print_packets(c);
	if (!packets_only)
		print_memory_and_targets(c);
	fclose(c->csv);
	fclose(c->md);
	printf("\nwritten: %s/cost.md, %s/cost.csv\n", c->out, c->out);
	return c->wrong ? 1 : 0;
}
