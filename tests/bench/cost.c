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
 */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "become.h"

#define REMOTE4 "198.51.100.25" /* the mail host (tests/world.sh) */
#define REMOTE6 "2001:db8:1::25"
#define OWN4 "198.51.100.1" /* the host under test's own address */
#define OWN6 "2001:db8:1::1"
#define RELAY4 "198.51.100.26" /* in allow_dest (tests/bench/run.sh adds it) */
#define RELAY6 "2001:db8:1::26"
#define OTHER_PORT 2525 /* listened on by the mail host, not guarded here */
#define ALLOWED_UID 64202 /* last entry of allow_users */
#define ALLOWED_GID 64203 /* last entry of allow_groups */
#define DENIED_ID 64201 /* neither */
#define HIGH_UID 3000000000u /* allowed, above any array: a hash-map lookup */
/* Scoped exceptions (issue 16): a user's relay, a group's, anyone's port. */
#define SCOPED_UID 64204 /* allow_user_dest = 64204 REMOTE:25 */
#define SCOPED_GID 64205 /* allow_group_dest = 64205 REMOTE:25 */
#define SCOPED_PORT 587 /* allow_dest = REMOTE:587 */
#define OTHER_GUARDED 465 /* guarded, in no rule */
#define FIRST_FILLER 100000 /* the other entries */

enum path {
	P_OTHER_PORT,
	P_LOOPBACK,
	P_UID,
	P_GID,
	P_OWN,
	P_DEST,
	P_REFUSED,
	P_HIGH_UID,
	P_SCOPED_UID,
	P_SCOPED_GID,
	P_SCOPED_ANYONE,
	P_SCOPED_MISSED,
	P_COUNT,
};

static const struct path_def {
	const char *name;
	unsigned int uid, gid;
	const char *dst4, *dst6;
	int port;
	bool refused;
} paths[P_COUNT] = {
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

enum hook { H4, H6, H_COUNT };
static const char *const hook_names[H_COUNT] = { "connect4", "connect6" };

enum side { S_FLOOR, S_GUARD, S_COUNT };

/* Warm: connects back to back. Cold: a loopback handshake between two connects. */
enum warmth { W_WARM, W_COLD, W_COUNT };
static const char *const warmth_names[W_COUNT] = { "warm", "cold" };

#define MAX_SIZES 3
#define MAX_ROUNDS 15
#define MAX_MAPS 32

struct cost {
	const char *bin, *pin_dir, *cgroup, *floor_cgroup, *workdir, *out;
	bool quick;
	int rounds, batch, sizes[MAX_SIZES], n_sizes;
	int floor_prog[H_COUNT], floor_link[H_COUNT], guard_prog[H_COUNT];
	/* ns per run: samples[size][warmth][path][hook][side][round] */
	double samples[MAX_SIZES][W_COUNT][P_COUNT][H_COUNT][S_COUNT][MAX_ROUNDS];
	bool cold[MAX_SIZES]; /* is the cold kind measured at this size? */
	bool skip[P_COUNT]; /* left out by COST_PATHS */
	int floor_egress, floor_egress_link, guard_egress;
	/* ns per packet: pkt_samples[kind][side][round] */
	double pkt_samples[2][S_COUNT][MAX_ROUNDS];
	long long memory[MAX_SIZES][2]; /* bytes: [0] users only, [1] users and groups */
	int wrong; /* batches whose decisions or run counts were not as expected */
	FILE *csv, *md;
};

static void __attribute__((format(printf, 2, 3))) out(struct cost *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vfprintf(c->md, fmt, ap);
	va_end(ap);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct figure {
	double median, min, max;
};

static struct figure figure_of(const double *v, int n)
{
	double s[MAX_ROUNDS];
	struct figure f;

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	f.min = s[0];
	f.max = s[n - 1];
	f.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return f;
}

/* The empty program: r0 = 1 (proceed); exit. Loaded raw: no BPF build needed. */
static int load_floor(enum bpf_attach_type type, const char *name)
{
	bool skb = type == BPF_CGROUP_INET_EGRESS;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = skb ? BPF_PROG_TYPE_CGROUP_SKB : BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	attr.expected_attach_type = type;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (__u64)(unsigned long)"GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", name);
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* Both empty programs on the sibling cgroup, through links that go with this process. */
static int attach_floor(struct cost *c)
{
	static const enum bpf_attach_type types[H_COUNT] = { BPF_CGROUP_INET4_CONNECT,
							     BPF_CGROUP_INET6_CONNECT };
	static const char *const names[H_COUNT] = { "sg_floor4", "sg_floor6" };
	int cg = open(c->floor_cgroup, O_RDONLY | O_DIRECTORY);

	if (cg < 0)
		return -1;
	for (int h = 0; h < H_COUNT; h++) {
		c->floor_prog[h] = load_floor(types[h], names[h]);
		c->floor_link[h] = c->floor_prog[h] < 0 ?
					   -1 :
					   bpf_link_create(c->floor_prog[h], cg, types[h], NULL);
		if (c->floor_link[h] < 0) {
			fprintf(stderr, "cost: cannot attach the empty %s program: %s\n",
				hook_names[h], strerror(errno));
			close(cg);
			return -1;
		}
	}
	c->floor_egress = load_floor(BPF_CGROUP_INET_EGRESS, "sg_floor_egress");
	c->floor_egress_link = c->floor_egress < 0 ? -1 :
						     bpf_link_create(c->floor_egress, cg,
								     BPF_CGROUP_INET_EGRESS, NULL);
	close(cg);
	if (c->floor_egress_link < 0) {
		fprintf(stderr, "cost: cannot attach the empty egress program: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int prog_stats(int prog_fd, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/* The programs the pinned links run now (the committed generation after a load). */
static int open_guard_progs(struct cost *c)
{
	static const char *const pins[H_COUNT] = { "link_connect4", "link_connect6" };
	char path[4200];

	for (int h = 0; h < H_COUNT; h++) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int link;

		if (c->guard_prog[h] >= 0)
			close(c->guard_prog[h]);
		snprintf(path, sizeof(path), "%s/%s", c->pin_dir, pins[h]);
		link = bpf_obj_get(path);
		if (link < 0 || bpf_obj_get_info_by_fd(link, &info, &len))
			return -1;
		close(link);
		c->guard_prog[h] = bpf_prog_get_fd_by_id(info.prog_id);
		if (c->guard_prog[h] < 0)
			return -1;
	}
	return 0;
}

/* The egress program the pinned link runs now. */
static int open_guard_egress(struct cost *c)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[4200];
	int link;

	snprintf(path, sizeof(path), "%s/link_egress", c->pin_dir);
	link = bpf_obj_get(path);
	if (link < 0 || bpf_obj_get_info_by_fd(link, &info, &len))
		return -1;
	close(link);
	c->guard_egress = bpf_prog_get_fd_by_id(info.prog_id);
	return c->guard_egress < 0 ? -1 : 0;
}

/* n_users users (the last one ALLOWED_UID) plus HIGH_UID; n_groups groups likewise. */
static int write_config(const struct cost *c, int n_users, int n_groups, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/cost-%d-%d.conf", c->workdir, n_users, n_groups);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fchmod(fileno(f), 0644);
	fprintf(f,
		"ports = 25 465 587\nallow_local = yes\n"
		"allow_dest = " RELAY4 "/32 " RELAY6 "/128\n"
		"allow_dest = " REMOTE4 ":587 [" REMOTE6 "]:587\n"
		"allow_user_dest = %u " REMOTE4 ":25 [" REMOTE6 "]:25\n"
		"allow_group_dest = %u " REMOTE4 ":25 [" REMOTE6 "]:25\n"
		"allow_users = %u\n",
		SCOPED_UID, SCOPED_GID, HIGH_UID);
	for (int k = 0; k < n_users; k++)
		fprintf(f, "%s%d", k % 1000 ? " " : "\nallow_users = ",
			k == n_users - 1 ? ALLOWED_UID : FIRST_FILLER + k);
	fprintf(f, "\nallow_groups = none\n");
	for (int k = 0; k < n_groups; k++)
		fprintf(f, "%s%d", k % 1000 ? " " : "\nallow_groups = ",
			k == n_groups - 1 ? ALLOWED_GID : FIRST_FILLER + k);
	fputc('\n', f);
	return fclose(f);
}

static int run_cmd(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int load_guard(struct cost *c, int n_users, int n_groups)
{
	char conf[4096], cmd[12288];

	if (write_config(c, n_users, n_groups, conf, sizeof(conf)))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s load --pin-dir %s --cgroup %s --config %s >/dev/null",
		 c->bin, c->pin_dir, c->cgroup, conf);
	if (run_cmd(cmd)) {
		fprintf(stderr, "cost: %s failed\n", cmd);
		return -1;
	}
	return open_guard_progs(c);
}

static void unload_guard(const struct cost *c)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "%s unload --pin-dir %s >/dev/null", c->bin, c->pin_dir);
	run_cmd(cmd);
}

static long long memlock_of(int fd)
{
	char path[64], line[256];
	long long bytes = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &bytes) == 1)
			break;
	if (f)
		fclose(f);
	return bytes;
}

/*
 * bytes_memlock of every map the two live programs use (each map once),
 * which is every map the guard keeps; one line per map to detail.
 */
static long long guard_memory(const struct cost *c, FILE *detail)
{
	__u32 seen[MAX_MAPS];
	long long total = 0;
	int n_seen = 0;

	for (int h = 0; h < H_COUNT; h++) {
		__u32 ids[MAX_MAPS];
		struct bpf_prog_info info = { .nr_map_ids = MAX_MAPS,
					      .map_ids = (__u64)(unsigned long)ids };
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(c->guard_prog[h], &info, &len))
			return -1;
		for (__u32 i = 0; i < info.nr_map_ids && i < MAX_MAPS; i++) {
			struct bpf_map_info mi = {};
			__u32 mlen = sizeof(mi);
			bool dup = false;
			int fd;

			for (int k = 0; k < n_seen; k++)
				dup = dup || seen[k] == ids[i];
			if (dup)
				continue;
			seen[n_seen++] = ids[i];
			fd = bpf_map_get_fd_by_id(ids[i]);
			if (fd < 0 || bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
				if (fd >= 0)
					close(fd);
				return -1;
			}
			total += memlock_of(fd);
			if (detail)
				fprintf(detail, "%s %u entries %lld bytes; ", mi.name,
					mi.max_entries, memlock_of(fd));
			close(fd);
		}
	}
	return total;
}

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
	/* The path measured must be the path named: every connect decided as expected. */
	if (s == S_FLOOR || !paths[p].refused)
		right = o.ok == c->batch;
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

static struct figure side_figure(const struct cost *c, int si, enum warmth w, enum path p,
				 enum hook h, enum side s)
{
	return figure_of(c->samples[si][w][p][h][s], c->rounds);
}

/* smtpguard minus the empty program, round by round (paired), then the median of those. */
static struct figure added_figure(const struct cost *c, int si, enum warmth w, enum path p,
				  enum hook h)
{
	double d[MAX_ROUNDS];

	for (int r = 0; r < c->rounds; r++)
		d[r] = c->samples[si][w][p][h][S_GUARD][r] - c->samples[si][w][p][h][S_FLOOR][r];
	return figure_of(d, c->rounds);
}

/* smtpguard's median over the empty program's: how many floors the decision costs. */
static double ratio_of(const struct cost *c, int si, enum warmth w, enum path p, enum hook h)
{
	return side_figure(c, si, w, p, h, S_GUARD).median /
	       side_figure(c, si, w, p, h, S_FLOOR).median;
}

static bool measured(const struct cost *c, int si, enum warmth w)
{
	return w == W_WARM || c->cold[si];
}

static void print_tables(struct cost *c)
{
	for (int si = 0; si < c->n_sizes; si++) {
		for (int w = 0; w < W_COUNT; w++) {
			if (!measured(c, si, (enum warmth)w))
				continue;
			out(c,
			    "\n#### %d allowed user%s and %d group%s (plus UID %u), %s\n\n"
			    "| path | hook | empty program | smtpguard | added | ratio |\n"
			    "|---|---|---|---|---|---|\n",
			    c->sizes[si], c->sizes[si] == 1 ? "" : "s", c->sizes[si],
			    c->sizes[si] == 1 ? "" : "s", HIGH_UID, warmth_names[w]);
			for (int p = 0; p < P_COUNT; p++) {
				for (int h = 0; h < H_COUNT && !c->skip[p]; h++) {
					enum warmth wm = (enum warmth)w;
					struct figure fl = side_figure(c, si, wm, (enum path)p,
								       (enum hook)h, S_FLOOR);
					struct figure sg = side_figure(c, si, wm, (enum path)p,
								       (enum hook)h, S_GUARD);
					struct figure add =
						added_figure(c, si, wm, (enum path)p, (enum hook)h);

					out(c,
					    "| %s | %s | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %+.0f "
					    "(%+.0f to %+.0f) | x%.2f |\n",
					    paths[p].name, hook_names[h], fl.median, fl.min, fl.max,
					    sg.median, sg.min, sg.max, add.median, add.min, add.max,
					    ratio_of(c, si, wm, (enum path)p, (enum hook)h));
				}
			}
		}
	}
	out(c,
	    "\nns per run (run_time_ns / run_cnt), median (min-max) over %d rounds of %d "
	    "connects per cell; added: smtpguard minus the empty program in the same round, "
	    "median (min to max); ratio: smtpguard's median over the empty program's. "
	    "Cold: a loopback handshake between two connects.\n",
	    c->rounds, c->batch);
}

static const char *met(bool ok);

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

/*
 * ---- Per packet: the egress program on the host's own traffic ----------
 *
 * A child in the cgroup sends c->batch one-byte TCP segments (TCP_NODELAY)
 * over a loopback connection of its own, or c->batch UDP datagrams to a
 * socket of its own: packets of sockets in the host's network namespace, as
 * the MTA's and every other process's are. Every one runs the egress
 * program (the segments' ACKs too); ns per run as above.
 */
enum pkt_kind { K_TCP, K_UDP, K_COUNT };
static const char *const pkt_names[K_COUNT] = { "TCP segment, established", "UDP datagram" };

static int packet_batch(const struct cost *c, enum pkt_kind k, enum side s)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t len = sizeof(a);
		int one = 1, type = k == K_TCP ? SOCK_STREAM : SOCK_DGRAM, srv, cli, acc = -1;
		char byte = 'x', sink[4096];

		if (become(s == S_GUARD ? c->cgroup : c->floor_cgroup, DENIED_ID, DENIED_ID))
			_exit(1);
		srv = socket(AF_INET, type, 0);
		cli = socket(AF_INET, type, 0);
		if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&a, len) ||
		    getsockname(srv, (struct sockaddr *)&a, &len) ||
		    (k == K_TCP && listen(srv, 1)) || connect(cli, (struct sockaddr *)&a, len))
			_exit(1);
		if (k == K_TCP && (acc = accept(srv, NULL, NULL)) < 0)
			_exit(1);
		setsockopt(cli, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
		for (int n = 0; n < c->batch; n++) {
			if (write(cli, &byte, 1) != 1)
				_exit(1);
			if (read(k == K_TCP ? acc : srv, sink, sizeof(sink)) <= 0)
				_exit(1);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static double packet_sample(struct cost *c, enum pkt_kind k, enum side s)
{
	int prog = s == S_GUARD ? c->guard_egress : c->floor_egress;
	__u64 ns0, cnt0, ns1, cnt1;

	if (prog_stats(prog, &ns0, &cnt0) || packet_batch(c, k, s) || prog_stats(prog, &ns1, &cnt1))
		return -1;
	/* At least one run per packet sent. */
	if (cnt1 - cnt0 < (__u64)c->batch) {
		fprintf(stderr, "cost: %s, %s: %llu runs for %d packets\n", pkt_names[k],
			s == S_GUARD ? "smtpguard" : "empty", (unsigned long long)(cnt1 - cnt0),
			c->batch);
		c->wrong++;
	}
	return cnt1 > cnt0 ? (double)(ns1 - ns0) / (double)(cnt1 - cnt0) : -1;
}

static int run_packets(struct cost *c)
{
	if (load_guard(c, 1, 1) || open_guard_egress(c))
		return -1;
	for (int r = 0; r < c->rounds; r++)
		for (int k = 0; k < K_COUNT; k++)
			for (int j = 0; j < S_COUNT; j++) {
				enum side s = (enum side)((j + r + k) % S_COUNT);
				double v = packet_sample(c, (enum pkt_kind)k, s);

				c->pkt_samples[k][s][r] = v;
				fprintf(c->csv, "1,packet,\"%s\",egress,%s,%d,%.2f\n", pkt_names[k],
					s == S_GUARD ? "smtpguard" : "empty", r, v);
			}
	unload_guard(c);
	return 0;
}

static struct figure packet_added(const struct cost *c, enum pkt_kind k)
{
	double d[MAX_ROUNDS];

	for (int r = 0; r < c->rounds; r++)
		d[r] = c->pkt_samples[k][S_GUARD][r] - c->pkt_samples[k][S_FLOOR][r];
	return figure_of(d, c->rounds);
}

static void print_packets(struct cost *c)
{
	out(c, "\n#### Per packet: the egress program on the host's own traffic\n\n"
	       "| packet | empty program | smtpguard | added |\n|---|---|---|---|\n");
	for (int k = 0; k < K_COUNT; k++) {
		struct figure fl = figure_of(c->pkt_samples[k][S_FLOOR], c->rounds);
		struct figure sg = figure_of(c->pkt_samples[k][S_GUARD], c->rounds);
		struct figure add = packet_added(c, (enum pkt_kind)k);

		out(c, "| %s | %.1f (%.1f-%.1f) | %.1f (%.1f-%.1f) | %+.1f (%+.1f to %+.1f) |\n",
		    pkt_names[k], fl.median, fl.min, fl.max, sg.median, sg.min, sg.max, add.median,
		    add.min, add.max);
	}
	out(c,
	    "\nns per run, median (min-max) over %d rounds of %d packets (TCP: and their "
	    "ACKs) per cell, in a loopback connection of a host-namespace socket.\n\n",
	    c->rounds, c->batch);
	for (int k = 0; k < K_COUNT; k++) {
		double a = packet_added(c, (enum pkt_kind)k).median;

		out(c, "- per packet, %s: <= empty + 10 ns: %+.1f ns %s\n", pkt_names[k], a,
		    met(a <= 10));
	}
}

/* One line per path: ns added (ratio), connect4 / connect6, warm and cold at each size. */
static void print_summary(struct cost *c)
{
	out(c, "\n#### Summary: ns added over the empty program (ratio), connect4 / connect6\n\n"
	       "| path |");
	for (int w = 0; w < W_COUNT; w++)
		for (int si = 0; si < c->n_sizes; si++)
			if (measured(c, si, (enum warmth)w))
				out(c, " %s, %d |", warmth_names[w], c->sizes[si]);
	out(c, "\n|---|");
	for (int w = 0; w < W_COUNT; w++)
		for (int si = 0; si < c->n_sizes; si++)
			if (measured(c, si, (enum warmth)w))
				out(c, "---|");
	out(c, "\n");
	for (int p = 0; p < P_COUNT; p++) {
		out(c, "| %s |", paths[p].name);
		for (int w = 0; w < W_COUNT; w++) {
			for (int si = 0; si < c->n_sizes; si++) {
				enum warmth wm = (enum warmth)w;

				if (!measured(c, si, wm))
					continue;
				if (c->skip[p]) {
					out(c, " - |");
					continue;
				}
				out(c, " %+.0f / %+.0f (x%.2f / x%.2f) |",
				    added_figure(c, si, wm, (enum path)p, H4).median,
				    added_figure(c, si, wm, (enum path)p, H6).median,
				    ratio_of(c, si, wm, (enum path)p, H4),
				    ratio_of(c, si, wm, (enum path)p, H6));
			}
		}
		out(c, "\n");
	}
}

static const char *met(bool ok)
{
	return ok ? "MET" : "NOT MET";
}

/* Issue 26's bound for a path, in ns over the empty program. */
static double bound_of(enum path p)
{
	if (p == P_OTHER_PORT)
		return 25;
	return paths[p].refused ? 200 : 100;
}

static void print_memory_and_targets(struct cost *c)
{
	int last = c->n_sizes - 1, k1000 = -1;
	bool ok;

	out(c, "\n#### Kernel memory of all the guard's maps (bytes_memlock)\n\n");
	for (int si = 0; si < c->n_sizes; si++) {
		out(c, "- %d user(s): %.2f MiB; %d user(s) and %d group(s): %.2f MiB\n",
		    c->sizes[si], c->memory[si][0] / 1048576.0, c->sizes[si], c->sizes[si],
		    c->memory[si][1] / 1048576.0);
		if (c->sizes[si] == 1000)
			k1000 = si;
	}
	out(c, "\n#### Targets (every size, both hooks, warm and cold: the worst median)\n\n");
	for (int p = 0; p < P_COUNT; p++) {
		double worst = -1e9;
		const char *where = "";

		if (c->skip[p])
			continue;
		for (int si = 0; si < c->n_sizes; si++)
			for (int w = 0; w < W_COUNT; w++)
				for (int h = 0; h < H_COUNT && measured(c, si, (enum warmth)w);
				     h++) {
					double a = added_figure(c, si, (enum warmth)w, (enum path)p,
								(enum hook)h)
							   .median;

					if (a > worst) {
						worst = a;
						where = warmth_names[w];
					}
				}
		out(c, "- %s: <= empty + %.0f ns: worst %+.0f ns (%s) %s\n", paths[p].name,
		    bound_of((enum path)p), worst, where, met(worst <= bound_of((enum path)p)));
	}
	if (k1000 >= 0) {
		ok = c->memory[k1000][1] <= 3LL << 20;
		out(c, "- all maps at 1000 users and groups <= 3 MiB: %.2f MiB %s\n",
		    c->memory[k1000][1] / 1048576.0, met(ok));
	}
	out(c, "- all maps at %d users and groups < 16 MiB: %.2f MiB %s\n", c->sizes[last],
	    c->memory[last][1] / 1048576.0, met(c->memory[last][1] < 16LL << 20));
	out(c, "- every batch decided as its path says, every connect counted once: %s\n",
	    c->wrong ? "NO (see stderr)" : "yes");
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
