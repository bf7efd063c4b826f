// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pins.c - the names of the guard's pins; see pins.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "pins.h"
#include "smtpguard.h"

const char *const link_pins[SG_HOOK_COUNT] = {
	[SG_HOOK_CONNECT4] = SG_PIN_LINK_CONNECT4,
	[SG_HOOK_CONNECT6] = SG_PIN_LINK_CONNECT6,
	[SG_HOOK_EGRESS] = SG_PIN_LINK_EGRESS,
};

int pin_path(char *buf, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s%s", dir, name, suffix);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}
