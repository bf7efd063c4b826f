// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* privs.c - check for the capabilities the guard needs, without libcap. */
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cli.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

bool privs_sufficient(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	/* Before 5.8, CAP_SYS_ADMIN alone stood for CAP_BPF. */
	return has_cap(data, CAP_SYS_ADMIN) && has_cap(data, CAP_NET_ADMIN) &&
	       (has_cap(data, CAP_BPF) || has_cap(data, CAP_SYS_ADMIN));
}
