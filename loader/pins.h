/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pins.h - what the guard pins under its pin directory, and their paths.
 * Shared by guard.c (which pins) and guard_open.c (which reads them back).
 */
#ifndef SG_PINS_H
#define SG_PINS_H

#include "guard.h"

/* Suffix of a pin that is being prepared and will be renamed into place. */
#define PIN_NEW_SUFFIX "_new" /* bpffs refuses names with a dot */

/* Map pins, in the order of struct guard's map fds. */
enum map_slot {
	MAP_SETTINGS,
	MAP_ALLOW_UID,
	MAP_ALLOW_GID,
	MAP_UID_ARRAY,
	MAP_GID_ARRAY,
	MAP_LOCAL_ADDR,
	MAP_ALLOW_DEST,
	MAP_SCOPED,
	MAP_SCOPE_PORTS,
	MAP_SCOPE_RULES,
	MAP_EVENTS,
	MAP_COUNTERS,
	MAP_STATS,
	MAP_CONTROL,
	MAP_DISPATCH4,
	MAP_DISPATCH6,
	MAP_COUNT,
};

extern const char *const link_pins[SG_HOOK_COUNT];
extern const char *const map_pins[MAP_COUNT];

/* buf (PATH_MAX bytes) = dir/name suffix. 0 or -ENAMETOOLONG. */
int pin_path(char *buf, const char *dir, const char *name, const char *suffix);

#endif
