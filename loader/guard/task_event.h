/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * task_event.h - can a refused attempt's event read the caller's tgid, pid,
 * comm and cgroup ID from its task (task->tgid, ->pid, ->comm,
 * ->cgroups->dfl_cgrp->kn->id) instead of calling
 * bpf_get_current_pid_tgid(), bpf_get_current_comm() and
 * bpf_get_current_cgroup_id()?
 *
 * The helpers read those very fields; each call costs what a few dozen
 * loads do on CPUs with return-stack mitigations, and the refused path
 * makes them for every event. Like the credentials (task_cred.h), the
 * offsets come from the kernel's BTF and a probe program checks that the
 * verifier lets a connect program read them; without either, the program
 * calls the helpers as before.
 */
#ifndef SG_TASK_EVENT_H
#define SG_TASK_EVENT_H

#include "smtpguard.h"

/*
 * btf: task_cred_kernel_btf() (NULL: none). Needs SG_F_TASK_CRED in s (bpf_get_current_task_btf() allowed in connect
 * programs). On success set SG_F_TASK_EVENT and the offsets in s and
 * return 0; otherwise clear the flag and return -ENOENT, -ERANGE or
 * -EOPNOTSUPP. known (the live guard's settings, on the same running
 * kernel) with the flag: its offsets are taken as they are.
 */
struct btf;
int task_event_setup(struct sg_settings *s, const struct sg_settings *known, const struct btf *btf);

#endif
