/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * trust.h - may root run this file? Whoever can change a program that
 * smtpguard runs as root (alert_command), or a directory above it, can run
 * anything as root: the same rule as for the configuration file itself.
 */
#ifndef SG_TRUST_H
#define SG_TRUST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when path is an executable regular file owned by root and not
 * writable by group or others, and so is every directory above it (on the
 * path as written and after resolving symlinks), except that a sticky
 * directory (/tmp) may be writable by all: nobody else can replace root's
 * entries there. Otherwise false, with the reason in why.
 */
bool trust_executable(const char *path, char *why, size_t len);

#endif
