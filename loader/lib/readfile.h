/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * readfile.h - read a whole configuration file, safely: only a regular file
 * (a FIFO put in its place must not hang a boot), bounded in size, and
 * optionally only one that nobody but root can have written.
 */
#ifndef SG_READFILE_H
#define SG_READFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Read path into a malloc'd buffer (*bufp, *lenp; NUL-terminated, *lenp
 * without the NUL). With root_owned, a file not owned by root or writable
 * by group or others is refused. Returns 0; -ENOENT when there is no such
 * file (nothing printed); 1 after printing "PATH: reason" on diag; -ENOMEM.
 */
int readfile_regular(const char *path, size_t max_bytes, bool root_owned, char **bufp, size_t *lenp,
		     FILE *diag);

#endif
