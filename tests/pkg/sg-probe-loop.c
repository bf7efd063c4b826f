// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sg-probe-loop CGROUP_PROCS UID GID [FAMILY ADDRESS PORT] - the package
 * upgrade test's prober.
 *
 * It joins a cgroup (writes itself into CGROUP_PROCS), becomes UID/GID (real
 * and effective, no supplementary groups) and connects in a loop to the mail
 * host of tests/world.sh: IPv4 port 25, IPv6 port 465, IPv4-mapped IPv6 port
 * 587, until SIGTERM. SIGUSR1 opens a window and a second SIGUSR1 closes it:
 * attempts that start inside it are also counted apart, so the test can show
 * that probes ran during the upgrade itself and not only around it.
 *
 * On SIGTERM it prints one line
 *   all C E O window C E O
 * (connected, EPERM, any other result) and, for the first few other
 * results, "other ERRNO TARGET". Exit 0; 1 when it could not start.
 *
 * With FAMILY (4 or 6), ADDRESS and PORT: one connect, exit status 0 or
 * the errno (EPERM is 1), like tests/e2e/sg-connect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 3000
#define MAX_SHOWN 5

static const struct target {
	int family;
	const char *addr;
	unsigned short port;
} targets[] = {
	{ AF_INET, "198.51.100.25", 25 },
	{ AF_INET6, "2001:db8:1::25", 465 },
	{ AF_INET6, "::ffff:198.51.100.25", 587 },
};

#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

enum result { R_CONNECTED, R_EPERM, R_OTHER, R_COUNT };

struct tally {
	long all[R_COUNT], window[R_COUNT];
	int shown;
	int other_errno[MAX_SHOWN];
	size_t other_target[MAX_SHOWN];
};

static volatile sig_atomic_t stop, in_window;

static void on_term(int sig)
{
	stop = 1;
}

static void on_usr1(int sig)
{
	in_window = !in_window;
}

static socklen_t make_addr(const struct target *t, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (t->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->port);
		inet_pton(AF_INET, t->addr, &sin->sin_addr);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(t->port);
	inet_pton(AF_INET6, t->addr, &sin6->sin6_addr);
	return sizeof(*sin6);
}

/* 0 when connected, else the errno. Closed with RST: no TIME_WAIT pile-up. */
static int attempt(const struct target *t)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss;
	socklen_t len = make_addr(t, &ss), elen = sizeof(int);
	struct pollfd pfd;
	int fd, n, err = 0;

	fd = socket(t->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		goto cleanup;
	err = errno;
	if (err != EINPROGRESS)
		goto cleanup;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	do /* SIGUSR1 interrupts poll: that is no result */
		n = poll(&pfd, 1, TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		err = ETIMEDOUT;
		goto cleanup;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		err = errno;
cleanup:
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return err;
}

static int join(const char *procs, unsigned int uid, unsigned int gid)
{
	char pid[32];
	int fd, n, ok;

	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "sg-probe-loop: %s: %s\n", procs, strerror(errno));
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	ok = write(fd, pid, (size_t)n) == n;
	close(fd);
	if (!ok || setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		fprintf(stderr, "sg-probe-loop: cannot join %s as %u:%u: %s\n", procs, uid, gid,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction term = { .sa_handler = on_term }, usr1 = { .sa_handler = on_usr1 };
	struct timespec pause = { .tv_nsec = 500 * 1000 };
	struct tally t = {};

	if (argc != 4 && argc != 7) {
		fprintf(stderr,
			"usage: sg-probe-loop CGROUP_PROCS UID GID [FAMILY ADDRESS PORT]\n");
		return 1;
	}
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGUSR1, &usr1, NULL);
	if (join(argv[1], (unsigned int)strtoul(argv[2], NULL, 10),
		 (unsigned int)strtoul(argv[3], NULL, 10)))
		return 1;
	if (argc == 7) {
		struct target once = { .family = !strcmp(argv[4], "4") ? AF_INET : AF_INET6,
				       .addr = argv[5],
				       .port = (unsigned short)atoi(argv[6]) };

		return attempt(&once);
	}
	printf("ready\n");
	fflush(stdout);
	for (size_t i = 0; !stop; i = (i + 1) % N_TARGETS) {
		int window = in_window, err = attempt(&targets[i]);
		enum result r = err == 0 ? R_CONNECTED : err == EPERM ? R_EPERM : R_OTHER;

		t.all[r]++;
		if (window)
			t.window[r]++;
		if (r == R_OTHER && t.shown < MAX_SHOWN) {
			t.other_errno[t.shown] = err;
			t.other_target[t.shown++] = i;
		}
		nanosleep(&pause, NULL);
	}
	printf("all %ld %ld %ld window %ld %ld %ld\n", t.all[R_CONNECTED], t.all[R_EPERM],
	       t.all[R_OTHER], t.window[R_CONNECTED], t.window[R_EPERM], t.window[R_OTHER]);
	for (int k = 0; k < t.shown; k++)
		printf("other %s %s port %u\n", strerror(t.other_errno[k]),
		       targets[t.other_target[k]].addr, targets[t.other_target[k]].port);
	return 0;
}
