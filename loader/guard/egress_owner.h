/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * egress_owner.h - what the egress program (cgroup_skb/egress) may read on
 * this kernel to tell who sent a TCP SYN that connect() did not decide.
 *
 * A NAT'd SYN comes from a TCP socket, whose network namespace and owner the
 * program reads through bpf_skc_to_tcp_sock() (Linux 5.9) and the kernel's
 * BTF (SG_F_EGRESS_SOCK). A raw socket's SYN is sent in its sender's system
 * call; the program reads the sender's credentials through
 * bpf_get_current_task_btf(), which cgroup_skb programs may call only on
 * newer kernels (SG_F_EGRESS_TASK). Each is tried with a small program that
 * reads what the guard reads; without one, the program decides those SYNs
 * as nobody's (only allow_dest and scoped exceptions for anyone let them
 * through), which "smtpguard check" names.
 */
#ifndef SG_EGRESS_OWNER_H
#define SG_EGRESS_OWNER_H

#include "smtpguard.h"

/* What egress_owner_setup() found, for "smtpguard check". */
struct egress_forms {
	int sock; /* 0: SG_F_EGRESS_SOCK; else -errno why not */
	int task; /* 0: SG_F_EGRESS_TASK */
};

/*
 * Set SG_F_EGRESS_SOCK and SG_F_EGRESS_TASK, netns_ino and the offsets in s
 * as far as this kernel allows (SG_F_EGRESS_TASK needs s's SG_F_TASK_CRED
 * offsets: call task_cred_setup() first). forms may be NULL; btf is
 * task_cred_kernel_btf() (NULL: none).
 * SMTPGUARD_TEST_EGRESS=nobody leaves both off (the suite's degraded rows).
 */
struct btf;
void egress_owner_setup(struct sg_settings *s, struct egress_forms *forms, const struct btf *btf);

#endif
