// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pins.c - the names of the guard's pins; see pins.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "pins.h"

const char *const link_pins[SG_HOOK_COUNT] = {
	[SG_HOOK_CONNECT4] = SG_PIN_LINK_CONNECT4,
	[SG_HOOK_CONNECT6] = SG_PIN_LINK_CONNECT6,
};

const char *const map_pins[MAP_COUNT] = {
	[MAP_SETTINGS] = SG_PIN_SETTINGS,
	[MAP_ALLOW_UID] = SG_PIN_ALLOW_UID,
	[MAP_ALLOW_GID] = SG_PIN_ALLOW_GID,
	[MAP_UID_ARRAY] = SG_PIN_UID_ARRAY,
	[MAP_GID_ARRAY] = SG_PIN_GID_ARRAY,
	[MAP_LOCAL_ADDR] = SG_PIN_LOCAL_ADDR,
	[MAP_ALLOW_DEST] = SG_PIN_ALLOW_DEST,
	[MAP_SCOPED] = SG_PIN_SCOPED,
	[MAP_SCOPE_PORTS] = SG_PIN_SCOPE_PORTS,
	[MAP_SCOPE_RULES] = SG_PIN_SCOPE_RULES,
	[MAP_EVENTS] = SG_PIN_EVENTS,
	[MAP_COUNTERS] = SG_PIN_COUNTERS,
	[MAP_STATS] = SG_PIN_STATS,
	[MAP_CONTROL] = SG_PIN_CONTROL,
	[MAP_DISPATCH4] = SG_PIN_DISPATCH4,
	[MAP_DISPATCH6] = SG_PIN_DISPATCH6,
};

int pin_path(char *buf, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s%s", dir, name, suffix);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}
