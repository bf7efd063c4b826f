// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sg-connect FAMILY ADDRESS PORT [-e|-r] - one connect(); the exit status is 0
 * or the errno. For the rows that exec a program (vfork + exec, a setuid-root
 * copy): with -e it first checks that it really runs with euid 0. With -r, a
 * SYN on a raw socket instead, as whoever runs it (PM_RAW_SYN): 0 when the
 * SYN-ACK came back.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

int main(int argc, char **argv)
{
	struct probe p = { .method = PM_CONNECT };

	if (argc < 4)
		return 2;
	if (argc > 4 && !strcmp(argv[4], "-e") && geteuid() != 0)
		return PROBE_SETUP_FAILED; /* not setuid after all (a nosuid mount?) */
	p.family = !strcmp(argv[1], "4") ? AF_INET : AF_INET6;
	p.addr = argv[2];
	p.port = (unsigned short)atoi(argv[3]);
	if (argc > 4 && !strcmp(argv[4], "-r")) {
		p.method = PM_RAW_SYN;
		p.as_uid = PROBE_AS_IS;
	}
	return probe_run(&p);
}
