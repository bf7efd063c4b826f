// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sg-connect FAMILY ADDRESS PORT [-e|-r] - one connect(); the exit status is 0
 * or the errno. For the rows that exec a program (vfork + exec, a setuid-root
 * copy): with -e it first checks that it really runs with euid 0. With -r, a
 * SYN on a raw socket instead, as whoever runs it (PM_RAW_SYN): 0 when the
 * SYN-ACK came back. With -p MAC (IPv4), the same SYN in a frame on an
 * AF_PACKET socket to that next hop: what the guard cannot see (README).
 *
 * sg-connect FAMILY ADDRESS PORT -h SECONDS - a session held open: connect,
 * print "connected", then wait up to SECONDS for the socket to end and print
 * "ended: ERROR" (a reset or abort, "revoke --kill"), "closed" (by the
 * peer) or "still open"; exit 0 in each case, the errno if the connect fails.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "raw_syn.h"

static int hold(int family, const char *addr, unsigned short port, int seconds)
{
	struct sockaddr_storage ss;
	struct pollfd pfd = { .events = POLLIN };
	socklen_t len;
	char byte;
	ssize_t n;
	int err = probe_make_addr(family, addr, port, &ss, &len);

	if (err)
		return err;
	pfd.fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (pfd.fd < 0 || connect(pfd.fd, (struct sockaddr *)&ss, len))
		return errno;
	printf("connected\n");
	fflush(stdout);
	if (poll(&pfd, 1, seconds * 1000) != 1) {
		printf("still open\n");
		return 0;
	}
	n = read(pfd.fd, &byte, 1);
	if (n < 0)
		printf("ended: %s\n", strerror(errno));
	else
		printf(n ? "data\n" : "closed\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = { .method = PM_CONNECT };

	if (argc < 4)
		return 2;
	p.family = !strcmp(argv[1], "4") ? AF_INET : AF_INET6;
	if (argc > 5 && !strcmp(argv[4], "-h"))
		return hold(p.family, argv[2], (unsigned short)atoi(argv[3]), atoi(argv[5]));
	if (argc > 4 && !strcmp(argv[4], "-e") && geteuid() != 0)
		return PROBE_SETUP_FAILED; /* not setuid after all (a nosuid mount?) */
	p.addr = argv[2];
	p.port = (unsigned short)atoi(argv[3]);
	if (argc == 5 && !strcmp(argv[4], "-p"))
		return PROBE_SETUP_FAILED; /* no MAC: never a plain connect() instead */
	if (argc > 5 && !strcmp(argv[4], "-p")) {
		struct sockaddr_storage ss;
		socklen_t len;
		int err = probe_make_addr(AF_INET, p.addr, p.port, &ss, &len);

		return err ? err : packet_syn_run((struct sockaddr_in *)&ss, argv[5]);
	}
	if (argc > 4 && !strcmp(argv[4], "-r")) {
		p.method = PM_RAW_SYN;
		p.as_uid = PROBE_AS_IS;
	}
	return probe_run(&p);
}
