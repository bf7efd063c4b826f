// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * run_basic.c - the rows that make up most of the suite: a probe as someone,
 * a CLI call and its output, a shell command, a configuration file's text,
 * the list snapshot, and damage done behind the guard's back. Also the
 * helpers the other runners share (become, probe_as, expand, run_cli).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "e2e.h"
#include "runners.h"
#include "steps.h"

const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return "connected";
	case EPERM:
		return "EPERM";
	case PROBE_UNSUPPORTED:
		return "unsupported";
	default:
		return strerror(e);
	}
}

/*
 * In a child: join w's cgroup and take w's identity for good (real, effective
 * and saved IDs, no supplementary groups). 0, 255 on failure, or
 * PROBE_UNSUPPORTED when w's group does not exist on this host.
 */
int become(const struct ctx *c, const struct who *w)
{
	const char *cg = w->cg == CG_NESTED ? c->nested : c->cgroup;
	char procs[4200];
	unsigned int gid = w->gid;
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return 255;
	close(fd);
	if (w->gid_group) {
		struct group *gr = getgrnam(w->gid_group);

		if (!gr)
			return PROBE_UNSUPPORTED;
		gid = gr->gr_gid;
	}
	if (w->in_container) {
		int ns = open(c->ct_netns, O_RDONLY | O_CLOEXEC);

		if (ns < 0 || setns(ns, CLONE_NEWNET))
			return 255;
		close(ns);
	}
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(w->uid, w->uid, w->uid))
		return 255;
	return 0;
}

static void __attribute__((noreturn))
probe_child(const struct ctx *c, const struct who *w, const struct probe *p)
{
	int err = become(c, w);

	_exit(err ? err : probe_run(p));
}

int probe_as_pid(const struct ctx *c, const struct who *w, const struct probe *p, pid_t *child)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 255;
	if (pid == 0)
		probe_child(c, w, p);
	if (child)
		*child = pid;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

int probe_as(const struct ctx *c, const struct who *w, const struct probe *p)
{
	return probe_as_pid(c, w, p, NULL);
}

/* Copy in to out with {VETH}, {WORK} and {CG} replaced. */
const char *expand(const struct ctx *c, const char *in, char *out, size_t len)
{
	static const char *const keys[] = { "{VETH}", "{WORK}", "{CG}", "{FREE_CG}", "{HELPER}",
					    "{BIN}",  "{PIN}",	"{CT}", "{MX}" };
	const char *vals[] = { c->veth, c->workdir, c->cgroup,	 c->free_cgroup, c->helper,
			       c->bin,	c->pin_dir, c->ct_netns, c->mx_netns };
	size_t used = 0;

	if (!in)
		return NULL;
	while (*in && used + 1 < len) {
		bool hit = false;

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !hit; k++) {
			size_t n = strlen(keys[k]);

			if (!strncmp(in, keys[k], n)) {
				used += (size_t)snprintf(out + used, len - used, "%s", vals[k]);
				in += n;
				hit = true;
			}
		}
		if (!hit)
			out[used++] = *in++;
	}
	out[used < len ? used : len - 1] = '\0';
	return out;
}

struct probe expand_probe(const struct ctx *c, const struct probe *in, struct probe_bufs *b)
{
	struct probe p = *in;

	p.addr = expand(c, in->addr, b->addr, sizeof(b->addr));
	p.bind_dev = expand(c, in->bind_dev, b->dev, sizeof(b->dev));
	p.helper = expand(c, in->helper, b->helper, sizeof(b->helper));
	p.cgroup_to = expand(c, in->cgroup_to, b->cgroup_to, sizeof(b->cgroup_to));
	return p;
}

void run_conn(struct ctx *c, size_t i, const struct step *s)
{
	struct probe_bufs bufs;
	struct probe pr = expand_probe(c, &s->conn.probe, &bufs), *p = &pr;
	int got;

	got = probe_as(c, s->conn.who, p);

	if (got == PROBE_SETUP_FAILED) {
		t_result(&c->report, false, "[%zu] %s: %s: the probe could not take its identity",
			 i, s->conn.who->label, probe_method_name(p->method));
		return;
	}
	if (got == PROBE_UNSUPPORTED) {
		t_skip(&c->report, "[%zu] %s: %s to %s port %u: not supported by this kernel", i,
		       s->conn.who->label, probe_method_name(p->method), p->addr, p->port);
		return;
	}
	t_result(&c->report, got == s->conn.expect,
		 "[%zu] %s: %s to %s port %u%s%s: %s (expected %s)", i, s->conn.who->label,
		 probe_method_name(p->method), p->addr, p->port,
		 p->bind_dev ? ", bound to device " : "", p->bind_dev ? p->bind_dev : "",
		 got == 255 ? "probe setup failed" : errno_name(got), errno_name(s->conn.expect));
}

int cli_argv(const struct ctx *c, const char *args, enum conf conf, const char *cgroup, char *buf,
	     size_t len, char **argv)
{
	char *save = NULL;
	int argc = 0;

	expand(c, args, buf, len);
	argv[argc++] = (char *)c->bin;
	for (char *t = strtok_r(buf, " ", &save); t && argc < 16; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (!strstr(args, "--pin-dir")) {
		argv[argc++] = "--pin-dir";
		argv[argc++] = (char *)c->pin_dir;
	}
	if (conf != CONF_NONE) {
		argv[argc++] = "--config";
		argv[argc++] = (char *)c->conf_path[conf];
	}
	if (!strncmp(args, "load", 4) && !strstr(args, "--cgroup")) {
		argv[argc++] = "--cgroup";
		argv[argc++] = (char *)(cgroup ? cgroup : c->cgroup);
	}
	argv[argc] = NULL;
	return argc;
}

int run_cli(const struct ctx *c, const char *args, enum conf conf, unsigned int as_uid,
	    const char *env, const char *cgroup, char *out, size_t out_len)
{
	char buf[1024], envbuf[1024], *argv[CLI_ARGV_MAX];
	int pipefd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	cli_argv(c, args, conf, cgroup, buf, sizeof(buf), argv);
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		/*
		 * Open the binary while still root: a clone under /root (0700)
		 * cannot be reached by path once the child is another user.
		 */
		int bin_fd = open(c->bin, O_PATH | O_CLOEXEC);

		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (resolver_enter(c)) {
			perror("e2e_guard: the rows' own resolver");
			_exit(127);
		}
		if (as_uid && (setgroups(0, NULL) || setresgid(as_uid, as_uid, as_uid) ||
			       setresuid(as_uid, as_uid, as_uid))) {
			perror("e2e_guard: dropping privileges");
			_exit(127);
		}
		if (env && expand(c, env, envbuf, sizeof(envbuf)))
			putenv(envbuf);
		fexecve(bin_fd, argv, environ);
		perror("e2e_guard: exec smtpguard");
		_exit(127);
	}
	close(pipefd[1]);
	while (used + 1 < out_len && (n = read(pipefd[0], out + used, out_len - used - 1)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

void run_cli_step(struct ctx *c, size_t i, const struct step *s)
{
	static char out[1 << 16];
	const char *why = NULL;
	char want[4200];
	int code = run_cli(c, s->cli.args, s->cli.conf, s->cli.as_uid, s->cli.env, NULL, out,
			   sizeof(out));

	if (code != s->cli.exit_code)
		why = "wrong exit code";
	for (int k = 0; !why && k < 4 && s->cli.want[k]; k++)
		if (!strstr(out, expand(c, s->cli.want[k], want, sizeof(want))))
			why = s->cli.want[k];
	if (!why && s->cli.unwanted && strstr(out, s->cli.unwanted))
		why = "output holds what it must not";
	t_result(&c->report, !why, "[%zu] smtpguard %s (%s%s): exit %d%s%s%s%s", i, s->cli.args,
		 confs[s->cli.conf].file, s->cli.as_uid ? ", not root" : "", code, why ? ": " : "",
		 why ? why : "", why ? "\n--- output ---\n" : "", why ? out : "");
}

/* Write text to path the way an admin's editor would: a 0644 temporary file renamed over it. */
bool write_conf_file(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return false;
	if (fchmod(fileno(f), 0644) || fputs(text, f) < 0) {
		fclose(f);
		return false;
	}
	return !fclose(f) && !rename(tmp, path);
}

/* Run a shell command; it must succeed. */
void run_sh(struct ctx *c, size_t i, const struct step *s)
{
	char cmd[2048];
	int status;

	expand(c, s->cmd, cmd, sizeof(cmd));
	status = system(cmd);
	t_result(&c->report, status == 0, "[%zu] sh: %s%s", i, cmd, status == 0 ? "" : ": failed");
}

bool read_text_from(const char *path, size_t from, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	if (fseek(f, (long)from, SEEK_SET)) {
		fclose(f);
		return false;
	}
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return true;
}

bool read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return true;
}

void run_file_check(struct ctx *c, size_t i, const struct step *s)
{
	static char text[1 << 16];
	const char *why = NULL;

	if (!read_text(c->conf_path[s->file.conf], text, sizeof(text)))
		why = "cannot read it";
	for (int k = 0; !why && k < 4 && s->file.want[k]; k++)
		if (!strstr(text, s->file.want[k]))
			why = s->file.want[k];
	if (!why && s->file.unwanted && strstr(text, s->file.unwanted))
		why = "it holds what it must not";
	t_result(&c->report, !why, "[%zu] %s holds what the edits should leave%s%s%s%s", i,
		 confs[s->file.conf].file, why ? ": " : "", why ? why : "",
		 why ? "\n--- file ---\n" : "", why ? text : "");
}

/* "list --json" now, compared with (S_SAME) or kept as (S_SNAP) the snapshot. */
void run_snapshot(struct ctx *c, size_t i, const struct step *s)
{
	static char now[1 << 16];
	int code = run_cli(c, "list --json", CONF_TEST, 0, NULL, NULL, now, sizeof(now));

	if (s->kind == S_SNAP) {
		snprintf(c->snapshot, sizeof(c->snapshot), "%s", now);
		t_result(&c->report, code == 0, "[%zu] snapshot of list --json", i);
		return;
	}
	t_result(&c->report, code == 0 && !strcmp(now, c->snapshot),
		 "[%zu] list --json is unchanged since the snapshot%s%s", i,
		 code == 0 && !strcmp(now, c->snapshot) ? "" : ":\n--- now ---\n",
		 code == 0 && !strcmp(now, c->snapshot) ? "" : now);
}

/* Damage the guard the way an admin's rm or bpftool would. */
void run_tamper(struct ctx *c, size_t i, const struct step *s)
{
	char path[4200];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, s->pin);
	if (s->kind == S_UNPIN) {
		err = unlink(path) ? errno : 0;
	} else {
		fd = bpf_obj_get(path);
		err = fd < 0 || bpf_link_detach(fd) ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	t_result(&c->report, !err, "[%zu] %s %s behind the guard's back%s%s", i,
		 s->kind == S_UNPIN ? "rm" : "bpf_link_detach", path, err ? ": " : "",
		 err ? strerror(err) : "");
}
