/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* fuzz.h - what the libFuzzer harnesses share. */
#ifndef SG_FUZZ_H
#define SG_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* An invariant of the code under test: abort, so that libFuzzer keeps the input. */
#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			abort();                                                             \
		}                                                                            \
	} while (0)

#endif
