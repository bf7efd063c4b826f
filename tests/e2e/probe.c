// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* probe.c - connection attempts by every method; see probe.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "probe.h"
#include "raw_syn.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define PROBE_TIMEOUT_MS 3000

const char *probe_method_name(enum probe_method m)
{
	static const char *const names[] = {
		[PM_CONNECT] = "connect",
		[PM_NONBLOCK] = "nonblocking connect",
		[PM_BIND_ADDR] = "bind+connect",
		[PM_BIND_PORT0] = "bind port 0+connect",
		[PM_TFO_SENDTO] = "TFO sendto",
		[PM_TFO_CONNECT] = "TCP_FASTOPEN_CONNECT",
		[PM_MPTCP] = "MPTCP",
		[PM_URING] = "io_uring connect",
		[PM_URING_ASYNC] = "io_uring connect (io-wq worker)",
		[PM_UDP] = "UDP connect",
		[PM_USERNS] = "root in its own user namespace (unshare -Ur)",
		[PM_VFORK_EXEC] = "vfork + exec, then connect",
		[PM_SETUID_EXEC] = "exec of a setuid-root program (euid 0), connect",
		[PM_THREAD_SETUID] = "one thread of a root process after raw setresuid",
		[PM_SCM_RIGHTS] = "socket made by root, passed over SCM_RIGHTS",
		[PM_CGROUP_MOVE] = "socket made in the guarded cgroup, process moved out",
		[PM_CGROUP_FREE] = "process in an unguarded cgroup (control)",
		[PM_RAW_SYN] = "a SYN on a raw socket, CAP_NET_RAW only",
	};

	return names[m];
}

int probe_make_addr(int family, const char *addr, unsigned short port, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : EINVAL;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *pct = strchr(addr, '%');
	char host[INET6_ADDRSTRLEN];

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	snprintf(host, sizeof(host), "%.*s", pct ? (int)(pct - addr) : (int)strlen(addr), addr);
	if (pct && !(sin6->sin6_scope_id = if_nametoindex(pct + 1)))
		return ENODEV;
	return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ? 0 : EINVAL;
}

/* Wait for a non-blocking connect to finish; 0 or the errno. */
static int finish_connect(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&pfd, 1, PROBE_TIMEOUT_MS) != 1)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

static int run_uring(int fd, const struct sockaddr *sa, socklen_t len, bool async)
{
	struct __kernel_timespec ts = { .tv_sec = PROBE_TIMEOUT_MS / 1000 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		return PROBE_UNSUPPORTED;
	if (ret)
		return -ret;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_connect(sqe, fd, sa, len);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	ret = io_uring_submit(&ring);
	if (ret == 1)
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	else if (ret >= 0)
		ret = -EIO;
	if (!ret) {
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret < 0 ? -ret : 0;
}

static int open_socket(const struct probe *p)
{
	int type = p->method == PM_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int proto = p->method == PM_MPTCP ? IPPROTO_MPTCP : 0;
	int fd = socket(p->family, type | SOCK_CLOEXEC, proto);

	if (fd < 0 && p->method == PM_MPTCP &&
	    (errno == EPROTONOSUPPORT || errno == EINVAL || errno == ENOPROTOOPT))
		return -PROBE_UNSUPPORTED;
	return fd < 0 ? -errno : fd;
}

static int bind_first(int fd, const struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err;

	err = probe_make_addr(p->family,
			      p->method == PM_BIND_ADDR ? p->bind_addr :
			      p->family == AF_INET	? "0.0.0.0" :
							  "::",
			      0, &ss, &len);
	if (err)
		return err;
	return bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int connect_addr(int fd, const struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err = probe_make_addr(p->family, p->addr, p->port, &ss, &len);

	return err ? err : connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
}

static int as_uid(unsigned int uid)
{
	return setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid);
}

static int wait_code(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return PROBE_SETUP_FAILED;
	return WEXITSTATUS(status);
}

/* Root inside a user namespace of our own is still us outside it. */
static int run_userns(const struct probe *p)
{
	char map[64];
	unsigned int uid = getuid(), gid = getgid();
	struct probe plain = *p;

	/* A process that changed its IDs is not dumpable, which makes its /proc files
	 * root's: undo that, as a user's own shell would not have it. */
	prctl(PR_SET_DUMPABLE, 1);
	if (unshare(CLONE_NEWUSER))
		return errno == EPERM || errno == EINVAL ? PROBE_UNSUPPORTED : errno;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", map))
		return PROBE_SETUP_FAILED;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (write_file("/proc/self/gid_map", map) || getuid() != 0)
		return PROBE_SETUP_FAILED;
	plain.method = PM_CONNECT;
	return probe_run(&plain);
}

/* argv for the helper: FAMILY ADDRESS PORT [-e: require euid 0]. */
static int run_helper(const struct probe *p, bool use_vfork)
{
	char port[8], family[4];
	char *argv[] = { (char *)p->helper,	  family, (char *)p->addr, port,
			 use_vfork ? NULL : "-e", NULL };
	pid_t pid;

	snprintf(port, sizeof(port), "%u", p->port);
	snprintf(family, sizeof(family), "%d", p->family == AF_INET ? 4 : 6);
	pid = use_vfork ? vfork() : fork();
	if (pid == 0) {
		execv(p->helper, argv);
		_exit(PROBE_SETUP_FAILED);
	}
	return wait_code(pid);
}

struct thread_probe {
	const struct probe *p;
	int result;
};

static void *thread_connect(void *arg)
{
	struct thread_probe *t = arg;
	unsigned int u = t->p->as_uid;
	struct probe plain = *t->p;

	/* The raw syscall changes this thread only; glibc's setresuid would change all. */
	if (syscall(SYS_setresgid, u, u, u) || syscall(SYS_setresuid, u, u, u)) {
		t->result = PROBE_SETUP_FAILED;
		return NULL;
	}
	plain.method = PM_CONNECT;
	t->result = probe_run(&plain);
	return NULL;
}

/* A process that stays root; one of its threads drops to as_uid and connects. */
static int run_thread_setuid(const struct probe *p)
{
	struct thread_probe t = { .p = p, .result = PROBE_SETUP_FAILED };
	pthread_t th;

	if (pthread_create(&th, NULL, thread_connect, &t))
		return PROBE_SETUP_FAILED;
	pthread_join(th, NULL);
	/* The rest of the process really stayed root. */
	return geteuid() == 0 ? t.result : PROBE_SETUP_FAILED;
}

/* Root makes the socket; as_uid receives it over SCM_RIGHTS and connects. */
static int run_scm_rights(const struct probe *p)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int sv[2], fd;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return PROBE_SETUP_FAILED;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (as_uid(p->as_uid) || recvmsg(sv[1], &msg, 0) < 0)
			_exit(PROBE_SETUP_FAILED);
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			_exit(PROBE_SETUP_FAILED);
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
		_exit(connect_addr(fd, p));
	}
	close(sv[1]);
	fd = socket(p->family, SOCK_STREAM, 0);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (fd < 0 || sendmsg(sv[0], &msg, 0) < 0) {
		kill(pid, SIGKILL);
		wait_code(pid);
		return PROBE_SETUP_FAILED;
	}
	close(fd);
	close(sv[0]);
	return wait_code(pid);
}

/*
 * The socket belongs to the cgroup it was created in: made in the guarded
 * cgroup, it stays guarded when its process moves (PM_CGROUP_MOVE); made
 * after the move, it is not (PM_CGROUP_FREE, the control).
 */
static int run_cgroup_move(const struct probe *p, bool socket_first)
{
	char procs[4200];
	int fd = -1, err;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", p->cgroup_to);
	if (socket_first)
		fd = socket(p->family, SOCK_STREAM, 0);
	if (write_file(procs, "0"))
		return PROBE_SETUP_FAILED;
	if (!socket_first)
		fd = socket(p->family, SOCK_STREAM, 0);
	if (fd < 0 || as_uid(p->as_uid))
		return PROBE_SETUP_FAILED;
	err = connect_addr(fd, p);
	close(fd);
	return err;
}

int probe_run(const struct probe *p)
{
	struct timeval tv = { .tv_sec = PROBE_TIMEOUT_MS / 1000 };
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err, one = 1;

	switch (p->method) {
	case PM_USERNS:
		return run_userns(p);
	case PM_VFORK_EXEC:
	case PM_SETUID_EXEC:
		return run_helper(p, p->method == PM_VFORK_EXEC);
	case PM_THREAD_SETUID:
		return run_thread_setuid(p);
	case PM_SCM_RIGHTS:
		return run_scm_rights(p);
	case PM_CGROUP_MOVE:
	case PM_CGROUP_FREE:
		return run_cgroup_move(p, p->method == PM_CGROUP_MOVE);
	default:
		break;
	}
	err = probe_make_addr(p->family, p->addr, p->port, &ss, &len);
	if (err)
		return err;
	if (p->method == PM_RAW_SYN)
		return raw_syn_run(p, &ss, len);
	fd = open_socket(p);
	if (fd < 0)
		return -fd;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Unprivileged since Linux 5.7. */
	if (p->bind_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->bind_dev,
				      (socklen_t)strlen(p->bind_dev) + 1)) {
		err = errno;
		close(fd);
		return err;
	}
	switch (p->method) {
	case PM_BIND_ADDR:
	case PM_BIND_PORT0:
		err = bind_first(fd, p);
		if (err)
			break;
		/* fall through */
	case PM_CONNECT:
	case PM_MPTCP:
	case PM_UDP:
		err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		break;
	case PM_NONBLOCK:
		fcntl(fd, F_SETFL, O_NONBLOCK);
		err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		if (err == EINPROGRESS)
			err = finish_connect(fd);
		break;
	case PM_TFO_SENDTO:
		err = sendto(fd, "EHLO x\r\n", 8, MSG_FASTOPEN, (struct sockaddr *)&ss, len) < 0 ?
			      errno :
			      0;
		break;
	case PM_TFO_CONNECT:
		if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one))) {
			err = PROBE_UNSUPPORTED;
			break;
		}
		err = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
		/* The SYN leaves with the first write. */
		if (!err && write(fd, "EHLO x\r\n", 8) < 0)
			err = errno;
		break;
	case PM_URING:
	case PM_URING_ASYNC:
		err = run_uring(fd, (struct sockaddr *)&ss, len, p->method == PM_URING_ASYNC);
		break;
	default:
		err = EINVAL;
		break;
	}
	close(fd);
	return err;
}
