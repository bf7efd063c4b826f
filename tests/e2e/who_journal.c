// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * who_journal.c - the which-script rows of the journal.
 *
 * They give the monitor a datagram socket of the test's own, at
 * {WORK}/run/systemd/journal/socket (SMTPGUARD_JOURNAL_SOCKET), and read the
 * native-protocol entries it gets (their fields, the storm summary, a full
 * queue, a foreign mount namespace); the real journal is never touched.
 */
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "e2e.h"
#include "smtpguard.h"
#include "who_rows.h"

#define ENTRIES_MAX 256
#define FIELDS_MAX 64

/* One native-protocol datagram, split into NUL-terminated names and values. */
struct entry {
	char text[16384];
	const char *name[FIELDS_MAX], *value[FIELDS_MAX];
	size_t n;
	bool printable; /* no control character in any value */
};

struct journal {
	int fd;
	struct entry *got[ENTRIES_MAX];
	size_t n;
};

/* NAME=value\n, or NAME\n + 64-bit little-endian length + bytes + \n. */
static bool parse_entry(const char *d, size_t len, struct entry *e)
{
	size_t used = 0;

	e->n = 0;
	e->printable = true;
	for (size_t i = 0; i < len && e->n < FIELDS_MAX;) {
		const char *nl = memchr(d + i, '\n', len - i), *eq;
		size_t name_len, val_len;
		const char *val;

		if (!nl)
			return false;
		eq = memchr(d + i, '=', (size_t)(nl - (d + i)));
		if (eq) {
			name_len = (size_t)(eq - (d + i));
			val = eq + 1;
			val_len = (size_t)(nl - val);
		} else {
			uint64_t l;

			name_len = (size_t)(nl - (d + i));
			if ((size_t)(nl + 1 - d) + 8 > len)
				return false;
			memcpy(&l, nl + 1, 8);
			val = nl + 9;
			val_len = (size_t)l;
			if ((size_t)(val - d) + val_len + 1 > len)
				return false;
			nl = val + val_len;
		}
		if (used + name_len + val_len + 2 > sizeof(e->text))
			return false;
		e->name[e->n] = memcpy(e->text + used, d + i, name_len);
		e->text[used + name_len] = '\0';
		used += name_len + 1;
		e->value[e->n] = memcpy(e->text + used, val, val_len);
		e->text[used + val_len] = '\0';
		used += val_len + 1;
		if (who_has_control_chars(e->value[e->n]) || strlen(e->value[e->n]) != val_len)
			e->printable = false;
		e->n++;
		i = (size_t)(nl + 1 - d);
	}
	return true;
}

static const char *field_of(const struct entry *e, const char *name)
{
	for (size_t k = 0; k < e->n; k++)
		if (!strcmp(e->name[k], name))
			return e->value[k];
	return NULL;
}

/* Every datagram waiting now, kept. */
static void drain(struct journal *j, int timeout_ms)
{
	static char buf[65536];
	struct pollfd p = { .fd = j->fd, .events = POLLIN };

	while (poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = recv(j->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct entry *e;

		if (n <= 0)
			break;
		timeout_ms = 0;
		if (j->n >= ENTRIES_MAX || !(e = calloc(1, sizeof(*e))))
			continue;
		if (parse_entry(buf, (size_t)n, e))
			j->got[j->n++] = e;
		else
			free(e);
	}
}

/* The first entry with field name = value (and name2 = value2 if given), waiting up to timeout. */
static const struct entry *entry_with(struct journal *j, const char *name, const char *value,
				      const char *name2, const char *value2, double timeout)
{
	double deadline = now_s() + timeout;

	do {
		drain(j, 50);
		for (size_t k = 0; k < j->n; k++) {
			const char *v = field_of(j->got[k], name), *v2;

			if (!v || strcmp(v, value))
				continue;
			v2 = name2 ? field_of(j->got[k], name2) : NULL;
			if (!name2 || (v2 && !strcmp(v2, value2)))
				return j->got[k];
		}
	} while (now_s() < deadline);
	return NULL;
}

/* The first expected field that is absent or has another value. */
static const char *check_fields(const struct entry *e, const char *const (*want)[2], size_t n,
				char *why, size_t len)
{
	for (size_t k = 0; k < n; k++) {
		const char *v = field_of(e, want[k][0]);

		if (!want[k][1] && v) {
			snprintf(why, len, "%s is there (%s)", want[k][0], v);
			return why;
		}
		if (want[k][1] && (!v || strcmp(v, want[k][1]))) {
			snprintf(why, len, "%s=%s, expected %s", want[k][0], v ? v : "(absent)",
				 want[k][1]);
			return why;
		}
	}
	return NULL;
}

static void show_entry(const struct entry *e)
{
	for (size_t k = 0; e && k < e->n; k++)
		printf("#   %s=%s\n", e->name[k], e->value[k]);
}

static bool bind_journal(const struct ctx *c, struct journal *j, char *path, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[4100];

	snprintf(dir, sizeof(dir), "%s/run", c->workdir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/run/systemd", c->workdir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/run/systemd/journal", c->workdir);
	mkdir(dir, 0755);
	snprintf(path, len, "%s/socket", dir);
	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return j->fd >= 0 && !bind(j->fd, (struct sockaddr *)&sun, sizeof(sun));
}

/* Fill the socket's queue from a sender of our own, until it takes no more. */
static int fill_queue(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), n = 0;

	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	while (n < 100000 && send(fd, "FILLER=1\n", 9, MSG_DONTWAIT) == 9)
		n++;
	close(fd);
	return n;
}

static void journal_attempt(struct ctx *c, size_t i, const struct who_paths *w, struct journal *j)
{
	char pid[16], uid[16], why[256] = "", val[8400];
	const char *const want[][2] = {
		{ "SYSLOG_IDENTIFIER", "smtpguard" },
		{ "PRIORITY", "5" },
		{ "SYSLOG_FACILITY", "2" },
		{ "SMTPGUARD_ACTION", "blocked" },
		{ "SMTPGUARD_UID", uid },
		{ "SMTPGUARD_USER", "sgt-who" },
		{ "SMTPGUARD_GID", uid },
		{ "SMTPGUARD_PID", pid },
		{ "SMTPGUARD_COMM", "bash" },
		{ "SMTPGUARD_DST", REMOTE4 },
		{ "SMTPGUARD_PORT", "25" },
		{ "SMTPGUARD_FAMILY", "ipv4" },
		{ "SMTPGUARD_CGROUP", w->cg_rel },
		{ "SMTPGUARD_UNIT", UNIT },
		{ "SMTPGUARD_EXE", w->exe },
		{ "SMTPGUARD_CMDLINE", w->cmdline },
		{ "SMTPGUARD_CWD", w->www },
		{ "SMTPGUARD_GONE", NULL },
	};
	const char *const alert_want[][2] = {
		{ "PRIORITY", "4" },
		{ "SMTPGUARD_UID", uid },
		{ "SMTPGUARD_USER", "sgt-who" },
		{ "SMTPGUARD_COUNT", "1" },
		{ "SMTPGUARD_PID", pid },
		{ "SMTPGUARD_UNIT", UNIT },
		{ "SMTPGUARD_EXE", w->exe },
		{ "SMTPGUARD_CWD", w->www },
		{ "SMTPGUARD_CMDLINE", w->cmdline },
	};
	const struct entry *e, *a = NULL;
	const char *bad = NULL, *msg;
	char env_path[4200], env[1 << 14] = "", line[8600];
	pid_t script;

	snprintf(uid, sizeof(uid), "%u", NAMED_UID);
	script = who_start_script(w, NAMED_UID);
	snprintf(pid, sizeof(pid), "%d", (int)script);
	e = entry_with(j, "MESSAGE_ID", MSGID_ATTEMPT, "SMTPGUARD_PID", pid, 3);
	if (!e)
		bad = "no entry with the attempt's MESSAGE_ID and its pid within 3 s";
	else
		bad = check_fields(e, want, sizeof(want) / sizeof(want[0]), why, sizeof(why));
	if (!bad && !e->printable)
		bad = "a field's value holds a control character";
	msg = e ? field_of(e, "MESSAGE") : NULL;
	if (!bad && (!msg || count_key(msg, "cmdline", val, sizeof(val)) != 1 ||
		     strcmp(val, w->cmdline_raw)))
		bad = "MESSAGE's cmdline does not parse to the original";
	t_result(
		&c->report, !bad,
		"[%zu] journal: the attempt's entry has MESSAGE_ID, SYSLOG_IDENTIFIER=smtpguard and "
		"the SMTPGUARD_* fields: user, dst, port, unit, cgroup, exe, cmdline (escaped), cwd"
		"%s%s",
		i, bad ? ": " : "", bad ? bad : "");
	if (bad)
		show_entry(e);

	/* alert_threshold = 1/60s: the same attempt raised an alert. */
	bad = NULL;
	a = entry_with(j, "MESSAGE_ID", MSGID_ALERT, "SMTPGUARD_PID", pid, 3);
	if (!a)
		bad = "no alert entry";
	else
		bad = check_fields(a, alert_want, sizeof(alert_want) / sizeof(alert_want[0]), why,
				   sizeof(why));
	snprintf(env_path, sizeof(env_path), "%s/alert-env.out", c->workdir);
	for (double deadline = now_s() + 3; !bad && now_s() < deadline; usleep(50 * 1000))
		if (read_text(env_path, env, sizeof(env)) && strstr(env, "SMTPGUARD_CWD="))
			break;
	if (!bad && !strstr(env, "SMTPGUARD_UNIT=" UNIT "\n"))
		bad = "alert_command did not get SMTPGUARD_UNIT";
	snprintf(line, sizeof(line), "SMTPGUARD_EXE=%s\n", w->exe);
	if (!bad && !strstr(env, line))
		bad = "alert_command did not get SMTPGUARD_EXE";
	snprintf(line, sizeof(line), "SMTPGUARD_CWD=%s\n", w->www);
	if (!bad && !strstr(env, line))
		bad = "alert_command did not get SMTPGUARD_CWD";
	snprintf(line, sizeof(line), "SMTPGUARD_CMDLINE=%s\n", w->cmdline);
	if (!bad && !strstr(env, line))
		bad = "alert_command did not get SMTPGUARD_CMDLINE, escaped";
	t_result(&c->report, !bad,
		 "[%zu] journal: the alert's entry has its own MESSAGE_ID and the unit, exe, cwd "
		 "and cmdline; alert_command got them as SMTPGUARD_UNIT, _EXE, _CWD, _CMDLINE%s%s",
		 i, bad ? ": " : "", bad ? bad : "");
	if (bad) {
		show_entry(a);
		printf("# alert_command's environment:\n%s", env);
	}
	who_stop_script(script);
}

/*
 * A tenant's bash bind-mounted over postconf in its own mount namespace
 * (who_start_foreign()): the attempt's entry says SMTPGUARD_MNT_NS=foreign
 * with the copy's SMTPGUARD_EXE_DEV and _INO, and alert_command gets
 * SMTPGUARD_MNT_NS=foreign, so a script that acts on the alert is told that
 * the paths are the tenant's to choose.
 */
static void journal_foreign_mnt(struct ctx *c, size_t i, const struct who_paths *w,
				struct journal *j)
{
	char pid[16], dev[32], ino[32], why[256] = "", env_path[4200], env[1 << 14] = "";
	const char *const want[][2] = {
		{ "SMTPGUARD_PID", pid },
		{ "SMTPGUARD_MNT_NS", "foreign" },
		{ "SMTPGUARD_EXE_DEV", dev },
		{ "SMTPGUARD_EXE_INO", ino },
	};
	struct stat fake = {}, target = {};
	const struct entry *e = NULL;
	const char *bad = NULL;
	pid_t script;

	snprintf(env_path, sizeof(env_path), "%s/alert-env.out", c->workdir);
	unlink(env_path);
	script = who_start_foreign(w, SCRIPT_UID, &fake, &target);
	snprintf(pid, sizeof(pid), "%d", (int)script);
	snprintf(dev, sizeof(dev), "%u:%u", major(fake.st_dev), minor(fake.st_dev));
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)fake.st_ino);
	if (script < 0)
		bad = "cannot copy bash";
	else if (!(e = entry_with(j, "MESSAGE_ID", MSGID_ATTEMPT, "SMTPGUARD_PID", pid, 3)))
		bad = "no entry with the attempt's MESSAGE_ID and its pid within 3 s";
	else
		bad = check_fields(e, want, sizeof(want) / sizeof(want[0]), why, sizeof(why));
	for (double deadline = now_s() + 3; !bad && now_s() < deadline; usleep(50 * 1000))
		if (read_text(env_path, env, sizeof(env)) && strstr(env, "SMTPGUARD_PID="))
			break;
	if (!bad && !strstr(env, "SMTPGUARD_MNT_NS=foreign\n"))
		bad = "alert_command did not get SMTPGUARD_MNT_NS=foreign";
	t_result(&c->report, !bad,
		 "[%zu] journal: a tenant's bash over postconf in its own mount namespace: the "
		 "entry has SMTPGUARD_MNT_NS=foreign, _EXE_DEV=%s and _EXE_INO=%s (the copy's), "
		 "and alert_command got SMTPGUARD_MNT_NS=foreign%s%s",
		 i, dev, ino, bad ? ": " : "", bad ? bad : "");
	if (bad) {
		show_entry(e);
		printf("# alert_command's environment:\n%s", env);
	}
	who_stop_script(script);
}

static void journal_storm(struct ctx *c, size_t i, struct journal *j)
{
	const struct who storm = {
		"uid 64207 (journal storm)", STORM_UID, STORM_UID, NULL, CG_TEST, false
	};
	const struct probe p = { .family = AF_INET, .addr = REMOTE4, .port = 25 };
	char uid[16], why[256] = "";
	const char *const want[][2] = {
		{ "SMTPGUARD_UID", uid },
		{ "SMTPGUARD_ACTION", "blocked" },
		{ "SMTPGUARD_COUNT", "5" },
		{ "SMTPGUARD_WINDOW", "2" },
	};
	const struct entry *e;
	const char *bad = NULL;
	int refused = 0;
	size_t lines = 0;

	snprintf(uid, sizeof(uid), "%u", STORM_UID);
	/* log_burst = 3 per log_window = 2 s: 3 entries, then a summary of 5 more. */
	for (int n = 0; n < 8; n++)
		refused += probe_as(c, &storm, &p) == EPERM;
	e = entry_with(j, "MESSAGE_ID", MSGID_STORM, "SMTPGUARD_UID", uid, 8);
	for (size_t k = 0; k < j->n; k++) {
		const char *id = field_of(j->got[k], "MESSAGE_ID"), *u;

		u = field_of(j->got[k], "SMTPGUARD_UID");
		lines += id && !strcmp(id, MSGID_ATTEMPT) && u && !strcmp(u, uid);
	}
	if (refused != 8)
		bad = "not all 8 attempts were refused";
	else if (!e)
		bad = "no summary entry within 8 s";
	else
		bad = check_fields(e, want, sizeof(want) / sizeof(want[0]), why, sizeof(why));
	if (!bad && lines != 3)
		bad = "not 3 attempt entries for the account";
	t_result(&c->report, !bad,
		 "[%zu] journal: 8 attempts by uid %u in a window: %zu attempt entries and a storm "
		 "summary with its MESSAGE_ID and SMTPGUARD_COUNT=5%s%s",
		 i, STORM_UID, lines, bad ? ": " : "", bad ? bad : "");
	if (bad)
		show_entry(e);
}

/* A full journal socket never stalls the monitor: it drops, counts, and goes on. */
static void journal_full(struct ctx *c, size_t i, const struct who_paths *w, struct journal *j,
			 const char *sock)
{
	char err_path[4200], line[512] = "", pid[16];
	const char *bad = NULL;
	int filled, result;
	pid_t first, second;

	snprintf(err_path, sizeof(err_path), "%s/who-journal.err", c->workdir);
	drain(j, 100);
	filled = fill_queue(sock);
	first = who_attempt_and_exit(w, SCRIPT_UID, &result);
	if (filled <= 0)
		bad = "could not fill the socket's queue";
	else if (result != EPERM)
		bad = "the connect was not refused";
	else if (!newest_line_with(err_path, "log messages dropped", 4, line, sizeof(line)))
		bad = "the monitor did not report dropped messages within 4 s (stalled?)";
	/* Room again (the filler is thrown away): the next attempt's entry arrives. */
	while (recv(j->fd, line + 400, 100, MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	second = who_attempt_and_exit(w, SCRIPT_UID, &result);
	snprintf(pid, sizeof(pid), "%d", (int)second);
	if (!bad && !entry_with(j, "MESSAGE_ID", MSGID_ATTEMPT, "SMTPGUARD_PID", pid, 3))
		bad = "no entry for the next attempt once the socket had room";
	t_result(&c->report, !bad,
		 "[%zu] journal: with its socket full (%d datagrams queued) the attempt of pid %d "
		 "is dropped and counted (\"%s\"); pid %d's entry arrives once there is room%s%s",
		 i, filled, (int)first, line, (int)second, bad ? ": " : "", bad ? bad : "");
}

void run_journal(struct ctx *c, size_t i, const struct who_paths *w)
{
	struct journal j = { .fd = -1 };
	char sock[4200], env[4300], script[4200];
	const struct entry *hello;
	FILE *f;
	pid_t mon;

	snprintf(script, sizeof(script), "%s/alert-env.sh", c->workdir);
	f = fopen(script, "w");
	if (!f ||
	    fprintf(f, "#!/bin/sh\nenv | grep ^SMTPGUARD_ | sort >%s/alert-env.out\n", c->workdir) <
		    0 ||
	    fchmod(fileno(f), 0755) || fclose(f) || !bind_journal(c, &j, sock, sizeof(sock))) {
		t_result(&c->report, false, "[%zu] journal: cannot make the test's socket", i);
		return;
	}
	snprintf(env, sizeof(env), "SMTPGUARD_JOURNAL_SOCKET=%s", sock);
	mon = who_monitor(c, CONF_JOURNAL, "--syslog", "who-journal", env);
	hello = entry_with(&j, "SYSLOG_IDENTIFIER", "smtpguard", NULL, NULL, 5);
	t_result(&c->report,
		 hello && field_of(hello, "MESSAGE") &&
			 strstr(field_of(hello, "MESSAGE"), "monitoring the guard"),
		 "[%zu] journal: monitor --syslog writes native entries to %s "
		 "(SMTPGUARD_JOURNAL_SOCKET)%s",
		 i, sock, hello ? "" : ": nothing within 5 s");
	if (hello) {
		journal_attempt(c, i, w, &j);
		journal_foreign_mnt(c, i, w, &j);
		journal_storm(c, i, &j);
		journal_full(c, i, w, &j, sock);
	}
	who_end_monitor(mon);
	for (size_t k = 0; k < j.n; k++)
		free(j.got[k]);
	close(j.fd);
	unlink(sock);
}
