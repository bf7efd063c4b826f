// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* roles.c - resolve @mta and @mailman; see roles.h. */
#include <errno.h>
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
 * Run argv (looked up on PATH) with stdin from /dev/null; its stdout goes to
 * out. 0 when it exited 0 within the time limit; a hung binary is killed.
 */
static int run_capture(char *const argv[], char *out, size_t len)
{
	long deadline = now_ms() + ROLE_TIMEOUT_MS;
	int pipefd[2], status, ret = -1;
	size_t used = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 2);
		dup2(pipefd[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			log_warn("%s did not answer within %d ms; killed", argv[0],
				 ROLE_TIMEOUT_MS);
			kill(pid, SIGKILL);
			break;
		}
		n = read(pipefd[0], out + used, len - used - 1);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used + 1 >= len)
			break;
	}
	out[used] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
		ret = 0;
	return ret;
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

static void ask_exim_once(struct role_cache *c)
{
	static const char *const bins[] = { "exim", "exim4" };

	if (c->exim_asked)
		return;
	c->exim_asked = true;
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		char *argv[] = { (char *)bins[i], "-bP", "exim_user", "exim_group", NULL };

		if (!run_capture(argv, c->exim_text, sizeof(c->exim_text))) {
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
	char *argv[] = { "postconf", "-h", "mail_owner", NULL };
	char *text = c->postconf_text;

	if (!c->postconf_asked) {
		c->postconf_asked = true;
		if (run_capture(argv, text, sizeof(c->postconf_text)))
			text[0] = '\0';
		text[strcspn(text, " \n")] = '\0';
	}
	if (!text[0])
		return;
	add_user_or_primary_group(out, kind, text);
	snprintf(out->source + strlen(out->source), sizeof(out->source) - strlen(out->source),
		 "%spostconf", out->source[0] ? ", " : "");
}

static void resolve_mta(enum id_kind kind, struct role_cache *c, struct role_ids *out)
{
	static const char *const known[] = { "mailnull", "Debian-exim", "exim" };

	if (!ask_exim(kind, c, out)) {
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			add_user_or_primary_group(out, kind, known[i]);
		if (out->n)
			snprintf(out->source, sizeof(out->source), "known Exim accounts");
	}
	ask_postfix(kind, c, out);
}

static void resolve_mailman(enum id_kind kind, struct role_ids *out)
{
	struct stat st;
	__u32 id;

	if (!identity_lookup(kind, "mailman", &id)) {
		add_id(out, id);
		snprintf(out->source, sizeof(out->source), "account mailman");
		return;
	}
	for (size_t i = 0; i < sizeof(mailman_dirs) / sizeof(mailman_dirs[0]); i++) {
		if (stat(mailman_dirs[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		if (!identity_lookup(kind, "list", &id)) {
			add_id(out, id);
			snprintf(out->source, sizeof(out->source), "account list (%s)",
				 mailman_dirs[i]);
		}
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
