/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probe_insns.h - the few BPF instructions the loader's probe programs are
 * written in (task_cred.c's relatives: egress_owner.c, task_event.c). A
 * probe does the guard's loads at the offsets BTF gave, so that the
 * verifier says whether the guard may; raw, because it must not need the
 * BPF object or a compiler.
 */
#ifndef SG_PROBE_INSNS_H
#define SG_PROBE_INSNS_H

#include <linux/bpf.h>

#define INSN(c, d, s_, o, i)                                                         \
	{                                                                            \
		.code = (c), .dst_reg = (d), .src_reg = (s_), .off = (o), .imm = (i) \
	}
#define LD_PTR(dst, src) INSN(BPF_LDX | BPF_MEM | BPF_DW, dst, src, 0, 0)
#define LD_DW(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_DW, dst, src, off, 0)
#define LD_W(dst, src) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, 0, 0)
#define ADD_K(dst, k) INSN(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, (__s32)(k))
#define MOV_X(dst, src) INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JEQ0(reg, to) INSN(BPF_JMP | BPF_JEQ | BPF_K, reg, 0, to, 0)

#endif
