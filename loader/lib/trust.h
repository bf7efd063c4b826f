/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * trust.h - may root run this file? Whoever can change a program that
 * smtpguard runs as root (alert_command), or a directory above it, can run
 * anything as root: the same rule as for the configuration file itself.
 *
 * The check and the run must be about the same file: a name checked once
 * and run later can point at another file by then (root's file in /tmp aged
 * out by tmpfiles, and a tenant's created under the same name). So the file
 * is opened by a walk from "/" that looks at every directory it passes
 * through the descriptor it holds (openat, O_NOFOLLOW; a symlink is followed
 * by hand, and only out of a directory already found trustworthy), the open
 * file is checked, and that descriptor is what runs (fexecve).
 *
 * There is no exception for sticky directories such as /tmp: there a tenant
 * can take over a name root's file no longer holds, and (without
 * fs.protected_hardlinks) link any root-owned program under it.
 */
#ifndef SG_TRUST_H
#define SG_TRUST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Open path for running as root: every directory on the way (as written and
 * through any symlink) owned by root and not writable by group or others,
 * the file a regular file, executable, owned by root and not writable by
 * group or others. The descriptor (O_RDONLY, close-on-exec), or -1 with the
 * reason in why.
 */
int trust_open_executable(const char *path, char *why, size_t len);

/* The same check, without keeping the file open. */
bool trust_executable(const char *path, char *why, size_t len);

#endif
