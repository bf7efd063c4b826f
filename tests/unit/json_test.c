// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * json_test.c - the streaming JSON writer behind every --json: each row is a
 * sequence of writer calls and the exact text they must produce. Built with
 * ASan and UBSan. To add a case, add a row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "json.h"
#include "testlib.h"

enum op {
	J_END, /* the end of a row's calls */
	J_OBJ, /* json_obj_begin(key) */
	J_OBJ_END,
	J_ARR, /* json_arr_begin(key) */
	J_ARR_END,
	J_STR, /* json_str(key, str) */
	J_U64, /* json_u64(key, num) */
	J_BOOL, /* json_bool(key, num != 0) */
	J_FINISH,
	J_INIT, /* json_init() again, on the same stream: a new document */
};

struct call {
	enum op op;
	const char *key; /* NULL inside arrays and at the top */
	const char *str;
	__u64 num;
};

#define MAX_CALLS 40
#define OBJ(k)                        \
	{                             \
		.op = J_OBJ, .key = k \
	}
#define OBJ_END                 \
	{                       \
		.op = J_OBJ_END \
	}
#define ARR(k)                        \
	{                             \
		.op = J_ARR, .key = k \
	}
#define ARR_END                 \
	{                       \
		.op = J_ARR_END \
	}
#define STR(k, s)                               \
	{                                       \
		.op = J_STR, .key = k, .str = s \
	}
#define U64(k, n)                               \
	{                                       \
		.op = J_U64, .key = k, .num = n \
	}
#define BOOL(k, b)                               \
	{                                        \
		.op = J_BOOL, .key = k, .num = b \
	}
#define FINISH                 \
	{                      \
		.op = J_FINISH \
	}
#define INIT                 \
	{                    \
		.op = J_INIT \
	}
#define A5 ARR(NULL), ARR(NULL), ARR(NULL), ARR(NULL), ARR(NULL)
#define E5 ARR_END, ARR_END, ARR_END, ARR_END, ARR_END

/* clang-format off */
static const struct {
	const char *name;
	struct call calls[MAX_CALLS];
	const char *want;
} cases[] = {
	{ "an empty object, then the newline",
	  { OBJ(NULL), OBJ_END, FINISH }, "{}\n" },
	{ "keys and values, comma separated",
	  { OBJ(NULL), U64("schema", 1), BOOL("loaded", true),
	    STR("state", "enforcing"), BOOL("damaged", false), OBJ_END },
	  "{\"schema\":1,\"loaded\":true,\"state\":\"enforcing\",\"damaged\":false}" },
	{ "a NULL string is null",
	  { OBJ(NULL), STR("name", NULL), STR("user", ""), OBJ_END },
	  "{\"name\":null,\"user\":\"\"}" },
	{ "quote and backslash escaped, JSON's own escapes, other control bytes as \\u00XX",
	  { STR(NULL, "a\"b\\c\nd\te\x01\x1f\r\b\f") },
	  "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\\r\\b\\f\"" },
	{ "valid UTF-8 passes as it is, DEL is \\u007f",
	  { STR(NULL, "caf\xc3\xa9 \x7f ~ \xf0\x9f\x93\xa7") },
	  "\"caf\xc3\xa9 \\u007f ~ \xf0\x9f\x93\xa7\"" },
	{ "bytes that are not UTF-8 are one \\u00XX each (lone, cut, overlong, surrogate)",
	  { STR(NULL, "\xe9t\xc3 \xc0\xaf \xed\xa0\x80 \xff") },
	  "\"\\u00e9t\\u00c3 \\u00c0\\u00af \\u00ed\\u00a0\\u0080 \\u00ff\"" },
	{ "keys are escaped like values",
	  { OBJ(NULL), U64("a\"b", 2), OBJ_END }, "{\"a\\\"b\":2}" },
	{ "an array of numbers: no keys",
	  { OBJ(NULL), ARR("ports"), U64(NULL, 25), U64(NULL, 465), U64(NULL, 587),
	    ARR_END, OBJ_END },
	  "{\"ports\":[25,465,587]}" },
	{ "the largest __u64",
	  { U64(NULL, 18446744073709551615ULL) }, "18446744073709551615" },
	{ "empty containers inside others, commas only between siblings",
	  { OBJ(NULL), ARR("missing"), ARR_END, OBJ("a"), OBJ_END, ARR("b"),
	    OBJ(NULL), OBJ_END, OBJ(NULL), OBJ_END, ARR_END, OBJ_END },
	  "{\"missing\":[],\"a\":{},\"b\":[{},{}]}" },
	{ "nested: an array of objects, then a key after it",
	  { OBJ(NULL), ARR("allow_users"), OBJ(NULL), U64("uid", 0), STR("name", "root"),
	    ARR("origin"), STR(NULL, "config"), STR(NULL, "name"), ARR_END, OBJ_END,
	    OBJ(NULL), U64("uid", 64202), STR("name", NULL), OBJ_END, ARR_END,
	    BOOL("ok", true), OBJ_END, FINISH },
	  "{\"allow_users\":[{\"uid\":0,\"name\":\"root\",\"origin\":[\"config\",\"name\"]},"
	  "{\"uid\":64202,\"name\":null}],\"ok\":true}\n" },
	{ "json_init starts a new document: the monitor's lines, one per event",
	  { OBJ(NULL), U64("n", 1), OBJ_END, FINISH,
	    INIT, OBJ(NULL), U64("n", 2), OBJ_END, FINISH },
	  "{\"n\":1}\n{\"n\":2}\n" },
	{ "fifteen levels deep, every one closed",
	  { A5, A5, A5, U64(NULL, 1), U64(NULL, 2), E5, E5, E5 },
	  "[[[[[[[[[[[[[[[1,2]]]]]]]]]]]]]]]" },
};
/* clang-format on */

#define N_CASES ARRAY_SIZE(cases)

static void play(struct json *j, FILE *out, const struct call *calls)
{
	for (size_t k = 0; k < MAX_CALLS && calls[k].op != J_END; k++) {
		const struct call *c = &calls[k];

		switch (c->op) {
		case J_OBJ:
			json_obj_begin(j, c->key);
			break;
		case J_OBJ_END:
			json_obj_end(j);
			break;
		case J_ARR:
			json_arr_begin(j, c->key);
			break;
		case J_ARR_END:
			json_arr_end(j);
			break;
		case J_STR:
			json_str(j, c->key, c->str);
			break;
		case J_U64:
			json_u64(j, c->key, c->num);
			break;
		case J_BOOL:
			json_bool(j, c->key, c->num != 0);
			break;
		case J_FINISH:
			json_finish(j);
			break;
		case J_INIT:
			json_init(j, out);
			break;
		case J_END:
			break;
		}
	}
}

int main(void)
{
	struct test_report r = {};

	for (size_t i = 0; i < N_CASES; i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		struct json j;

		if (!out) {
			t_result(&r, false, "json: %s: open_memstream failed", cases[i].name);
			continue;
		}
		json_init(&j, out);
		play(&j, out, cases[i].calls);
		fclose(out);
		t_result(&r, !strcmp(text, cases[i].want), "json: %s%s%s%s%s", cases[i].name,
			 strcmp(text, cases[i].want) ? ": got " : "",
			 strcmp(text, cases[i].want) ? text : "",
			 strcmp(text, cases[i].want) ? ", want " : "",
			 strcmp(text, cases[i].want) ? cases[i].want : "");
		free(text);
	}
	return t_summary(&r);
}
