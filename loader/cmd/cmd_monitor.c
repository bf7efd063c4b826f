// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_monitor.c - "smtpguard monitor [--json] [--syslog]": stream what the
 * guard refuses, audits or redirects, from its ring buffer.
 *
 * The monitor only reads: killing or restarting it never changes what the
 * kernel enforces. It follows the guard across reloads (the ring buffer is
 * kept by load; after an unload and load it reopens the new one), waits for
 * a guard that is not loaded yet, and reports events the kernel had to drop.
 * A BPF ring buffer has one reader: a lock in /run keeps a second monitor of
 * the same guard out.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "account_state.h"
#include "addr_text.h"
#include "alerts.h"
#include "cgroup_names.h"
#include "cli.h"
#include "config.h"
#include "counters.h"
#include "event_format.h"
#include "file_replace.h"
#include "guard_open.h"
#include "json.h"
#include "live.h"
#include "log.h"
#include "log_sink.h"
#include "maps.h"
#include "proc_info.h"
#include "scope_explain.h"
#include "uidtab.h"

#define NS_PER_S 1000000000ULL
#define POLL_MS 500
/* Events handled per poll before the housekeeping runs again (storms). */
#define POLL_BUDGET 4096
#define BUDGET_SPENT (-ECANCELED)

struct monitor {
	const struct sg_opts *o;
	struct guard g;
	struct ring_buffer *rb;
	__u32 events_id; /* map ID of the ring buffer we read */
	__u32 stats_id; /* map ID of the totals the loss baseline belongs to */
	__u64 lost_reported;
	__u64 not_sent_scanned; /* suppressed + lost totals at the last counter scan */
	unsigned int batch; /* events in the current poll */
	bool output_broken; /* stdout is gone (monitor | head) */
	struct log_sink log;
	struct alerts alerts;
	__u32 log_window, log_burst;
	struct name_cache names;
	struct uidtab uids;
	struct scope_explain scope; /* "alice may reach X, not Y" */
	struct cgroup_names cgroups; /* cgroup ID -> path and unit */
	struct account_state accounts; /* for status: each account's last process */
	char accounts_path[PATH_MAX];
	/* Scratch space for one event, too big for the stack of a callback. */
	struct event_who who;
	char line[EVENT_LINE_MAX];
	struct alert_text {
		char cgroup[4 * CGROUP_TEXT_MAX], exe[4 * PROC_VALUE_MAX + 4],
			cmdline[4 * PROC_VALUE_MAX + 4], cwd[4 * PROC_VALUE_MAX + 4];
		char dst[80], comm[17], exe_dev[24], exe_ino[24];
	} alert_text;
	struct proc_host host; /* the host's mount namespace, to tell foreign ones */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

static void summarise(struct monitor *m, const struct uid_state *s)
{
	const char *user = name_cache_get(&m->names, s->uid);
	char uid[16], count[24], window[16];
	struct journal_fields f = {};

	snprintf(uid, sizeof(uid), "%u", s->uid);
	snprintf(count, sizeof(count), "%llu", (unsigned long long)s->suppressed);
	snprintf(window, sizeof(window), "%u", m->log_window);
	journal_fields_add(&f, "SMTPGUARD_UID", uid);
	journal_fields_add(&f, "SMTPGUARD_USER", user);
	journal_fields_add(&f, "SMTPGUARD_ACTION", counters_action_name(s->last_action));
	journal_fields_add(&f, "SMTPGUARD_COUNT", count);
	journal_fields_add(&f, "SMTPGUARD_WINDOW", window);
	log_sink_send(&m->log, LOG_NOTICE, SG_MSGID_STORM, f.v, f.n,
		      "uid=%u(%s): %llu more %s attempts in the last %u s", s->uid,
		      user ? user : "?", (unsigned long long)s->suppressed,
		      counters_action_name(s->last_action), m->log_window);
}

/* The UID's state; a slot recycled for it first gets its summary written. */
static struct uid_state *uid_state(struct monitor *m, __u32 uid)
{
	struct uid_state evicted, *s = uidtab_get(&m->uids, uid, &evicted);

	if (evicted.used && evicted.suppressed && m->o->syslog)
		summarise(m, &evicted);
	return s;
}

/*
 * Move the UID's known not-sent counts forward to (suppressed, lost); the
 * amounts by which they grew since the last report go to *ds and *dl.
 */
static void advance_not_sent(struct uid_state *s, __u64 suppressed, __u64 lost, __u64 *ds,
			     __u64 *dl)
{
	*ds = suppressed > s->k_suppressed ? suppressed - s->k_suppressed : 0;
	*dl = lost > s->k_lost ? lost - s->k_lost : 0;
	s->k_suppressed += *ds;
	s->k_lost += *dl;
}

/* A message about the monitor itself (losses, its start): to the log it writes, or stderr. */
static void monitor_notice(struct monitor *m, int prio, const char *msg)
{
	if (m->o->syslog)
		log_sink_send(&m->log, prio, NULL, NULL, 0, "%s", msg);
	else
		fprintf(stderr, "smtpguard: %s\n", msg);
}

/* For the alert command and the journal: escaped, "" when unknown. */
static const char *esc(const char *val, char *buf, size_t len)
{
	return escape_text(val ? val : "", val ? strlen(val) : 0, buf, len);
}

/* The alert's details from the event that crossed the threshold. */
static void alert_info_of_event(struct monitor *m, const struct sg_event *e, const char *user,
				const struct event_who *who, struct alert_info *info)
{
	struct alert_text *t = &m->alert_text;
	const struct proc_info *p = &who->proc;
	const char *gone = proc_gone_name(p->gone), *ns = proc_mnt_ns_name(p->mnt_ns);

	event_dst(e, t->dst, sizeof(t->dst));
	event_comm(e, t->comm); /* the account chose it: no control characters */
	t->exe_dev[0] = t->exe_ino[0] = '\0';
	if (p->exe_id_known) {
		proc_dev_text(p->exe_dev, t->exe_dev, sizeof(t->exe_dev));
		snprintf(t->exe_ino, sizeof(t->exe_ino), "%llu", (unsigned long long)p->exe_ino);
	}
	*info = (struct alert_info){ .uid = e->uid,
				     .user = user,
				     .action = counters_action_name(e->action),
				     .last_dst = t->dst,
				     .comm = t->comm,
				     .pid = e->tgid,
				     .cgroup = esc(who->cgroup, t->cgroup, sizeof(t->cgroup)),
				     .unit = who->unit ? who->unit : "",
				     .exe = esc(p->exe, t->exe, sizeof(t->exe)),
				     .cmdline = esc(p->cmdline, t->cmdline, sizeof(t->cmdline)),
				     .cwd = esc(p->cwd, t->cwd, sizeof(t->cwd)),
				     .gone = gone ? gone : "",
				     .mnt_ns = ns ? ns : "",
				     .exe_dev = t->exe_dev,
				     .exe_ino = t->exe_ino };
}

/*
 * The alert's details when the counter scan crossed it (attempts the kernel
 * counted and did not send): the kernel's last destination and cgroup, and
 * the last process the monitor saw of the account (status's "last process").
 */
static void alert_info_of_counter(struct monitor *m, const struct uid_count *u, const char *user,
				  __u8 action, struct alert_info *info)
{
	struct alert_text *t = &m->alert_text;
	const struct account_seen *seen = account_state_find(&m->accounts, u->uid);
	const char *unit = NULL, *cg = cgroup_names_get(&m->cgroups, u->last_cgroup_id, &unit);

	sg_addr_port_format(&u->last_dst, u->last_port, t->dst, sizeof(t->dst));
	t->comm[0] = t->exe_dev[0] = t->exe_ino[0] = '\0';
	*info = (struct alert_info){ .uid = u->uid,
				     .user = user,
				     .action = counters_action_name(action),
				     .last_dst = t->dst,
				     .comm = t->comm,
				     .cgroup = esc(cg, t->cgroup, sizeof(t->cgroup)),
				     .unit = unit ? unit : "",
				     .exe = seen ? seen->exe : "",
				     .cmdline = seen ? seen->cmdline : "",
				     .cwd = seen ? seen->cwd : "",
				     .gone = seen ? "" : "unreadable",
				     .mnt_ns = "",
				     .exe_dev = t->exe_dev,
				     .exe_ino = t->exe_ino };
}

/* The action an account's attempts had most often. */
static __u8 busiest_action(const struct uid_count *u)
{
	__u8 best = 0;

	for (__u8 a = 1; a < SG_ACTION_COUNT; a++)
		if (u->attempts[a] > u->attempts[best])
			best = a;
	return best;
}

/* s's account crossed the threshold: say so, and run alert_command. */
static void alert(struct monitor *m, const struct uid_state *s, struct alert_info *info, __u64 now)
{
	char uid[16], count[16], window[16], pid[16];
	char unit[TEXT_VALUE_MAX], exe[2 + 4 * PROC_VALUE_MAX + 1];
	char notice[sizeof(m->alerts.notice)];
	struct journal_fields f = {};
	int prio;

	info->count = s->alert_count;
	if (m->o->syslog) {
		snprintf(uid, sizeof(uid), "%u", info->uid);
		snprintf(count, sizeof(count), "%u", s->alert_count);
		snprintf(window, sizeof(window), "%u", m->alerts.seconds);
		snprintf(pid, sizeof(pid), "%u", info->pid);
		journal_fields_add(&f, "SMTPGUARD_UID", uid);
		journal_fields_add(&f, "SMTPGUARD_USER", info->user);
		journal_fields_add(&f, "SMTPGUARD_COUNT", count);
		journal_fields_add(&f, "SMTPGUARD_WINDOW", window);
		journal_fields_add(&f, "SMTPGUARD_ACTION", info->action);
		journal_fields_add(&f, "SMTPGUARD_LAST_DST", info->last_dst);
		journal_fields_add(&f, "SMTPGUARD_COMM", info->comm);
		journal_fields_add(&f, "SMTPGUARD_PID", info->pid ? pid : NULL);
		journal_fields_add(&f, "SMTPGUARD_CGROUP", info->cgroup);
		journal_fields_add(&f, "SMTPGUARD_UNIT", info->unit);
		journal_fields_add(&f, "SMTPGUARD_EXE", info->exe);
		journal_fields_add(&f, "SMTPGUARD_CMDLINE", info->cmdline);
		journal_fields_add(&f, "SMTPGUARD_CWD", info->cwd);
		journal_fields_add(&f, "SMTPGUARD_GONE", info->gone);
		journal_fields_add(&f, "SMTPGUARD_MNT_NS", info->mnt_ns);
		journal_fields_add(&f, "SMTPGUARD_EXE_DEV", info->exe_dev);
		journal_fields_add(&f, "SMTPGUARD_EXE_INO", info->exe_ino);
		log_sink_send(&m->log, LOG_WARNING, SG_MSGID_ALERT, f.v, f.n,
			      "alert: uid=%u(%s) made %u %s attempts in %u s (last: pid=%u comm=%s "
			      "dst=%s unit=%s exe=%s%s)",
			      info->uid, info->user ? info->user : "?", s->alert_count,
			      info->action, m->alerts.seconds, info->pid,
			      info->comm[0] ? info->comm : "?", info->last_dst,
			      info->unit[0] ? text_value(info->unit, 255, unit, sizeof(unit)) : "?",
			      info->exe[0] ? text_value_escaped(info->exe, exe, sizeof(exe)) : "?",
			      !strcmp(info->mnt_ns, "foreign") ? " mnt_ns=foreign" : "");
	} else {
		fprintf(stderr, "smtpguard: ALERT uid=%u(%s) made %u %s attempts in %u s\n",
			info->uid, info->user ? info->user : "?", s->alert_count, info->action,
			m->alerts.seconds);
	}
	alerts_run(&m->alerts, info, now);
	if (alerts_take_notice(&m->alerts, notice, sizeof(notice), &prio))
		monitor_notice(m, prio, notice);
}

/*
 * Attempts of one UID that the kernel counted but did not send (found by the
 * counter scan, between its events): one summary, never a line each.
 */
static void report_not_sent(struct monitor *m, __u32 uid, __u64 ds, __u64 dl, __u64 now)
{
	const char *user = name_cache_get(&m->names, uid);
	struct uid_state *s;
	struct json j;

	if (m->o->syslog) {
		/* Into the UID's window summary, with the events it condensed. */
		s = uid_state(m, uid);
		if (!s->log_window_ns)
			s->log_window_ns = now;
		s->suppressed += ds + dl;
		return;
	}
	if (m->o->json_stream) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "schema", SG_JSON_SCHEMA);
		json_str(&j, "type", "not_sent");
		json_u64(&j, "uid", uid);
		json_str(&j, "user", user);
		json_u64(&j, "suppressed", ds);
		json_u64(&j, "lost", dl);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		char name[TEXT_VALUE_MAX];

		printf("not-sent uid=%u(%s) suppressed=%llu lost=%llu\n", uid,
		       user ? text_value(user, 255, name, sizeof(name)) : "?",
		       (unsigned long long)ds, (unsigned long long)dl);
	}
	if (ferror(stdout))
		m->output_broken = true;
}

/* What the counters held before we started is not ours to report. */
static void baseline_not_sent(struct monitor *m)
{
	struct counts c;

	if (counters_read(&m->g, &c))
		return;
	m->not_sent_scanned = c.totals[SG_STAT_EVENTS_SUPPRESSED] + c.totals[SG_STAT_EVENTS_LOST];
	for (size_t i = 0; i < c.n; i++) {
		struct uid_state *s = uid_state(m, c.v[i].uid);

		s->k_suppressed = c.v[i].suppressed;
		s->k_lost = c.v[i].lost;
	}
	counters_free(&c);
}

/*
 * The kernel's per-UID not-sent counts, read only when the totals say that
 * something was suppressed or lost since the last look (the scan walks the
 * whole counter map).
 */
static void scan_not_sent(struct monitor *m, const __u64 *totals, __u64 now)
{
	__u64 seen = totals[SG_STAT_EVENTS_SUPPRESSED] + totals[SG_STAT_EVENTS_LOST];
	struct counts c;

	if (seen == m->not_sent_scanned)
		return;
	if (counters_read(&m->g, &c))
		return;
	m->not_sent_scanned = seen;
	for (size_t i = 0; i < c.n; i++) {
		struct uid_state *s = uid_state(m, c.v[i].uid);
		__u64 ds, dl;

		advance_not_sent(s, c.v[i].suppressed, c.v[i].lost, &ds, &dl);
		if (!ds && !dl)
			continue;
		report_not_sent(m, c.v[i].uid, ds, dl, now);
		/* Attempts all the same: the alert counts them (it may not see another event). */
		if (alerts_count(&m->alerts, s, ds + dl, c.v[i].last_ns)) {
			struct alert_info info;

			alert_info_of_counter(m, &c.v[i], name_cache_get(&m->names, c.v[i].uid),
					      busiest_action(&c.v[i]), &info);
			alert(m, s, &info, now);
		}
	}
	counters_free(&c);
}

/* Print, or log with storms condensed: log_burst lines per UID and window. */
static void report(struct monitor *m, struct uid_state *s, const struct sg_event *e,
		   const char *user, const struct event_who *who, const struct event_gap *gap,
		   __u64 now)
{
	struct journal_fields f = {};
	struct event_field_bufs bufs;
	char *line = m->line;
	char why[768];
	const char *scope = scope_explain(&m->scope, m->o->pin_dir, e, user, why, sizeof(why));

	if (!m->o->syslog) {
		if (m->o->json_stream) {
			event_json(stdout, e, user, who, gap, scope);
		} else {
			event_line(e, user, who, gap, true, scope, line, sizeof(m->line));
			puts(line);
		}
		if (ferror(stdout))
			m->output_broken = true;
		return;
	}
	if (!s->log_window_ns)
		s->log_window_ns = now;
	/* What the kernel did not send goes into the window's summary. */
	s->suppressed += gap->suppressed + gap->lost;
	if (s->logged < m->log_burst) {
		event_line(e, user, who, NULL, false, scope, line, sizeof(m->line));
		event_fields(e, user, who, &bufs, &f);
		log_sink_send(&m->log, LOG_NOTICE, SG_MSGID_ATTEMPT, f.v, f.n, "%s", line);
		s->logged++;
	} else {
		s->suppressed++;
	}
}

/* Where the attempt ran (cgroup, unit) and what runs there now (/proc). */
static void who_of(struct monitor *m, const struct sg_event *e, struct event_who *who)
{
	who->cgroup = cgroup_names_get(&m->cgroups, e->cgroup_id, &who->unit);
	proc_info_read(&who->proc, &m->host, e->tgid, e->uid, e->boot_ns);
	account_state_note(&m->accounts, e->uid, e->boot_ns, &who->proc);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	const struct sg_event *e = data;
	__u64 now = mono_ns();
	struct alert_info info;
	struct event_gap gap;
	struct uid_state *s;
	const char *user;

	if (size < sizeof(*e))
		return 0;
	/* First, while the process may still be there. */
	who_of(m, e, &m->who);
	user = name_cache_get(&m->names, e->uid);
	s = uid_state(m, e->uid);
	s->last_ns = now;
	s->last_action = e->action;
	advance_not_sent(s, e->suppressed, e->lost, &gap.suppressed, &gap.lost);
	report(m, s, e, user, &m->who, &gap, now);
	/* This attempt, and those the kernel counted and did not send before it. */
	if (alerts_count(&m->alerts, s, 1 + gap.suppressed + gap.lost, e->boot_ns)) {
		alert_info_of_event(m, e, user, &m->who, &info);
		alert(m, s, &info, now);
	}
	/* Hand back to the loop now and then, even while a storm keeps coming. */
	if (++m->batch >= POLL_BUDGET || stop_requested || m->output_broken)
		return BUDGET_SPENT;
	return 0;
}

/* End of a window: one summary line per UID that had more than log_burst. */
static void flush_storms(struct monitor *m, __u64 now)
{
	for (size_t i = 0; m->o->syslog && i < UIDTAB_SLOTS; i++) {
		struct uid_state *s = &m->uids.slot[i];

		if (!s->used || !s->log_window_ns ||
		    now - s->log_window_ns < m->log_window * NS_PER_S)
			continue;
		if (s->suppressed)
			summarise(m, s);
		s->log_window_ns = s->suppressed ? now : 0;
		s->logged = 0;
		s->suppressed = 0;
	}
}

/* Losses counted since the baseline; a new totals map starts a new baseline. */
static void report_lost(struct monitor *m)
{
	__u64 totals[SG_STAT_COUNT];
	__u32 id = maps_id(m->g.fd[SG_MAP_STATS]);
	unsigned long dropped;
	char msg[160];

	if (counters_read_totals(&m->g, totals))
		return;
	scan_not_sent(m, totals, mono_ns());
	if (id != m->stats_id) {
		m->stats_id = id;
		m->lost_reported = totals[SG_STAT_EVENTS_LOST];
		return;
	}
	dropped = log_sink_take_dropped(&m->log);
	if (dropped)
		fprintf(stderr, "smtpguard: %lu log messages dropped (%s at %s was busy or away)\n",
			dropped, m->log.journal ? "the journal" : "the system log",
			log_sink_path(&m->log));
	if (totals[SG_STAT_EVENTS_LOST] > m->lost_reported) {
		snprintf(msg, sizeof(msg),
			 "lost %llu events: the ring buffer was full (counters in 'smtpguard "
			 "status' are exact)",
			 (unsigned long long)(totals[SG_STAT_EVENTS_LOST] - m->lost_reported));
		monitor_notice(m, LOG_WARNING, msg);
		m->lost_reported = totals[SG_STAT_EVENTS_LOST];
	}
}

static void detach(struct monitor *m)
{
	ring_buffer__free(m->rb);
	m->rb = NULL;
	guard_close(&m->g);
	m->events_id = 0;
}

/* (Re)open the guard's ring buffer when there is none or it changed. */
static void attach(struct monitor *m, bool *waiting)
{
	char problem[512], msg[600];
	struct guard g;
	int state = guard_open(m->o->pin_dir, &g, problem, sizeof(problem));
	/* A damaged guard may still have a hook that enforces and reports. */
	__u32 id = state >= 0 ? maps_id(g.fd[SG_MAP_EVENTS]) : 0;

	if (id && id == m->events_id) {
		guard_close(&g);
		return;
	}
	detach(m);
	if (!id) {
		guard_close(&g);
		if (!*waiting) {
			snprintf(msg, sizeof(msg), "waiting for a guard at %s (%s)", m->o->pin_dir,
				 state == GUARD_DAMAGED ? problem : "not loaded");
			monitor_notice(m, LOG_NOTICE, msg);
			*waiting = true;
		}
		return;
	}
	guard_keep_state_only(&g);
	m->g = g;
	m->rb = ring_buffer__new(g.fd[SG_MAP_EVENTS], on_event, m, NULL);
	if (!m->rb) {
		monitor_notice(m, LOG_ERR, "cannot read the guard's ring buffer");
		detach(m);
		return;
	}
	m->events_id = id;
	if (maps_id(m->g.fd[SG_MAP_STATS]) != m->stats_id) {
		__u64 totals[SG_STAT_COUNT];

		/* Losses before we started are not ours to report. */
		m->stats_id = maps_id(m->g.fd[SG_MAP_STATS]);
		if (!counters_read_totals(&m->g, totals))
			m->lost_reported = totals[SG_STAT_EVENTS_LOST];
		baseline_not_sent(m);
	}
	snprintf(msg, sizeof(msg), "monitoring the guard at %s%s%s", m->o->pin_dir,
		 state == GUARD_DAMAGED ? " (DAMAGED: " : "",
		 state == GUARD_DAMAGED ? problem : "");
	if (state == GUARD_DAMAGED)
		strncat(msg, ")", sizeof(msg) - strlen(msg) - 1);
	monitor_notice(m, LOG_INFO, msg);
	*waiting = false;
}

/* /run/smtpguard-monitor<pin dir, '/' as '_'>.lock */
static void reader_lock_path(const char *pin_dir, char *path, size_t len)
{
	monitor_run_path(pin_dir, ".lock", path, len);
}

/* One reader per ring buffer: a lock file per guard. */
static int lock_reader(const char *pin_dir)
{
	char path[PATH_MAX], pid[32];
	int fd, n;

	reader_lock_path(pin_dir, path, sizeof(path));
retry:
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno; /* no /run: go on without the lock */
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		struct stat held, now;

		/* The previous holder may have unlinked it just before we locked it. */
		if (fstat(fd, &held) || stat(path, &now) || held.st_ino != now.st_ino ||
		    held.st_dev != now.st_dev) {
			close(fd);
			goto retry;
		}
	} else {
		ssize_t r = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[r > 0 ? r : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		log_err("another smtpguard monitor (pid %s) reads this guard's events; a ring "
			"buffer has one reader (see them with: journalctl -t smtpguard -f)",
			pid[0] ? pid : "?");
		close(fd);
		return -EBUSY;
	}
	if (!ftruncate(fd, 0)) {
		n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (pwrite(fd, pid, (size_t)n, 0) != n)
			log_debug("cannot record the monitor's pid in %s", path);
	}
	return fd;
}

static int load_settings(struct monitor *m, struct sg_config *cfg)
{
	char recorded[SG_CONFIG_PATH_MAX + 1];
	const char *path = m->o->config;
	int n;

	if (!m->o->config_given && !live_config_path(m->o->pin_dir, recorded, sizeof(recorded)))
		path = recorded;
	n = config_load(path, cfg, stderr);
	if (n) {
		log_err("%s: %d error%s; fix it first", path, n < 0 ? 1 : n, n == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	m->alerts.count = cfg->alert_count;
	m->alerts.seconds = cfg->alert_seconds;
	m->alerts.command = cfg->alert_command;
	proc_host_init(&m->host);
	m->log_window = cfg->log_window;
	m->log_burst = cfg->log_burst;
	return EXIT_OK;
}

int cmd_monitor(const struct sg_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor *m = calloc(1, sizeof(*m));
	struct sg_config cfg = {};
	bool waiting = false, saving_failed = false;
	__u64 last_tick = 0;
	int ret, lock_fd;

	if (!m)
		return EXIT_FAIL;
	m->o = o;
	m->log.jrnl.fd = m->log.sys.fd = -1;
	m->cgroups.root_fd = -1;
	guard_init(&m->g);
	lock_fd = lock_reader(o->pin_dir);
	if (lock_fd == -EBUSY) {
		ret = EXIT_FAIL;
		goto cleanup;
	}
	ret = load_settings(m, &cfg);
	if (ret != EXIT_OK)
		goto cleanup;
	if (o->syslog && log_sink_open(&m->log))
		log_warn("cannot reach %s at %s; messages are lost",
			 m->log.journal ? "the journal" : "the system log", log_sink_path(&m->log));
	if (cgroup_names_init(&m->cgroups))
		log_warn("no cgroup v2 hierarchy found: events will not name their cgroup");
	/* Where status finds each account's last process; what an earlier monitor saw. */
	monitor_run_path(o->pin_dir, ".accounts", m->accounts_path, sizeof(m->accounts_path));
	file_replace_remove_stale(
		m->accounts_path); /* a monitor killed mid-save; ours is the lock */
	account_state_load(&m->accounts, m->accounts_path);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout shows as an error instead */
	signal(SIGCHLD, SIG_DFL); /* alert commands are reaped with waitpid */
	while (!stop_requested && !m->output_broken) {
		__u64 now = mono_ns();

		if (now - last_tick >= NS_PER_S) {
			last_tick = now;
			attach(m, &waiting);
			if (m->rb)
				report_lost(m);
			flush_storms(m, now);
			alerts_reap(&m->alerts, now);
			if (account_state_save(&m->accounts, m->accounts_path) && !saving_failed) {
				log_warn("cannot write %s: status will not show the accounts' "
					 "last processes",
					 m->accounts_path);
				saving_failed = true;
			}
		}
		if (m->rb) {
			int err;

			m->batch = 0;
			err = ring_buffer__poll(m->rb, POLL_MS);
			if (err < 0 && err != -EINTR && err != BUDGET_SPENT) {
				log_err("reading events: %s", strerror(-err));
				detach(m);
			}
		} else {
			usleep(POLL_MS * 1000);
		}
	}
	flush_storms(m, mono_ns() + (__u64)m->log_window * NS_PER_S);
	alerts_kill_all(&m->alerts);
	account_state_save(&m->accounts, m->accounts_path);
cleanup:
	if (lock_fd >= 0) {
		char path[PATH_MAX];

		/* Still holding the lock: no other monitor can be using the file. */
		reader_lock_path(o->pin_dir, path, sizeof(path));
		unlink(path);
		close(lock_fd);
	}
	detach(m);
	log_sink_close(&m->log);
	cgroup_names_free(&m->cgroups);
	config_free(&cfg);
	scope_explain_free(&m->scope);
	free(m);
	return ret;
}
