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

#include "config.h"
#include "parse.h"
#include "policy.h"
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
	for (size_t i = 0; i < sizeof(u32_cases) / sizeof(u32_cases[0]); i++) {
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

	for (size_t i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++)
		run_config_case(&r, &config_cases[i]);
	run_u32_cases(&r);
	run_policy_cases(&r);
	run_value_cases(&r);
	run_long_line_case(&r);
	run_load_cases(&r);
	return t_summary(&r);
}
