// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* compat.c - what libbpf 0.x left to its callers; see compat.h. */
#include <sys/resource.h>

#include "compat.h"

void compat_bump_memlock(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	setrlimit(RLIMIT_MEMLOCK, &rl); /* a failure shows as the load's own EPERM */
}
