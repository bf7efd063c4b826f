// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * alerts_test.c - "alert_threshold = COUNT/SECONDSs" (alerts_count()): each
 * row a threshold, the times of one UID's events, and which events raise
 * the alert (one per window). Built with ASan and UBSan. Running the
 * alert_command is tested in the real kernel (tests/e2e, ALERT rows). To add
 * a case, add a row.
 */
#include <stdio.h>
#include <string.h>

#include "alerts.h"
#include "array.h"
#include "testlib.h"

#define MAX_EVENTS 16

/* clang-format off */
static const struct {
	const char *name;
	__u32 count, seconds;
	__u64 ms[MAX_EVENTS]; /* event times in ms (monotonic, never 0); 0 ends */
	const char *want; /* per event: 1 raises the alert */
} cases[] = {
	{ "no threshold: never", 0, 60, { 1000, 1001, 1002, 1003 }, "0000" },
	{ "the count-th event in the window raises it, once", 3, 60,
	  { 1000, 2000, 3000, 4000, 5000 }, "00100" },
	{ "a threshold of 1: the first event of each window", 1, 5,
	  { 1000, 2000, 6000, 7000 }, "1010" },
	{ "a window that ran out starts again from 1", 3, 60,
	  { 1000, 2000, 70000, 71000, 72000 }, "00001" },
	{ "the next window may alert again", 2, 10,
	  { 1000, 2000, 3000, 12000, 13000, 14000 }, "010010" },
	{ "the window is SECONDS long: at exactly SECONDS a new one starts", 2, 10,
	  { 1000, 11000 }, "00" },
	{ "... and 1 ms before, it is the same window", 2, 10, { 1000, 10999 }, "01" },
	{ "the window starts at the first event, not at a multiple of SECONDS", 2, 10,
	  { 9000, 12000 }, "01" },
	{ "a burst within one ms counts every event", 4, 1,
	  { 5000, 5000, 5000, 5000, 5000 }, "00010" },
};
/* clang-format on */

#define N_CASES ARRAY_SIZE(cases)

int main(void)
{
	struct test_report r = {};

	for (size_t i = 0; i < N_CASES; i++) {
		struct alerts a = { .count = cases[i].count, .seconds = cases[i].seconds };
		struct uid_state s = { .uid = 64990, .used = true };
		char got[MAX_EVENTS + 1] = "";
		size_t k;

		for (k = 0; k < MAX_EVENTS && cases[i].ms[k]; k++)
			got[k] = alerts_count(&a, &s, cases[i].ms[k] * 1000000ULL) ? '1' : '0';
		got[k] = '\0';
		t_result(&r, !strcmp(got, cases[i].want), "alerts: %u/%us: %s (%s%s%s)",
			 cases[i].count, cases[i].seconds, cases[i].name, got,
			 strcmp(got, cases[i].want) ? ", want " : "",
			 strcmp(got, cases[i].want) ? cases[i].want : "");
	}
	return t_summary(&r);
}
