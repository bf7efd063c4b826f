/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * become.h - what every benchmark child does first: join the cgroup the
 * guard (or the empty program) is attached to, then take a UID and GID for
 * good, with no supplementary groups. 0, or -1 with errno set.
 */
#ifndef SG_BENCH_BECOME_H
#define SG_BENCH_BECOME_H

#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <unistd.h>

static inline int become(const char *cgroup, unsigned int uid, unsigned int gid)
{
	char procs[4200];
	int fd, ok;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	if (!ok)
		return -1;
	return setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid) ? -1 : 0;
}

#endif
