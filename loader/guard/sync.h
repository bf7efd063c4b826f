/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sync.h - make the live guard equal to its configuration: "smtpguard sync",
 * and allow/revoke after they edited the file.
 */
#ifndef SG_SYNC_H
#define SG_SYNC_H

#include <stdbool.h>

#include "exit_codes.h"

/*
 * The guard at pin_dir synced to config; unless config_given, to the file it
 * was loaded from (config when it records none). EXIT_OK, EXIT_NOT_LOADED
 * (nothing loaded: nothing to sync), EXIT_USAGE (the file has errors: the
 * guard is unchanged) or EXIT_FAIL (a damaged guard among others).
 */
int sync_guard(const char *pin_dir, const char *config, bool config_given);

#endif
