/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json.h - a small streaming JSON writer for --json output. */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 16

/*
 * The "schema" number every JSON document of smtpguard starts with (status,
 * list, the monitor's lines). Bumped when a key is removed or changes
 * meaning; new keys may appear without a bump. The keys of each are listed
 * in smtpguard(8), JSON OUTPUT, and a test holds the two together.
 */
#define SG_JSON_SCHEMA 1

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *out);
/* key is NULL inside arrays and for the top-level value. */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
/*
 * A string: JSON's escapes, \u00XX for other control bytes and DEL, valid
 * UTF-8 as it is, and each byte that is not valid UTF-8 as \u00XX (one
 * code point per byte: Latin-1 gives the bytes back). NULL val: null.
 */
void json_str(struct json *j, const char *key, const char *val);
/*
 * text in the escaped text form of the logs (escape_text(): \\ and \xNN),
 * written as the bytes it stands for; NULL or "": null.
 */
void json_str_text(struct json *j, const char *key, const char *text);
void json_u64(struct json *j, const char *key, __u64 val);
void json_bool(struct json *j, const char *key, bool val);
/* End the document with a newline. */
void json_finish(struct json *j);

#endif
