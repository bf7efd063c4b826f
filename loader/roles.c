// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* roles.c - resolve @mta and @mailman; see roles.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "roles.h"

/* Installations of Mailman that make Debian's "list" account its user. */
static const char *const mailman_dirs[] = { "/var/lib/mailman", "/var/lib/mailman3",
					    "/usr/lib/mailman",
					    "/usr/local/cpanel/3rdparty/mailman" };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Where the MTA binaries may be. Not the caller's PATH: smtpguard runs as
 * root, and an admin's PATH may hold "." or a writable directory, while what
 * the binary prints decides who may send mail. SMTPGUARD_MTA_PATH replaces
 * the list (the tests use it for stand-ins).
 */
#define MTA_SEARCH_PATH "/usr/sbin:/usr/local/sbin:/sbin:/usr/bin:/usr/local/bin:/bin"

/* A binary smtpguard may run as root: owned by root, writable by nobody else. */
static bool trusted_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && st.st_uid == 0 &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH)) && (st.st_mode & S_IXUSR);
}

static bool find_binary(const char *name, char *out, size_t len)
{
	const char *list = getenv("SMTPGUARD_MTA_PATH");
	char dirs[1024], *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s", list && *list ? list : MTA_SEARCH_PATH);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue; /* never a relative directory */
		snprintf(out, len, "%s/%s", d, name);
		if (!access(out, F_OK)) {
			if (trusted_file(out))
				return true;
			log_warn("not running %s: it must be owned by root and not writable by "
				 "group or others",
				 out);
		}
	}
	return false;
}

/* Reap pid, killing its whole process group if it outlives the deadline. */
static int reap(pid_t pid, long deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(10 * 1000);
	}
}

/*
 * Run name (from the trusted directories) with args, stdin and stderr on
 * /dev/null; its stdout goes to out. 0 when it exited 0 within the time
 * limit. It runs in its own process group, so a timeout kills everything it
 * started, and the wait for it is bounded too.
 */
static int run_capture(const char *name, char *const args[], char *out, size_t len)
{
	long deadline = now_ms() + ROLE_TIMEOUT_MS;
	char path[PATH_MAX], *argv[8];
	int pipefd[2], ret = 0;
	size_t used = 0, n = 0;
	pid_t pid;

	out[0] = '\0';
	if (!find_binary(name, path, sizeof(path)))
		return -ENOENT;
	argv[n++] = (char *)name;
	for (size_t i = 0; args[i] && n < 7; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(null, 2);
		dup2(pipefd[1], 1);
		execv(path, argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t r;
		int p;

		if (left <= 0) {
			log_warn("%s did not answer within %d ms; killed", path, ROLE_TIMEOUT_MS);
			kill(-pid, SIGKILL);
			ret = -1;
			break;
		}
		p = poll(&pfd, 1, (int)left);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			continue; /* the deadline check above decides */
		r = read(pipefd[0], out + used, len - used - 1);
		if (r <= 0)
			break;
		used += (size_t)r;
		if (used + 1 >= len)
			break;
	}
	out[used] = '\0';
	close(pipefd[0]);
	return reap(pid, deadline) || ret ? -1 : 0;
}

/* "key = value" from exim -bP output; value copied to buf. */
static const char *find_setting(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *v;
		size_t n;

		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '='))
			continue;
		v = line + klen + strspn(line + klen, " =");
		n = strcspn(v, " \n");
		if (!n || n >= len)
			return NULL;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static void add_id(struct role_ids *out, __u32 id)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->id[i] == id)
			return;
	if (out->n < ROLE_MAX_IDS)
		out->id[out->n++] = id;
}

/* A name or number as exim prints it, or a user's primary group. */
static void add_ident(struct role_ids *out, enum id_kind kind, const char *value)
{
	__u32 id;

	if (parse_is_number(value) ? !parse_u32(value, PARSE_MAX_ID, &id) :
				     !identity_lookup(kind, value, &id))
		add_id(out, id);
}

static void add_user_or_primary_group(struct role_ids *out, enum id_kind kind, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw)
		add_id(out, kind == ID_USER ? pw->pw_uid : pw->pw_gid);
}

/*
 * First UID of ordinary accounts (UID_MIN in /etc/login.defs, else 1000).
 * Accounts found by name alone must be below it: a customer who picked the
 * login "exim" or "mailman" must not become the MTA.
 */
static __u32 first_user_uid(void)
{
	char line[256];
	__u32 uid = 1000, v;
	FILE *f = fopen("/etc/login.defs", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char key[32], val[32];

		if (sscanf(line, "%31s %31s", key, val) == 2 && !strcmp(key, "UID_MIN") &&
		    !parse_u32(val, PARSE_MAX_ID, &v))
			uid = v;
	}
	if (f)
		fclose(f);
	return uid;
}

/* A system account by that name: its UID, or its primary group. */
static void add_system_account(struct role_ids *out, enum id_kind kind, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw)
		return;
	if (pw->pw_uid >= first_user_uid()) {
		log_warn("ignoring account %s for a role: UID %u is not a system account", user,
			 pw->pw_uid);
		return;
	}
	add_id(out, kind == ID_USER ? pw->pw_uid : pw->pw_gid);
}

static void ask_exim_once(struct role_cache *c)
{
	static const char *const bins[] = { "exim", "exim4" };

	if (c->exim_asked)
		return;
	c->exim_asked = true;
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		char *args[] = { "-bP", "exim_user", "exim_group", NULL };

		int err = run_capture(bins[i], args, c->exim_text, sizeof(c->exim_text));

		if (err != -ENOENT)
			c->exim_installed = true;
		if (!err) {
			snprintf(c->exim_bin, sizeof(c->exim_bin), "%s", bins[i]);
			return;
		}
	}
}

static bool ask_exim(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	char value[256];

	ask_exim_once(c);
	if (!c->exim_bin[0] ||
	    !find_setting(c->exim_text, kind == ID_USER ? "exim_user" : "exim_group", value,
			  sizeof(value)))
		return false;
	add_ident(out, kind, value);
	snprintf(out->source, sizeof(out->source), "%s -bP", c->exim_bin);
	return true;
}

static void ask_postfix(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	char *args[] = { "-h", "mail_owner", NULL };
	char *text = c->postconf_text;

	if (!c->postconf_asked) {
		c->postconf_asked = true;
		if (run_capture("postconf", args, text, sizeof(c->postconf_text)))
			text[0] = '\0';
		text[strcspn(text, " \n")] = '\0';
	}
	if (!text[0])
		return;
	add_user_or_primary_group(out, kind, text);
	snprintf(out->source + strlen(out->source), sizeof(out->source) - strlen(out->source),
		 "%spostconf", out->source[0] ? ", " : "");
}

/*
 * Exim's answer, else (Exim installed but silent: broken, hung, mid-upgrade)
 * its known accounts; Postfix's mail_owner too. Without an installed Exim the
 * known names mean nothing: a leftover "mailnull" of a removed MTA stays out.
 */
static void resolve_mta(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	static const char *const known[] = { "mailnull", "Debian-exim", "exim" };

	if (!ask_exim(kind, c, out) && c->exim_installed) {
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			add_system_account(out, kind, known[i]);
		if (out->n)
			snprintf(out->source, sizeof(out->source), "known Exim accounts");
	}
	ask_postfix(kind, c, out);
}

static void resolve_mailman(enum id_kind kind, struct role_ids *out)
{
	struct stat st;

	add_system_account(out, kind, "mailman");
	if (out->n) {
		snprintf(out->source, sizeof(out->source), "account mailman");
		return;
	}
	for (size_t i = 0; i < sizeof(mailman_dirs) / sizeof(mailman_dirs[0]); i++) {
		if (stat(mailman_dirs[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		add_system_account(out, kind, "list");
		if (out->n)
			snprintf(out->source, sizeof(out->source), "account list (%s)",
				 mailman_dirs[i]);
		return;
	}
}

void roles_resolve(enum sg_role role, enum id_kind kind, struct role_cache *cache,
		   struct role_ids *out)
{
	memset(out, 0, sizeof(*out));
	if (role == ROLE_MTA)
		resolve_mta(kind, cache, out);
	else if (role == ROLE_MAILMAN)
		resolve_mailman(kind, out);
	log_debug("%s %ss: %zu found (%s)", config_role_name(role), identity_kind_word(kind),
		  out->n, out->source[0] ? out->source : "nothing");
}
