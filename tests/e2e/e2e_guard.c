// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * e2e_guard.c - the guard in the real kernel, as a script of table rows:
 * this file runs them (the rows are in rows_*.c, steps.h says what a row
 * is, run_*.c, faults.c, who*.c and resolver.c run each kind).
 *
 * A row is either a CLI call (the real build/smtpguard, expected exit code
 * and output) or a connection attempt: an identity (UID, GID, cgroup) x a
 * family x an address x a port x a method, with the expected result (0 or
 * EPERM). Rows run in order, so "after load" and "after unload" read
 * naturally. Adding a case is adding a line.
 *
 * tests/run.sh prepares the world and passes it in the environment:
 *   SG_BIN      the smtpguard binary
 *   SG_PIN_DIR  a test pin dir (never the default one)
 *   SG_CGROUP   a test cgroup (never the root); probes run inside it
 *   SG_WORKDIR  a scratch directory for configuration files
 *   SG_VETH     the host's interface towards the mail host (has fe80::1)
 *   SG_CT_NETNS a container's network namespace behind the host (world.sh)
 *   SG_MX_NETNS the mail host's network namespace
 * and runs this program in the test "host" network namespace, which has
 * 198.51.100.1/24 and 2001:db8:1::1/64 on a veth to the "mail host"
 * namespace (198.51.100.25, 2001:db8:1::25; ports 25 465 587 2525 open)
 * and listeners on 0.0.0.0:25 and [::]:25 of its own.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "e2e.h"
#include "runners.h"
#include "steps.h"
#include "testlib.h"

#define SUITE_MAX_SECONDS 600

/* Every row, in the order they run: the features in this order. */
static const struct row_table *const row_tables[] = {
	&rows_core,   &rows_containers, &rows_identities, &rows_lifecycle,
	&rows_config, &rows_scoped,	&rows_observe,
};

static int setup(struct ctx *c)
{
	const char *e[] = { "SG_BIN",	      "SG_PIN_DIR", "SG_CGROUP",   "SG_WORKDIR", "SG_VETH",
			    "SG_FREE_CGROUP", "SG_HELPER",  "SG_CT_NETNS", "SG_MX_NETNS" };
	const char **dst[] = { &c->bin,		&c->pin_dir, &c->cgroup,   &c->workdir, &c->veth,
			       &c->free_cgroup, &c->helper,  &c->ct_netns, &c->mx_netns };

	for (size_t k = 0; k < sizeof(e) / sizeof(e[0]); k++) {
		*dst[k] = getenv(e[k]);
		if (!*dst[k]) {
			fprintf(stderr, "e2e_guard: %s is not set (run tests/run.sh)\n", e[k]);
			return -1;
		}
	}
	snprintf(c->nested_top, sizeof(c->nested_top), "%s/nested", c->cgroup);
	mkdir(c->nested_top, 0755);
	snprintf(c->nested, sizeof(c->nested), "%s/nested/a", c->cgroup);
	mkdir(c->nested, 0755);
	snprintf(c->nested, sizeof(c->nested), "%s/nested/a/b", c->cgroup);
	if (mkdir(c->nested, 0755) && errno != EEXIST) {
		perror(c->nested);
		return -1;
	}
	for (int k = 0; k < CONF_COUNT; k++) {
		char text[4096];
		FILE *f;

		snprintf(c->conf_path[k], sizeof(c->conf_path[k]), "%s/%s", c->workdir,
			 confs[k].file);
		if (!confs[k].text)
			continue;
		f = fopen(c->conf_path[k], "w");
		/* smtpguard refuses a configuration others may write. */
		if (!f || fchmod(fileno(f), 0644) ||
		    fputs(expand(c, confs[k].text, text, sizeof(text)), f) < 0 || fclose(f)) {
			perror(c->conf_path[k]);
			return -1;
		}
	}
	return 0;
}

static void run_kill_loop_row(struct ctx *c, size_t i, const struct step *s)
{
	run_kill_loop(c, i, s->rounds);
}

static void run_lock_storm_row(struct ctx *c, size_t i, const struct step *s)
{
	run_lock_storm(c, i, s->rounds);
}

static void run_foreign_link_row(struct ctx *c, size_t i, const struct step *s)
{
	run_foreign_link(c, i);
}

static void run_unload_other_version_row(struct ctx *c, size_t i, const struct step *s)
{
	run_unload_other_version(c, i);
}

static void run_who_row(struct ctx *c, size_t i, const struct step *s)
{
	run_who(c, i, s->who_case);
}

static void run_resolver(struct ctx *c, size_t i, const struct step *s)
{
	bool down = s->kind == S_RESOLVER_DOWN;

	t_result(&c->report, resolver_set(c, s->hosts, down), "[%zu] the CLI's resolver: %s", i,
		 down	  ? "fails (no DNS server answers)" :
		 s->hosts ? "its own hosts file" :
			    "the host's");
}

/*
 * What the rows after a row may depend on. With T=PATTERN, the rows before
 * the last selected one run too (quietly: only a failure among them is
 * shown), except those that change nothing: the rows that only read
 * (READS), and the long scenarios that leave the guard as they found it
 * and nothing after them reads (SCENARIO: the races, the fault rows, the
 * storm, the flood, the which-script rows).
 */
enum row_effect {
	LEAVES, /* state later rows read: the guard, files, counters, the monitor */
	READS,
	SCENARIO,
};

/* Every kind of row: its name (in the row's name), its function, its effect. */
static const struct {
	const char *name;
	void (*run)(struct ctx *c, size_t i, const struct step *s);
	enum row_effect effect;
} step_kinds[S_KIND_COUNT] = {
	[S_CLI] = { "cli", run_cli_step, LEAVES }, /* but see cli_reads_only() */
	[S_CONN] = { "conn", run_conn, LEAVES },
	[S_RACE] = { "reload race", run_reload_race, SCENARIO },
	[S_UNPIN] = { "unpin", run_tamper, LEAVES },
	[S_DETACH] = { "detach", run_tamper, LEAVES },
	[S_SH] = { "sh", run_sh, LEAVES },
	[S_FILE] = { "file", run_file_check, READS },
	[S_SNAP] = { "snapshot", run_snapshot, LEAVES },
	[S_SAME] = { "same as the snapshot", run_snapshot, READS },
	[S_SYNC_RACE] = { "sync race", run_sync_race, SCENARIO },
	[S_MON_START] = { "monitor start", run_mon_start, LEAVES },
	[S_MON_STOP] = { "monitor stop", run_mon_stop, LEAVES },
	[S_EVENT] = { "event", run_event, LEAVES },
	[S_PATH] = { "packet path", run_path, LEAVES },
	[S_COUNTS] = { "counts", run_counts, LEAVES },
	[S_REACH] = { "reach", run_reach, LEAVES },
	[S_ALERT] = { "alert", run_alert, LEAVES },
	[S_STORM] = { "storm", run_storm, SCENARIO },
	[S_FLOOD] = { "flood", run_flood, SCENARIO },
	[S_FORGE] = { "forge", run_forge, LEAVES },
	[S_ALERT_SWAP] = { "alert command swapped", run_alert_swap, SCENARIO },
	[S_ALERT_FLOOD] = { "alert over the event budget", run_alert_flood, SCENARIO },
	[S_KILL_LOOP] = { "kill loop", run_kill_loop_row, SCENARIO },
	[S_LOCK_STORM] = { "lock storm", run_lock_storm_row, SCENARIO },
	[S_FOREIGN_LINK] = { "foreign link", run_foreign_link_row, SCENARIO },
	/* It ends by loading the test configuration again: later rows see that. */
	[S_UNLOAD_OTHER_VERSION] = { "unload over another version", run_unload_other_version_row,
				     LEAVES },
	[S_HOSTS] = { "hosts", run_resolver, LEAVES },
	[S_RESOLVER_DOWN] = { "resolver down", run_resolver, LEAVES },
	[S_WHO] = { "who", run_who_row, SCENARIO },
	[S_SECTION] = { "section", NULL, READS },
};

/* Commands that change nothing a later row sees. */
static bool cli_reads_only(const char *args)
{
	static const char *const readers[] = { "status",       "list",	"check",
					       "check-config", "stats", "monitor" };
	size_t len = strcspn(args, " ");

	for (size_t k = 0; k < sizeof(readers) / sizeof(readers[0]); k++)
		if (strlen(readers[k]) == len && !strncmp(args, readers[k], len))
			return true;
	return false;
}

static bool sets_state(const struct step *s)
{
	return step_kinds[s->kind].effect == LEAVES &&
	       !(s->kind == S_CLI && cli_reads_only(s->cli.args));
}

static const struct probe *row_probe(const struct step *s, const struct who **who)
{
	switch (s->kind) {
	case S_CONN:
		*who = s->conn.who;
		return &s->conn.probe;
	case S_EVENT:
		*who = s->event.who;
		return &s->event.probe;
	case S_COUNTS:
	case S_ALERT:
		*who = s->counted.who;
		return &s->counted.probe;
	case S_REACH:
		*who = s->reach.who;
		return &s->reach.probe;
	default:
		return NULL;
	}
}

/* "[N] FEATURE/SECTION: KIND: WHAT", what T=PATTERN matches. */
static const char *row_name(size_t n, const char *feature, const char *section,
			    const struct step *s, char *buf, size_t len)
{
	const struct who *who = NULL;
	const struct probe *p = row_probe(s, &who);
	char what[512] = "";

	if (p)
		snprintf(what, sizeof(what), "%s: %s to %s port %u", who->label,
			 probe_method_name(p->method), p->addr, p->port);
	else if (s->kind == S_CLI)
		snprintf(what, sizeof(what), "smtpguard %s (%s)", s->cli.args,
			 confs[s->cli.conf].file);
	else if (s->kind == S_SH)
		snprintf(what, sizeof(what), "%s", s->cmd);
	else if (s->kind == S_FILE)
		snprintf(what, sizeof(what), "%s", confs[s->file.conf].file);
	else if (s->kind == S_MON_START)
		snprintf(what, sizeof(what), "%s", confs[s->monitor_conf].file);
	else if (s->kind == S_UNPIN || s->kind == S_DETACH)
		snprintf(what, sizeof(what), "%s", s->pin);
	else if (s->kind == S_FORGE)
		snprintf(what, sizeof(what), "%s", s->forge.comm);
	else if (s->kind == S_HOSTS)
		snprintf(what, sizeof(what), "%s", s->hosts ? s->hosts : "the host's resolver");
	snprintf(buf, len, "[%zu] %s/%s: %s%s%s", n, feature, section, step_kinds[s->kind].name,
		 what[0] ? ": " : "", what);
	return buf;
}

/* The rows of every table, in order, with the table each comes from. */
struct suite {
	size_t n;
	const struct step **step;
	const char **feature;
	bool *run, *selected;
};

static int suite_collect(struct suite *t)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < sizeof(row_tables) / sizeof(row_tables[0]); i++)
		n += row_tables[i]->n;
	t->n = n;
	t->step = calloc(n, sizeof(*t->step));
	t->feature = calloc(n, sizeof(*t->feature));
	t->run = calloc(n, sizeof(*t->run));
	t->selected = calloc(n, sizeof(*t->selected));
	if (!t->step || !t->feature || !t->run || !t->selected)
		return -1;
	for (size_t i = 0; i < sizeof(row_tables) / sizeof(row_tables[0]); i++)
		for (size_t j = 0; j < row_tables[i]->n; j++, k++) {
			t->step[k] = &row_tables[i]->v[j];
			t->feature[k] = row_tables[i]->name;
		}
	return 0;
}

static void suite_free(struct suite *t)
{
	free(t->step);
	free(t->feature);
	free(t->run);
	free(t->selected);
}

/*
 * Which rows run: all of them, or (filter) those whose name holds it and,
 * before the last of them, those that leave state behind (sets_state()).
 * Returns how many rows the filter selected; *setup counts the others that
 * run.
 */
static size_t select_rows(const char *filter, struct suite *t, size_t *setup)
{
	const char *section = "";
	size_t n = 0, nsel = 0, last = 0;
	char name[1024];

	for (size_t k = 0; k < t->n; k++) {
		const struct step *s = t->step[k];

		t->run[k] = t->selected[k] = false;
		if (k && t->feature[k] != t->feature[k - 1])
			section = ""; /* a file's first rows are not the last file's section */
		if (s->kind == S_SECTION) {
			section = s->section;
			continue;
		}
		t->selected[k] =
			!filter ||
			strstr(row_name(n, t->feature[k], section, s, name, sizeof(name)), filter);
		if (t->selected[k]) {
			nsel++;
			last = k;
		}
		n++;
	}
	*setup = 0;
	for (size_t k = 0; k < t->n; k++) {
		t->run[k] = t->selected[k] || (nsel && k < last && sets_state(t->step[k]));
		*setup += t->run[k] && !t->selected[k];
	}
	return nsel;
}

/* --count: print how many rows SG_TEST_FILTER selects, and run none. */
int main(int argc, char **argv)
{
	const char *env = getenv("SG_TEST_FILTER");
	char *filter = env && *env ? strdup(env) : NULL;
	struct suite t = {};
	struct ctx c = {};
	size_t nsel, nsetup, n = 0;
	int ret = 2;

	/* The rows decide what is shown (testlib.h would match each result's own text). */
	unsetenv("SG_TEST_FILTER");
	alarm(SUITE_MAX_SECONDS); /* a hung kernel call must not hang CI */
	if (suite_collect(&t)) {
		perror("e2e_guard");
		goto cleanup;
	}
	nsel = select_rows(filter, &t, &nsetup);
	if (argc > 1 && !strcmp(argv[1], "--count")) {
		printf("%zu\n", nsel);
		ret = 0;
		goto cleanup;
	}
	if (filter) {
		printf("# T=%s: %zu rows selected", filter, nsel);
		if (nsetup)
			printf(", %zu rows before them run to set the state up (shown if they fail)",
			       nsetup);
		printf("\n");
		fflush(stdout); /* before any fork */
	}
	if (!nsel) {
		ret = t_summary(&c.report);
		goto cleanup;
	}
	if (setup(&c))
		goto cleanup;
	for (size_t k = 0; k < t.n; k++) {
		const struct step *s = t.step[k];

		if (s->kind == S_SECTION)
			continue;
		if (t.run[k]) {
			c.report.quiet = !t.selected[k];
			step_kinds[s->kind].run(&c, n, s);
		}
		n++;
	}
	c.report.quiet = false;
	if (c.monitor > 0) {
		kill(c.monitor, SIGKILL);
		waitpid(c.monitor, NULL, 0);
	}
	ret = t_summary(&c.report);
cleanup:
	suite_free(&t);
	free(filter);
	return ret;
}
