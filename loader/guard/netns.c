// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* netns.c - see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "netns.h"
#include "smtpguard.h"
#include "smtpguard.skel.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* 5.14; the same number on every architecture */
#endif

static int cookie_by_sockopt(__u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

/* A child joins the probe cgroup and makes one socket there. */
static int socket_in(const char *cgroup)
{
	char procs[4200];
	int status;
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(procs, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(1);
		_exit(socket(AF_INET, SOCK_DGRAM, 0) < 0 && socket(AF_INET6, SOCK_DGRAM, 0) < 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/*
 * A skeleton of its own, loaded with the default settings: the guard's
 * settings are read-only once loaded, and the cookie is one of them.
 */
static int cookie_by_probe(const char *cgroup_dir, __u64 *cookie)
{
	struct smtpguard_bpf *skel = smtpguard_bpf__open_and_load();
	int prog_fd, map_fd, cg_fd = -1, err;
	char probe[4096];
	__u32 zero = 0;

	if (!skel)
		return -errno;
	prog_fd = bpf_program__fd(skel->progs.sg_netns_probe);
	map_fd = bpf_map__fd(skel->maps.sg_netns_seen);
	snprintf(probe, sizeof(probe), "%s/smtpguard-netns-probe.%d", cgroup_dir, (int)getpid());
	if (mkdir(probe, 0700) && errno != EEXIST) {
		err = -errno;
		smtpguard_bpf__destroy(skel);
		return err;
	}
	cg_fd = open(probe, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	/* Legacy attach, not a link: closing nothing can leave it behind, and
	 * the cgroup is removed right after. */
	if (bpf_prog_attach(prog_fd, cg_fd, BPF_CGROUP_INET_SOCK_CREATE, 0)) {
		err = -errno;
		goto cleanup;
	}
	err = socket_in(probe);
	bpf_prog_detach2(prog_fd, cg_fd, BPF_CGROUP_INET_SOCK_CREATE);
	if (!err && bpf_map_lookup_elem(map_fd, &zero, cookie))
		err = -errno;
	if (!err && !*cookie)
		err = -ENODATA;
cleanup:
	if (cg_fd >= 0)
		close(cg_fd);
	rmdir(probe);
	smtpguard_bpf__destroy(skel);
	return err;
}

int netns_cookie_self(const char *cgroup_dir, __u64 *cookie)
{
	int err = cookie_by_sockopt(cookie);

	if (!err && *cookie && !getenv("SMTPGUARD_TEST_NETNS_PROBE"))
		return 0;
	err = cookie_by_probe(cgroup_dir, cookie);
	if (err)
		log_err("cannot learn this network namespace's cookie (SO_NETNS_COOKIE needs "
			"Linux 5.14, the sock_create probe failed: %s)",
			strerror(-err));
	return err;
}
