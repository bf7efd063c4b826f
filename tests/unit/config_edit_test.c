// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * config_edit_test.c - in-place edits of the configuration file: one row per
 * case, the file before, the edit, the file expected after. Built with ASan
 * and UBSan (see the Makefile), so a buffer overrun fails here even when the
 * output happens to look right.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "config_edit.h"
#include "dest_spec.h"
#include "testlib.h"

static const char *const user_defaults[] = { "root", "@mta", "@mailman", NULL };

struct edit_case {
	const char *name;
	const char *before; /* NULL: the file does not exist */
	const char *key;
	const char *item;
	bool add;
	int ret; /* 1 changed, 0 nothing to change */
	const char *after;
};

#define LONG_LIST "1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014,1015"

/* clang-format off */
static const struct edit_case cases[] = {
	{ "add after the key's last line, comments kept",
	  "# top\nallow_users = root # admins\nallow_groups = mail\n", "allow_users", "alice", true, 1,
	  "# top\nallow_users = root # admins\nallow_users = alice\nallow_groups = mail\n" },
	{ "add what is already listed changes nothing",
	  "allow_users = root alice\n", "allow_users", "alice", true, 0,
	  "allow_users = root alice\n" },
	{ "add to an absent key writes its defaults out",
	  "ports = 25\n", "allow_users", "alice", true, 1,
	  "ports = 25\nallow_users = root @mta @mailman alice\n" },
	{ "add a default to an absent key changes nothing",
	  "ports = 25\n", "allow_users", "root", true, 0, "ports = 25\n" },
	{ "add where the key is none replaces none",
	  "allow_users = none\n", "allow_users", "alice", true, 1, "allow_users = alice\n" },
	{ "add to a file that does not exist",
	  NULL, "allow_users", "alice", true, 1, "allow_users = root @mta @mailman alice\n" },
	{ "add keeps CR LF line ends",
	  "allow_users = root\r\n", "allow_users", "alice", true, 1,
	  "allow_users = root\r\nallow_users = alice\r\n" },
	{ "remove from a comma list without blanks (grows the line)",
	  "allow_users=" LONG_LIST "\n", "allow_users", "1001", false, 1,
	  "allow_users= 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015\n" },
	{ "remove every occurrence, on every line",
	  "allow_users = alice root\nx = 1\nallow_users = bob alice\n", "allow_users", "alice", false, 1,
	  "allow_users = root\nx = 1\nallow_users = bob\n" },
	{ "remove the last item: none keeps the key present",
	  "ports = 25\nallow_users = alice\nallow_local = yes\n", "allow_users", "alice", false, 1,
	  "ports = 25\nallow_users = none\nallow_local = yes\n" },
	{ "remove the last item: its comment stays",
	  "allow_users = alice # the relay user\n", "allow_users", "alice", false, 1,
	  "allow_users = none\n# the relay user\n" },
	{ "remove a default from an absent key writes the rest out",
	  "ports = 25\n", "allow_users", "root", false, 1, "ports = 25\nallow_users = @mta @mailman\n" },
	{ "remove what is not listed changes nothing",
	  "allow_users = root\n", "allow_users", "alice", false, 0, "allow_users = root\n" },
	{ "a commented-out line is not the key",
	  "#allow_users = alice\nallow_users = root\n", "allow_users", "alice", false, 0,
	  "#allow_users = alice\nallow_users = root\n" },
	{ "a longer key with the same prefix is not the key",
	  "allow_users_extra = alice\n", "allow_users", "alice", true, 1,
	  "allow_users_extra = alice\nallow_users = root @mta @mailman alice\n" },
};
/* clang-format on */

/* config_edit_set(): one scalar key (mode), as load --mode writes it. */
struct set_case {
	const char *name;
	const char *before;
	const char *value;
	int ret;
	const char *after;
};

/* clang-format off */
static const struct set_case set_cases[] = {
	{ "set: replace the value, the comment says what it was",
	  "mode = audit   # rollout week\n", "enforce", 1,
	  "mode = enforce  # set by smtpguard load --mode (was audit: rollout week)\n" },
	{ "set: an import's origin comment no longer claims the new value",
	  "# Where csf said so.\nmode = enforce                          # csf.conf:169 SMTP_BLOCK, SMTP_REDIRECT is off\n",
	  "audit", 1,
	  "# Where csf said so.\nmode = audit  # set by smtpguard load --mode (was enforce: csf.conf:169 SMTP_BLOCK, SMTP_REDIRECT is off)\n" },
	{ "set: a second switch keeps the first comment, not a chain of them",
	  "mode = enforce  # set by smtpguard load --mode (was audit: rollout week)\n", "redirect", 1,
	  "mode = redirect  # set by smtpguard load --mode (was enforce: rollout week)\n" },
	{ "set: replace the value at the end of a short file",
	  "ports = 25\nmode = audit\n", "redirect", 1,
	  "ports = 25\nmode = redirect  # set by smtpguard load --mode (was audit)\n" },
	{ "set: the same value changes nothing",
	  "mode = audit\n", "audit", 0, "mode = audit\n" },
	{ "set: an absent key is added",
	  "ports = 25\n", "audit", 1, "ports = 25\nmode = audit  # set by smtpguard load --mode\n" },
};
/* clang-format on */

static bool same_string(const char *item, const void *ctx)
{
	return !strcmp(item, (const char *)ctx);
}

static bool read_all(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static bool write_all(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok && !chmod(path, mode);
}

static void run_case(struct test_report *r, const char *dir, const struct edit_case *c)
{
	struct config_edit e = {
		.key = c->key,
		.item = c->item,
		.add = c->add,
		.same = same_string,
		.ctx = c->item,
		.defaults = strcmp(c->key, "allow_users") ? NULL : user_defaults,
	};
	char path[512], after[4096], msg[256];
	int ret;

	snprintf(path, sizeof(path), "%s/t.conf", dir);
	unlink(path);
	if (c->before && !write_all(path, c->before, 0644)) {
		t_result(r, false, "edit: %s: cannot write the file", c->name);
		return;
	}
	ret = config_edit_apply(path, &e, msg, sizeof(msg));
	if (!read_all(path, after, sizeof(after)))
		after[0] = '\0';
	t_result(r, ret == c->ret && !strcmp(after, c->after), "edit: %s (%s)%s%s%s", c->name, msg,
		 ret == c->ret ? "" : ": wrong return", strcmp(after, c->after) ? ", got:\n" : "",
		 strcmp(after, c->after) ? after : "");
}

/* config_edit_scope(): scoped exceptions, as allow/revoke --to and dest write them. */
struct scope_edit_case {
	const char *name;
	const char *before;
	const char *key;
	const char *who; /* NULL for allow_dest */
	const char *dest; /* DEST[:PORTS] */
	bool add;
	int ret;
	const char *after;
};

/* clang-format off */
static const struct scope_edit_case scope_edit_cases[] = {
	{ "scoped add: a new line after the key's last one, comments kept",
	  "# relays\nallow_user_dest = bob relay.test:587 # bob's\nports = 25 465 587\n",
	  "allow_user_dest", "alice", "smtp.sendgrid.net:587", true, 1,
	  "# relays\nallow_user_dest = bob relay.test:587 # bob's\n"
	  "allow_user_dest = alice smtp.sendgrid.net:587\nports = 25 465 587\n" },
	{ "scoped add: to a file without the key, at its end",
	  "ports = 25\n", "allow_group_dest", "devs", "[2001:db8::/64]:25", true, 1,
	  "ports = 25\nallow_group_dest = devs [2001:db8::/64]:25\n" },
	{ "scoped add: what a line of the same user covers changes nothing",
	  "allow_user_dest = alice relay.test:587, 465\n", "allow_user_dest", "alice",
	  "relay.test:465", true, 0, "allow_user_dest = alice relay.test:587, 465\n" },
	{ "scoped add: another user's line does not cover",
	  "allow_user_dest = bob relay.test\n", "allow_user_dest", "alice", "relay.test:25", true, 1,
	  "allow_user_dest = bob relay.test\nallow_user_dest = alice relay.test:25\n" },
	{ "scoped add: allow_dest = none is replaced",
	  "allow_dest = none\n", "allow_dest", NULL, "relay.test:587", true, 1,
	  "allow_dest = relay.test:587\n" },
	{ "scoped add: a plain CIDR that is listed changes nothing",
	  "allow_dest = 198.51.100.0/24, relay.test:25\n", "allow_dest", NULL, "198.51.100.0/24",
	  true, 0, "allow_dest = 198.51.100.0/24, relay.test:25\n" },
	{ "scoped remove: the item goes, the others keep their text",
	  "allow_user_dest = alice Relay.Test:587 198.51.100.9 # note\n", "allow_user_dest", "alice",
	  "relay.test", false, 1, "allow_user_dest = alice 198.51.100.9 # note\n" },
	{ "scoped remove: one port of a list",
	  "allow_user_dest = alice relay.test:587, 465\n", "allow_user_dest", "alice",
	  "relay.test:465", false, 1, "allow_user_dest = alice relay.test:587\n" },
	{ "scoped remove: a port of 'every guarded port' writes out the others",
	  "allow_user_dest = alice relay.test\n", "allow_user_dest", "alice", "relay.test:25", false, 1,
	  "allow_user_dest = alice relay.test:465,587\n" },
	{ "scoped remove: the last item takes the line, its comment stays",
	  "ports = 25\nallow_user_dest = alice relay.test # alice's relay\nx = 1\n",
	  "allow_user_dest", "alice", "relay.test", false, 1,
	  "ports = 25\n# alice's relay\nx = 1\n" },
	{ "scoped remove: only the same user's lines",
	  "allow_user_dest = bob relay.test\nallow_user_dest = alice relay.test\n",
	  "allow_user_dest", "alice", "relay.test", false, 1, "allow_user_dest = bob relay.test\n" },
	{ "scoped remove: a port it does not have changes nothing",
	  "allow_user_dest = alice relay.test:587\n", "allow_user_dest", "alice", "relay.test:25",
	  false, 0, "allow_user_dest = alice relay.test:587\n" },
	{ "scoped remove: an IPv6 address written another way is the same",
	  "allow_dest = [2001:db8:0::9]:587\n", "allow_dest", NULL, "[2001:db8::9]:587", false, 1, "" },
	{ "scoped remove: v4-mapped is the IPv4 address",
	  "allow_dest = 198.51.100.9:587 relay.test\n", "allow_dest", NULL, "[::ffff:198.51.100.9]:587",
	  false, 1, "allow_dest = relay.test\n" },
};
/* clang-format on */

static void run_scope_edit_case(struct test_report *r, const char *dir,
				const struct scope_edit_case *c)
{
	static const __u64 guarded[SG_PORT_WORDS] = {
		[0] = 1ULL << 25, [7] = 1ULL << (465 % 64), [9] = 1ULL << (587 % 64)
	};
	struct config_scope_edit e = {
		.key = c->key,
		.who = c->who,
		.same_who = same_string,
		.ctx = c->who,
		.add = c->add,
		.guarded = guarded,
	};
	char path[512], after[4096], msg[256];
	const char *why = dest_spec_parse(c->dest, &e.dest);
	int ret;

	snprintf(path, sizeof(path), "%s/scope.conf", dir);
	if (why || !write_all(path, c->before, 0644)) {
		t_result(r, false, "edit: %s: %s", c->name, why ? why : "cannot write the file");
		return;
	}
	ret = config_edit_scope(path, &e, msg, sizeof(msg));
	if (!read_all(path, after, sizeof(after)))
		after[0] = '\0';
	t_result(r, ret == c->ret && !strcmp(after, c->after), "edit: %s (%s)%s%s%s", c->name, msg,
		 ret == c->ret ? "" : ": wrong return", strcmp(after, c->after) ? ", got:\n" : "",
		 strcmp(after, c->after) ? after : "");
}

static void run_set_case(struct test_report *r, const char *dir, const struct set_case *c)
{
	char path[512], after[4096], msg[256];
	int ret;

	snprintf(path, sizeof(path), "%s/set.conf", dir);
	if (!write_all(path, c->before, 0644)) {
		t_result(r, false, "edit: %s: cannot write the file", c->name);
		return;
	}
	ret = config_edit_set(path, "mode", c->value, "smtpguard load --mode", msg, sizeof(msg));
	if (!read_all(path, after, sizeof(after)))
		after[0] = '\0';
	t_result(r, ret == c->ret && !strcmp(after, c->after), "edit: %s (%s)%s%s%s", c->name, msg,
		 ret == c->ret ? "" : ": wrong return", strcmp(after, c->after) ? ", got:\n" : "",
		 strcmp(after, c->after) ? after : "");
}

/* Mode, a symlinked file, and no temporary file left behind. */
static void run_file_cases(struct test_report *r, const char *dir)
{
	struct config_edit e = { .key = "allow_users",
				 .item = "alice",
				 .add = true,
				 .same = same_string,
				 .ctx = "alice" };
	char path[512], target[512], link[512], buf[256], msg[256];
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/mode.conf", dir);
	write_all(path, "allow_users = root\n", 0600);
	ret = config_edit_apply(path, &e, msg, sizeof(msg));
	t_result(r, ret == 1 && !stat(path, &st) && (st.st_mode & 07777) == 0600,
		 "edit: the file's mode is kept (0600)");

	snprintf(target, sizeof(target), "%s/real.conf", dir);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	write_all(target, "allow_users = root\n", 0644);
	unlink(link);
	ret = symlink("real.conf", link) ? -errno : config_edit_apply(link, &e, msg, sizeof(msg));
	t_result(r,
		 ret == 1 && !lstat(link, &st) && S_ISLNK(st.st_mode) &&
			 read_all(target, buf, sizeof(buf)) &&
			 !strcmp(buf, "allow_users = root\nallow_users = alice\n"),
		 "edit: a symlinked file is edited at its target; the link stays");

	snprintf(buf, sizeof(buf), "ls %s | grep -q smtpguard-", dir);
	t_result(r, system(buf) != 0, "edit: no temporary file is left behind");
}

int main(void)
{
	char dir[] = "/tmp/smtpguard-edit.XXXXXX";
	struct test_report r = {};
	char cmd[128];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&r, dir, &cases[i]);
	for (size_t i = 0; i < ARRAY_SIZE(set_cases); i++)
		run_set_case(&r, dir, &set_cases[i]);
	for (size_t i = 0; i < ARRAY_SIZE(scope_edit_cases); i++)
		run_scope_edit_case(&r, dir, &scope_edit_cases[i]);
	run_file_cases(&r, dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return t_summary(&r);
}
