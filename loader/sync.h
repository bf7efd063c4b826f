/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sync.h - make the live guard equal to its configuration: "smtpguard sync",
 * and allow/revoke after they edited the file.
 */
#ifndef SG_SYNC_H
#define SG_SYNC_H

#include <stdbool.h>

#include "cli.h"

/* sync; *not_loaded tells "nothing loaded" (exit 3) apart from "damaged" (also 3). */
int sync_guard(const struct sg_opts *o, bool *not_loaded);

#endif
