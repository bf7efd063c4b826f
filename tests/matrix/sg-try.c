// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sg-try - the kernel matrix's probe: one connection attempt (tests/e2e/
 * probe.c) as a given identity, from a given cgroup, by a given method.
 * Linked statically, so that it runs in any guest's busybox initramfs.
 *
 *   sg-try [-u UID] [-g GID] [-c CGROUP] [-m METHOD] [-b BIND_ADDR] [-d DEV]
 *          [-n MAX -x EXPECT -s STOPFILE] 4|6 ADDRESS PORT
 *
 * The exit status is 0 (connected), the errno (1 = EPERM), 254 when the
 * method does not exist on this kernel, 253/255 when the probe could not be
 * set up. With -n, it tries up to MAX times or until STOPFILE exists, counts
 * the answers that are not EXPECT, prints "right R wrong W" and exits 0 only
 * if W is 0 and R is not (the prober of the reload-without-a-gap rows).
 *
 * METHOD: connect nonblock bind port0 tfo tfo-connect mptcp uring
 *         uring-async udp userns raw (a SYN on a raw socket: started as root, it
 *         becomes -u UID with CAP_NET_RAW alone; 0 when the SYN-ACK came)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

static const struct {
	const char *name;
	enum probe_method method;
} methods[] = {
	{ "connect", PM_CONNECT },  { "nonblock", PM_NONBLOCK }, { "bind", PM_BIND_ADDR },
	{ "port0", PM_BIND_PORT0 }, { "tfo", PM_TFO_SENDTO },	 { "tfo-connect", PM_TFO_CONNECT },
	{ "mptcp", PM_MPTCP },	    { "uring", PM_URING },	 { "uring-async", PM_URING_ASYNC },
	{ "udp", PM_UDP },	    { "userns", PM_USERNS },	 { "raw", PM_RAW_SYN },
};

static int usage(void)
{
	fprintf(stderr, "usage: sg-try [-u UID] [-g GID] [-c CGROUP] [-m METHOD] [-b ADDR] "
			"[-d DEV] [-n MAX -x EXPECT -s STOPFILE] 4|6 ADDRESS PORT\n");
	return 255;
}

static int number(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < 0 || *out > max ? -1 : 0;
}

/* Join the cgroup and take the identity for good, as e2e_guard's become(). */
static int become(const char *cgroup, long uid, long gid)
{
	char procs[4200];
	int fd;

	if (cgroup) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
		fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			perror(procs);
			return -1;
		}
		close(fd);
	}
	if (gid >= 0 && (setgroups(0, NULL) || setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid)))
		return -1;
	if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid))
		return -1;
	return 0;
}

static int loop(const struct probe *p, long max, long expect, const char *stop)
{
	long right = 0, wrong = 0;

	for (long i = 0; i < max && access(stop, F_OK); i++) {
		if (probe_run(p) == expect)
			right++;
		else
			wrong++;
	}
	printf("right %ld wrong %ld\n", right, wrong);
	return !wrong && right ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct probe p = { .method = PM_CONNECT };
	long uid = -1, gid = -1, max = 0, expect = 0, port;
	const char *cgroup = NULL, *stop = NULL;
	bool known;
	int c;

	while ((c = getopt(argc, argv, "u:g:c:m:b:d:n:x:s:")) != -1) {
		switch (c) {
		case 'u':
			if (number(optarg, 4294967294L, &uid))
				return usage();
			break;
		case 'g':
			if (number(optarg, 4294967294L, &gid))
				return usage();
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'm':
			known = false;
			for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
				if (!strcmp(optarg, methods[i].name)) {
					p.method = methods[i].method;
					known = true;
				}
			}
			if (!known)
				return usage();
			break;
		case 'b':
			p.bind_addr = optarg;
			break;
		case 'd':
			p.bind_dev = optarg;
			break;
		case 'n':
			if (number(optarg, 1000000, &max))
				return usage();
			break;
		case 'x':
			if (number(optarg, 255, &expect))
				return usage();
			break;
		case 's':
			stop = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 3 || (strcmp(argv[optind], "4") && strcmp(argv[optind], "6")) ||
	    number(argv[optind + 2], 65535, &port) || (max && !stop))
		return usage();
	p.family = argv[optind][0] == '4' ? AF_INET : AF_INET6;
	p.addr = argv[optind + 1];
	p.port = (unsigned short)port;
	if (p.method == PM_RAW_SYN) { /* the probe drops to the UID itself, keeping CAP_NET_RAW */
		p.as_uid = uid < 0 ? 0 : (unsigned int)uid;
		uid = gid = -1;
	}
	if (become(cgroup, uid, gid))
		return 255;
	return max ? loop(&p, max, expect, stop) : probe_run(&p);
}
