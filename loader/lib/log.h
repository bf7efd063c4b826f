/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* log.h - one-line messages for the admin, and libbpf's output behind -v. */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stdbool.h>

/* Route libbpf's messages: warnings always, debug output only when verbose. */
void log_setup(bool verbose);
bool log_verbose(void);

/* "smtpguard: <message>" on stderr. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "smtpguard: note: ...": what could not be checked, not a problem found. */
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
