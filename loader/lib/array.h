/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* array.h - arrays: their length, and growing a malloc'ed one by doubling. */
#ifndef SG_ARRAY_H
#define SG_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* The number of elements of an array (not of a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Make room for one more element in *v, which holds n elements of size
 * elem in *cap slots. 0 or -ENOMEM (then *v is unchanged).
 */
static inline int array_reserve_one(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 16;
	p = realloc(*v, new_cap * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = new_cap;
	return 0;
}

#endif
