// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* json.c - see json.h. */
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 (overlong, surrogate, cut). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string of n bytes: the escapes JSON defines (\", \\, \b \f \n
 * \r \t), \u00XX for the other control bytes and DEL, valid UTF-8 as it
 * is, and each byte of anything else (a lone 0xe9, a cut sequence) as
 * \u00XX: one code point per byte, so a reader gets those bytes back as
 * Latin-1 and every parser accepts the document.
 */
static void put_bytes(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = c >= 0x80 ? utf8_len(s + i, len - i) : 1;
		const char *named = c == '"'  ? "\\\"" :
				    c == '\\' ? "\\\\" :
				    c == '\b' ? "\\b" :
				    c == '\f' ? "\\f" :
				    c == '\n' ? "\\n" :
				    c == '\r' ? "\\r" :
				    c == '\t' ? "\\t" :
						NULL;

		if (named) {
			fputs(named, out);
		} else if (c < 0x20 || c == 0x7f || !n) {
			fprintf(out, "\\u%04x", c);
			n = 1;
		} else {
			fwrite(s + i, 1, n, out);
		}
		i += n;
	}
	fputc('"', out);
}

static void put_string(FILE *out, const char *s)
{
	put_bytes(out, s, strlen(s));
}

static void start_value(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->out, key);
		fputc(':', j->out);
	}
}

static void open_container(struct json *j, const char *key, char c)
{
	start_value(j, key);
	fputc(c, j->out);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_container(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
}

void json_obj_begin(struct json *j, const char *key)
{
	open_container(j, key, '{');
}

void json_obj_end(struct json *j)
{
	close_container(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	open_container(j, key, '[');
}

void json_arr_end(struct json *j)
{
	close_container(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
	start_value(j, key);
	if (val)
		put_string(j->out, val);
	else
		fputs("null", j->out);
}

/* The hex digit's value, or -1. */
static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 :
				      -1;
}

void json_str_text(struct json *j, const char *key, const char *text)
{
	size_t n = 0, len = text ? strlen(text) : 0;
	char *raw;

	if (!len) {
		json_str(j, key, NULL);
		return;
	}
	raw = malloc(len);
	if (!raw) {
		json_str(j, key, NULL);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\\' && text[i + 1] == '\\') {
			raw[n++] = '\\';
			i++;
		} else if (text[i] == '\\' && text[i + 1] == 'x' && hex(text[i + 2]) >= 0 &&
			   hex(text[i + 3]) >= 0) {
			raw[n++] = (char)(hex(text[i + 2]) << 4 | hex(text[i + 3]));
			i += 3;
		} else {
			raw[n++] = text[i];
		}
	}
	start_value(j, key);
	put_bytes(j->out, raw, n);
	free(raw);
}

void json_u64(struct json *j, const char *key, __u64 val)
{
	start_value(j, key);
	fprintf(j->out, "%llu", (unsigned long long)val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	start_value(j, key);
	fputs(val ? "true" : "false", j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
}
