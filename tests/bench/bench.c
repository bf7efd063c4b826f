// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench.c - smtpguard against iptables and nftables, side by side, in one run.
 *
 * Four configurations (no filter; smtpguard; the CSF-equivalent iptables
 * owner-match chain; an nftables chain with a "meta skuid" set), each with
 * 1, 1,000 and 100,000 allowed identities, measured on four workloads:
 *   a  connect+close to a loopback listener on a non-SMTP port (everyone pays)
 *   b  allowed SMTP connect+close to the remote test host, by the UID that is
 *      the last entry of the allowlist (the worst case for linear rules)
 *   c  refused attempts by a denied UID
 *   d  bulk TCP transfer over the veth on a non-SMTP port (per-packet cost)
 * Configurations are interleaved round by round (the order rotates) so that
 * machine drift cancels out. Then the control plane (load, one change, a
 * 10,000-identity sync); the maps' kernel memory is in cost.c's part.
 *
 * Timing is CLOCK_MONOTONIC around batches, in a child that joined the test
 * cgroup and took the measured UID. Medians, min-max spread, ratios to the
 * no-filter baseline, and each target met or not go to stdout,
 * $BENCH_OUT/results.md and, sample by sample, $BENCH_OUT/samples.csv.
 *
 * tests/bench/run.sh builds the world (tests/world.sh) and runs this in the
 * test host's network namespace with SG_BIN, SG_PIN_DIR, SG_CGROUP,
 * SG_WORKDIR and BENCH_OUT set; BENCH_QUICK=1 makes it a one-minute smoke.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "become.h"

#define REMOTE4 "198.51.100.25"
#define LOOPBACK_PORT 2500 /* workload a: a listener on 127.0.0.1 */
#define SINK_PORT 5001 /* workload d: a sink on the remote host */
#define ALLOWED_UID 64202 /* the last entry of every allowlist */
#define DENIED_UID 64201
#define FIRST_FILLER_UID 100000 /* the other entries */
#define IPTABLES_MAX 10000 /* above this, iptables-restore takes minutes */

enum config {
	CFG_NONE,
	CFG_SMTPGUARD,
	CFG_IPTABLES,
	CFG_NFT,
	CFG_COUNT,
};

static const char *const config_names[CFG_COUNT] = { "none", "smtpguard", "iptables", "nftables" };

enum workload {
	W_LOOPBACK,
	W_ALLOWED,
	W_REFUSED,
	W_BULK,
	W_COUNT,
};

static const char *const workload_names[W_COUNT] = {
	"a: non-SMTP connect (ns/op)",
	"b: allowed SMTP connect (ns/op)",
	"c: refused attempt (ns/op)",
	"d: bulk transfer (ns/MiB, median of 5)",
};

#define MAX_SIZES 3
#define MAX_ROUNDS 9

struct bench {
	const char *bin, *pin_dir, *cgroup, *workdir, *out;
	bool quick;
	int rounds, batch_connect, bulk_mib;
	int sizes[MAX_SIZES], n_sizes;
	/* samples[size][config][workload][round] */
	double samples[MAX_SIZES][CFG_COUNT][W_COUNT][MAX_ROUNDS];
	FILE *csv;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of n values (sorts a copy). */
static double stats(const double *v, int n, double *min, double *max)
{
	double s[64];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Wall time of one shell command, in ms; negative if it failed. */
static double time_cmd(const char *cmd)
{
	double t0 = now_ns();

	if (run(cmd))
		return -1;
	return (now_ns() - t0) / 1e6;
}

static int size_for(const struct bench *b, enum config c, int size)
{
	return c == CFG_IPTABLES && size > IPTABLES_MAX ? IPTABLES_MAX : size;
}

/* The allowlist: FIRST_FILLER_UID.. then ALLOWED_UID last; n entries in all. */
static void write_ids(FILE *f, int n, const char *prefix, const char *sep, const char *suffix)
{
	fputs(prefix, f);
	for (int k = 0; k < n; k++)
		fprintf(f, "%s%d", k ? sep : "", k == n - 1 ? ALLOWED_UID : FIRST_FILLER_UID + k);
	fputs(suffix, f);
}

static void config_path(const struct bench *b, const char *what, int n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/bench-%s-%d", b->workdir, what, n);
}

/* smtpguard.conf with n allowed users (root is not one of them here). */
static void write_smtpguard_conf(const struct bench *b, int n, int shift, char *path, size_t len)
{
	FILE *f;

	config_path(b, shift ? "sync" : "smtpguard", n, path, len);
	f = fopen(path, "w");
	fchmod(fileno(f), 0644);
	fprintf(f, "ports = 25 465 587\nallow_groups = none\nallow_local = yes\n");
	for (int k = 0; k < n; k++) {
		int uid = k == n - 1 ? ALLOWED_UID : FIRST_FILLER_UID + shift + k;

		fprintf(f, "%s%d", k % 1000 ? " " : k ? "\nallow_users = " : "allow_users = ", uid);
	}
	fputc('\n', f);
	fclose(f);
}

/*
 * CSF's SMTP_BLOCK: every outbound packet walks one owner rule per identity.
 * CSF's REJECT answers with ICMP port-unreachable, which the kernel's global
 * ICMP rate limit (1000/s, burst 50) drops under load, leaving connects in
 * SYN retransmission; tcp-reset measures the rules rather than that limit.
 */
static void write_iptables_rules(const struct bench *b, int n, char *path, size_t len)
{
	FILE *f;

	config_path(b, "iptables", n, path, len);
	f = fopen(path, "w");
	fprintf(f, "*filter\n:SMTPOUTPUT - [0:0]\n-A OUTPUT -j SMTPOUTPUT\n");
	for (int k = 0; k < n; k++)
		fprintf(f, "-A SMTPOUTPUT -m owner --uid-owner %d -j ACCEPT\n",
			k == n - 1 ? ALLOWED_UID : FIRST_FILLER_UID + k);
	fprintf(f, "-A SMTPOUTPUT -o lo -j ACCEPT\n"
		   "-A SMTPOUTPUT -p tcp -m multiport --dports 25,465,587 -j REJECT "
		   "--reject-with tcp-reset\nCOMMIT\n");
	fclose(f);
}

/* The best modern equivalent: a set lookup, only for SMTP ports. */
static void write_nft_rules(const struct bench *b, int n, char *path, size_t len)
{
	FILE *f;

	config_path(b, "nft", n, path, len);
	f = fopen(path, "w");
	fprintf(f, "table inet sgbench {\n\tset allowed_uids {\n\t\ttypeof meta skuid\n\t\t");
	write_ids(f, n, "elements = { ", ", ", " }\n");
	fprintf(f, "\t}\n\tchain output {\n\t\ttype filter hook output priority 0; policy accept;\n"
		   "\t\ttcp dport { 25, 465, 587 } meta skuid @allowed_uids accept\n"
		   "\t\ttcp dport { 25, 465, 587 } oif lo accept\n"
		   "\t\ttcp dport { 25, 465, 587 } reject with tcp reset\n\t}\n}\n");
	fclose(f);
}

/* Put configuration c with n identities in force; its time in ms. */
static double apply(const struct bench *b, enum config c, int n)
{
	char path[4096], cmd[8192];

	n = size_for(b, c, n);
	switch (c) {
	case CFG_SMTPGUARD:
		write_smtpguard_conf(b, n, 0, path, sizeof(path));
		snprintf(cmd, sizeof(cmd),
			 "%s load --pin-dir %s --cgroup %s --config %s >/dev/null 2>&1", b->bin,
			 b->pin_dir, b->cgroup, path);
		break;
	case CFG_IPTABLES:
		write_iptables_rules(b, n, path, sizeof(path));
		snprintf(cmd, sizeof(cmd), "iptables-restore --noflush < %s", path);
		break;
	case CFG_NFT:
		write_nft_rules(b, n, path, sizeof(path));
		snprintf(cmd, sizeof(cmd), "nft -f %s", path);
		break;
	default:
		return 0;
	}
	return time_cmd(cmd);
}

static void clear(const struct bench *b, enum config c)
{
	char cmd[4096];

	if (c == CFG_SMTPGUARD)
		snprintf(cmd, sizeof(cmd), "%s unload --pin-dir %s >/dev/null", b->bin, b->pin_dir);
	else if (c == CFG_IPTABLES)
		snprintf(cmd, sizeof(cmd),
			 "iptables -D OUTPUT -j SMTPOUTPUT && iptables -F SMTPOUTPUT && "
			 "iptables -X SMTPOUTPUT");
	else if (c == CFG_NFT)
		snprintf(cmd, sizeof(cmd), "nft delete table inet sgbench");
	else
		return;
	if (run(cmd))
		fprintf(stderr, "bench: cannot clear %s\n", config_names[c]);
}

static struct sockaddr_in addr4(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/*
 * A socket whose connect cannot hang a run, and whose close sends RST: tens
 * of thousands of connects per run would otherwise fill the port range with
 * TIME_WAIT sockets and measure that instead.
 */
static int bench_socket(void)
{
	struct timeval tv = { .tv_sec = 2 };
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	}
	return fd;
}

/* One connect+close; true when it connected. */
static bool connect_once(const struct sockaddr_in *sin)
{
	int fd = bench_socket();
	bool ok = fd >= 0 && !connect(fd, (const struct sockaddr *)sin, sizeof(*sin));

	if (fd >= 0)
		close(fd);
	return ok;
}

/* ns per MiB sent to the sink. */
static double bulk(int mib)
{
	static char buf[1 << 16];
	struct sockaddr_in sin = addr4(REMOTE4, SINK_PORT);
	int fd = bench_socket();
	double t0 = now_ns();
	long long left = (long long)mib << 20;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	while (left > 0) {
		ssize_t n =
			write(fd, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n <= 0) {
			close(fd);
			return -1;
		}
		left -= n;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0) /* the sink closes once it read all */
		;
	close(fd);
	return (now_ns() - t0) / mib;
}

/* One batch of workload w, in a child as the right UID: ns per op (or per MiB). */
static double measure(const struct bench *b, enum workload w)
{
	int pipefd[2];
	double result = -1;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sockaddr_in loop = addr4("127.0.0.1", LOOPBACK_PORT);
		struct sockaddr_in smtp = addr4(REMOTE4, 25);
		double r = -1, t0;
		int n = b->batch_connect, ok = 0;

		close(pipefd[0]);
		if (become(b->cgroup, w == W_ALLOWED ? ALLOWED_UID : DENIED_UID, DENIED_UID))
			_exit(1);
		t0 = now_ns();
		if (w == W_BULK) {
			/* One transfer is noisy (scheduling on a small VM): median of five. */
			double v[5], lo, hi;

			for (int k = 0; k < 5; k++)
				v[k] = bulk(b->bulk_mib);
			r = stats(v, 5, &lo, &hi);
			if (lo < 0)
				r = -1;
		} else {
			for (int k = 0; k < n; k++)
				ok += connect_once(w == W_LOOPBACK ? &loop : &smtp);
			r = (now_ns() - t0) / n;
			/* a and b must connect every time; c must never (but with no filter) */
			if ((w != W_REFUSED && ok != n))
				r = -1;
		}
		if (write(pipefd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &result, sizeof(result)) != sizeof(result))
		result = -1;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return result;
}

static void run_rounds(struct bench *b)
{
	for (int s = 0; s < b->n_sizes; s++) {
		for (int r = 0; r < b->rounds; r++) {
			for (int k = 0; k < CFG_COUNT; k++) {
				/* Rotate the order each round: drift hits every configuration alike. */
				enum config c = (enum config)((k + r) % CFG_COUNT);

				if (apply(b, c, b->sizes[s]) < 0) {
					fprintf(stderr,
						"bench: cannot apply %s with %d identities\n",
						config_names[c], b->sizes[s]);
					exit(1);
				}
				for (int w = 0; w < W_COUNT; w++) {
					double t0 = now_ns(), v = measure(b, (enum workload)w);

					if (getenv("BENCH_TRACE"))
						fprintf(stderr, "bench: %s %d %c: %.0f (%.2f s)\n",
							config_names[c], b->sizes[s], "abcd"[w], v,
							(now_ns() - t0) / 1e9);
					b->samples[s][c][w][r] = v;
					fprintf(b->csv, "%d,%s,%c,%d,%.1f\n",
						size_for(b, c, b->sizes[s]), config_names[c],
						"abcd"[w], r, v);
				}
				clear(b, c);
			}
			fprintf(stderr, "bench: %d identities, round %d/%d done\n", b->sizes[s],
				r + 1, b->rounds);
		}
	}
}

struct figure {
	double median, min, max;
};

static struct figure figure_of(const struct bench *b, int s, enum config c, enum workload w)
{
	struct figure f;

	f.median = stats(b->samples[s][c][w], b->rounds, &f.min, &f.max);
	return f;
}

/* Print to both the terminal and the Markdown file. */
static void __attribute__((format(printf, 2, 3))) out(FILE *md, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vfprintf(md, fmt, ap);
	va_end(ap);
}

static void print_table(const struct bench *b, FILE *md)
{
	out(md, "\n| workload | identities | none | smtpguard | iptables (CSF) | nftables (set) |\n"
		"|---|---|---|---|---|---|\n");
	for (int w = 0; w < W_COUNT; w++) {
		for (int s = 0; s < b->n_sizes; s++) {
			struct figure base = figure_of(b, s, CFG_NONE, (enum workload)w);

			out(md, "| %s | %d |", workload_names[w], b->sizes[s]);
			for (int c = 0; c < CFG_COUNT; c++) {
				struct figure f = figure_of(b, s, (enum config)c, (enum workload)w);

				out(md, " %.0f (%.0f-%.0f)", f.median, f.min, f.max);
				if (c != CFG_NONE && base.median > 0)
					out(md, " x%.3f", f.median / base.median);
				if (c == CFG_IPTABLES && b->sizes[s] > IPTABLES_MAX)
					out(md, " [%d rules]", IPTABLES_MAX);
				out(md, " |");
			}
			out(md, "\n");
		}
	}
	out(md,
	    "\nmedian (min-max) over %d rounds; xN = ratio to no filter at the same size. "
	    "Workload c with no filter is a plain successful connect.\n",
	    b->rounds);
}

/* Median of n runs of cmd, in ms. */
static double median_cmd(const char *cmd, int n, double *min, double *max)
{
	double v[32];

	for (int k = 0; k < n; k++)
		v[k] = time_cmd(cmd);
	return stats(v, n, min, max);
}

static const char *met(bool ok)
{
	return ok ? "MET" : "NOT MET";
}

static void control_plane(struct bench *b, FILE *md)
{
	char cmd[8192], path[4096], path2[4096];
	double lo, hi, load_ms, allow_ms, ipt_load, nft_load, ipt_add, nft_add, sync_ms;
	int runs = b->quick ? 3 : 7;

	out(md, "\n### Control plane (median of %d, ms, each a whole command)\n\n", runs);
	/* load at boot: nothing loaded, the default-sized configuration */
	write_smtpguard_conf(b, 3, 0, path, sizeof(path));
	snprintf(cmd, sizeof(cmd),
		 "%s unload --pin-dir %s >/dev/null; %s load --pin-dir %s "
		 "--cgroup %s --config %s >/dev/null 2>&1",
		 b->bin, b->pin_dir, b->bin, b->pin_dir, b->cgroup, path);
	load_ms = median_cmd(cmd, runs, &lo, &hi);
	out(md, "- smtpguard load (not loaded before, 3 identities): %.1f (%.1f-%.1f)\n", load_ms,
	    lo, hi);
	clear(b, CFG_SMTPGUARD);
	write_iptables_rules(b, 1000, path, sizeof(path));
	snprintf(cmd, sizeof(cmd),
		 "iptables-restore --noflush < %s && iptables -D OUTPUT -j SMTPOUTPUT && "
		 "iptables -F SMTPOUTPUT && iptables -X SMTPOUTPUT",
		 path);
	ipt_load = median_cmd(cmd, runs, &lo, &hi);
	out(md,
	    "- iptables-restore of the CSF chain, 1,000 rules (and its removal): %.1f (%.1f-%.1f)\n",
	    ipt_load, lo, hi);
	write_nft_rules(b, 1000, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "nft -f %s && nft delete table inet sgbench", path);
	nft_load = median_cmd(cmd, runs, &lo, &hi);
	out(md, "- nft -f of the set ruleset, 1,000 elements (and its removal): %.1f (%.1f-%.1f)\n",
	    nft_load, lo, hi);

	/* one allowlist change, with 1,000 identities in force */
	apply(b, CFG_SMTPGUARD, 1000);
	snprintf(cmd, sizeof(cmd),
		 "%s allow user 4000000 --runtime --pin-dir %s >/dev/null && "
		 "%s revoke user 4000000 --runtime --pin-dir %s >/dev/null",
		 b->bin, b->pin_dir, b->bin, b->pin_dir);
	allow_ms = median_cmd(cmd, runs, &lo, &hi) / 2;
	out(md, "- smtpguard allow --runtime (one map update; half of allow+revoke): %.2f\n",
	    allow_ms);
	clear(b, CFG_SMTPGUARD);
	apply(b, CFG_IPTABLES, 1000);
	snprintf(cmd, sizeof(cmd),
		 "iptables -I SMTPOUTPUT 1 -m owner --uid-owner 4000000 -j ACCEPT && "
		 "iptables -D SMTPOUTPUT 1");
	ipt_add = median_cmd(cmd, runs, &lo, &hi) / 2;
	out(md, "- iptables -I one owner rule (half of insert+delete): %.2f\n", ipt_add);
	clear(b, CFG_IPTABLES);
	apply(b, CFG_NFT, 1000);
	snprintf(cmd, sizeof(cmd),
		 "nft add element inet sgbench allowed_uids { 4000000 } && "
		 "nft delete element inet sgbench allowed_uids { 4000000 }");
	nft_add = median_cmd(cmd, runs, &lo, &hi) / 2;
	out(md, "- nft add element (half of add+delete): %.2f\n", nft_add);
	clear(b, CFG_NFT);

	/* sync of 10,000 identities: half of them change between two files */
	write_smtpguard_conf(b, 10000, 0, path, sizeof(path));
	write_smtpguard_conf(b, 10000, 5000, path2, sizeof(path2));
	snprintf(cmd, sizeof(cmd), "%s load --pin-dir %s --cgroup %s --config %s >/dev/null 2>&1",
		 b->bin, b->pin_dir, b->cgroup, path);
	run(cmd);
	{
		double v[16];

		for (int k = 0; k < runs; k++) {
			snprintf(cmd, sizeof(cmd),
				 "%s sync --pin-dir %s --config %s >/dev/null 2>&1", b->bin,
				 b->pin_dir, k % 2 ? path : path2);
			v[k] = time_cmd(cmd);
		}
		sync_ms = stats(v, runs, &lo, &hi);
	}
	out(md, "- smtpguard sync, 10,000 identities, 5,000 changed: %.1f (%.1f-%.1f)\n", sync_ms,
	    lo, hi);
	clear(b, CFG_SMTPGUARD);

	/* The kernel memory of the maps is in the cost per decision (cost.c). */

	/* targets */
	{
		int last = b->n_sizes - 1, k1000 = b->n_sizes > 1 ? 1 : 0;
		struct figure a_none = figure_of(b, 0, CFG_NONE, W_LOOPBACK);
		struct figure a_sg = figure_of(b, 0, CFG_SMTPGUARD, W_LOOPBACK);
		struct figure d_none = figure_of(b, 0, CFG_NONE, W_BULK);
		struct figure d_sg = figure_of(b, 0, CFG_SMTPGUARD, W_BULK);
		struct figure b_none = figure_of(b, k1000, CFG_NONE, W_ALLOWED);
		struct figure b_sg = figure_of(b, k1000, CFG_SMTPGUARD, W_ALLOWED);
		struct figure b_ipt = figure_of(b, k1000, CFG_IPTABLES, W_ALLOWED);
		double bmin = 1e30, bmax = 0, sg_added, ipt_added;

		for (int s = 0; s < b->n_sizes; s++) {
			double m = figure_of(b, s, CFG_SMTPGUARD, W_ALLOWED).median;

			bmin = m < bmin ? m : bmin;
			bmax = m > bmax ? m : bmax;
		}
		sg_added = b_sg.median - b_none.median;
		ipt_added = b_ipt.median - b_none.median;
		out(md, "\n### Targets\n\n");
		out(md, "- a: smtpguard <= 1.02x no filter: x%.3f %s\n",
		    a_sg.median / a_none.median, met(a_sg.median <= 1.02 * a_none.median));
		out(md, "- b: smtpguard within 5%% of itself from %d to %d identities: %.1f%% %s\n",
		    b->sizes[0], b->sizes[last], (bmax / bmin - 1) * 100, met(bmax <= 1.05 * bmin));
		out(md,
		    "- b: at %d identities, iptables adds >= 5x smtpguard's added cost: smtpguard "
		    "+%.0f ns, iptables +%.0f ns (%s) %s\n",
		    b->sizes[k1000], sg_added, ipt_added,
		    sg_added > 0 ? "ratio" : "smtpguard adds nothing measurable",
		    met(ipt_added >= 5 * (sg_added > 0 ? sg_added : 0)));
		out(md, "- d: smtpguard <= 1.01x no filter (cost per MiB): x%.3f %s\n",
		    d_sg.median / d_none.median, met(d_sg.median <= 1.01 * d_none.median));
		out(md, "- load < 50 ms: %.1f ms %s\n", load_ms, met(load_ms < 50));
		out(md, "- one allow < 5 ms: %.2f ms %s\n", allow_ms, met(allow_ms < 5));
		out(md, "- 10,000-identity sync < 200 ms: %.1f ms %s\n", sync_ms,
		    met(sync_ms < 200));
	}
}

int main(void)
{
	struct bench *b = calloc(1, sizeof(*b));
	char path[4200];
	FILE *md;

	b->bin = getenv("SG_BIN");
	b->pin_dir = getenv("SG_PIN_DIR");
	b->cgroup = getenv("SG_CGROUP");
	b->workdir = getenv("SG_WORKDIR");
	b->out = getenv("BENCH_OUT");
	if (!b->bin || !b->pin_dir || !b->cgroup || !b->workdir || !b->out) {
		fprintf(stderr, "bench: run tests/bench/run.sh (make bench)\n");
		return 2;
	}
	b->quick = getenv("BENCH_QUICK") && !strcmp(getenv("BENCH_QUICK"), "1");
	b->rounds = b->quick ? 3 : 7;
	b->batch_connect = b->quick ? 300 : 2000;
	b->bulk_mib = b->quick ? 16 : 64;
	b->sizes[b->n_sizes++] = 1;
	b->sizes[b->n_sizes++] = 1000;
	b->sizes[b->n_sizes++] = b->quick ? 10000 : 100000;
	snprintf(path, sizeof(path), "%s/samples.csv", b->out);
	b->csv = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/results.md", b->out);
	md = fopen(path, "w");
	if (!b->csv || !md) {
		perror(path);
		return 1;
	}
	fprintf(b->csv, "identities,config,workload,round,value\n");
	out(md, "## smtpguard benchmark%s\n", b->quick ? " (BENCH_QUICK=1 smoke run)" : "");
	run_rounds(b);
	print_table(b, md);
	control_plane(b, md);
	fclose(b->csv);
	fclose(md);
	printf("\nwritten: %s/results.md, %s/samples.csv\n", b->out, b->out);
	free(b);
	return 0;
}
