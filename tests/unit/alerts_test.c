// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * alerts_test.c - "alert_threshold = COUNT/SECONDSs" (alerts_count()): each
 * row a threshold, the times of one UID's events with the attempts each
 * stands for (itself and what the kernel counted and did not send before
 * it; 1 when not given), and which events raise the alert (one per
 * window). Built with ASan and UBSan. Running the alert_command is tested in
 * the real kernel (tests/e2e, ALERT rows). To add a case, add a row.
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
	__u64 attempts[MAX_EVENTS]; /* attempts each stands for; 0: 1 */
} cases[] = {
	{ "no threshold: never", 0, 60, { 1000, 1001, 1002, 1003 }, "0000", { 0 } },
	{ "the count-th event in the window raises it, once", 3, 60,
	  { 1000, 2000, 3000, 4000, 5000 }, "00100", { 0 } },
	{ "a threshold of 1: the first event of each window", 1, 5,
	  { 1000, 2000, 6000, 7000 }, "1010", { 0 } },
	{ "a window that ran out starts again from 1", 3, 60,
	  { 1000, 2000, 70000, 71000, 72000 }, "00001", { 0 } },
	{ "the next window may alert again", 2, 10,
	  { 1000, 2000, 3000, 12000, 13000, 14000 }, "010010", { 0 } },
	{ "the window is SECONDS long: at exactly SECONDS a new one starts", 2, 10,
	  { 1000, 11000 }, "00", { 0 } },
	{ "... and 1 ms before, it is the same window", 2, 10, { 1000, 10999 }, "01", { 0 } },
	{ "the window starts at the first event, not at a multiple of SECONDS", 2, 10,
	  { 9000, 12000 }, "01", { 0 } },
	{ "a burst within one ms counts every event", 4, 1,
	  { 5000, 5000, 5000, 5000, 5000 }, "00010", { 0 } },
	/* Issue 22: the kernel sends at most its event budget; the rest comes as counts. */
	{ "32 events then 5000 counted, not sent: the count crosses it", 100, 1,
	  { 1000, 1100, 1500 }, "001", { 32, 32, 5000 } },
	{ "3 events standing for 99 attempts do not", 100, 1,
	  { 1000, 1100, 1500 }, "000", { 33, 33, 33 } },
	{ "... and one more attempt does", 100, 1,
	  { 1000, 1100, 1500, 1600 }, "0001", { 33, 33, 33, 1 } },
	{ "once per window however many attempts follow", 100, 1,
	  { 1000, 1100, 1200, 2100 }, "1001", { 200, 200, 1, 500 } },
	{ "counts in a window that ran out start a new one", 100, 2,
	  { 1000, 4000 }, "00", { 99, 99 } },
	{ "an attempt older than the window's start (a late event) counts in it", 3, 10,
	  { 5000, 4000, 6000 }, "001", { 0 } },
	{ "a huge count does not wrap", 10, 60, { 1000, 2000 }, "10", { 1ULL << 40, 1ULL << 40 } },
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
			got[k] = alerts_count(&a, &s,
					      cases[i].attempts[k] ? cases[i].attempts[k] : 1,
					      cases[i].ms[k] * 1000000ULL) ?
					 '1' :
					 '0';
		got[k] = '\0';
		t_result(&r, !strcmp(got, cases[i].want), "alerts: %u/%us: %s (%s%s%s)",
			 cases[i].count, cases[i].seconds, cases[i].name, got,
			 strcmp(got, cases[i].want) ? ", want " : "",
			 strcmp(got, cases[i].want) ? cases[i].want : "");
	}
	return t_summary(&r);
}
