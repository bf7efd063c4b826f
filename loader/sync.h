/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sync.h - make the live guard equal to its configuration: "smtpguard sync",
 * and allow/revoke after they edited the file.
 */
#ifndef SG_SYNC_H
#define SG_SYNC_H

#include <stdbool.h>

#include "exit_codes.h"

/* sync; *not_loaded tells "nothing loaded" (exit 3) apart from "damaged" (also 3). */
/*
 * The guard at pin_dir synced to config; unless config_given, to the file it
 * was loaded from (config when it records none).
 */
int sync_guard(const char *pin_dir, const char *config, bool config_given, bool *not_loaded);

#endif
