// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_import.c - libFuzzer harness for "smtpguard import": the first byte
 * of the input chooses the incumbent (CSF, APF, Imunify360, cPanel), the
 * rest is its file. Besides crashes, leaks and undefined behaviour it
 * checks that a refused file gives only "fuzz.in:LINE: message" lines with
 * LINE in the file (or the two summary forms), and that whatever is
 * accepted renders to a configuration the real parser takes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "import.h"

#define FUZZ_PATH "fuzz.in"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int count_lines(const char *buf, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n + (!len || buf[len - 1] != '\n');
}

/* Every line names the file: "fuzz.in:LINE: ..." with LINE in it, or "fuzz.in: ...". */
static void check_diag(const char *diag, size_t len, unsigned int lines)
{
	const char *p = diag, *end = diag + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *after;
		unsigned long line;

		CHECK(nl);
		CHECK(!strncmp(p, FUZZ_PATH ":", strlen(FUZZ_PATH ":")));
		p += strlen(FUZZ_PATH ":");
		if (*p != ' ') {
			line = strtoul(p, &after, 10);
			CHECK(line >= 1 && line <= lines);
			CHECK(after[0] == ':' && after[1] == ' ');
		}
		for (const char *c = p; c < nl; c++)
			CHECK((unsigned char)*c >= 0x20);
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum import_source src;
	struct import_policy p;
	char *buf, *diag = NULL, *text = NULL;
	size_t dlen = 0, tlen = 0;
	FILE *d;
	int ret;

	if (!size)
		return 0;
	src = (enum import_source)(data[0] % IMPORT_SOURCE_COUNT);
	buf = malloc(size);
	CHECK(buf);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	d = open_memstream(&diag, &dlen);
	CHECK(d);
	ret = import_parse(src, FUZZ_PATH, buf, size - 1, data[0] & 0x80, &p, d);
	CHECK(ret >= 0);
	if (!ret) {
		/* What import accepts, the configuration parser accepts. */
		CHECK(!import_render(&p, &text, &tlen, d));
		CHECK(text && strlen(text) == tlen);
		import_free(&p);
	}
	CHECK(!fclose(d));
	if (ret)
		check_diag(diag, dlen, count_lines(buf, size - 1));
	free(text);
	free(diag);
	free(buf);
	return 0;
}
