/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * testlib.h - result reporting shared by the unit and end-to-end tests.
 * Each case prints "ok - NAME" or "not ok - NAME: why"; the program ends
 * with "N passed, N failed, N skipped", which tests/run.sh adds up.
 *
 * Selection ("make test T=PATTERN" sets SG_TEST_FILTER=PATTERN): a case whose
 * name does not hold PATTERN is not reported, nor counted, when it passes or
 * is skipped. A failure is always reported and counted.
 */
#ifndef SG_TESTLIB_H
#define SG_TESTLIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_report {
	int passed, failed, skipped;
	/* Set by the caller: this case only sets the state up for a selected one. */
	bool quiet;
	int unreported; /* cases that passed or were skipped without being selected */
};

static inline bool t_selected(const struct test_report *r, const char *name)
{
	const char *filter = getenv("SG_TEST_FILTER");

	return !r->quiet && (!filter || !*filter || strstr(name, filter));
}

/* One result line: "ok - ", "not ok - " or "skip - " and the name. */
static inline void t_report(struct test_report *r, const char *verdict, int *count, const char *fmt,
			    va_list ap)
{
	char *name = NULL;

	if (vasprintf(&name, fmt, ap) < 0)
		name = NULL;
	if (count != &r->failed && !t_selected(r, name ? name : "")) {
		r->unreported++;
		free(name);
		return;
	}
	printf("%s%s\n", verdict, name ? name : "(out of memory)");
	fflush(stdout);
	(*count)++;
	free(name);
}

static inline void __attribute__((format(printf, 3, 4)))
t_result(struct test_report *r, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_report(r, ok ? "ok - " : "not ok - ", ok ? &r->passed : &r->failed, fmt, ap);
	va_end(ap);
}

static inline void __attribute__((format(printf, 2, 3)))
t_skip(struct test_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_report(r, "skip - ", &r->skipped, fmt, ap);
	va_end(ap);
}

/* Print the closing line; the exit status is 1 when anything failed. */
static inline int t_summary(const struct test_report *r)
{
	const char *filter = getenv("SG_TEST_FILTER");

	if (filter && *filter)
		printf("# T=%s: %d cases selected, %d others not reported\n", filter,
		       r->passed + r->failed + r->skipped, r->unreported);
	printf("%d passed, %d failed, %d skipped\n", r->passed, r->failed, r->skipped);
	return r->failed ? 1 : 0;
}

#endif
