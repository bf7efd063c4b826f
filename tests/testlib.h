/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * testlib.h - result reporting shared by the unit and end-to-end tests.
 * Each case prints "ok - NAME" or "not ok - NAME: why"; the program ends
 * with "N passed, N failed, N skipped", which tests/run.sh adds up.
 */
#ifndef SG_TESTLIB_H
#define SG_TESTLIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct test_report {
	int passed, failed, skipped;
};

static inline void __attribute__((format(printf, 3, 4)))
t_result(struct test_report *r, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		r->passed++;
	else
		r->failed++;
}

static inline void __attribute__((format(printf, 2, 3)))
t_skip(struct test_report *r, const char *fmt, ...)
{
	va_list ap;

	printf("skip - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	r->skipped++;
}

/* Print the closing line; the exit status is 1 when anything failed. */
static inline int t_summary(const struct test_report *r)
{
	printf("%d passed, %d failed, %d skipped\n", r->passed, r->failed, r->skipped);
	return r->failed ? 1 : 0;
}

#endif
