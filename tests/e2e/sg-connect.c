// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sg-connect FAMILY ADDRESS PORT [-e] - one connect(); the exit status is 0
 * or the errno. For the rows that exec a program (vfork + exec, a setuid-root
 * copy): with -e it first checks that it really runs with euid 0.
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
	return probe_run(&p);
}
