// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * run_floods.c - the long observe scenarios: the storm against a stopped
 * monitor, forged process names, the alert command swapped between alerts,
 * an alert above the event budget, and the flood by one account while a
 * quiet one is reported.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include "e2e.h"
#include "smtpguard.h"
#include "rows.h"
#include "runners.h"
#include "steps.h"

/* Print a small file as "# name: line" comments, for whoever reads the log. */
static void show_file(const char *name, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("# %s: %s", name, line);
	if (f)
		fclose(f);
}

/* The number right after the first occurrence of needle in a file, or 0. */
static long number_after(const char *path, const char *needle)
{
	static char text[1 << 16];
	const char *p;

	if (!read_text(path, text, sizeof(text)) || !(p = strstr(text, needle)))
		return 0;
	return strtol(p + strlen(needle), NULL, 10);
}

#define STORM_ATTEMPTS 10000

/* 10,000 connects by one process; exits 0 when every one got EPERM. */
static void __attribute__((noreturn)) storm_child(const struct ctx *c, const struct who *w)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(25) };
	int eperm = 0;

	if (become(c, w))
		_exit(2);
	inet_pton(AF_INET, REMOTE4, &sin.sin_addr);
	for (int n = 0; n < STORM_ATTEMPTS; n++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno == EPERM)
			eperm++;
		if (fd >= 0)
			close(fd);
	}
	_exit(eperm == STORM_ATTEMPTS ? 0 : 1);
}

/* A syslog socket of our own: every datagram becomes a line of WORK/syslog.log. */
static pid_t start_collector(const struct ctx *c, char *sock, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char log[4200], buf[2048];
	int fd;
	pid_t pid;

	snprintf(sock, len, "%s/syslog.sock", c->workdir);
	snprintf(log, sizeof(log), "%s/syslog.log", c->workdir);
	if (strlen(sock) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	unlink(sock);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return -1;
	pid = fork();
	if (pid == 0) {
		FILE *f = fopen(log, "w");

		for (ssize_t n; f && (n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0;) {
			buf[n] = '\0';
			fprintf(f, "%s\n", buf);
			fflush(f);
		}
		_exit(0);
	}
	close(fd);
	return pid;
}

void run_storm(struct ctx *c, size_t i, const struct step *s)
{
	char sock[4200], env[4300], log[4200], line[64];
	int status = -1, logged, summary, total, lost;
	long summarised, dropped;
	pid_t collector, monitor, storm;
	double t0, elapsed;

	collector = start_collector(c, sock, sizeof(sock));
	snprintf(env, sizeof(env), "SMTPGUARD_SYSLOG_SOCKET=%s", sock);
	monitor = start_monitor(c, CONF_EVENTS, "--syslog", "monitor-syslog", env);
	snprintf(log, sizeof(log), "%s/syslog.log", c->workdir);
	for (double deadline = now_s() + 5; now_s() < deadline;) {
		if (count_matches(log, "monitoring the guard"))
			break; /* it reads the ring buffer, with its loss baseline set */
		usleep(50 * 1000);
	}
	/* Stopped, the monitor cannot drain the ring buffer: it fills, events drop. */
	kill(monitor, SIGSTOP);
	t0 = now_s();
	storm = fork();
	if (storm == 0)
		storm_child(c, s->crowd);
	waitpid(storm, &status, 0);
	elapsed = now_s() - t0;
	kill(monitor, SIGCONT);
	/* The 2 s log window ends and is summarised; give a loaded machine time. */
	snprintf(line, sizeof(line), "uid=%u(?): ", s->crowd->uid);
	for (double deadline = now_s() + 10; now_s() < deadline;) {
		usleep(200 * 1000);
		if (count_matches(log, line))
			break;
	}
	summary = count_matches(log, line);
	summarised = number_after(log, line);
	dropped = number_after(log, "lost ");
	snprintf(line, sizeof(line), "blocked uid=%u(", s->crowd->uid);
	logged = count_matches(log, line);
	total = count_matches(log, "\n");
	lost = count_matches(log, "lost ");
	kill(monitor, SIGTERM);
	waitpid(monitor, NULL, 0);
	kill(collector, SIGKILL);
	waitpid(collector, NULL, 0);
	show_file("syslog", log);
	/* Every attempt is accounted for: logged, summarised, or lost and reported. */
	/* One UID cannot fill the ring buffer (its event budget): "lost" may be 0. */
	t_result(&c->report,
		 collector > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && logged >= 1 &&
			 logged <= 5 && summary == 1 && total <= 20 &&
			 logged + summarised + dropped == STORM_ATTEMPTS,
		 "[%zu] storm: %d refused connects in %.2f s (%.1f us each, all EPERM: %s); "
		 "syslog got %d lines in all: %d event lines for the UID, %d summary (%ld more), "
		 "%d lost-events report(s) (%ld lost); %d + %ld + %ld = %ld of %d",
		 i, STORM_ATTEMPTS, elapsed, elapsed * 1e6 / STORM_ATTEMPTS,
		 WIFEXITED(status) && !WEXITSTATUS(status) ? "yes" : "no", total, logged, summary,
		 summarised, lost, dropped, logged, summarised, dropped,
		 logged + summarised + dropped, STORM_ATTEMPTS);
}

/*
 * Split a text line into key=value tokens as a log parser would (blanks
 * separate, a double-quoted value may hold blanks and \-escapes). How many
 * tokens have this key; the last one's value, unescaped, to val.
 */
int count_key(const char *line, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	int n = 0;

	for (const char *p = line; *p;) {
		const char *tok = p;
		bool is_key;

		while (*p == ' ')
			p++;
		tok = p;
		is_key = !strncmp(tok, key, klen) && tok[klen] == '=';
		if (is_key) {
			size_t used = 0;

			p += klen + 1;
			n++;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					char ch = *p;

					if (*p == '\\' && p[1] == 'x' && p[2] && p[3]) {
						char hex[3] = { p[2], p[3], 0 };

						ch = (char)strtol(hex, NULL, 16);
						p += 3;
					} else if (*p == '\\' && p[1]) {
						ch = *++p;
					}
					if (used + 1 < len)
						val[used++] = ch;
				}
				if (*p == '"')
					p++;
			} else {
				while (*p && *p != ' ' && used + 1 < len)
					val[used++] = *p++;
			}
			val[used] = '\0';
		}
		while (*p && *p != ' ') {
			if (*p == '"') /* a quoted value of another key */
				for (p++; *p && *p != '"'; p++)
					if (*p == '\\' && p[1])
						p++;
			if (*p)
				p++;
		}
	}
	return n;
}

void run_forge(struct ctx *c, size_t i, const struct step *s)
{
	static char text[1 << 16];
	char path[4200], needle[32], line[1024] = "", dst[128] = "", comm[64] = "";
	int ndst = 0, ncomm = 0, got = -1, status;
	pid_t monitor, pid;

	snprintf(path, sizeof(path), "%s/monitor-text.out", c->workdir);
	monitor = start_monitor(c, CONF_EVENTS, NULL, "monitor-text", NULL);
	usleep(500 * 1000); /* it attaches within its first tick */
	pid = fork();
	if (pid == 0) {
		struct probe p = P4(REMOTE4, 25, PM_CONNECT);

		if (become(c, s->forge.who) || prctl(PR_SET_NAME, s->forge.comm))
			_exit(255);
		_exit(probe_run(&p));
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		got = WEXITSTATUS(status);
	snprintf(needle, sizeof(needle), " pid=%d ", (int)pid);
	for (double deadline = now_s() + 3; now_s() < deadline; usleep(50 * 1000)) {
		const char *hit, *start, *end;

		if (!read_text(path, text, sizeof(text)) || !(hit = strstr(text, needle)))
			continue;
		for (start = hit; start > text && start[-1] != '\n'; start--)
			;
		end = strchr(hit, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(end ? end - start : (long)strlen(start)),
			 start);
		break;
	}
	kill(monitor, SIGTERM);
	waitpid(monitor, NULL, 0);
	ndst = count_key(line, "dst", dst, sizeof(dst));
	ncomm = count_key(line, "comm", comm, sizeof(comm));
	t_result(
		&c->report,
		got == EPERM && ndst == 1 && !strcmp(dst, REMOTE4 ":25") && ncomm == 1 &&
			!strcmp(comm, s->forge.comm),
		"[%zu] a process named '%s' is refused (%s) and its line parses to one dst (%s) and "
		"one comm (%s):\n    %s",
		i, s->forge.comm, errno_name(got), dst, comm, line);
}

/* Write a file as uid (a tenant planting it), mode 0755. */
static bool write_as(unsigned int uid, const char *path, const char *text)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(1);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
		_exit(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
				      !fchmod(fd, 0755) && !close(fd) ?
			      0 :
			      1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* Root's alert script at path: it logs "root UID" to log. */
static bool root_alert_script(const char *path, const char *log)
{
	FILE *f = fopen(path, "w");

	return f && fprintf(f, "#!/bin/sh\necho \"root $SMTPGUARD_UID\" >>%s\n", log) > 0 &&
	       !fchmod(fileno(f), 0755) && !fclose(f);
}

/* A monitor of conf with text output in WORK/name.out and .err, once it reads events. */
static pid_t text_monitor(const struct ctx *c, enum conf conf, const char *name)
{
	char err[4200], line[256];
	pid_t pid = start_monitor(c, conf, NULL, name, NULL);

	snprintf(err, sizeof(err), "%s/%s.err", c->workdir, name);
	newest_line_with(err, "monitoring", 5, line, sizeof(line));
	return pid;
}

void run_alert_swap(struct ctx *c, size_t i, const struct step *s)
{
	static const struct who takers[] = {
		{ "uid 64217", 64217, 64201, NULL, CG_TEST, false },
		{ "uid 64218", 64218, 64201, NULL, CG_TEST, false },
		{ "uid 64219", 64219, 64201, NULL, CG_TEST, false },
		{ "uid 64220", 64220, 64201, NULL, CG_TEST, false },
	};
	const struct probe p = P4(REMOTE4, 25, PM_CONNECT);
	char dir[4200], script[4300], log[4200], err[4200], line[512] = "", tenant[4400];
	const char *why = NULL;
	int refusals = 0, again = 0;
	pid_t mon;

	(void)s;
	snprintf(dir, sizeof(dir), "%s/alert-swap", c->workdir);
	snprintf(script, sizeof(script), "%s/alert.sh", dir);
	snprintf(log, sizeof(log), "%s/alert-swap.log", c->workdir);
	snprintf(err, sizeof(err), "%s/alert-swap.err", c->workdir);
	snprintf(tenant, sizeof(tenant), "#!/bin/sh\necho \"tenant $SMTPGUARD_UID\" >>%s\n", log);
	unlink(script);
	unlink(log);
	if ((mkdir(dir, 0755) && errno != EEXIST) || chmod(dir, 0755) ||
	    !root_alert_script(script, log)) {
		t_result(&c->report, false, "[%zu] alert swap: cannot make %s: %s", i, script,
			 strerror(errno));
		return;
	}
	mon = text_monitor(c, CONF_ALERT_SWAP, "alert-swap");
	/* Root's script, a #! script run through its descriptor. */
	if (probe_as(c, &takers[0], &p) != EPERM)
		why = "the first attempt was not refused";
	else if (!newest_line_with(log, "root 64217", 3, line, sizeof(line)))
		why = "root's alert script did not run for the first alert";
	/* /tmp's way: anyone may create a name there, and root's file is gone (tmpfiles). */
	if (!why && (chmod(dir, 01777) || unlink(script) || !write_as(64201, script, tenant)))
		why = "cannot plant the tenant's script";
	for (int k = 1; !why && k < 3; k++)
		if (probe_as(c, &takers[k], &p) != EPERM)
			why = "an attempt was not refused";
	usleep(1500 * 1000); /* an alert command would have run by now */
	if (!why && newest_line_with(log, "tenant", 0, line, sizeof(line)))
		why = "THE TENANT'S SCRIPT RAN AS ROOT";
	refusals = count_matches(err, "is not run: ");
	if (!why && refusals != 1)
		why = "not one \"alert_command ... is not run\" message for two refused alerts";
	/* Root's script again: it runs, and the monitor says so. */
	if (!why && (unlink(script) || chmod(dir, 0755) || !root_alert_script(script, log)))
		why = "cannot put root's script back";
	if (!why && probe_as(c, &takers[3], &p) != EPERM)
		why = "the last attempt was not refused";
	else if (!why && !newest_line_with(log, "root 64220", 3, line, sizeof(line)))
		why = "root's script did not run once it was back";
	again = count_matches(err, "passes its check again");
	if (!why && again != 1)
		why = "the monitor did not say the command passes its check again";
	kill(mon, SIGTERM);
	waitpid(mon, NULL, 0);
	if (why) {
		show_file("alert-swap.err", err);
		show_file("alert-swap.log", log);
	}
	t_result(
		&c->report, !why,
		"[%zu] alert_command in a directory taken over between alerts (made 1777, root's "
		"script removed, uid 64201's planted): root's ran before and after, the tenant's "
		"never; %d \"is not run\" message(s) for 2 alerts, %d \"passes its check again\"%s%s",
		i, refusals, again, why ? ": " : "", why ? why : "");
}

void run_alert_flood(struct ctx *c, size_t i, const struct step *s)
{
	char script[4200], log[4200], needle[32], line[256] = "";
	double t0, flood_s = 0, alert_s = 0;
	long count = 0;
	int status = -1, alerts = 0;
	bool ok;
	FILE *f;
	pid_t mon, storm;

	snprintf(script, sizeof(script), "%s/alert-flood.sh", c->workdir);
	snprintf(log, sizeof(log), "%s/alert-flood.log", c->workdir);
	unlink(log);
	f = fopen(script, "w");
	if (!f ||
	    fprintf(f,
		    "#!/bin/sh\necho \"$SMTPGUARD_UID $SMTPGUARD_COUNT $SMTPGUARD_ACTION\" >>%s\n",
		    log) < 0 ||
	    fchmod(fileno(f), 0755) || fclose(f)) {
		t_result(&c->report, false, "[%zu] alert flood: cannot write %s", i, script);
		return;
	}
	mon = text_monitor(c, CONF_ALERT_FLOOD, "alert-flood");
	snprintf(needle, sizeof(needle), "%u ", s->crowd->uid);
	t0 = now_s();
	storm = fork();
	if (storm == 0)
		storm_child(c, s->crowd);
	waitpid(storm, &status, 0);
	flood_s = now_s() - t0;
	if (newest_line_with(log, needle, 3, line, sizeof(line)))
		alert_s = now_s() - t0;
	usleep(1500 * 1000); /* a second alert in this window would be here by now */
	alerts = count_matches(log, needle);
	count = strtol(line + strlen(needle), NULL, 10);
	kill(mon, SIGTERM);
	waitpid(mon, NULL, 0);
	ok = WIFEXITED(status) && !WEXITSTATUS(status) && alerts == 1 && count >= 1000 &&
	     alert_s > 0 && alert_s < 2.5;
	if (!ok) {
		char err[4200], cmd[8600];

		/* What the monitor said, and what the kernel counted for the account. */
		snprintf(err, sizeof(err), "%s/alert-flood.err", c->workdir);
		show_file("alert-flood.err", err);
		show_file("alert-flood.log", log);
		snprintf(cmd, sizeof(cmd), "%s status --pin-dir %s | sed 's/^/# status: /'", c->bin,
			 c->pin_dir);
		if (system(cmd))
			printf("# status failed\n");
	}
	t_result(&c->report, ok,
		 "[%zu] %d refused attempts by %s in %.2f s, alert_threshold = 1000/1s (event "
		 "budget %d/s): alert_command ran %d time(s), %.2f s after the flood began, with "
		 "SMTPGUARD_COUNT=%ld",
		 i, STORM_ATTEMPTS, s->crowd->label, flood_s, SG_EVENT_BURST, alerts, alert_s,
		 count);
}

#define FLOOD_PROCS 4
#define FLOOD_SECONDS 2.0
#define FLOOD_MAX_ATTEMPTS 20000000 /* per process: a bound, whatever the machine */
#define QUIET_ATTEMPTS 8

unsigned long refused_connects_for(double seconds, unsigned long max)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(25) };
	double deadline = now_s() + seconds;
	unsigned long n = 0;

	inet_pton(AF_INET, REMOTE4, &sin.sin_addr);
	while (n < max && ((n & 255) || now_s() < deadline)) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno == EPERM)
			n++;
		if (fd >= 0)
			close(fd);
	}
	return n;
}

/* Refused connects as fast as one process can, for FLOOD_SECONDS; the count to *done. */
static void __attribute__((noreturn))
flood_child(const struct ctx *c, const struct who *w, unsigned long *done)
{
	unsigned long n;

	if (become(c, w))
		_exit(2);
	n = refused_connects_for(FLOOD_SECONDS, FLOOD_MAX_ATTEMPTS);
	__atomic_add_fetch(done, n, __ATOMIC_SEQ_CST);
	_exit(0);
}

/* Sum of the numbers after key on the lines of text that hold both needles. */
static unsigned long sum_json(const char *text, const char *needle1, const char *needle2,
			      const char *key, unsigned long *lines)
{
	unsigned long sum = 0;

	*lines = 0;
	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n'), *k;
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char buf[2048];

		snprintf(buf, sizeof(buf), "%.*s", (int)len, l);
		if (strstr(buf, needle1) && strstr(buf, needle2)) {
			(*lines)++;
			if (key && (k = strstr(buf, key)))
				sum += strtoul(k + strlen(key), NULL, 10);
		}
		l = end ? end + 1 : NULL;
	}
	return sum;
}

void run_flood(struct ctx *c, size_t i, const struct step *s)
{
	static char text[1 << 22];
	unsigned long *done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long events = 0, gap_s = 0, gap_l = 0, ns_s = 0, ns_l = 0, n;
	const struct probe quiet_probe = P4(REMOTE4, 25, PM_CONNECT);
	char path[4200], uidkey[32], line[1024];
	pid_t kids[FLOOD_PROCS], quiet_pid[QUIET_ATTEMPTS];
	int quiet_eperm = 0, quiet_seen = 0;
	size_t offset = 0;
	double t0, elapsed;
	bool exact = false;

	snprintf(path, sizeof(path), "%s/monitor.out", c->workdir);
	if (done == MAP_FAILED || c->monitor <= 0) {
		t_result(&c->report, false, "[%zu] flood: needs a running monitor", i);
		return;
	}
	*done = 0;
	offset = monitor_out_size(c);
	t0 = now_s();
	for (int k = 0; k < FLOOD_PROCS; k++)
		if ((kids[k] = fork()) == 0)
			flood_child(c, s->crowd, done);
	/* The quiet account tries now and then while the flood runs. */
	for (int k = 0; k < QUIET_ATTEMPTS; k++) {
		usleep((useconds_t)(FLOOD_SECONDS * 1e6 / (QUIET_ATTEMPTS + 2)));
		quiet_eperm += probe_as_pid(c, &quiet, &quiet_probe, &quiet_pid[k]) == EPERM;
	}
	for (int k = 0; k < FLOOD_PROCS; k++)
		waitpid(kids[k], NULL, 0);
	elapsed = now_s() - t0;
	for (int k = 0; k < QUIET_ATTEMPTS; k++)
		quiet_seen += find_event(c, offset, quiet_pid[k], 3.0, line, sizeof(line));
	/* The monitor's counter scan reports what was not sent within a tick or two. */
	snprintf(uidkey, sizeof(uidkey), "\"uid\":%u,", s->crowd->uid);
	for (double deadline = now_s() + 5; !exact && now_s() < deadline; usleep(200 * 1000)) {
		const char *t;

		if (!read_text_from(path, offset, text, sizeof(text)))
			continue;
		t = text;
		gap_s = sum_json(t, uidkey, "\"type\":\"event\"",
				 "\"not_sent_suppressed\":", &events);
		gap_l = sum_json(t, uidkey, "\"type\":\"event\"", "\"not_sent_lost\":", &n);
		ns_s = sum_json(t, uidkey, "\"type\":\"not_sent\"", "\"suppressed\":", &n);
		ns_l = sum_json(t, uidkey, "\"type\":\"not_sent\"", "\"lost\":", &n);
		exact = events + gap_s + gap_l + ns_s + ns_l == *done;
	}
	t_result(
		&c->report,
		quiet_eperm == QUIET_ATTEMPTS && quiet_seen == QUIET_ATTEMPTS && exact &&
			*done > 1000 && events < *done / 10,
		"[%zu] flood: %d processes of uid %u made %lu refused attempts in %.1f s (%.0f/s); "
		"%lu sent as events (%.0f/s), %lu + %lu counted and not sent (budget %d/s), "
		"%lu + %lu lost: %s; the quiet uid %u: %d/%d refused, %d/%d reported",
		i, FLOOD_PROCS, s->crowd->uid, *done, elapsed, *done / elapsed, events,
		events / elapsed, gap_s, ns_s, SG_EVENT_BURST, gap_l, ns_l,
		exact ? "every attempt accounted for" : "NOT all accounted for", quiet.uid,
		quiet_eperm, QUIET_ATTEMPTS, quiet_seen, QUIET_ATTEMPTS);
	munmap(done, sizeof(*done));
}
