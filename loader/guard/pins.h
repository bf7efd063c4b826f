/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pins.h - the paths of what the guard pins under its pin directory: its
 * links here, its maps in the registry (guard_maps.h). Shared by guard.c
 * (which pins) and guard_open.c (which reads them back).
 */
#ifndef SG_PINS_H
#define SG_PINS_H

#include "guard_hooks.h"
#include "guard_maps.h"

/* Suffix of a pin that is being prepared and will be renamed into place. */
#define PIN_NEW_SUFFIX "_new" /* bpffs refuses names with a dot */

extern const char *const link_pins[SG_HOOK_COUNT];

/* buf (PATH_MAX bytes) = dir/name suffix. 0 or -ENAMETOOLONG. */
int pin_path(char *buf, const char *dir, const char *name, const char *suffix);

#endif
