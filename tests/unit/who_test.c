// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * who_test.c - the pieces of "which script" that need no kernel: the unit a
 * cgroup path names, the escaping of values the account chose, and the
 * monitor's accounts file written and read back. Built with ASan and UBSan.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_state.h"
#include "array.h"
#include "cgroup_names.h"
#include "event_format.h"
#include "file_replace.h"
#include "proc_info.h"
#include "testlib.h"

/* clang-format off */
static const struct {
	const char *path, *unit; /* NULL: none */
} units[] = {
	{ "/system.slice/php-fpm.service", "php-fpm.service" },
	{ "/user.slice/user-1001.slice/session-4.scope", "session-4.scope" },
	{ "/system.slice/cron.service", "cron.service" },
	/* A delegated subtree: the unit that delegated, not what is below it. */
	{ "/user.slice/user-1001.slice/user@1001.service/app.slice/fake.service", "user@1001.service" },
	{ "/system.slice/php-fpm.service/pool-alice", "php-fpm.service" },
	/* A test's or a container's directory is passed over. */
	{ "/smtpguard-test-42/sgt-php-fpm.service", "sgt-php-fpm.service" },
	{ "/lxc.payload.c1/system.slice/postfix.service", "postfix.service" },
	{ "/system.slice/docker-0123abcd.scope", "docker-0123abcd.scope" },
	{ "/system.slice/systemd-fsck@dev-disk-by\\x2duuid-1.service", "systemd-fsck@dev-disk-by\\x2duuid-1.service" },
	/* No unit: slices only, the root, plain directories, a lone suffix. */
	{ "/", NULL },
	{ "/user.slice/user-1001.slice", NULL },
	{ "/lve1001", NULL },
	{ "/.service", NULL },
	/* Not a unit name: a blank, a quote. */
	{ "/x/a b.service", NULL },
	{ "/x/a\"b.service", NULL },
};

static const struct {
	const char *in;
	size_t len; /* 0: strlen */
	size_t out; /* buffer size */
	const char *want;
} escapes[] = {
	{ "/usr/bin/php8.2", 0, 64, "/usr/bin/php8.2" },
	{ "a\tb\nc", 0, 64, "a\\x09b\\x0ac" },
	{ "back\\slash", 0, 64, "back\\\\slash" },
	{ "quote\"s stay", 0, 64, "quote\"s stay" },
	{ "caf\xc3\xa9", 0, 64, "caf\\xc3\\xa9" },
	{ "a\0b", 3, 64, "a\\x00b" },
	/* Cut to fit, and marked. */
	{ "0123456789", 0, 8, "0123..." },
	{ "\x01\x02\x03\x04", 0, 12, "\\x01\\x02..." },
	{ "0123", 0, 5, "0123" },
};
/* clang-format on */

/* Undo text_value() quoting, as a log parser would (tests/e2e has the same). */
static void unquote(const char *in, char *out)
{
	if (*in != '"') {
		strcpy(out, in);
		return;
	}
	for (in++; *in && *in != '"'; in++) {
		if (in[0] == '\\' && in[1] == 'x' && in[2] && in[3]) {
			char hex[3] = { in[2], in[3], 0 };

			*out++ = (char)strtol(hex, NULL, 16);
			in += 3;
		} else if (in[0] == '\\' && in[1]) {
			*out++ = *++in;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

static void test_units(struct test_report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		char buf[CGROUP_UNIT_MAX];
		const char *got = cgroup_unit(units[i].path, buf, sizeof(buf));
		bool ok = units[i].unit ? got && !strcmp(got, units[i].unit) : !got;

		t_result(r, ok, "cgroup_unit(%s) = %s (expected %s)", units[i].path,
			 got ? got : "none", units[i].unit ? units[i].unit : "none");
	}
}

static void test_escapes(struct test_report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(escapes); i++) {
		char buf[64];
		size_t len = escapes[i].len ? escapes[i].len : strlen(escapes[i].in);
		const char *got = escape_text(escapes[i].in, len, buf, escapes[i].out);

		t_result(r, !strcmp(got, escapes[i].want) && strlen(got) < escapes[i].out,
			 "escape_text(#%zu, %zu bytes into %zu) = %s (expected %s)", i, len,
			 escapes[i].out, got, escapes[i].want);
	}
}

/* A line value from an escape_text() value reads back as the original bytes. */
static void test_line_values(struct test_report *r)
{
	static const char *const raw[] = { "plain/path.php", "php-fpm: pool alice",
					   "a\tb\x1b"
					   "c\nd",
					   "q\"uote\\", "caf\xc3\xa9" };

	for (size_t i = 0; i < ARRAY_SIZE(raw); i++) {
		char esc[256], line[512], direct[512], back[256];

		escape_text(raw[i], strlen(raw[i]), esc, sizeof(esc));
		text_value_escaped(esc, line, sizeof(line));
		text_value(raw[i], 255, direct, sizeof(direct));
		unquote(line, back);
		t_result(
			r, !strcmp(line, direct) && !strcmp(back, raw[i]),
			"#%zu: text_value_escaped(escape_text(x)) = text_value(x) = %s, and parses "
			"back to x",
			i, line);
	}
}

/* What a monitor killed between write and rename leaves: removed at the next start. */
static void test_stale(struct test_report *r, const char *dir, const char *path)
{
	char left[96], other[96], keep[96];
	struct stat st;

	snprintf(left, sizeof(left), "%s.smtpguard-Ab12Cd", path);
	snprintf(other, sizeof(other), "%s/other.smtpguard-Ab12Cd", dir);
	snprintf(keep, sizeof(keep), "%s.smtpguard-longer-name", path);
	for (const char *f = left; f; f = f == left ? other : f == other ? keep : NULL)
		close(open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	file_replace_remove_stale(path);
	t_result(r, stat(left, &st) && !stat(other, &st) && !stat(keep, &st) && !stat(path, &st),
		 "a killed save's temporary file is removed; the file, another file's and other "
		 "names stay");
	unlink(other);
	unlink(keep);
}

static void test_state_file(struct test_report *r)
{
	static struct account_state a, b;
	struct proc_info p = {};
	char dir[] = "/tmp/sg-who-test.XXXXXX", path[64];
	const struct account_seen *s;
	struct stat st;

	if (!mkdtemp(dir)) {
		t_result(r, false, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/accounts", dir);
	snprintf(p.exe, sizeof(p.exe), "/usr/bin/php");
	snprintf(p.cmdline, sizeof(p.cmdline), "php x.php\targ\nnext");
	snprintf(p.cwd, sizeof(p.cwd), "/home/alice/public_html");
	account_state_note(&a, 1003, 5000, &p);
	account_state_note(&a, 1003, 4000, &p); /* older, late: ignored */
	p.gone = PROC_EXITED;
	account_state_note(&a, 1004, 6000, &p); /* nothing to note */
	t_result(r,
		 !account_state_save(&a, path) && !stat(path, &st) && (st.st_mode & 0777) == 0600,
		 "the accounts file is written, mode 0600");
	t_result(
		r,
		!account_state_load(&b, path) && (s = account_state_find(&b, 1003)) &&
			s->boot_ns == 5000 && !strcmp(s->exe, "/usr/bin/php") &&
			!strcmp(s->cmdline, "php x.php\\x09arg\\x0anext") &&
			!strcmp(s->cwd, "/home/alice/public_html") && !account_state_find(&b, 1004),
		"read back: uid 1003's exe, cmdline (escaped: no tab or newline) and cwd; no 1004");
	if (!geteuid()) {
		chmod(path, 0666);
		t_result(r, account_state_load(&b, path) == -EPERM,
			 "a file others may write is not believed");
	} else {
		t_skip(r, "ownership checks need root");
	}
	for (int k = 0; k < ACCOUNT_STATE_MAX + 10; k++) {
		p.gone = PROC_PRESENT;
		account_state_note(&a, 2000 + (unsigned)k, 10000 + (unsigned)k, &p);
	}
	t_result(r,
		 !account_state_find(&a, 1003) &&
			 account_state_find(&a, 2000 + ACCOUNT_STATE_MAX + 9) &&
			 !account_state_find(&a, 2000),
		 "at most %d accounts: the ones seen longest ago make room", ACCOUNT_STATE_MAX);
	test_stale(r, dir, path);
	unlink(path);
	rmdir(dir);
}

/* The bytes a value the account chose may hold that JSON must escape: 0x01-0x1f, 0x7f-0xff. */
static size_t awkward_bytes(char *out)
{
	size_t n = 0;

	for (unsigned int c = 0x01; c <= 0xff; c++)
		if (c < 0x20 || c >= 0x7f)
			out[n++] = (char)c;
	out[n] = '\0';
	return n;
}

/* Run cmd; its output into out (NUL-terminated); its exit status. */
static int run_capture(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n = f ? fread(out, 1, len - 1, f) : 0;

	out[n] = '\0';
	return f ? pclose(f) : -1;
}

/*
 * Every awkward byte in comm (15 to an event, as the kernel's comm holds),
 * cmdline and cwd, written by event_json(): python3 -m json.tool and jq
 * must read every line, and each value's code points must be its bytes (a
 * byte that is not UTF-8 is U+00XX), never the text "\x0a". NUL cannot be
 * in any of them: comm and paths end at it, cmdline's NULs separate the
 * arguments.
 */
static void test_json_bytes(struct test_report *r)
{
	char bytes[256], path[] = "/tmp/sg-who-json.XXXXXX", cmd[512], got[65536], want[4096];
	size_t n = awkward_bytes(bytes), used = 0, events = 0;
	static struct event_who who;
	FILE *f;
	int fd = mkstemp(path), rc;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		t_result(r, false, "json bytes: cannot create %s", path);
		return;
	}
	memcpy(who.proc.cmdline, bytes, n + 1);
	memcpy(who.proc.cwd, bytes, n + 1);
	memcpy(who.proc.exe, bytes, n + 1);
	for (size_t i = 0; i < n; i += 15, events++) {
		struct sg_event e = { .uid = 64299, .port = 25, .family = 4, .action = 0 };

		memcpy(e.comm, bytes + i, n - i < 15 ? n - i : 15);
		event_json(f, &e, "sgt-who", &who, NULL, NULL);
	}
	fclose(f);
	/* From stdin: Python 3.13's json.tool closes a named file before it reads its lines. */
	snprintf(cmd, sizeof(cmd), "python3 -m json.tool --json-lines <%s >/dev/null 2>&1", path);
	rc = system(cmd);
	t_result(r, rc == 0, "json bytes: python3 -m json.tool reads all %zu events (exit %d)",
		 events, rc);
	/* The code points jq reads, comm joined over the events, then cmdline, cwd, exe. */
	snprintf(cmd, sizeof(cmd),
		 "jq -s -c '[(map(.comm) | add), .[0].cmdline, .[0].cwd, .[0].exe] | "
		 "map(explode)' %s 2>&1",
		 path);
	rc = run_capture(cmd, got, sizeof(got));
	used = (size_t)snprintf(want, sizeof(want), "[");
	for (int v = 0; v < 4; v++) {
		used += (size_t)snprintf(want + used, sizeof(want) - used, "%s[", v ? "," : "");
		for (size_t i = 0; i < n; i++)
			used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%u",
						 i ? "," : "", (unsigned char)bytes[i]);
		used += (size_t)snprintf(want + used, sizeof(want) - used, "]");
	}
	snprintf(want + used, sizeof(want) - used, "]\n");
	t_result(r, rc == 0 && !strcmp(got, want),
		 "json bytes: jq gives back every byte of comm, cmdline, cwd and exe%s%s",
		 rc == 0 && !strcmp(got, want) ? "" : ", got: ",
		 rc == 0 && !strcmp(got, want) ? "" : got);
	unlink(path);
}

/*
 * The test's own process, read as the monitor reads an event's: the
 * executable's device and inode are the file's (stat of /proc/self/exe), an
 * and its mount namespace is the host's (PID 1's, or where that cannot be
 * read, the reader's own: its own process is in it).
 */
static void test_own_process(struct test_report *r)
{
	struct timespec now;
	struct proc_host host;
	struct proc_info p;
	struct stat st;

	clock_gettime(CLOCK_BOOTTIME, &now);
	proc_host_init(&host);
	proc_info_read(&p, &host, (__u32)getpid(), (__u32)getuid(),
		       (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec);
	t_result(r,
		 !p.gone && !stat("/proc/self/exe", &st) && p.exe_id_known &&
			 p.exe_dev == (__u64)st.st_dev && p.exe_ino == (__u64)st.st_ino,
		 "own process: exe_dev and exe_ino are the executable's (read through the file)");
	t_result(r, host.known && p.mnt_ns == PROC_MNT_NS_HOST, "own process: mount namespace %s",
		 proc_mnt_ns_name(p.mnt_ns) ? proc_mnt_ns_name(p.mnt_ns) : "not said");
}

int main(void)
{
	struct test_report r = {};

	test_json_bytes(&r);
	test_units(&r);
	test_escapes(&r);
	test_line_values(&r);
	test_state_file(&r);
	test_own_process(&r);
	return t_summary(&r);
}
