// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flood.c - "make bench", fairness: one account floods the connect hook from
 * several processes while a quiet account tries now and then. Prints how many
 * attempts the flood made, how many events the monitor delivered for it (per
 * second), how many the kernel counted and did not send (its event budget),
 * and how many of the quiet account's attempts were reported: all of them is
 * the target.
 *
 * Run by tests/bench/run.sh in the test host's network namespace with SG_BIN,
 * SG_PIN_DIR, SG_CGROUP, SG_WORKDIR and BENCH_OUT; FLOOD_SECONDS (default 7)
 * and FLOOD_PROCS (default 4).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "become.h"

#define REMOTE4 "198.51.100.25"
#define FLOOD_UID 64207
#define QUIET_UID 64209
#define QUIET_ATTEMPTS 8
#define MAX_PROCS 16

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One refused connect to the remote host's port 25: 1 when refused with EPERM. */
static int refused(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(25) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), eperm;

	inet_pton(AF_INET, REMOTE4, &sin.sin_addr);
	eperm = fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno == EPERM;
	if (fd >= 0)
		close(fd);
	return eperm;
}

static void __attribute__((noreturn))
flooder(const char *cgroup, double seconds, unsigned long *done)
{
	double deadline = now_s() + seconds;
	unsigned long n = 0;

	if (become(cgroup, FLOOD_UID, FLOOD_UID))
		_exit(2);
	while ((n & 1023) || now_s() < deadline)
		n += refused();
	__atomic_add_fetch(done, n, __ATOMIC_SEQ_CST);
	_exit(0);
}

/* Lines of the monitor's output holding both needles; sum of the number after key. */
static unsigned long count_lines(const char *path, const char *a, const char *b, const char *key,
				 unsigned long *sum)
{
	char line[2048];
	unsigned long n = 0;
	FILE *f = fopen(path, "r");

	*sum = 0;
	while (f && fgets(line, sizeof(line), f)) {
		const char *k;

		if (!strstr(line, a) || !strstr(line, b))
			continue;
		n++;
		if (key && (k = strstr(line, key)))
			*sum += strtoul(k + strlen(key), NULL, 10);
	}
	if (f)
		fclose(f);
	return n;
}

int main(void)
{
	const char *bin = getenv("SG_BIN"), *pin = getenv("SG_PIN_DIR"), *cg = getenv("SG_CGROUP"),
		   *work = getenv("SG_WORKDIR"), *secs = getenv("FLOOD_SECONDS"),
		   *nprocs = getenv("FLOOD_PROCS");
	double seconds = secs ? atof(secs) : 7, t0, elapsed;
	int procs = nprocs ? atoi(nprocs) : 4, quiet_refused = 0;
	unsigned long *done, events, gap_s, gap_l, ns_lines, ns_s, ns_l, quiet_seen, x;
	char conf[4200], out[4200], cmd[9000], a[32], b[32];
	pid_t monitor, kids[MAX_PROCS];
	FILE *f;

	if (!bin || !pin || !cg || !work || seconds <= 0 || procs < 1 || procs > MAX_PROCS) {
		fprintf(stderr,
			"flood: needs SG_BIN, SG_PIN_DIR, SG_CGROUP, SG_WORKDIR (run.sh)\n");
		return 2;
	}
	done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	snprintf(conf, sizeof(conf), "%s/flood.conf", work);
	snprintf(out, sizeof(out), "%s/flood-monitor.json", work);
	f = fopen(conf, "w");
	if (done == MAP_FAILED || !f || fputs("allow_users = root\nallow_groups = none\n", f) < 0 ||
	    fclose(f))
		return 1;
	snprintf(cmd, sizeof(cmd), "%s load --pin-dir %s --cgroup %s --config %s >/dev/null", bin,
		 pin, cg, conf);
	if (system(cmd))
		return 1;
	monitor = fork();
	if (monitor == 0) {
		if (!freopen(out, "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(bin, bin, "monitor", "--json", "--pin-dir", pin, "--config", conf,
		      (char *)NULL);
		_exit(127);
	}
	sleep(1); /* it attaches on its first tick */
	t0 = now_s();
	for (int k = 0; k < procs; k++)
		if ((kids[k] = fork()) == 0)
			flooder(cg, seconds, done);
	for (int k = 0; k < QUIET_ATTEMPTS; k++) {
		pid_t p;
		int status;

		usleep((useconds_t)(seconds * 1e6 / (QUIET_ATTEMPTS + 1)));
		p = fork();
		if (p == 0)
			_exit(become(cg, QUIET_UID, QUIET_UID) ? 2 : refused() ? 0 : 1);
		quiet_refused += waitpid(p, &status, 0) == p && WIFEXITED(status) &&
				 WEXITSTATUS(status) == 0;
	}
	for (int k = 0; k < procs; k++)
		waitpid(kids[k], NULL, 0);
	elapsed = now_s() - t0;
	sleep(3); /* the monitor drains and its counter scan reports the rest */
	kill(monitor, SIGTERM);
	waitpid(monitor, NULL, 0);
	snprintf(a, sizeof(a), "\"uid\":%u,", FLOOD_UID);
	events = count_lines(out, a, "\"type\":\"event\"", "\"not_sent_suppressed\":", &gap_s);
	count_lines(out, a, "\"type\":\"event\"", "\"not_sent_lost\":", &gap_l);
	ns_lines = count_lines(out, a, "\"type\":\"not_sent\"", "\"suppressed\":", &ns_s);
	count_lines(out, a, "\"type\":\"not_sent\"", "\"lost\":", &ns_l);
	snprintf(b, sizeof(b), "\"uid\":%u,", QUIET_UID);
	quiet_seen = count_lines(out, b, "\"type\":\"event\"", NULL, &x);
	snprintf(cmd, sizeof(cmd), "%s unload --pin-dir %s >/dev/null", bin, pin);
	if (system(cmd))
		fprintf(stderr, "flood: unload failed\n");

	printf("\n## Fairness under a flood (%d processes of one UID, %.0f s)\n\n", procs, elapsed);
	printf("| figure | value |\n|---|---|\n");
	printf("| refused attempts by the flooding UID | %lu (%.0f per second) |\n", *done,
	       *done / elapsed);
	printf("| events delivered for it | %lu (%.0f per second; budget %d per second) |\n",
	       events, events / elapsed, 32);
	printf("| counted, not sent (over its budget) | %lu in its events + %lu in %lu not_sent "
	       "lines |\n",
	       gap_s, ns_s, ns_lines);
	printf("| lost (ring buffer full) | %lu |\n", gap_l + ns_l);
	printf("| every flood attempt accounted for | %s (%lu of %lu) |\n",
	       events + gap_s + gap_l + ns_s + ns_l == *done ? "yes" : "NO",
	       events + gap_s + gap_l + ns_s + ns_l, *done);
	printf("| quiet UID: attempts refused, reported | %d of %d, %lu of %d%s |\n", quiet_refused,
	       QUIET_ATTEMPTS, quiet_seen, QUIET_ATTEMPTS,
	       quiet_seen == QUIET_ATTEMPTS ? " (target: all)" : " (target: all) NOT MET");
	return 0;
}
