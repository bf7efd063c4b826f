// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmd_stats.c - "smtpguard stats --prometheus": node_exporter textfile
 * collector metrics. Write them atomically from cron or a timer:
 *
 *   smtpguard stats --prometheus > /var/lib/node_exporter/smtpguard.prom.tmp &&
 *     mv /var/lib/node_exporter/smtpguard.prom.tmp /var/lib/node_exporter/smtpguard.prom
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cgroup_names.h"
#include "cli.h"
#include "config.h"
#include "counters.h"
#include "guard_open.h"
#include "identity.h"
#include "live.h"

/* Label values: backslash, quote and newline escaped. */
static void label(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

static void help(const char *name, const char *type, const char *text)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/*
 * The unit of each account's latest attempt. One series per counted account,
 * as for the attempts: a label that follows the account's choices (an
 * executable, a command line) would grow without bound, so none is here.
 */
static void last_units(const struct counts *c)
{
	struct cgroup_names *cg = calloc(1, sizeof(*cg));
	char name[256];

	help("smtpguard_account_last_unit_info", "gauge",
	     "Always 1: the systemd unit of each account's latest attempt, by UID");
	if (!cg || cgroup_names_init(cg)) {
		free(cg);
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		const char *unit, *user = identity_name(ID_USER, c->v[i].uid, name, sizeof(name));

		if (!cgroup_names_get(cg, c->v[i].last_cgroup_id, &unit) || !unit)
			continue;
		printf("smtpguard_account_last_unit_info{uid=\"%u\",user=\"", c->v[i].uid);
		label(user ? user : "");
		printf("\",unit=\"");
		label(unit);
		printf("\"} 1\n");
	}
	cgroup_names_free(cg);
	free(cg);
}

int cmd_stats(const struct sg_opts *o)
{
	struct live_state s = {};
	struct counts c = {};
	char problem[512], name[256];
	struct guard g;
	int state, ret = EXIT_OK;

	state = guard_open(o->pin_dir, &g, problem, sizeof(problem));
	if (state == GUARD_LOADED && (live_read(&g, &s, false) || counters_read(&g, &c))) {
		ret = EXIT_FAIL;
		goto cleanup;
	}
	help("smtpguard_info", "gauge", "Always 1: the version of smtpguard and the guard's mode");
	printf("smtpguard_info{version=\"%s\",mode=\"%s\"} 1\n", SMTPGUARD_VERSION,
	       state == GUARD_LOADED ? config_mode_name(s.settings.mode) : "");
	help("smtpguard_state", "gauge",
	     "1 for the state the guard is in (alert on damaged, audit, not loaded)");
	for (size_t k = 0; k < ARRAY_SIZE(live_state_names); k++)
		printf("smtpguard_state{state=\"%s\"} %d\n", live_state_names[k],
		       !strcmp(live_state_names[k], live_state_name(state, s.settings.mode)));
	help("smtpguard_loaded", "gauge", "1 when the guard is loaded and whole");
	printf("smtpguard_loaded %d\n", state == GUARD_LOADED);
	/*
	 * Not loaded is a valid answer (smtpguard_loaded 0), and exit 0 lets the
	 * "> tmp && mv" recipe replace a file that still says 1.
	 */
	if (state != GUARD_LOADED)
		goto cleanup;
	help("smtpguard_attempts_total", "counter",
	     "Connections to guarded ports the allowlists did not allow, by action and UID");
	for (size_t i = 0; i < c.n; i++) {
		const char *user = identity_name(ID_USER, c.v[i].uid, name, sizeof(name));

		for (unsigned int a = 0; a < SG_ACTION_COUNT; a++) {
			if (!c.v[i].attempts[a])
				continue;
			printf("smtpguard_attempts_total{action=\"%s\",uid=\"%u\",user=\"",
			       counters_action_name(a), c.v[i].uid);
			label(user ? user : "");
			printf("\"} %llu\n", (unsigned long long)c.v[i].attempts[a]);
		}
	}
	last_units(&c);
	help("smtpguard_attempts_all_total", "counter",
	     "All such attempts by action (not limited by the per-UID table)");
	for (unsigned int a = 0; a < SG_ACTION_COUNT; a++)
		printf("smtpguard_attempts_all_total{action=\"%s\"} %llu\n",
		       counters_action_name(a), (unsigned long long)c.totals[a]);
	help("smtpguard_allowlist_entries", "gauge", "Entries in each allowlist");
	printf("smtpguard_allowlist_entries{kind=\"users\"} %zu\n", s.ids[ID_USER].n);
	printf("smtpguard_allowlist_entries{kind=\"groups\"} %zu\n", s.ids[ID_GROUP].n);
	printf("smtpguard_allowlist_entries{kind=\"dest\"} %zu\n", s.dests.n);
	printf("smtpguard_allowlist_entries{kind=\"scoped\"} %zu\n", s.scope.nrules);
	help("smtpguard_events_lost_total", "counter",
	     "Events dropped because the ring buffer was full (attempts are still counted)");
	printf("smtpguard_events_lost_total %llu\n",
	       (unsigned long long)c.totals[SG_STAT_EVENTS_LOST]);
	help("smtpguard_events_suppressed_total", "counter",
	     "Attempts over an account's event budget: counted, not sent as events");
	printf("smtpguard_events_suppressed_total %llu\n",
	       (unsigned long long)c.totals[SG_STAT_EVENTS_SUPPRESSED]);
	help("smtpguard_account_events_not_sent_total", "counter",
	     "Per account: attempts not sent as events, by reason (suppressed: over its budget; "
	     "lost: ring buffer full)");
	for (size_t i = 0; i < c.n; i++) {
		const char *user = identity_name(ID_USER, c.v[i].uid, name, sizeof(name));
		const __u64 n[2] = { c.v[i].suppressed, c.v[i].lost };

		for (int r = 0; r < 2; r++) {
			if (!n[r])
				continue;
			printf("smtpguard_account_events_not_sent_total{reason=\"%s\",uid=\"%u\","
			       "user=\"",
			       r ? "lost" : "suppressed", c.v[i].uid);
			label(user ? user : "");
			printf("\"} %llu\n", (unsigned long long)n[r]);
		}
	}
cleanup:
	counters_free(&c);
	live_free(&s);
	guard_close(&g);
	return ret;
}
