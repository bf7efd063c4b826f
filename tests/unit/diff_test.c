// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * diff_test.c - what "load" and "sync" print before they change the live
 * guard (diff.h): each row a live state and a new policy, and the exact
 * lines and count of changes. Built with ASan and UBSan; links diff.o
 * without the BPF skeleton. To add a case, add a row: a field left out of a
 * side is the baseline (ports 25 465 587, enforce, 131072 identities,
 * /etc/smtpguard.conf, redirect to port 25).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "diff.h"
#include "live.h"
#include "policy.h"
#include "testlib.h"

#define HASH 0x5347 /* the program hash of "this build" */

struct dest {
	const char *cidr; /* "198.51.100.0/24", "2001:db8::/32" */
	__u32 origin;
};

struct side {
	const char *ports; /* NULL: "25 465 587" */
	__u32 mode, flags;
	__u32 max_ids; /* 0: 131072 */
	const char *config; /* NULL: /etc/smtpguard.conf */
	__u16 redirect_port4; /* 0: 25 */
	bool other_build; /* live side: loaded by a build with another program hash */
	struct id_entry uids[4], gids[4]; /* origin 0 ends the list */
	struct dest dests[4]; /* NULL cidr ends the list */
	const char *local[4]; /* the host's own addresses; NULL ends */
};

#define C SG_ORIGIN_CONFIG
#define R SG_ORIGIN_RUNTIME
#define ID SG_ORIGIN_BY_ID
#define NAME SG_ORIGIN_BY_NAME

/* clang-format off */
static const struct {
	const char *name;
	struct side was, now;
	const char *want; /* the whole output */
	size_t n; /* diff_print's count */
} cases[] = {
	{ "nothing changed: no line",
	  { .uids = { { 0, C | NAME } }, .local = { "198.51.100.1" } },
	  { .uids = { { 0, C | NAME } }, .local = { "198.51.100.1" } }, "", 0 },
	{ "guarded ports, before and after",
	  {}, { .ports = "25" }, "~ports: 25 465 587 -> 25\n", 1 },
	{ "another build's program is replaced",
	  { .other_build = true }, {},
	  "~program: the loaded BPF program is from another smtpguard build; replacing it\n", 1 },
	{ "the configuration file, and an unknown one",
	  { .config = "" }, { .config = "/etc/other.conf" },
	  "~config: (unknown) -> /etc/other.conf\n", 1 },
	{ "mode", {}, { .mode = SG_MODE_AUDIT }, "~mode: enforce -> audit\n", 1 },
	{ "redirect target: one line, whatever part changed",
	  { .mode = SG_MODE_REDIRECT }, { .mode = SG_MODE_REDIRECT, .redirect_port4 = 2525 },
	  "~redirect_to changed\n", 1 },
	{ "max_identities", {}, { .max_ids = 16 }, "~max_identities: 131072 -> 16\n", 1 },
	{ "allow_local and container_loopback, each its own line",
	  { .flags = SG_F_ALLOW_LOCAL }, { .flags = SG_F_CONTAINER_LOOPBACK },
	  "~allow_local: yes -> no\n~container_loopback: no -> yes\n", 2 },
	{ "flags that are not settings (an empty role) are no change",
	  {}, { .flags = SG_F_EMPTY_MTA | SG_F_EMPTY_MAILMAN }, "", 0 },
	{ "users added and removed, in ID order; root unchanged",
	  { .uids = { { 0, C | NAME }, { 64990, C | ID } } },
	  { .uids = { { 0, C | NAME }, { 64991, C | ID } } },
	  "-uid 64990\n+uid 64991\n", 2 },
	{ "a user's origin changed",
	  { .uids = { { 64990, C | ID } } }, { .uids = { { 64990, C | ID | R } } },
	  "~uid 64990 (no name, runtime): origin config,id -> config,runtime,id\n", 1 },
	{ "a group added through a role",
	  {}, { .gids = { { 64991, SG_ORIGIN_ROLE_MAILMAN } } }, "+gid 64991 (no name, @mailman)\n", 1 },
	{ "every user and group gone",
	  { .uids = { { 0, C | NAME } }, .gids = { { 64991, C } } }, {},
	  "-uid 0 (root)\n-gid 64991\n", 2 },
	{ "a destination removed",
	  { .dests = { { "198.51.100.0/24", C } } }, {}, "-dest 198.51.100.0/24\n", 1 },
	{ "a destination's origin changed, another added",
	  { .dests = { { "198.51.100.0/24", C } } },
	  { .dests = { { "198.51.100.0/24", R }, { "198.51.101.0/24", C } } },
	  "~dest 198.51.100.0/24: origin config -> runtime\n+dest 198.51.101.0/24\n", 2 },
	{ "an IPv6 destination added",
	  {}, { .dests = { { "2001:db8::/32", C } } }, "+dest 2001:db8::/32\n", 1 },
	{ "the host's addresses: gone first, then new",
	  { .local = { "198.51.100.1", "2001:db8::1" } },
	  { .local = { "198.51.100.2", "2001:db8::1" } },
	  "-local 198.51.100.1\n+local 198.51.100.2\n", 2 },
	{ "everything at once: settings, then allowlists, then addresses",
	  { .uids = { { 64990, C } }, .local = { "198.51.100.1" } },
	  { .ports = "25 587", .mode = SG_MODE_AUDIT, .config = "/etc/b.conf",
	    .uids = { { 64991, C } }, .dests = { { "198.51.100.16/28", C } } },
	  "~ports: 25 465 587 -> 25 587\n~config: /etc/smtpguard.conf -> /etc/b.conf\n"
	  "~mode: enforce -> audit\n-uid 64990\n+uid 64991\n+dest 198.51.100.16/28\n"
	  "-local 198.51.100.1\n", 7 },
};
/* clang-format on */

#define N_CASES ARRAY_SIZE(cases)

static bool parse_addr(const char *text, struct sg_addr *a)
{
	struct in_addr a4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &a4) == 1) {
		a->words[2] = htonl(0xffff);
		a->words[3] = a4.s_addr;
		return true;
	}
	return inet_pton(AF_INET6, text, a->words) == 1;
}

static bool parse_cidr(const char *text, struct sg_dest_key *k)
{
	char addr[64];
	const char *slash = strchr(text, '/');

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		return false;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	k->prefixlen = (__u32)atoi(slash + 1);
	if (!parse_addr(addr, &k->addr))
		return false;
	if (!strchr(addr, ':'))
		k->prefixlen += 96;
	return true;
}

static void set_ports(__u64 *ports, const char *list)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list ? list : "25 465 587");
	for (char *p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save))
		ports[atoi(p) / 64] |= 1ULL << (atoi(p) % 64);
}

static void fill_settings(struct sg_settings *s, const struct side *d)
{
	set_ports(s->ports, d->ports);
	s->mode = d->mode;
	s->flags = d->flags;
	s->redirect_ip4 = htonl(0x7f000001);
	s->redirect_port4 = d->redirect_port4 ? d->redirect_port4 : 25;
	s->redirect_port6 = 25;
	s->redirect_ip6[3] = htonl(1);
	snprintf((char *)s->config_path, sizeof(s->config_path), "%s",
		 d->config ? d->config : "/etc/smtpguard.conf");
	s->prog_hash = d->other_build ? HASH + 1 : HASH;
}

/* The side's lists into ids, dests and local; false when a row is malformed. */
static bool fill_lists(const struct side *d, struct id_set *uids, struct id_set *gids,
		       struct dest_set *dests, struct addr_list *local)
{
	for (size_t k = 0; k < 4 && d->uids[k].origin; k++)
		if (id_set_add(uids, d->uids[k].id, d->uids[k].origin))
			return false;
	for (size_t k = 0; k < 4 && d->gids[k].origin; k++)
		if (id_set_add(gids, d->gids[k].id, d->gids[k].origin))
			return false;
	for (size_t k = 0; k < 4 && d->dests[k].cidr; k++) {
		struct sg_dest_key key = {};

		if (!parse_cidr(d->dests[k].cidr, &key) ||
		    dest_set_add(dests, &key, d->dests[k].origin))
			return false;
	}
	for (size_t k = 0; k < 4 && d->local[k]; k++) {
		struct sg_addr a;

		if (!parse_addr(d->local[k], &a) || addr_list_add(local, &a, 1))
			return false;
	}
	id_set_finish(uids);
	id_set_finish(gids);
	dest_set_finish(dests);
	return true;
}

static void run_case(struct test_report *r, size_t i)
{
	struct live_state live = {};
	struct sg_policy p = {};
	struct addr_list local = {};
	char *text = NULL;
	size_t len = 0, n, counted = 0;
	FILE *out;

	fill_settings(&live.settings, &cases[i].was);
	fill_settings(&p.settings, &cases[i].now);
	live.max_ids = cases[i].was.max_ids ? cases[i].was.max_ids : 131072;
	p.max_ids = cases[i].now.max_ids ? cases[i].now.max_ids : 131072;
	if (!fill_lists(&cases[i].was, &live.ids[ID_USER], &live.ids[ID_GROUP], &live.dests,
			&live.local) ||
	    !fill_lists(&cases[i].now, &p.uids, &p.gids, &p.dests, &local)) {
		t_result(r, false, "diff: %s: a malformed row", cases[i].name);
		goto cleanup;
	}
	out = open_memstream(&text, &len);
	if (!out) {
		t_result(r, false, "diff: %s: open_memstream failed", cases[i].name);
		goto cleanup;
	}
	n = diff_print(out, &live, &p, &local, HASH);
	fclose(out);
	counted = diff_print(NULL, &live, &p, &local, HASH);
	if (!strcmp(text, cases[i].want) && n == cases[i].n && counted == n)
		t_result(r, true, "diff: %s (%zu)", cases[i].name, n);
	else
		t_result(r, false, "diff: %s: got %zu (counted %zu):\n%swant %zu:\n%s",
			 cases[i].name, n, counted, text, cases[i].n, cases[i].want);
cleanup:
	free(text);
	id_set_free(&live.ids[ID_USER]);
	id_set_free(&live.ids[ID_GROUP]);
	free(live.dests.v);
	addr_list_free(&live.local);
	id_set_free(&p.uids);
	id_set_free(&p.gids);
	free(p.dests.v);
	addr_list_free(&local);
}

int main(void)
{
	struct test_report r = {};

	for (size_t i = 0; i < N_CASES; i++)
		run_case(&r, i);
	return t_summary(&r);
}
