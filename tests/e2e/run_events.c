// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * run_events.c - the rows that read the monitor: starting and stopping it,
 * an attempt's event (connect or packet path), the counters in status
 * --json, where a redirected probe lands, and one alert per threshold.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "e2e.h"
#include "runners.h"
#include "steps.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start "smtpguard monitor" with output to WORK/NAME.out and .err. */
pid_t start_monitor(const struct ctx *c, enum conf conf, const char *mode, const char *name,
		    const char *env)
{
	char out[4200], err[4200];
	pid_t pid = fork();

	if (pid)
		return pid;
	snprintf(out, sizeof(out), "%s/%s.out", c->workdir, name);
	snprintf(err, sizeof(err), "%s/%s.err", c->workdir, name);
	if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
		_exit(127);
	if (env)
		putenv((char *)env);
	if (!mode) /* plain text */
		execl(c->bin, c->bin, "monitor", "--pin-dir", c->pin_dir, "--config",
		      c->conf_path[conf], (char *)NULL);
	execl(c->bin, c->bin, "monitor", mode, "--pin-dir", c->pin_dir, "--config",
	      c->conf_path[conf], (char *)NULL);
	_exit(127);
}

void run_mon_start(struct ctx *c, size_t i, const struct step *s)
{
	char out[4200], text[256] = "";
	double deadline = now_s() + 3;
	const struct probe p = {
		.family = AF_INET, .addr = REMOTE4, .port = 25, .method = PM_CONNECT
	};
	char line[1024];
	bool caught_up = false;
	int got = 255;
	size_t from;
	pid_t pid = 0;

	/*
	 * Emptied first: the last monitor's "monitoring" must not pass for this
	 * one's, nor its lines for this one's events.
	 */
	snprintf(out, sizeof(out), "%s/monitor.out", c->workdir);
	truncate(out, 0);
	snprintf(out, sizeof(out), "%s/monitor.err", c->workdir);
	truncate(out, 0);
	c->monitor = start_monitor(c, s->monitor_conf, "--json", "monitor", NULL);
	/* It says so once it reads the ring buffer. */
	while (now_s() < deadline &&
	       !(read_text(out, text, sizeof(text)) && strstr(text, "monitoring")))
		usleep(50 * 1000);
	/*
	 * What the ring buffer held before (attempts while no monitor ran) comes
	 * first: once the marker's own attempt (refused, audited or redirected)
	 * is printed, it has all been, and the rows' events are the only new
	 * lines.
	 */
	from = monitor_out_size(c);
	if (strstr(text, "monitoring") && (got = probe_as_pid(c, &marker, &p, &pid)) != 255)
		caught_up = find_event(c, from, pid, 5.0, line, sizeof(line));
	t_result(&c->report, caught_up,
		 "[%zu] smtpguard monitor --json started (pid %d) and printed what the ring "
		 "buffer held before, then a marker attempt of its own (pid %d: %s; %zu bytes "
		 "before it, %zu after)",
		 i, (int)c->monitor, (int)pid, errno_name(got), from, monitor_out_size(c) - from);
}

void run_mon_stop(struct ctx *c, size_t i, const struct step *s)
{
	bool ok = c->monitor > 0 && !kill(c->monitor, SIGKILL) &&
		  waitpid(c->monitor, NULL, 0) == c->monitor;

	t_result(&c->report, ok, "[%zu] monitor killed with SIGKILL", i);
	c->monitor = 0;
}

/* How many bytes the file at path holds now (0 when it cannot be read). */
static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

/* newest_line_with(), among the lines written after the file's first from bytes. */
static bool newest_line_after(const char *path, size_t from, const char *needle, double timeout,
			      char *line, size_t len)
{
	static char text[1 << 20];
	double deadline = now_s() + timeout;

	do {
		const char *hit, *start, *end;

		/* Read from there: a long run's monitor.out outgrows the buffer. */
		if (read_text_from(path, from, text, sizeof(text)) &&
		    (hit = strstr(text, needle))) {
			/* The newest: PIDs wrap (pid_max 32768), an old line may have this one. */
			for (const char *next; (next = strstr(hit + 1, needle));)
				hit = next;
			for (start = hit; start > text && start[-1] != '\n'; start--)
				;
			end = strchr(hit, '\n');
			snprintf(line, len, "%.*s", (int)(end ? end - start : (long)strlen(start)),
				 start);
			return true;
		}
		usleep(20 * 1000);
	} while (now_s() < deadline);
	return false;
}

bool newest_line_with(const char *path, const char *needle, double timeout, char *line, size_t len)
{
	return newest_line_after(path, 0, needle, timeout, line, len);
}

/* The monitor's JSON line for pid, waiting up to timeout seconds. */
bool find_event(const struct ctx *c, size_t from, pid_t pid, double timeout, char *line, size_t len)
{
	char path[4200], needle[32];

	snprintf(path, sizeof(path), "%s/monitor.out", c->workdir);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)pid);
	return newest_line_after(path, from, needle, timeout, line, len);
}

size_t monitor_out_size(const struct ctx *c)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/monitor.out", c->workdir);
	return file_size(path);
}

/* "time":"2026-11-21T10:04:05Z" within 5 s of now. */
static bool event_time_is_now(const char *line)
{
	const char *t = strstr(line, "\"time\":\"");
	struct tm tm = {};

	if (!t || !strptime(t + 8, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return false;
	return labs((long)(timegm(&tm) - time(NULL))) <= 5;
}

void run_event(struct ctx *c, size_t i, const struct step *s)
{
	struct probe_bufs bufs;
	struct probe pr = expand_probe(c, &s->event.probe, &bufs);
	const struct probe *p = &pr;
	bool mapped = !strncmp(p->addr, "::ffff:", 7);
	const char *family = p->family == AF_INET ? "ipv4" : mapped ? "ipv4-mapped" : "ipv6";
	char line[1024] = "", want[6][96], extra[512];
	const char *why = NULL;
	int got, wants = 6;
	double t0;
	pid_t pid;

	size_t from = monitor_out_size(c);

	got = probe_as_pid(c, s->event.who, p, &pid);
	t0 = now_s();
	snprintf(want[0], sizeof(want[0]), "\"action\":\"%s\"", s->event.action);
	snprintf(want[1], sizeof(want[1]), "\"uid\":%u,", s->event.who->uid);
	snprintf(want[2], sizeof(want[2]), "\"comm\":\"e2e_guard\"");
	snprintf(want[3], sizeof(want[3]), "\"dst\":\"%s\"", mapped ? p->addr + 7 : p->addr);
	snprintf(want[4], sizeof(want[4]), "\"port\":%u,", p->port);
	snprintf(want[5], sizeof(want[5]), "\"family\":\"%s\"", family);
	/* An extra text the row asks for (EVENT_SAYS). */
	if (s->event.says) {
		expand(c, s->event.says, extra, sizeof(extra));
		wants = 7;
	}
	if (got != s->event.expect)
		why = "the connect did not give the expected result";
	else if (!find_event(c, from, pid, 1.0, line, sizeof(line)))
		why = "no event for its pid within 1 s";
	for (int k = 0; !why && k < wants; k++)
		if (!strstr(line, k < 6 ? want[k] : extra))
			why = k < 6 ? want[k] : extra;
	if (!why && !event_time_is_now(line))
		why = "its time is not now (CLOCK_BOOTTIME to wall clock)";
	t_result(&c->report, !why, "[%zu] %s: %s to %s port %u: %s, event in %.0f ms%s%s%s%s", i,
		 s->event.who->label, probe_method_name(p->method), p->addr, p->port,
		 errno_name(got), (now_s() - t0) * 1000, why ? ": " : "", why ? why : "",
		 why ? "\n    " : "", why ? line : "");
}

/* A number after key in text, after the first occurrence of anchor (or 0). */
static long json_number(const char *text, const char *anchor, const char *key)
{
	const char *a = anchor ? strstr(text, anchor) : text, *k;

	if (!a || !(k = strstr(a, key)))
		return 0;
	return strtol(k + strlen(key), NULL, 10);
}

/* This account's count of action in status --json. */
static long account_count(const struct ctx *c, unsigned int uid, const char *action)
{
	static char out[1 << 16];
	char anchor[48], key[32];

	snprintf(anchor, sizeof(anchor), "{\"uid\":%u,", uid);
	snprintf(key, sizeof(key), "\"%s\":", action);
	run_cli(c, "status --json", CONF_TEST, 0, NULL, NULL, out, sizeof(out));
	return strstr(out, anchor) ? json_number(out, anchor, key) : 0;
}

void run_path(struct ctx *c, size_t i, const struct step *s)
{
	const struct path_row *r = &s->path;
	struct probe_bufs bufs;
	struct probe pr = expand_probe(c, &r->probe, &bufs);
	char file[4200], line[1024] = "", want[6][96];
	long before = account_count(c, r->uid, r->action), after;
	const char *why = NULL;
	char cmd[2048];
	size_t seen;
	int got;

	/* Only this row's event counts: an earlier row's may hold the same text. */
	snprintf(file, sizeof(file), "%s/monitor.out", c->workdir);
	seen = file_size(file);

	if (r->cmd) {
		int status = system(expand(c, r->cmd, cmd, sizeof(cmd)));

		got = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
		pr.addr = cmd;
	} else {
		got = probe_as(c, r->who, &pr);
	}

	snprintf(want[0], sizeof(want[0]), "\"path\":\"%s\"", r->path);
	snprintf(want[1], sizeof(want[1]), "\"action\":\"%s\"", r->action);
	snprintf(want[2], sizeof(want[2]), "\"uid\":%u,", r->uid);
	snprintf(want[3], sizeof(want[3]), "\"dst\":\"%s\"", r->dst);
	snprintf(want[4], sizeof(want[4]), "\"port\":%u,", r->port);
	/* A SYN decided at egress names no process, and says so. */
	snprintf(want[5], sizeof(want[5]), "\"gone\":\"no-process\"");
	after = account_count(c, r->uid, r->action);
	if (got != r->expect)
		why = "the probe did not give the expected result";
	else if (after <= before)
		why = "its account's counter did not move";
	else if (!newest_line_after(file, seen, want[3], 1.0, line, sizeof(line)))
		why = "no event of its own for its destination within 1 s";
	for (int k = 0; !why && k < 6; k++)
		if (!strstr(line, want[k]))
			why = want[k];
	t_result(&c->report, !why, "[%zu] %s: %s to %s port %u: %s; %s %ld -> %ld%s%s%s%s", i,
		 r->cmd ? "the rootless container's root" : r->who->label,
		 r->cmd ? "sh" : probe_method_name(pr.method), pr.addr, pr.port, errno_name(got),
		 r->action, before, after, why ? ": " : "", why ? why : "", why ? "\n    " : "",
		 why ? line : "");
}

void run_counts(struct ctx *c, size_t i, const struct step *s)
{
	static char before[1 << 16], after[1 << 16];
	char anchor[48];
	long ub, ua, tb, ta;
	int refused = 0;

	snprintf(anchor, sizeof(anchor), "{\"uid\":%u,", s->counted.who->uid);
	run_cli(c, "status --json", CONF_TEST, 0, NULL, NULL, before, sizeof(before));
	for (int n = 0; n < s->counted.n; n++)
		refused += probe_as(c, s->counted.who, &s->counted.probe) == EPERM;
	run_cli(c, "status --json", CONF_TEST, 0, NULL, NULL, after, sizeof(after));
	ub = strstr(before, anchor) ? json_number(before, anchor, "\"blocked\":") : 0;
	ua = json_number(after, anchor, "\"blocked\":");
	tb = json_number(before, "\"totals\"", "\"blocked\":");
	ta = json_number(after, "\"totals\"", "\"blocked\":");
	t_result(&c->report,
		 refused == s->counted.n && ua - ub == s->counted.n && ta - tb == s->counted.n,
		 "[%zu] %d refused attempts by %s: its counter %ld -> %ld, total %ld -> %ld", i,
		 refused, s->counted.who->label, ub, ua, tb, ta);
}

int count_matches(const char *path, const char *needle)
{
	static char text[1 << 20];
	int n = 0;

	if (!read_text(path, text, sizeof(text)))
		return 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Lines in a file of any size (the remote listener's log grows past 1 MiB). */
static int count_lines(const char *path)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;
	int lines = 0;

	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t k = 0; k < n; k++)
			lines += buf[k] == '\n';
	if (f)
		fclose(f);
	return lines;
}

/* Does the file end with this line? */
static bool last_line_is(const char *path, const char *line)
{
	static char text[1 << 16];
	size_t n, l = strlen(line);

	if (!read_text(path, text, sizeof(text)))
		return false;
	n = strlen(text);
	return n >= l && !strcmp(text + n - l, line);
}

void run_reach(struct ctx *c, size_t i, const struct step *s)
{
	char host_log[4200], mx_log[4200], want[64];
	int h0, m0, h1 = 0, m1 = 0, got;
	double deadline;

	snprintf(host_log, sizeof(host_log), "%s/host-accepted.log", c->workdir);
	snprintf(mx_log, sizeof(mx_log), "%s/mx-accepted.log", c->workdir);
	h0 = count_lines(host_log);
	m0 = count_lines(mx_log);
	got = probe_as(c, s->reach.who, &s->reach.probe);
	deadline = now_s() + 2;
	do { /* the listener logs when it gets round to accept() */
		usleep(20 * 1000);
		h1 = count_lines(host_log);
		m1 = count_lines(mx_log);
	} while (h1 - h0 + m1 - m0 < 1 && now_s() < deadline);
	usleep(100 * 1000);
	h1 = count_lines(host_log);
	m1 = count_lines(mx_log);
	/* Redirected to the IPv4 target (v4 and v4-mapped sockets) or the IPv6 one. */
	snprintf(want, sizeof(want), "accepted %s:25\n",
		 s->reach.probe.family == AF_INET6 && strncmp(s->reach.probe.addr, "::ffff:", 7) ?
			 "::1" :
			 "127.0.0.1");
	if (s->reach.local && !last_line_is(host_log, want))
		h1 = -1000;
	t_result(&c->report,
		 got == 0 && h1 - h0 == (s->reach.local ? 1 : 0) &&
			 m1 - m0 == (s->reach.local ? 0 : 1),
		 "[%zu] %s: %s to %s port %u: %s; reached the %s (local listener +%d, remote +%d)",
		 i, s->reach.who->label, probe_method_name(s->reach.probe.method),
		 s->reach.probe.addr, s->reach.probe.port, errno_name(got),
		 s->reach.local ? "local MTA (redirected)" : "remote host", h1 - h0, m1 - m0);
}

void run_alert(struct ctx *c, size_t i, const struct step *s)
{
	char log[4200], err[4200], line[32], banner[48];
	double deadline;
	int refused = 0, fired;

	snprintf(log, sizeof(log), "%s/alerts.log", c->workdir);
	snprintf(err, sizeof(err), "%s/monitor.err", c->workdir);
	/* alert.sh writes "$SMTPGUARD_UID $SMTPGUARD_COUNT $SMTPGUARD_ACTION". */
	snprintf(line, sizeof(line), "%u 5 blocked\n", s->counted.who->uid);
	snprintf(banner, sizeof(banner), "ALERT uid=%u(", s->counted.who->uid);
	for (int n = 0; n < s->counted.n; n++)
		refused += probe_as(c, s->counted.who, &s->counted.probe) == EPERM;
	deadline = now_s() + 3;
	while (!count_matches(log, line) && now_s() < deadline)
		usleep(50 * 1000);
	usleep(1200 * 1000); /* any second alert would be here by now */
	fired = count_matches(log, line);
	t_result(&c->report,
		 refused == s->counted.n && fired == 1 && count_matches(err, banner) == 1,
		 "[%zu] %d attempts by %s over a 5/60s threshold: alert_command ran %d time(s), "
		 "%d ALERT line(s)",
		 i, refused, s->counted.who->label, fired, count_matches(err, banner));
}
