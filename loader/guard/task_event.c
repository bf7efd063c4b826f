// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* task_event.c - the event's process and cgroup without helper calls; see task_event.h. */
#include <errno.h>
#include <linux/bpf.h>
#include <bpf/btf.h>

#include "array.h"
#include "probe_insns.h"
#include "task_cred.h"
#include "task_event.h"

#define HELPER_GET_CURRENT_TASK_BTF 158
#define TASK_COMM_LEN 16

struct event_offsets {
	long pid, tgid, comm, cgroups, dfl_cgrp, kn, kn_id;
};

static int find_offsets(const struct btf *btf, struct event_offsets *o)
{
	int err = 0;

	if (!btf)
		return -ENOENT;
	o->pid = task_cred_member(btf, "task_struct", "pid", 4);
	o->tgid = task_cred_member(btf, "task_struct", "tgid", 4);
	o->comm = task_cred_member(btf, "task_struct", "comm", TASK_COMM_LEN);
	o->cgroups = task_cred_member(btf, "task_struct", "cgroups", 0);
	o->dfl_cgrp = task_cred_member(btf, "css_set", "dfl_cgrp", 0);
	o->kn = task_cred_member(btf, "cgroup", "kn", 0);
	/* A 64-bit kernfs ID since 5.5: what cgroup_id() returns. */
	o->kn_id = task_cred_member(btf, "kernfs_node", "id", 8);
	for (const long *v = &o->pid; v <= &o->kn_id; v++)
		if (*v < 0)
			err = (int)*v;
	return err;
}

/* What record_attempt() reads, in a connect4 program of its own. */
static int probe(const struct event_offsets *o)
{
	const struct bpf_insn insns[] = {
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, HELPER_GET_CURRENT_TASK_BTF),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->pid),
		LD_W(BPF_REG_2, BPF_REG_1),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->tgid),
		LD_W(BPF_REG_2, BPF_REG_1),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->comm),
		LD_PTR(BPF_REG_2, BPF_REG_1),
		LD_DW(BPF_REG_2, BPF_REG_1, 8),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->cgroups),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 8), /* -> exit */
		ADD_K(BPF_REG_1, o->dfl_cgrp),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 5),
		ADD_K(BPF_REG_1, o->kn),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 2),
		ADD_K(BPF_REG_1, o->kn_id),
		LD_PTR(BPF_REG_2, BPF_REG_1),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return task_cred_try_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, insns,
				  ARRAY_SIZE(insns));
}

int task_event_setup(struct sg_settings *s, const struct sg_settings *known, const struct btf *btf)
{
	struct event_offsets o;
	int err;

	s->flags &= ~SG_F_TASK_EVENT;
	if (!(s->flags & SG_F_TASK_CRED))
		return -ENOENT;
	if (known && (known->flags & SG_F_TASK_EVENT)) {
		o = (struct event_offsets){
			known->task_pid_off,	 known->task_tgid_off,	      known->task_comm_off,
			known->task_cgroups_off, known->css_set_dfl_cgrp_off, known->cgroup_kn_off,
			known->kn_id_off
		};
		goto set;
	}
	err = find_offsets(btf, &o);
	if (!err)
		err = probe(&o);
	if (err)
		return err;
set:
	s->flags |= SG_F_TASK_EVENT;
	s->task_pid_off = (__u16)o.pid;
	s->task_tgid_off = (__u16)o.tgid;
	s->task_comm_off = (__u16)o.comm;
	s->task_cgroups_off = (__u16)o.cgroups;
	s->css_set_dfl_cgrp_off = (__u16)o.dfl_cgrp;
	s->cgroup_kn_off = (__u16)o.kn;
	s->kn_id_off = (__u16)o.kn_id;
	return 0;
}
