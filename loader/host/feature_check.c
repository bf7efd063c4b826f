// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * feature_check.c - what every probe of "smtpguard check" uses to answer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "feature_check.h"

void feature_result_set(struct feature_result *r, enum feature_status s, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}
