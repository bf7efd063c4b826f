/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * file_replace.h - replace a file whole, never leave it half written: the
 * new text goes to a temporary file beside it (mkstemp: a fresh name, mode
 * 0600, never a symlink someone planted), which is renamed over the file
 * only when every write succeeded. A reader sees the old file or the new
 * one. Used for the configuration edits and the monitor's accounts file.
 */
#ifndef SG_FILE_REPLACE_H
#define SG_FILE_REPLACE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

struct file_replace {
	FILE *f; /* write the new contents here */
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

/* Open the temporary file for path: 0 or -errno (nothing is left behind). */
int file_replace_open(struct file_replace *r, const char *path);

/*
 * Rename it over path: 0, or -errno with path untouched and the temporary
 * file removed. like: give the new file this file's mode and owner (NULL:
 * 0600, root's, or what file_replace_copy() gave it). durable: fsync the file and its directory, for what must
 * survive a crash (the configuration), not for what is rewritten every
 * second (the accounts file).
 */
int file_replace_commit(struct file_replace *r, const struct stat *like, bool durable);

/*
 * Copy path to the temporary file, with its mode and owner, for an edit that
 * is judged (by its name, r->tmp) before it replaces path; then commit with
 * like = NULL, or abort. r->f is NULL: the copy is closed. 0 or -errno
 * (nothing is left behind).
 */
int file_replace_copy(struct file_replace *r, const char *path);

/* Give up: the temporary file is removed, path is untouched. */
void file_replace_abort(struct file_replace *r);

/*
 * Remove the temporary files a killed writer of path left (path.smtpguard-
 * and six characters). Only for a file that one process writes at a time,
 * which holds a lock for it: another writer's temporary file would go too.
 */
void file_replace_remove_stale(const char *path);

#endif
