// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * host_features.c - the probes of "smtpguard check" and of "load"; see host_features.h.
 *
 * The BPF probes use the bpf() system call directly: they need the exact
 * errno and the verifier's log, whatever libbpf the binary was built with
 * (0.x and 1.x differ in every call involved). Nothing they create
 * outlives the command: programs and maps go with their fds, the link is
 * never pinned, and the throwaway cgroup is removed again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <bpf/btf.h>

#include "array.h"
#include "compat.h"
#include "egress_owner.h"
#include "host_features.h"
#include "host_incumbents.h"
#include "guard_open.h"
#include "log.h"
#include "mounts.h"
#include "task_cred.h"
#include "task_event.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define PROBE_CGROUP_PREFIX "smtpguard-probe."
/* The kernel's internal ENOTSUPP, which bpf() lets through at times. */
#define ENOTSUPP_KERNEL 524

static __u64 ptr(const void *p)
{
	return (__u64)(unsigned long)p;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* "r0 = 1; exit": a connect program that lets everything through. */
static const struct bpf_insn allow_all[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_connect_prog(enum bpf_attach_type type, const struct bpf_insn *insns, __u32 n,
			     char *log, __u32 log_len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	a.expected_attach_type = type;
	a.insns = ptr(insns);
	a.insn_cnt = n;
	a.license = ptr("GPL");
	if (log) {
		log[0] = '\0';
		a.log_buf = ptr(log);
		a.log_size = log_len;
		a.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &a);
}

static const char *errname(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case EBADF:
		return "EBADF";
	case ENOENT:
		return "ENOENT";
	case ENOTSUPP_KERNEL:
		return "ENOTSUPP";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case E2BIG:
		return "E2BIG";
	default:
		return strerror(err);
	}
}

/* ---- the host ----------------------------------------------------------- */

static void probe_kernel(struct feature_env *env, struct feature_result *r)
{
	struct utsname u;

	if (uname(&u)) {
		feature_result_set(r, FEAT_INFO, "uname: %s", strerror(errno));
		return;
	}
	feature_result_set(r, FEAT_INFO, "Linux %s (%s)", u.release, u.machine);
}

/* cgroup v1 hierarchies mounted beside v2: a hybrid host. */
static int count_v1_mounts(void)
{
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		const char *sep = strstr(line, " - ");

		if (sep && !strncmp(sep + 3, "cgroup ", 7))
			n++;
	}
	free(line);
	fclose(f);
	return n;
}

static void probe_cgroup2(struct feature_env *env, struct feature_result *r)
{
	int v1, err = cgroup2_root(env->cgroup2, sizeof(env->cgroup2));

	if (err) {
		env->cgroup2[0] = '\0';
		feature_result_set(
			r, FEAT_MISSING,
			"no cgroup2 mount in /proc/self/mountinfo (mount -t cgroup2 none /sys/fs/cgroup)");
		return;
	}
	v1 = count_v1_mounts();
	if (v1)
		feature_result_set(
			r, FEAT_OK,
			"%s (hybrid: %d cgroup v1 hierarch%s beside it; the guard uses v2 only)",
			env->cgroup2, v1, v1 == 1 ? "y" : "ies");
	else
		feature_result_set(r, FEAT_OK, "%s (unified)", env->cgroup2);
}

static bool fs_type_known(const char *type)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		found = !strcmp(name, type);
	}
	fclose(f);
	return found;
}

static void probe_bpffs(struct feature_env *env, struct feature_result *r)
{
	if (!bpffs_check(SG_BPFFS_DIR))
		feature_result_set(r, FEAT_OK, "mounted on %s", SG_BPFFS_DIR);
	else if (fs_type_known("bpf"))
		feature_result_set(r, FEAT_OK, "not mounted; load mounts it on %s", SG_BPFFS_DIR);
	else
		feature_result_set(r, FEAT_MISSING,
				   "the kernel has no bpf filesystem (CONFIG_BPF_SYSCALL)");
}

static void probe_btf(struct feature_env *env, struct feature_result *r)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	unsigned char magic[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;

	if (fd >= 0)
		close(fd);
	/* 0xeB9F, in the kernel's byte order */
	struct sg_settings probe = { .flags = 0 };
	struct btf *btf = n == 2 ? task_cred_kernel_btf() : NULL;

	if (n == 2 &&
	    ((magic[0] == 0x9f && magic[1] == 0xeb) || (magic[0] == 0xeb && magic[1] == 0x9f)))
		feature_result_set(
			r, FEAT_OK, "%s; %s", path,
			task_cred_setup(&probe, NULL, btf) ?
				"connect programs may not read the caller's credentials here: the "
				"guard asks bpf_get_current_uid_gid()" :
			task_event_setup(&probe, NULL, btf) ?
				"the guard reads the caller's IDs from its credentials (no helper "
				"call); an event's process and cgroup come from the helpers" :
				"the guard reads the caller's IDs from its credentials and an "
				"event's process and cgroup from its task (no helper calls)");
	else
		feature_result_set(r, FEAT_MISSING, "%s %s", path,
				   fd < 0 ? "is absent" : "holds no BTF");
	btf__free(btf);
}

/* ---- BPF ---------------------------------------------------------------- */

static void probe_sock_addr(struct feature_env *env, struct feature_result *r)
{
	static const enum bpf_attach_type types[2] = { BPF_CGROUP_INET4_CONNECT,
						       BPF_CGROUP_INET6_CONNECT };
	int err[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		if (env->prog_fd[i] < 0)
			env->prog_fd[i] = load_connect_prog(types[i], allow_all, 2, NULL, 0);
		if (env->prog_fd[i] < 0)
			err[i] = errno;
	}
	if (!err[0] && !err[1])
		feature_result_set(r, FEAT_OK, "cgroup/connect4 and cgroup/connect6 programs load");
	else if (err[0] == EPERM || err[1] == EPERM)
		feature_result_set(
			r, FEAT_MISSING,
			"the kernel refused to load a trivial program: EPERM (root, "
			"or CAP_BPF + CAP_NET_ADMIN, is needed; or a lockdown/LSM policy)");
	else
		feature_result_set(
			r, FEAT_MISSING,
			"the kernel refused a trivial cgroup/connect%s program: %s (CONFIG_CGROUP_BPF)",
			err[0] ? "4" : "6", errname(err[0] ? err[0] : err[1]));
}

/* Remove throwaway cgroups left by a probe that was killed (its PID is gone). */
static void remove_stale_probe_cgroups(const char *parent)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(parent);

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *pid = de->d_name + strlen(PROBE_CGROUP_PREFIX);
		char *end;
		long n;

		if (strncmp(de->d_name, PROBE_CGROUP_PREFIX, strlen(PROBE_CGROUP_PREFIX)))
			continue;
		n = strtol(pid, &end, 10);
		if (*end || n <= 0 || !kill((pid_t)n, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		rmdir(path);
	}
	closedir(d);
}

static bool is_cgroup2_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool yes = fd >= 0 && !cgroup2_check_fd(fd);

	if (fd >= 0)
		close(fd);
	return yes;
}

/*
 * The throwaway cgroup below where the guard would attach, or below the
 * cgroup v2 root when that is not a cgroup (load says so itself, later).
 * 0 or -errno.
 */
static int probe_cgroup_open(struct feature_env *env)
{
	const char *parent = env->cgroup ? env->cgroup : env->cgroup2;

	if (env->probe_cgroup_fd >= 0)
		return 0;
	if (!is_cgroup2_dir(parent))
		parent = env->cgroup2;
	if (!parent[0] || !is_cgroup2_dir(parent))
		return -ENOENT;
	remove_stale_probe_cgroups(parent);
	snprintf(env->probe_cgroup, sizeof(env->probe_cgroup), "%s/" PROBE_CGROUP_PREFIX "%d",
		 parent, (int)getpid());
	if (mkdir(env->probe_cgroup, 0700) && errno != EEXIST) {
		int err = -errno;

		env->probe_cgroup[0] = '\0';
		return err;
	}
	env->probe_cgroup_fd = open(env->probe_cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return env->probe_cgroup_fd < 0 ? -errno : 0;
}

static int link_create(int prog_fd, int target_fd, enum bpf_attach_type type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (__u32)prog_fd;
	a.link_create.target_fd = (__u32)target_fd;
	a.link_create.attach_type = type;
	return sys_bpf(BPF_LINK_CREATE, &a);
}

static int link_update(int link_fd, int prog_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = (__u32)link_fd;
	a.link_update.new_prog_fd = (__u32)prog_fd;
	return sys_bpf(BPF_LINK_UPDATE, &a);
}

/*
 * A link on the throwaway cgroup, updated in place (what load does to a
 * loaded guard), then closed: unpinned, it detaches with its last fd.
 * Where no cgroup can be made (a read-only cgroupfs), systemd's probe:
 * BPF_LINK_CREATE on fd -1 gives EBADF on a kernel that knows the command.
 */
static void probe_cgroup_link(struct feature_env *env, struct feature_result *r)
{
	int err, link_fd, prog = env->prog_fd[0];

	if (prog < 0) {
		feature_result_set(r, FEAT_MISSING,
				   "not tried: no cgroup/connect4 program could be loaded");
		return;
	}
	err = probe_cgroup_open(env);
	if (err) {
		link_fd = link_create(prog, -1, BPF_CGROUP_INET4_CONNECT);
		if (link_fd < 0 && errno == EBADF)
			feature_result_set(r, FEAT_OK,
					   "BPF_LINK_CREATE is known (not tried on a cgroup: %s)",
					   strerror(-err));
		else
			feature_result_set(r, FEAT_MISSING, "BPF_LINK_CREATE refused: %s",
					   errname(errno));
		if (link_fd >= 0)
			close(link_fd);
		return;
	}
	link_fd = link_create(prog, env->probe_cgroup_fd, BPF_CGROUP_INET4_CONNECT);
	if (link_fd < 0) {
		feature_result_set(r, FEAT_MISSING, "BPF_LINK_CREATE on a cgroup refused: %s",
				   errname(errno));
		return;
	}
	if (link_update(link_fd, env->prog_fd[0]))
		feature_result_set(r, FEAT_MISSING,
				   "a cgroup link was made, but BPF_LINK_UPDATE refused: %s",
				   errname(errno));
	else
		feature_result_set(
			r, FEAT_OK,
			"a link on a throwaway cgroup was made, updated in place and removed");
	close(link_fd);
}

static void probe_link_detach(struct feature_env *env, struct feature_result *r)
{
	union bpf_attr a;
	int link_fd;

	if (env->prog_fd[0] < 0 || probe_cgroup_open(env)) {
		feature_result_set(r, FEAT_MISSING, "not tried: no program or no throwaway cgroup");
		return;
	}
	link_fd = link_create(env->prog_fd[0], env->probe_cgroup_fd, BPF_CGROUP_INET4_CONNECT);
	if (link_fd < 0) {
		feature_result_set(r, FEAT_MISSING, "not tried: BPF_LINK_CREATE refused");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = (__u32)link_fd;
	if (sys_bpf(BPF_LINK_DETACH, &a))
		feature_result_set(
			r, FEAT_MISSING,
			"BPF_LINK_DETACH refused (%s): unload detaches when the last pin goes instead",
			errname(errno));
	else
		feature_result_set(r, FEAT_OK, "a cgroup link was detached explicitly");
	close(link_fd);
}

static void probe_ringbuf(struct feature_env *env, struct feature_result *r)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = 4096;
	fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0) {
		feature_result_set(r, FEAT_MISSING, "a BPF_MAP_TYPE_RINGBUF map was refused: %s",
				   errname(errno));
		return;
	}
	close(fd);
	feature_result_set(r, FEAT_OK, "a ring buffer map was created");
}

/*
 * Is a helper callable from a cgroup/connect4 program? As libbpf's probe:
 * the program may fail for other reasons (its arguments are nonsense), but
 * only an unknown helper makes the verifier name the helper as unusable.
 */
static int helper_known(int helper)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = helper },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = ""; /* all of it: valgrind cannot tell what the verifier wrote */
	int fd = load_connect_prog(BPF_CGROUP_INET4_CONNECT, insns, 3, log, sizeof(log));

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno == EPERM)
		return -EPERM;
	/* The wording of kernels before 6.0, and of later ones. */
	return !strstr(log, "unknown func") && !strstr(log, "invalid func") &&
	       !strstr(log, "program of this type cannot use helper");
}

static const struct {
	int id;
	const char *name;
	const char *since;
} needed_helpers[] = {
	{ BPF_FUNC_get_current_uid_gid, "get_current_uid_gid", "4.17" },
	{ BPF_FUNC_get_current_pid_tgid, "get_current_pid_tgid", "5.7" },
	{ BPF_FUNC_get_current_comm, "get_current_comm", "5.7" },
	{ BPF_FUNC_get_current_cgroup_id, "get_current_cgroup_id", "5.7" },
	{ BPF_FUNC_ktime_get_boot_ns, "ktime_get_boot_ns", "5.8" },
	{ BPF_FUNC_ringbuf_reserve, "ringbuf_reserve", "5.8" },
	{ BPF_FUNC_ringbuf_submit, "ringbuf_submit", "5.8" },
	{ BPF_FUNC_tail_call, "tail_call", "4.17" },
};

static void probe_helpers(struct feature_env *env, struct feature_result *r)
{
	char missing[FEATURE_DETAIL_MAX] = "";
	size_t used = 0;

	if (env->prog_fd[0] < 0) {
		feature_result_set(r, FEAT_MISSING,
				   "not tried: no cgroup/connect4 program could be loaded");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(needed_helpers); i++) {
		if (helper_known(needed_helpers[i].id) == 1)
			continue;
		used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%sbpf_%s (%s)",
					 used ? ", " : "", needed_helpers[i].name,
					 needed_helpers[i].since);
		if (used >= sizeof(missing))
			break;
	}
	if (missing[0])
		feature_result_set(r, FEAT_MISSING, "not callable from cgroup/connect4: %s",
				   missing);
	else
		feature_result_set(r, FEAT_OK, "all %zu helpers the program calls are there",
				   ARRAY_SIZE(needed_helpers));
}

static void probe_netns_cookie(struct feature_env *env, struct feature_result *r)
{
	int known;

	if (env->prog_fd[0] < 0) {
		feature_result_set(r, FEAT_MISSING,
				   "not tried: no cgroup/connect4 program could be loaded");
		return;
	}
	known = helper_known(BPF_FUNC_get_netns_cookie);
	if (known == 1)
		feature_result_set(r, FEAT_OK,
				   "bpf_get_netns_cookie() is callable from cgroup/connect4");
	else
		feature_result_set(r, FEAT_MISSING,
				   "bpf_get_netns_cookie() is not callable from cgroup/connect4");
}

/* A cgroup_skb/egress program that passes everything: can the guard's load at all? */
static bool egress_prog_loads(void)
{
	struct bpf_insn pass[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return !task_cred_try_load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, pass, 2);
}

/*
 * The packet path, and which of its forms this kernel gives (egress_owner.h):
 * a degraded one decides NAT'd or raw SYNs as nobody's.
 */
static void probe_egress(struct feature_env *env, struct feature_result *r)
{
	struct sg_settings s = { .flags = 0 };
	struct egress_forms f;
	struct btf *btf;

	(void)env;
	if (!egress_prog_loads()) {
		feature_result_set(r, FEAT_MISSING, "a cgroup_skb/egress program does not load");
		return;
	}
	btf = task_cred_kernel_btf();
	task_cred_setup(&s, NULL, btf);
	egress_owner_setup(&s, &f, btf);
	btf__free(btf);
	if (!f.sock && !f.task)
		feature_result_set(r, FEAT_OK,
				   "NAT'd SYNs are decided on their socket's owner, raw ones on "
				   "their sender");
	else
		feature_result_set(
			r, FEAT_WARN, "DEGRADED: %s%s%s",
			f.sock ? "NAT'd SYNs are nobody's, refused unless allow_dest or a "
				 "rule for anyone allows them (needs kernel BTF)" :
				 "",
			f.sock && f.task ? "; " : "",
			f.task ? "raw SYNs are nobody's, root's too (no "
				 "bpf_get_current_task_btf() for cgroup_skb)" :
				 "");
}

/* ---- what there is to guard -------------------------------------------- */

static int read_sysctl(const char *path, long *val)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*val = strtol(buf, NULL, 10);
	return 0;
}

static void probe_io_uring(struct feature_env *env, struct feature_result *r)
{
	struct io_uring_params params;
	struct {
		struct io_uring_probe p;
		struct io_uring_probe_op ops[256];
	} probe;
	long disabled = 0;
	int fd;

	memset(&params, 0, sizeof(params));
	fd = (int)syscall(__NR_io_uring_setup, 1, &params);
	if (fd < 0) {
		int err = errno;

		if (err == ENOSYS)
			feature_result_set(
				r, FEAT_INFO,
				"not in this kernel (CONFIG_IO_URING): no io_uring vector");
		else if (!read_sysctl("/proc/sys/kernel/io_uring_disabled", &disabled) && disabled)
			feature_result_set(r, FEAT_INFO,
					   "disabled (kernel.io_uring_disabled = %ld)", disabled);
		else
			feature_result_set(r, FEAT_INFO, "io_uring_setup refused: %s",
					   errname(err));
		return;
	}
	memset(&probe, 0, sizeof(probe));
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, &probe, 256) < 0)
		feature_result_set(
			r, FEAT_INFO,
			"present; its operations cannot be listed (IORING_REGISTER_PROBE, "
			"5.6)");
	else if (probe.p.last_op >= IORING_OP_CONNECT &&
		 probe.ops[IORING_OP_CONNECT].flags & IO_URING_OP_SUPPORTED)
		feature_result_set(r, FEAT_INFO,
				   "IORING_OP_CONNECT present: its connects run the same hooks "
				   "(guarded)");
	else
		feature_result_set(
			r, FEAT_INFO,
			"present, without IORING_OP_CONNECT: no io_uring connect vector");
	close(fd);
}

static void probe_mptcp(struct feature_env *env, struct feature_result *r)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	long enabled = 1;

	if (fd >= 0) {
		close(fd);
		feature_result_set(r, FEAT_INFO,
				   "present: an MPTCP connect runs the same hooks (guarded)");
		return;
	}
	if (!read_sysctl("/proc/sys/net/mptcp/enabled", &enabled) && !enabled)
		feature_result_set(r, FEAT_INFO, "built in, disabled (net.mptcp.enabled = 0)");
	else
		feature_result_set(r, FEAT_INFO,
				   "not in this kernel (CONFIG_MPTCP): no MPTCP vector");
}

static void probe_unpriv_bpf(struct feature_env *env, struct feature_result *r)
{
	long v;

	if (read_sysctl("/proc/sys/kernel/unprivileged_bpf_disabled", &v))
		feature_result_set(r, FEAT_INFO,
				   "kernel.unprivileged_bpf_disabled is not readable");
	else if (v)
		feature_result_set(r, FEAT_OK, "kernel.unprivileged_bpf_disabled = %ld", v);
	else
		feature_result_set(
			r, FEAT_WARN,
			"kernel.unprivileged_bpf_disabled = 0: any account may load BPF socket "
			"filters (not cgroup programs); set it to 2");
}

/* ---- the guard ----------------------------------------------------------- */

static void probe_guard_state(struct feature_env *env, struct feature_result *r)
{
	char problem[512];
	struct guard g;
	int state = guard_open(env->pin_dir, &g, problem, sizeof(problem));

	guard_close(&g);
	if (state == GUARD_LOADED)
		feature_result_set(r, FEAT_OK, "loaded at %s (smtpguard status tells more)",
				   env->pin_dir);
	else if (state == GUARD_NOT_LOADED)
		feature_result_set(r, FEAT_INFO, "not loaded at %s", env->pin_dir);
	else if (state == GUARD_DAMAGED)
		feature_result_set(r, FEAT_WARN, "DAMAGED at %s: %s; smtpguard load repairs it",
				   env->pin_dir, problem);
	else
		feature_result_set(r, FEAT_INFO, "cannot be read at %s: %s", env->pin_dir,
				   strerror(-state));
}

/* ---- the tables ---------------------------------------------------------- */

/* clang-format off */
static const struct feature_check kernel_rows[] = {
	{ "kernel", "kernel", NULL, NEED_INFO, NULL, probe_kernel },
	{ "cgroup2", "cgroup v2", "Linux 4.5", NEED_REQUIRED,
	  "the programs attach to a cgroup v2 directory", probe_cgroup2 },
	{ "bpffs", "BPF filesystem", "Linux 4.4", NEED_REQUIRED,
	  "the guard is pinned there, so it outlives the loader", probe_bpffs },
	{ "sock_addr", "cgroup connect programs", "Linux 4.17", NEED_REQUIRED,
	  "the guard is a cgroup/connect4 + connect6 program (CONFIG_CGROUP_BPF)", probe_sock_addr },
	{ "cgroup_link", "bpf_link for cgroups", "Linux 5.7", NEED_REQUIRED,
	  "the guard is attached and replaced in place through links (BPF_LINK_CREATE, "
	  "BPF_LINK_UPDATE)", probe_cgroup_link },
	{ "ringbuf", "BPF ring buffer", "Linux 5.8", NEED_REQUIRED,
	  "refused attempts are reported through it (monitor, alerts)", probe_ringbuf },
	{ "helpers", "BPF helpers", "Linux 5.8", NEED_REQUIRED,
	  "the program calls them", probe_helpers },
	{ "netns_cookie", "netns cookie helper", "Linux 5.7", NEED_REQUIRED,
	  "local exemptions apply only in the host's own network namespace", probe_netns_cookie },
	{ "egress", "packet path", "Linux 5.3", NEED_REQUIRED,
	  "SYNs that connect() did not decide (NAT in a container, raw sockets) are decided as "
	  "they leave", probe_egress },
	{ "link_detach", "BPF_LINK_DETACH", "Linux 5.9", NEED_OPTIONAL,
	  "unload detaches explicitly; without it the hooks go with the last pin",
	  probe_link_detach },
	{ "btf", "kernel BTF", "Linux 5.4", NEED_OPTIONAL,
	  "the guard loads without it (no CO-RE), and then asks a helper for the caller's IDs, "
	  "one call more per guarded connect; bpftool's C dumps and scripts/gen-vmlinux.sh use it",
	  probe_btf },
	{ "unprivileged_bpf", "unprivileged BPF", NULL, NEED_INFO, NULL, probe_unpriv_bpf },
};

static const struct feature_check vector_rows[] = {
	{ "io_uring", "io_uring connect", "Linux 5.5", NEED_INFO, NULL, probe_io_uring },
	{ "mptcp", "MPTCP", "Linux 5.6", NEED_INFO, NULL, probe_mptcp },
};

static const struct feature_check guard_rows[] = {
	{ "guard", "this guard", NULL, NEED_INFO, NULL, probe_guard_state },
};

const struct feature_section feature_sections[] = {
	{ "kernel", kernel_rows, ARRAY_SIZE(kernel_rows), true },
	{ "ways to connect that the guard covers", vector_rows,
	  ARRAY_SIZE(vector_rows), false },
	{ "guard", guard_rows, ARRAY_SIZE(guard_rows), false },
	{ "old SMTP blocks still in force", incumbent_rows, INCUMBENT_N_ROWS, false },
};
/* clang-format on */

const size_t feature_n_sections = ARRAY_SIZE(feature_sections);

const char *feature_status_name(enum feature_status s)
{
	static const char *const names[] = { "ok", "missing", "warning", "info" };

	return names[s];
}

void feature_env_init(struct feature_env *env, const char *pin_dir, const char *cgroup)
{
	memset(env, 0, sizeof(*env));
	env->pin_dir = pin_dir;
	env->cgroup = cgroup;
	env->probe_cgroup_fd = -1;
	env->prog_fd[0] = env->prog_fd[1] = -1;
	compat_bump_memlock();
	/* Rows that need the cgroup v2 mount run after it is found. */
	if (cgroup2_root(env->cgroup2, sizeof(env->cgroup2)))
		env->cgroup2[0] = '\0';
}

void feature_env_free(struct feature_env *env)
{
	for (int i = 0; i < 2; i++)
		if (env->prog_fd[i] >= 0)
			close(env->prog_fd[i]);
	if (env->probe_cgroup_fd >= 0)
		close(env->probe_cgroup_fd);
	if (env->probe_cgroup[0] && rmdir(env->probe_cgroup))
		log_warn("cannot remove the probe's cgroup %s: %s", env->probe_cgroup,
			 strerror(errno));
	env->prog_fd[0] = env->prog_fd[1] = env->probe_cgroup_fd = -1;
	env->probe_cgroup[0] = '\0';
	free(env->incumbents);
	env->incumbents = NULL;
}

void feature_run(const struct feature_check *c, struct feature_env *env, struct feature_result *r)
{
	r->status = FEAT_INFO;
	r->detail[0] = '\0';
	c->probe(env, r);
}

bool features_ready(const char *pin_dir, const char *cgroup)
{
	struct feature_env env;
	struct feature_result r;
	bool ready = true;

	feature_env_init(&env, pin_dir, cgroup);
	for (size_t s = 0; s < feature_n_sections; s++) {
		const struct feature_section *sec = &feature_sections[s];

		for (size_t i = 0; sec->for_load && i < sec->n_rows; i++) {
			const struct feature_check *c = &sec->rows[i];

			if (c->need != NEED_REQUIRED)
				continue;
			feature_run(c, &env, &r);
			if (r.status != FEAT_MISSING)
				continue;
			log_err("this kernel lacks %s (%s%s): %s; %s", c->name,
				c->since ? "since " : "", c->since ? c->since : "", r.detail,
				c->used_for);
			ready = false;
		}
	}
	feature_env_free(&env);
	if (!ready)
		log_err("nothing was loaded; 'smtpguard check' shows what this host has");
	return ready;
}
