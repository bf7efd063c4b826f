/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * netns.h - the cookie of this process's network namespace, as the BPF
 * program's bpf_get_netns_cookie() sees it. The guard grants its local
 * exemptions only to sockets in that namespace (the host's).
 */
#ifndef SG_NETNS_H
#define SG_NETNS_H

#include <linux/types.h>

/*
 * SO_NETNS_COOKIE where the kernel has it (5.14+); otherwise the BPF object's
 * sg_netns_probe, attached for one socket() to a throwaway child of
 * cgroup_dir (SMTPGUARD_TEST_NETNS_PROBE=1 forces that path, for the tests).
 * 0 or a negative errno (printed).
 */
int netns_cookie_self(const char *cgroup_dir, __u64 *cookie);

#endif
