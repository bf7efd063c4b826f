// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * config_test.c - the configuration parser, the strict value parsers and
 * name resolution (policy_build), run against the real code with no kernel.
 * One table row per case.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "config.h"
#include "dest_spec.h"
#include "parse.h"
#include "policy.h"
#include "scope.h"
#include "scope_resolve.h"
#include "testlib.h"

#define ANY SIZE_MAX /* do not check this count */

struct config_case {
	const char *name;
	const char *text;
	size_t len; /* 0: strlen(text) */
	int errors; /* expected return of config_parse */
	const char *diag[3]; /* substrings the diagnostics must hold */
	const char *ports; /* guarded ports after defaults, e.g. "25 465 587" */
	int allow_local; /* -1: do not check */
	size_t users, groups; /* entries in the lists after defaults */
};

/* clang-format off */
static const struct config_case config_cases[] = {
	{ "empty file gives the defaults", "", 0, 0, { 0 }, "25 465 587", 1, 3, 2 },
	{ "comments and blank lines only", "# nothing\n\n   \t\n# more\n", 0, 0, { 0 },
	  "25 465 587", 1, 3, 2 },
	{ "ports lines append", "ports = 25\nports = 2525, 587\n", 0, 0, { 0 }, "25 587 2525", 1,
	  3, 2 },
	{ "ports replace the default", "ports = 2525\n", 0, 0, { 0 }, "2525", 1, ANY, ANY },
	{ "allow_users lines append", "allow_users = root, 1001\nallow_users = 1002 1003\n", 0, 0,
	  { 0 }, "25 465 587", 1, 4, 2 },
	{ "allow_groups replaces the default", "allow_groups = 12\n", 0, 0, { 0 }, NULL, -1, 3, 1 },
	{ "separators: commas, blanks, tabs", "ports =25,\t465 ,587\n", 0, 0, { 0 }, "25 465 587",
	  -1, ANY, ANY },
	{ "allow_local = no", "allow_local = no\n", 0, 0, { 0 }, NULL, 0, ANY, ANY },
	{ "allow_local = off", "allow_local = off\n", 0, 0, { 0 }, NULL, 0, ANY, ANY },
	{ "allow_local=YES without blanks", "allow_local=YES\n", 0, 0, { 0 }, NULL, 1, ANY, ANY },
	{ "trailing comment", "ports = 25 # plain SMTP only\n", 0, 0, { 0 }, "25", -1, ANY,
	  ANY },
	{ "CRLF line ends", "ports = 25\r\nallow_local = no\r\n", 0, 0, { 0 }, "25", 0, ANY,
	  ANY },
	{ "no trailing newline", "ports = 465", 0, 0, { 0 }, "465", -1, ANY, ANY },
	{ "highest port", "ports = 65535\n", 0, 0, { 0 }, "65535", -1, ANY, ANY },
	{ "unknown key", "colour = blue\n", 0, 1, { "t.conf:1: unknown key 'colour'" }, NULL,
	  -1, ANY, ANY },
	{ "no '='", "\nports 25\n", 0, 1, { "t.conf:2: expected 'key = value'" }, NULL, -1, ANY,
	  ANY },
	{ "missing key", "= 25\n", 0, 1, { "t.conf:1: missing key" }, NULL, -1, ANY, ANY },
	{ "port 0", "ports = 0\n", 0, 1, { "t.conf:1: bad port '0'" }, NULL, -1, ANY, ANY },
	{ "port 65536", "ports = 65536\n", 0, 1, { "t.conf:1: bad port '65536'" }, NULL, -1, ANY,
	  ANY },
	{ "port -1", "ports = -1\n", 0, 1, { "t.conf:1: bad port '-1'" }, NULL, -1, ANY, ANY },
	{ "port 0x19", "ports = 0x19\n", 0, 1, { "bad port '0x19'" }, NULL, -1, ANY, ANY },
	{ "bad port inside a list", "ports = 25\nports = 465, 99999, 587\n", 0, 1,
	  { "t.conf:2: bad port '99999'" }, NULL, -1, ANY, ANY },
	{ "empty value", "allow_users =\n", 0, 1, { "t.conf:1: empty value for 'allow_users'" },
	  NULL, -1, ANY, ANY },
	{ "a list of separators only", "ports = ,\n", 0, 1,
	  { "t.conf:1: empty value for 'ports'" }, NULL, -1, ANY, ANY },
	{ "allow_users = , would drop root silently", "allow_users = , ,\n", 0, 1,
	  { "t.conf:1: empty value for 'allow_users'" }, NULL, -1, ANY, ANY },
	{ "scalar key twice", "allow_local = yes\n# x\nallow_local = no\n", 0, 1,
	  { "t.conf:3: allow_local is given twice (first on line 1)" }, NULL, -1, ANY, ANY },
	{ "bad boolean", "allow_local = maybe\n", 0, 1, { "bad value 'maybe' for allow_local" },
	  NULL, -1, ANY, ANY },
	{ "UID 4294967295 is not an ID", "allow_users = 4294967295\n", 0, 1,
	  { "t.conf:1: bad user ID '4294967295'" }, NULL, -1, ANY, ANY },
	{ "name with a slash", "allow_groups = bad/name\n", 0, 1,
	  { "t.conf:1: bad group name 'bad/name'" }, NULL, -1, ANY, ANY },
	{ "NUL byte", "ports = 25\nports = 4\0" "65\n", 24, 1, { "t.conf:2: NUL byte" }, NULL, -1,
	  ANY, ANY },
	{ "NUL byte in a comment", "ports = 25 # a\0b\n", 17, 1, { "t.conf:1: NUL byte" }, NULL,
	  -1, ANY, ANY },
	{ "CRLF: an error keeps its line, the CR is not part of the value",
	  "ports = 25\r\nports = 0\r\n", 0, 1,
	  { "t.conf:2: bad port '0' (expected" }, NULL, -1, ANY, ANY },
	{ "CRLF: a blank CR LF line is blank", "ports = 25\r\n\r\n", 0, 0, { 0 }, "25", -1, ANY,
	  ANY },
	{ "a stray CR is shown escaped, not printed", "ports = 25\r\r\n", 0, 1,
	  { "t.conf:1: bad port '25\\x0d'" }, NULL, -1, ANY, ANY },
	{ "no trailing newline: an error on the last line", "ports = 25\nports = 0", 0, 1,
	  { "t.conf:2: bad port '0'" }, NULL, -1, ANY, ANY },
	{ "non-UTF-8 bytes in comments are ignored", "# caf\xe9 \xff\xfe\nports = 25 # \xff\n", 0,
	  0, { 0 }, "25", -1, ANY, ANY },
	{ "non-UTF-8 bytes in a name are shown escaped", "allow_users = root \xff\xfe\n", 0, 1,
	  { "t.conf:1: bad user name '\\xff\\xfe': invalid character" }, NULL, -1, ANY, ANY },
	{ "non-ASCII key", "col\xc3\xb6r = blue\n", 0, 1,
	  { "t.conf:1: unknown key 'col\\xc3\\xb6r'" }, NULL, -1, ANY, ANY },
	{ "mode audit", "mode = audit\n", 0, 0, { 0 }, NULL, -1, ANY, ANY },
	{ "bad mode", "mode = loud\n", 0, 1, { "t.conf:1: bad mode 'loud'" }, NULL, -1, ANY, ANY },
	{ "mode twice", "mode = audit\nmode = enforce\n", 0, 1,
	  { "t.conf:2: mode is given twice (first on line 1)" }, NULL, -1, ANY, ANY },
	{ "redirect_to: address with and without port", "redirect_to = 127.0.0.1:587 [::1]\n", 0,
	  0, { 0 }, NULL, -1, ANY, ANY },
	{ "redirect_to: a port any account may bind", "redirect_to = 127.0.0.1:2525\n", 0, 1,
	  { "the port must be 1 to 1023" }, NULL, -1, ANY, ANY },
	{ "redirect_to: two IPv4 targets", "redirect_to = 127.0.0.1:25 10.0.0.1:25\n", 0, 1,
	  { "bad redirect_to '10.0.0.1:25': one IPv4 and one IPv6 target at most" }, NULL, -1, ANY,
	  ANY },
	{ "redirect_to: unspecified, multicast, link-local",
	  "redirect_to = 0.0.0.0 ff02::1\n", 0, 2,
	  { "'0.0.0.0': 0.0.0.0 is not a target", "'ff02::1': a multicast address" }, NULL, -1,
	  ANY, ANY },
	{ "redirect_to: kept port 2525 any account may bind",
	  "ports = 25 2525\nredirect_to = 127.0.0.1\n", 0, 1,
	  { "t.conf:2: redirect_to without a port keeps the destination port, and guarded port 2525" },
	  NULL, -1, ANY, ANY },
	/* Found by make fuzz: no target at all, and an address cut from a longer item. */
	{ "redirect_to: only separators", "redirect_to = ,\n", 0, 1,
	  { "t.conf:1: empty value for 'redirect_to'" }, NULL, -1, ANY, ANY },
	{ "redirect_to: an item longer than any address",
	  "redirect_to = 127.0.0.1/000000000000000000000000000000000000000000000000000032junk\n", 0,
	  1, { "t.conf:1: bad redirect_to '127.0.0.1/0000" }, NULL, -1, ANY, ANY },
	{ "redirect_to: a network is not a target", "redirect_to = 127.0.0.0/8\n", 0, 1,
	  { "t.conf:1: bad redirect_to '127.0.0.0/8': a single address" }, NULL, -1, ANY, ANY },
	{ "redirect_to: port 0", "redirect_to = 127.0.0.1:0\n", 0, 1,
	  { "bad redirect_to '127.0.0.1:0': the port must be 1 to 1023" }, NULL, -1, ANY, ANY },
	{ "alert_threshold 20/60s", "alert_threshold = 20/60s\nalert_command = /bin/true\n", 0, 0,
	  { 0 }, NULL, -1, ANY, ANY },
	{ "alert_threshold without unit", "alert_threshold = 20/60\n", 0, 1,
	  { "t.conf:1: bad alert_threshold '20/60'" }, NULL, -1, ANY, ANY },
	{ "alert_command must be absolute", "alert_command = notify.sh\n", 0, 1,
	  { "alert_command must be an absolute path" }, NULL, -1, ANY, ANY },
	{ "log_window out of range", "log_window = 0\n", 0, 1,
	  { "t.conf:1: bad log_window '0' (expected 1 to 3600)" }, NULL, -1, ANY, ANY },
	{ "every error is reported, each with its line",
	  "ports = 0\nallow_users = root\ncolour = red\n\nallow_local = perhaps\n", 0, 3,
	  { "t.conf:1: bad port", "t.conf:3: unknown key", "t.conf:5: bad value" }, NULL, -1, ANY,
	  ANY },
};
/* clang-format on */

static bool ports_match(const __u64 *ports, const char *want, char *got, size_t len)
{
	size_t used = 0;

	got[0] = '\0';
	for (unsigned int p = 1; p < 65536; p++)
		if (config_port_guarded(ports, p) && used < len)
			used += (size_t)snprintf(got + used, len - used, "%s%u", used ? " " : "",
						 p);
	return !strcmp(got, want);
}

static void run_config_case(struct test_report *r, const struct config_case *c)
{
	struct sg_config cfg;
	char *diag = NULL, got[256];
	size_t diag_len = 0;
	FILE *f = open_memstream(&diag, &diag_len);
	int n = config_parse("t.conf", c->text, c->len ? c->len : strlen(c->text), &cfg, f);
	const char *why = NULL;

	fclose(f);
	if (n != c->errors)
		why = "wrong number of errors";
	for (int i = 0; !why && i < 3 && c->diag[i]; i++)
		if (!strstr(diag, c->diag[i]))
			why = c->diag[i];
	if (!why && !c->errors && c->ports && !ports_match(cfg.ports, c->ports, got, sizeof(got)))
		why = "wrong ports";
	if (!why && !c->errors && c->allow_local >= 0 && cfg.allow_local != c->allow_local)
		why = "wrong allow_local";
	if (!why && !c->errors && c->users != ANY && cfg.users.n != c->users)
		why = "wrong number of users";
	if (!why && !c->errors && c->groups != ANY && cfg.groups.n != c->groups)
		why = "wrong number of groups";
	if (why)
		t_result(r, false, "config: %s: %s (returned %d, diagnostics: %s)", c->name, why, n,
			 diag);
	else
		t_result(r, true, "config: %s", c->name);
	config_free(&cfg);
	free(diag);
}

struct u32_case {
	const char *in;
	__u32 max;
	int ret;
	__u32 out;
};

/* clang-format off */
static const struct u32_case u32_cases[] = {
	{ "25", 65535, 0, 25 },	  { "065535", 65535, 0, 65535 }, { "65536", 65535, -ERANGE, 0 },
	{ "", 65535, -EINVAL, 0 }, { "+5", 65535, -EINVAL, 0 },	  { " 5", 65535, -EINVAL, 0 },
	{ "5 ", 65535, -EINVAL, 0 }, { "0x19", 65535, -EINVAL, 0 }, { "-1", 65535, -EINVAL, 0 },
	{ "4294967294", PARSE_MAX_ID, 0, 4294967294u },
	{ "4294967295", PARSE_MAX_ID, -ERANGE, 0 },
	{ "99999999999999999999999", PARSE_MAX_ID, -ERANGE, 0 },
};
/* clang-format on */

static void run_u32_cases(struct test_report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(u32_cases); i++) {
		const struct u32_case *c = &u32_cases[i];
		__u32 out = 0;
		int ret = parse_u32(c->in, c->max, &out);

		t_result(r, ret == c->ret && (ret || out == c->out),
			 "parse_u32(\"%s\", %u) = %d (%u), expected %d (%u)", c->in, c->max, ret,
			 out, c->ret, c->out);
	}
}

/* Resolve a configuration text into a policy; diagnostics into *diag. */
static int build(const char *text, struct sg_policy *p, char **diag)
{
	struct sg_config cfg;
	size_t len = 0;
	FILE *f = open_memstream(diag, &len);
	int n = config_parse("t.conf", text, strlen(text), &cfg, f);

	if (!n) {
		int warnings = 0;

		n = policy_build(&cfg, p, f, NAMES_WARN, &warnings);
		n = n ? -2000 - n : warnings;
	} else {
		n = -1000 - n;
	}
	fclose(f);
	config_free(&cfg);
	return n;
}

static const struct id_entry *find_id(const struct id_set *s, __u32 id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

static void run_policy_cases(struct test_report *r)
{
	const struct id_entry *e;
	struct sg_policy p;
	struct group *mail;
	char *diag = NULL;
	int n;

	n = build("allow_users = 64999\n", &p, &diag);
	e = find_id(&p.uids, 64999);
	t_result(r,
		 n == 0 && p.uids.n == 1 && e && e->origin == (SG_ORIGIN_CONFIG | SG_ORIGIN_BY_ID),
		 "policy: a numeric UID needs no passwd entry");
	policy_free(&p);
	free(diag);
	diag = NULL;

	n = build("ports = 25\nallow_users = root nosuchuser-sgtest 1001\n", &p, &diag);
	t_result(r,
		 n == 1 && p.uids.n == 2 && find_id(&p.uids, 0) && find_id(&p.uids, 1001) &&
			 strstr(diag, "t.conf:2: warning: no such user nosuchuser-sgtest"),
		 "policy: an unknown name is a FILE:LINE warning and is not allowed (got %d)", n);
	policy_free(&p);
	free(diag);
	diag = NULL;

	n = build("allow_groups = nosuchgroup-sgtest\n", &p, &diag);
	t_result(r,
		 n == 1 && p.gids.n == 0 &&
			 strstr(diag, "t.conf:1: warning: no such group nosuchgroup-sgtest"),
		 "policy: an unknown group fails closed: nothing is allowed for it");
	policy_free(&p);
	free(diag);
	diag = NULL;

	n = build("allow_users = root 0\nallow_users = 0\n", &p, &diag);
	t_result(r, n == 0 && p.uids.n == 1 && p.uids.v[0].id == 0,
		 "policy: duplicates merge into one entry");
	policy_free(&p);
	free(diag);
	diag = NULL;

	n = build("", &p, &diag);
	mail = getgrnam("mail");
	t_result(r,
		 n == 0 && !diag[0] && p.uids.n >= 1 && p.uids.v[0].id == 0 &&
			 p.uids.v[0].origin == (SG_ORIGIN_DEFAULT | SG_ORIGIN_BY_NAME) &&
			 (!mail || find_id(&p.gids, mail->gr_gid)) &&
			 (p.settings.flags & SG_F_ALLOW_LOCAL) &&
			 p.settings.abi_version == SG_ABI_VERSION,
		 "policy: defaults allow root and the existing mail groups, quietly");
	policy_free(&p);
	free(diag);
	diag = NULL;

	n = build("ports = 25\nallow_local = no\n", &p, &diag);
	t_result(r,
		 n == 0 && !(p.settings.flags & SG_F_ALLOW_LOCAL) &&
			 config_port_guarded(p.settings.ports, 25) &&
			 !config_port_guarded(p.settings.ports, 587),
		 "policy: settings carry ports and allow_local");
	policy_free(&p);
	free(diag);
}

/*
 * Scoped exceptions as parsed: each item as "KIND WHO DEST" (dest_spec_format),
 * joined by "; ", and how many plain CIDRs went to allow_dest.
 */
struct scope_case {
	const char *name;
	const char *text;
	int errors;
	const char *diag; /* a substring of the diagnostics */
	const char *items; /* the scoped items, when errors is 0 */
	size_t dests;
};

#define LONG_NAME "LONGNAME"

/* clang-format off */
static const struct scope_case scope_cases[] = {
	{ "a user's relay on one port", "allow_user_dest = alice smtp.sendgrid.net:587\n", 0, NULL,
	  "U alice smtp.sendgrid.net:587", 0 },
	{ "ports: a comma list", "allow_user_dest = alice relay.test:587,465\n", 0, NULL,
	  "U alice relay.test:465,587", 0 },
	{ "ports: a blank after the comma continues the list",
	  "allow_user_dest = alice relay.test:587, 465\n", 0, NULL, "U alice relay.test:465,587", 0 },
	{ "ports: a piece of digits after an item without ports is an error",
	  "allow_dest = relay.test 587\n", 1, "t.conf:1: bad allow_dest '587': a port must follow",
	  NULL, 0 },
	{ "several destinations on one line, v4, v6, a CIDR",
	  "allow_user_dest = 1001 198.51.100.9:587 [2001:db8::9]:465 2001:db8::/64\n", 0, NULL,
	  "U 1001 198.51.100.9:587; U 1001 [2001:db8::9]:465; U 1001 2001:db8::/64", 0 },
	{ "v4-mapped in brackets is the IPv4 address",
	  "allow_user_dest = alice [::ffff:198.51.100.9]:587\n", 0, NULL,
	  "U alice 198.51.100.9:587", 0 },
	{ "a group, a role", "allow_group_dest = @mta relay.test\nallow_group_dest = devs 198.51.100.0/24:25\n",
	  0, NULL, "G @mta relay.test; G devs 198.51.100.0/24:25", 0 },
	{ "allow_dest: a plain CIDR stays a CIDR, ports or a name make a scoped rule",
	  "allow_dest = 198.51.100.0/24 relay.test:587, 198.51.100.9:25\n", 0, NULL,
	  "A relay.test:587; A 198.51.100.9:25", 1 },
	{ "names are lower case, the root's dot dropped", "allow_dest = Relay.Example.NET.:25\n", 0,
	  NULL, "A relay.example.net:25", 0 },
	{ "a port guarded only by a later line is fine",
	  "allow_user_dest = alice relay.test:2525\nports = 25 2525\n", 0, NULL,
	  "U alice relay.test:2525", 0 },
	{ "a port that is not guarded", "ports = 25\nallow_user_dest = alice relay.test:587\n", 1,
	  "t.conf:2: port 587 of 'relay.test:587' is not guarded", NULL, 0 },
	{ "a name with a port that is not guarded", "allow_dest = relay.test:2525\n", 1,
	  "t.conf:1: port 2525 of 'relay.test:2525' is not guarded", NULL, 0 },
	{ "port 0", "allow_user_dest = alice relay.test:0\n", 1,
	  "t.conf:1: bad allow_user_dest 'relay.test:0': a port is a number from 1 to 65535", NULL, 0 },
	{ "an empty port", "allow_user_dest = alice relay.test:\n", 1, "an empty port", NULL, 0 },
	{ "two commas are two separators in the file", "allow_user_dest = alice relay.test:25,,587\n",
	  0, NULL, "U alice relay.test:25,587", 0 },
	{ "a CIDR with host bits", "allow_group_dest = devs 198.51.100.9/24:25\n", 1,
	  "t.conf:1: bad allow_group_dest '198.51.100.9/24:25': host bits are set", NULL, 0 },
	{ "[::1] without a port", "allow_user_dest = alice [::1]\n", 1,
	  "'[::1]': brackets are for an IPv6 address with a port", NULL, 0 },
	{ "brackets around IPv4", "allow_dest = [198.51.100.9]:25\n", 1,
	  "brackets are only for IPv6 addresses", NULL, 0 },
	{ "no ':' after ']'", "allow_dest = [2001:db8::1]587\n", 1, "expected ':PORTS' after ']'",
	  NULL, 0 },
	{ "a 300-character name", "allow_user_dest = alice " LONG_NAME ":587\n", 1,
	  "a DNS name is at most 253 characters", NULL, 0 },
	{ "a name whose last label is digits", "allow_dest = relay.123:25\n", 1,
	  "a name's last label is never all digits", NULL, 0 },
	{ "hex that getaddrinfo would read as 127.0.0.1", "allow_dest = 0x7f000001:25\n", 1,
	  "'0x7f000001:25': not an IPv4 or IPv6 address", NULL, 0 },
	{ "a hex number with the root's dot (found by make fuzz)", "allow_dest = 0x1.:25\n", 1,
	  "reads as an IPv4 address", NULL, 0 },
	{ "a label that starts with '-'", "allow_dest = -relay.test\n", 1,
	  "a label starts with '-'", NULL, 0 },
	{ "more than 16 ports for one destination",
	  "ports = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
	  "allow_dest = relay.test:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n", 1,
	  "more than 16 ports for one destination", NULL, 0 },
	{ "a user and no destination", "allow_user_dest = alice\n", 1,
	  "t.conf:1: allow_user_dest needs a destination after the user", NULL, 0 },
	{ "an empty value", "allow_group_dest =\n", 1, "empty value for 'allow_group_dest'", NULL, 0 },
	{ "'none' is not a user", "allow_user_dest = none relay.test\n", 1,
	  "'none' is not a user", NULL, 0 },
	{ "a bad user name", "allow_user_dest = bad/name relay.test\n", 1,
	  "t.conf:1: bad user name 'bad/name'", NULL, 0 },
	{ "IPv6 with a port needs brackets (else it is an address)",
	  "allow_dest = 2001:db8::1:587\n", 0, NULL, "", 1 },
};
/* clang-format on */

static void scope_items_text(const struct sg_config *cfg, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < cfg->scopes.n && used < len; i++) {
		const struct cfg_scope *s = &cfg->scopes.v[i];
		char who[64], dest[512];

		if (s->kind == SG_SCOPE_ANYONE)
			snprintf(who, sizeof(who), "A");
		else if (s->who.role)
			snprintf(who, sizeof(who), "%c %s", s->kind == SG_SCOPE_UID ? 'U' : 'G',
				 config_role_name(s->who.role));
		else if (s->who.name)
			snprintf(who, sizeof(who), "%c %s", s->kind == SG_SCOPE_UID ? 'U' : 'G',
				 s->who.name);
		else
			snprintf(who, sizeof(who), "%c %u", s->kind == SG_SCOPE_UID ? 'U' : 'G',
				 s->who.id);
		used += (size_t)snprintf(out + used, len - used, "%s%s %s", i ? "; " : "", who,
					 dest_spec_format(&s->dest, dest, sizeof(dest)));
	}
}

static void run_scope_cases(struct test_report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(scope_cases); i++) {
		const struct scope_case *c = &scope_cases[i];
		char text[1024], items[2048], *diag = NULL, *at;
		size_t diag_len = 0;
		struct sg_config cfg;
		FILE *f = open_memstream(&diag, &diag_len);
		const char *why = NULL;
		int n;

		/* A 300-character name, made here: long literals are unreadable. */
		snprintf(text, sizeof(text), "%s", c->text);
		at = strstr(text, LONG_NAME);
		if (at) {
			char tail[256];

			snprintf(tail, sizeof(tail), "%s", at + strlen(LONG_NAME));
			for (int k = 0; k < 30; k++)
				memcpy(at + 10 * k, "relayhost.", 10);
			snprintf(at + 300, sizeof(text) - (size_t)(at - text) - 300, "test%s",
				 tail);
		}
		n = config_parse("t.conf", text, strlen(text), &cfg, f);
		fclose(f);
		scope_items_text(&cfg, items, sizeof(items));
		if (n != c->errors)
			why = "wrong number of errors";
		else if (c->diag && !strstr(diag, c->diag))
			why = c->diag;
		else if (!c->errors && strcmp(items, c->items))
			why = "wrong items";
		else if (!c->errors && cfg.dests.n != c->dests)
			why = "wrong number of allow_dest CIDRs";
		if (why)
			t_result(r, false,
				 "scoped: %s: %s (returned %d, items '%s', diagnostics: %s)",
				 c->name, why, n, items, diag);
		else
			t_result(r, true, "scoped: %s", c->name);
		config_free(&cfg);
		free(diag);
	}
}

/*
 * The kernel's decision, emulated on the entries scope_build() made: an LPM
 * lookup (the longest prefix of the identity that holds addr), then the
 * port set. 'A' allowed, 'M' missed (the identity has rules, not these),
 * '-' no rule.
 */
static char decide(const struct scope_plan *p, __u32 kind, __u32 id, const char *addr,
		   unsigned int port)
{
	const struct scope_entry *best = NULL;
	struct sg_dest_key want;

	if (parse_cidr(addr, &want))
		return '?';
	for (size_t i = 0; i < p->nentries; i++) {
		const struct scope_entry *e = &p->entries[i];
		__u32 bits = e->key.prefixlen - SG_SCOPE_ID_BITS;
		const __u8 *a = (const __u8 *)e->key.addr.words, *b = (const __u8 *)want.addr.words;
		bool match = e->key.kind == kind && e->key.id == id;

		for (__u32 k = 0; match && k < bits; k++)
			match = !((a[k / 8] ^ b[k / 8]) & (0x80 >> (k % 8)));
		if (match && (!best || e->key.prefixlen > best->key.prefixlen))
			best = e;
	}
	if (!best)
		return '-';
	if (best->val.ports >= p->nsets)
		return 'M';
	return p->sets[best->val.ports].ports[port / 64] & (1ULL << (port % 64)) ? 'A' : 'M';
}

/* One emulated decision and the reason it must be so. */
struct decide_row {
	__u32 kind, id;
	const char *addr;
	unsigned int port;
	char want;
	const char *why;
};

static void check_decisions(struct test_report *r, const struct scope_plan *p,
			    const struct decide_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char got = decide(p, rows[i].kind, rows[i].id, rows[i].addr, rows[i].port);

		t_result(r, got == rows[i].want, "scoped: %s %u to %s:%u is '%c' (%s), got '%c'",
			 rows[i].kind == SG_SCOPE_UID ? "uid" :
			 rows[i].kind == SG_SCOPE_GID ? "gid" :
							"anyone",
			 rows[i].id, rows[i].addr, rows[i].port, rows[i].want, rows[i].why, got);
	}
}

static void run_scope_build_cases(struct test_report *r)
{
	const char *text = "allow_user_dest = 64201 198.51.100.0/24:587 198.51.100.9:25\n"
			   "allow_user_dest = 64201 2001:db8::/32\n"
			   "allow_user_dest = 64201 ::ffff:198.51.100.0/120\n"
			   "allow_group_dest = 64210 198.51.100.64/26\n"
			   "allow_dest = 198.51.100.9:465\n"
			   "allow_user_dest = 64202 198.51.100.0/25:25 198.51.100.0/24:465\n";
	static const struct decide_row rows[] = {
		{ SG_SCOPE_UID, 64201, "198.51.100.9", 25, 'A', "its own port at the /32" },
		{ SG_SCOPE_UID, 64201, "198.51.100.9", 587, 'A',
		  "the /24's port merged into the /32" },
		{ SG_SCOPE_UID, 64201, "198.51.100.9", 465, 'A',
		  "the /120 (v4-mapped, every port)" },
		{ SG_SCOPE_UID, 64201, "198.51.100.10", 587, 'A', "the /24" },
		{ SG_SCOPE_UID, 64201, "::ffff:198.51.100.10", 465, 'A', "v4-mapped is IPv4" },
		{ SG_SCOPE_UID, 64201, "198.51.101.1", 25, 'M', "another host: the marker" },
		{ SG_SCOPE_UID, 64201, "2001:db8:5::1", 465, 'A', "IPv6 CIDR, every port" },
		{ SG_SCOPE_UID, 64201, "2001:db9::1", 465, 'M', "outside the IPv6 CIDR" },
		{ SG_SCOPE_UID, 64202, "198.51.100.1", 465, 'A',
		  "the /24's 465 merged into the /25" },
		{ SG_SCOPE_UID, 64202, "198.51.100.200", 25, 'M', "the /25's 25 is not the /24's" },
		{ SG_SCOPE_UID, 64203, "198.51.100.9", 25, '-', "another user: no rule" },
		{ SG_SCOPE_GID, 64210, "198.51.100.70", 25, 'A', "the group's CIDR" },
		{ SG_SCOPE_GID, 64210, "198.51.100.9", 25, 'M',
		  "the group has rules, not this one" },
		{ SG_SCOPE_ANYONE, 0, "198.51.100.9", 465, 'A', "allow_dest with a port" },
		{ SG_SCOPE_ANYONE, 0, "198.51.100.9", 25, 'M', "allow_dest's port only" },
		{ SG_SCOPE_ANYONE, 0, "198.51.100.10", 25, '-', "anyone has no marker" },
	};
	struct sg_policy p;
	char *diag = NULL;
	int n = build(text, &p, &diag), built = -1;

	if (n == 0)
		built = scope_resolve(&p, "t.conf", NULL, stderr, NAMES_WARN, NULL);
	t_result(r,
		 n == 0 && built == 0 && p.scope.nrules == 8 &&
			 (p.settings.flags &
			  (SG_F_SCOPED_UID | SG_F_SCOPED_GID | SG_F_SCOPED_ANYONE)) ==
				 (SG_F_SCOPED_UID | SG_F_SCOPED_GID | SG_F_SCOPED_ANYONE),
		 "scoped: rules and flags from the file (%d, %d, %zu rules, flags %#x)", n, built,
		 p.scope.nrules, p.settings.flags);
	if (built == 0)
		check_decisions(r, &p.scope, rows, ARRAY_SIZE(rows));
	policy_free(&p);
	free(diag);

	/* Without scoped rules, the program looks up none. */
	diag = NULL;
	n = build("allow_dest = 198.51.100.0/24\n", &p, &diag);
	built = n ? -1 : scope_resolve(&p, "t.conf", NULL, stderr, NAMES_WARN, NULL);
	t_result(r,
		 built == 0 && !p.scope.nentries &&
			 !(p.settings.flags &
			   (SG_F_SCOPED_UID | SG_F_SCOPED_GID | SG_F_SCOPED_ANYONE)),
		 "scoped: none, no entries, no flags");
	policy_free(&p);
	free(diag);
}

/*
 * IPv4 is decided as ::ffff:a.b.c.d, inside ::/0: an IPv6 CIDR must not
 * cover it (issue 22). Only a prefix within ::ffff:0:0/96 does.
 */
static void run_scope_v6_cidr_cases(struct test_report *r)
{
	const char *text = "allow_user_dest = 64201 [::/0]:25\n"
			   "allow_user_dest = 64202 ::/32 ::ffff:198.51.100.0/120\n"
			   "allow_group_dest = 64210 ::/0\n"
			   "allow_dest = ::/0\n"
			   "allow_user_dest = 64204 ::/1 [2001:db8::/32]:587\n"
			   "allow_user_dest = 64205 ::ffff:0:0/96\n"
			   "allow_user_dest = 64206 [::fffe:0:0/95]:25\n";
	static const struct decide_row rows[] = {
		{ SG_SCOPE_UID, 64201, "198.51.100.25", 25, 'M', "::/0 does not cover IPv4" },
		{ SG_SCOPE_UID, 64201, "::ffff:198.51.100.25", 25, 'M', "nor v4-mapped" },
		{ SG_SCOPE_UID, 64201, "0.0.0.1", 25, 'M', "nor the lowest IPv4 address" },
		{ SG_SCOPE_UID, 64201, "255.255.255.255", 25, 'M', "nor the highest" },
		{ SG_SCOPE_UID, 64201, "2001:db8:1::25", 25, 'A', "::/0 covers IPv6" },
		{ SG_SCOPE_UID, 64201, "::fffe:ffff:ffff", 25, 'A', "just below ::ffff:0:0/96" },
		{ SG_SCOPE_UID, 64201, "::1:0:0:0", 25, 'A', "just above it" },
		{ SG_SCOPE_UID, 64201, "ffff::1", 25, 'A', "the top of IPv6" },
		{ SG_SCOPE_UID, 64201, "64:ff9b::c633:6419", 25, 'A', "NAT64 is IPv6" },
		{ SG_SCOPE_UID, 64201, "2001:db8:1::25", 587, 'M', "its port only" },
		{ SG_SCOPE_UID, 64202, "198.51.100.25", 25, 'A', "the ::ffff: CIDR covers IPv4" },
		{ SG_SCOPE_UID, 64202, "198.51.101.1", 25, 'M', "::/32 does not" },
		{ SG_SCOPE_UID, 64202, "::5", 25, 'A', "::/32 covers its IPv6" },
		{ SG_SCOPE_GID, 64210, "198.51.100.25", 25, 'M', "a group's ::/0: not IPv4" },
		{ SG_SCOPE_GID, 64210, "2001:db8:1::25", 465, 'A', "a group's ::/0: IPv6" },
		{ SG_SCOPE_ANYONE, 0, "198.51.100.25", 25, '-', "allow_dest ::/0: not IPv4" },
		{ SG_SCOPE_ANYONE, 0, "2001:db8:1::25", 587, 'A', "allow_dest ::/0: IPv6" },
		{ SG_SCOPE_UID, 64204, "2001:db8::1", 25, 'A', "::/1's ports merged into the /32" },
		{ SG_SCOPE_UID, 64204, "2001:db8::1", 587, 'A', "the /32's own port" },
		{ SG_SCOPE_UID, 64204, "8000::1", 25, 'M', "outside ::/1" },
		{ SG_SCOPE_UID, 64204, "198.51.100.25", 25, 'M', "::/1 does not cover IPv4" },
		{ SG_SCOPE_UID, 64205, "198.51.100.25", 465, 'A', "::ffff:0:0/96 is every IPv4" },
		{ SG_SCOPE_UID, 64205, "2001:db8::1", 465, 'M', "and no IPv6" },
		{ SG_SCOPE_UID, 64206, "::fffe:c633:6419", 25, 'A', "a /95 keeps its IPv6 half" },
		{ SG_SCOPE_UID, 64206, "198.51.100.25", 25, 'M', "and loses its IPv4 half" },
	};
	struct sg_policy p;
	struct sg_config cfg;
	char *diag = NULL;
	size_t mine = 0, len = 0;
	FILE *f = open_memstream(&diag, &len);
	int n = config_parse("t.conf", text, strlen(text), &cfg, f), built = -1;

	fclose(f);
	t_result(r, n == 0 && cfg.dests.n == 0,
		 "scoped: allow_dest ::/0 is a scoped rule, not an allow_dest CIDR (%d, %zu)", n,
		 cfg.dests.n);
	config_free(&cfg);
	free(diag);
	diag = NULL;
	n = build(text, &p, &diag);
	if (n == 0)
		built = scope_resolve(&p, "t.conf", NULL, stderr, NAMES_WARN, NULL);
	t_result(r, n == 0 && built == 0 && p.scope.nrules == 9,
		 "scoped: IPv6 CIDRs that would cover IPv4 (%d, %d, %zu rules)", n, built,
		 p.scope.nrules);
	if (built == 0)
		check_decisions(r, &p.scope, rows, ARRAY_SIZE(rows));
	for (size_t i = 0; i < p.scope.nentries; i++)
		mine += p.scope.entries[i].key.kind == SG_SCOPE_UID &&
			p.scope.entries[i].key.id == 64201;
	t_result(r, mine == DEST_V6_PIECES_MAX + 1,
		 "scoped: ::/0 is %u entries and the marker, got %zu", DEST_V6_PIECES_MAX, mine);
	for (size_t i = 0; i < p.scope.nrules; i++)
		if (p.scope.rules[i].id == 64201)
			t_result(r, !strcmp((const char *)p.scope.rules[i].dest, "::/0"),
				 "scoped: the rule stays ::/0 as written, got '%s'",
				 (const char *)p.scope.rules[i].dest);
	policy_free(&p);
	free(diag);
}

/* The values behind the new keys, not only their acceptance. */
static void run_value_cases(struct test_report *r)
{
	const char *text = "mode = redirect\nredirect_to = 127.0.0.1:587 [2001:db8::25]\n"
			   "alert_threshold = 20/60s\nlog_window = 30\n";
	struct sg_config cfg;
	FILE *f = fopen("/dev/null", "w");
	int n = config_parse("t.conf", text, strlen(text), &cfg, f);
	__u32 want6[4] = { htonl(0x20010db8), 0, 0, htonl(0x25) };

	fclose(f);
	t_result(r,
		 n == 0 && cfg.mode == SG_MODE_REDIRECT && cfg.redirect_ip4 == htonl(0x7f000001) &&
			 cfg.redirect_port4 == 587 &&
			 !memcmp(cfg.redirect_ip6, want6, sizeof(want6)) &&
			 cfg.redirect_port6 == 0 && cfg.alert_count == 20 &&
			 cfg.alert_seconds == 60 && cfg.log_window == 30 && cfg.log_burst == 5,
		 "config: mode, redirect_to (port kept when absent), alert_threshold, log_window");
	config_free(&cfg);
	n = config_parse("t.conf", "", 0, &cfg, stderr);
	t_result(r,
		 n == 0 && cfg.mode == SG_MODE_ENFORCE && cfg.redirect_port4 == 25 &&
			 cfg.redirect_ip4 == htonl(0x7f000001) && cfg.alert_count == 0,
		 "config: defaults are enforce, redirect to 127.0.0.1:25 and [::1]:25, no alerts");
	config_free(&cfg);
}

/* A 1 MiB value: one error, quoted back cut short, not a 1 MiB message. */
static void run_long_line_case(struct test_report *r)
{
	const size_t n = 1 << 20;
	const char *key = "allow_users = ";
	size_t klen = strlen(key), diag_len = 0;
	char *text = malloc(klen + n + 1), *diag = NULL;
	struct sg_config cfg;
	FILE *f = open_memstream(&diag, &diag_len);
	int errors;

	if (!text || !f) {
		t_result(r, false, "config: a 1 MiB line: out of memory");
		return;
	}
	memcpy(text, key, klen);
	memset(text + klen, 'a', n);
	text[klen + n] = '\n';
	errors = config_parse("t.conf", text, klen + n + 1, &cfg, f);
	fclose(f);
	t_result(r,
		 errors == 1 && diag_len < 300 && strstr(diag, "t.conf:1: bad user name 'aaaa") &&
			 strstr(diag, "aaa...': longer than 255 characters"),
		 "config: a 1 MiB line is one error, its value cut short (returned %d, %zu bytes "
		 "of diagnostics)",
		 errors, diag_len);
	config_free(&cfg);
	free(diag);
	free(text);
}

/* A FIFO in the file's place: an error at once, not a boot waiting for a writer. */
static void run_fifo_case(struct test_report *r)
{
	char dir[] = "/tmp/smtpguard-unit.XXXXXX", fifo[sizeof(dir) + 8];
	char *diag = NULL;
	size_t len = 0;
	struct sg_config cfg;
	FILE *f;
	int n;

	if (!mkdtemp(dir)) {
		t_result(r, false, "config_load: cannot create %s", dir);
		return;
	}
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	if (mkfifo(fifo, 0600)) {
		t_result(r, false, "config_load: cannot create %s", fifo);
		goto cleanup;
	}
	f = open_memstream(&diag, &len);
	alarm(10); /* a blocking open would hang here: SIGALRM ends the test instead */
	n = config_load(fifo, &cfg, f);
	alarm(0);
	fclose(f);
	t_result(r, n == 1 && strstr(diag, "fifo: not a regular file (a FIFO)"),
		 "config_load: a FIFO is refused at once, not waited on");
	config_free(&cfg);
	free(diag);
	unlink(fifo);
cleanup:
	rmdir(dir);
}

static void run_load_cases(struct test_report *r)
{
	struct sg_config cfg;
	char *diag = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&diag, &len);
	int n;

	n = config_load("/nonexistent/smtpguard-test.conf", &cfg, f);
	fflush(f);
	t_result(r, n == 0 && !cfg.from_file && cfg.users.n == 3 && !diag[0],
		 "config_load: a missing file gives the defaults quietly");
	config_free(&cfg);

	n = config_load("/", &cfg, f);
	fflush(f);
	t_result(r, n == 1 && strstr(diag, "/: not a regular file (a directory)"),
		 "config_load: a directory is one error naming the path");
	config_free(&cfg);
	run_fifo_case(r);

	if (geteuid() == 0) {
		char path[] = "/tmp/smtpguard-unit.XXXXXX";
		int fd = mkstemp(path);

		if (fd >= 0 && write(fd, "ports = 25\n", 11) == 11 && !fchmod(fd, 0664)) {
			n = config_load(path, &cfg, f);
			fflush(f);
			t_result(r, n == 1 && strstr(diag, "not writable by group or others"),
				 "config_load: a group-writable file is refused (it decides who "
				 "may send)");
			config_free(&cfg);
			fchmod(fd, 0644);
			n = config_load(path, &cfg, f);
			t_result(r, n == 0 && cfg.from_file && config_port_guarded(cfg.ports, 25),
				 "config_load: the same file with mode 0644 loads");
			config_free(&cfg);
		} else {
			t_result(r, false, "config_load: cannot create %s", path);
		}
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
	} else {
		t_skip(r, "config_load: file ownership checks need root");
	}
	fclose(f);
	free(diag);
}

int main(void)
{
	struct test_report r = {};

	for (size_t i = 0; i < ARRAY_SIZE(config_cases); i++)
		run_config_case(&r, &config_cases[i]);
	run_u32_cases(&r);
	run_policy_cases(&r);
	run_scope_cases(&r);
	run_scope_build_cases(&r);
	run_scope_v6_cidr_cases(&r);
	run_value_cases(&r);
	run_long_line_case(&r);
	run_load_cases(&r);
	return t_summary(&r);
}
