// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * describe_test.c - how allowlist entries are named to a person (describe.h):
 * each row an entry and the exact words status, list and the diffs print.
 * Built with ASan and UBSan. IDs 64990 and up are taken to have no name
 * (the suite's accounts stop below); 0 is root. To add a case, add a row.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "describe.h"
#include "testlib.h"

#define O_CONFIG SG_ORIGIN_CONFIG
#define O_DEFAULT SG_ORIGIN_DEFAULT
#define O_RUNTIME SG_ORIGIN_RUNTIME
#define O_NAME SG_ORIGIN_BY_NAME
#define O_ID SG_ORIGIN_BY_ID
#define O_MTA SG_ORIGIN_ROLE_MTA
#define O_MAILMAN SG_ORIGIN_ROLE_MAILMAN

/* clang-format off */
static const struct {
	__u32 origin;
	size_t len; /* buffer size */
	const char *want;
} origins[] = {
	{ 0, 64, "" },
	{ O_CONFIG, 64, "config" },
	{ O_CONFIG | O_NAME, 64, "config,name" },
	{ O_DEFAULT | O_MTA, 64, "default,@mta" },
	{ O_RUNTIME | O_ID, 64, "runtime,id" },
	{ O_CONFIG | O_DEFAULT | O_RUNTIME | O_NAME | O_ID | O_MTA | O_MAILMAN, 64,
	  "config,default,runtime,name,id,@mta,@mailman" },
	/* Bits without a word are left out. */
	{ O_CONFIG | (1U << 7) | (1U << 31), 64, "config" },
	/* Cut to fit, never past the buffer. */
	{ O_CONFIG | O_DEFAULT, 8, "config," },
	{ O_CONFIG, 4, "con" },
};

static const struct {
	__u32 origin;
	unsigned int i;
	const char *want; /* NULL: past the last word */
} words[] = {
	{ O_CONFIG | O_RUNTIME, 0, "config" },
	{ O_CONFIG | O_RUNTIME, 1, "runtime" },
	{ O_CONFIG | O_RUNTIME, 2, NULL },
	{ O_MAILMAN, 0, "@mailman" },
	{ 0, 0, NULL },
};

static const struct {
	enum id_kind kind;
	__u32 id, origin;
	size_t len;
	const char *want;
} ids[] = {
	{ ID_USER, 0, O_CONFIG | O_NAME, 320, "uid 0 (root)" },
	{ ID_GROUP, 0, O_DEFAULT, 320, "gid 0 (root)" },
	{ ID_USER, 64990, O_CONFIG | O_ID, 320, "uid 64990" },
	{ ID_GROUP, 64991, O_CONFIG, 320, "gid 64991" },
	/* Where it came from, when that is not the file: roles and runtime. */
	{ ID_USER, 64990, O_RUNTIME, 320, "uid 64990 (no name, runtime)" },
	{ ID_USER, 0, O_CONFIG | O_MTA | O_MAILMAN, 320, "uid 0 (root, @mta, @mailman)" },
	{ ID_GROUP, 64991, O_MAILMAN | O_RUNTIME, 320, "gid 64991 (no name, @mailman, runtime)" },
	{ ID_USER, 4294967294U, O_ID, 320, "uid 4294967294" },
	{ ID_USER, 0, O_CONFIG, 10, "uid 0 (ro" },
};

static const struct {
	const char *addr; /* IPv4 dotted quads become ::ffff:a.b.c.d, as in the maps */
	unsigned int prefixlen; /* of addr as written */
	const char *want;
} cidrs[] = {
	{ "198.51.100.0", 24, "198.51.100.0/24" },
	{ "198.51.100.25", 32, "198.51.100.25/32" },
	{ "0.0.0.0", 0, "0.0.0.0/0" },
	{ "2001:db8::", 32, "2001:db8::/32" },
	{ "2001:db8:1::20", 124, "2001:db8:1::20/124" },
	{ "::", 0, "::/0" },
	{ "::1", 128, "::1/128" },
};
/* clang-format on */


static bool key_of(const char *text, unsigned int prefixlen, struct sg_dest_key *k)
{
	struct in_addr a4;

	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, text, &a4) == 1) {
		k->addr.words[2] = htonl(0xffff);
		k->addr.words[3] = a4.s_addr;
		k->prefixlen = prefixlen + 96;
		return true;
	}
	k->prefixlen = prefixlen;
	return inet_pton(AF_INET6, text, k->addr.words) == 1;
}

static void check(struct test_report *r, const char *what, const char *got, const char *want)
{
	bool same = got && want ? !strcmp(got, want) : got == want;

	if (same)
		t_result(r, true, "describe: %s is \"%s\"", what, want ? want : "(none)");
	else
		t_result(r, false, "describe: %s: got \"%s\", want \"%s\"", what,
			 got ? got : "(none)", want ? want : "(none)");
}

int main(void)
{
	struct test_report r = {};
	char buf[320], what[96];

	for (size_t i = 0; i < ARRAY_SIZE(origins); i++) {
		snprintf(what, sizeof(what), "origin 0x%x in %zu bytes", origins[i].origin,
			 origins[i].len);
		check(&r, what, describe_origin(origins[i].origin, buf, origins[i].len),
		      origins[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		snprintf(what, sizeof(what), "word %u of origin 0x%x", words[i].i, words[i].origin);
		check(&r, what, describe_origin_word(words[i].origin, words[i].i), words[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		snprintf(what, sizeof(what), "%s %u, origin 0x%x, in %zu bytes",
			 identity_id_word(ids[i].kind), ids[i].id, ids[i].origin, ids[i].len);
		check(&r, what, describe_id(ids[i].kind, ids[i].id, ids[i].origin, buf, ids[i].len),
		      ids[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cidrs); i++) {
		struct sg_dest_key k;

		snprintf(what, sizeof(what), "destination %s/%u", cidrs[i].addr,
			 cidrs[i].prefixlen);
		if (!key_of(cidrs[i].addr, cidrs[i].prefixlen, &k)) {
			t_result(&r, false, "describe: %s: not an address", what);
			continue;
		}
		check(&r, what, describe_cidr(&k, buf, sizeof(buf)), cidrs[i].want);
	}
	return t_summary(&r);
}
