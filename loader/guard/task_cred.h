/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * task_cred.h - can the program read the caller's IDs from its task's
 * credentials (task->cred->uid, ->gid) instead of calling
 * bpf_get_current_uid_gid()?
 *
 * The helper returns the same numbers (the kernel's IDs are those of the
 * initial user namespace), but it makes four more calls inside, and on CPUs
 * with return-stack mitigations calls are what an allowed connect costs. The
 * direct read needs bpf_get_current_task_btf() in connect programs (newer
 * kernels) and the field offsets, which come from the kernel's own BTF: the
 * program has no CO-RE relocations, so it still loads without BTF, and then
 * calls the helper as before.
 */
#ifndef SG_TASK_CRED_H
#define SG_TASK_CRED_H

#include "smtpguard.h"

struct btf;
struct bpf_insn;

/*
 * Find the offsets in btf (task_cred_kernel_btf(); NULL: none) and load a probe program that
 * reads them as the guard would. On success, set SG_F_TASK_CRED and the
 * offsets in s and return 0; otherwise leave s alone and return -ENOENT (no
 * kernel BTF, or no such fields), -EOPNOTSUPP (the verifier refused the
 * read) or another -errno. SMTPGUARD_TEST_NO_TASK_CRED=1 makes it fail
 * (the suite runs both ways).
 *
 * When known (the live guard's settings: pins last only as long as the
 * running kernel) already reads the credentials, its offsets are taken as
 * they are.
 */
int task_cred_setup(struct sg_settings *s, const struct sg_settings *known, const struct btf *btf);

/*
 * Load a probe program of that type and expected attach type (GPL), then
 * close it: does the verifier accept what it reads? 0 or -EOPNOTSUPP.
 */
int task_cred_try_load(__u32 prog_type, __u32 attach_type, const struct bpf_insn *insns, __u32 n);

/*
 * Byte offset in struct type of the member at path ("a.b.c": members of
 * members, looking into anonymous ones), on the kernel that btf describes;
 * the member's type, under typedefs and modifiers, to *type_id. -ENOENT when
 * there is no such member.
 */
long task_cred_field(const struct btf *btf, const char *type, const char *path, __u32 *type_id);

/*
 * task_cred_field() for a member the program will load: it must be size
 * bytes (0: a pointer) and start within 0x7fff bytes (the settings keep
 * 16-bit offsets). Its offset, -ENOENT or -ERANGE.
 */
long task_cred_member(const struct btf *btf, const char *type, const char *path, int size);

/*
 * The running kernel's BTF (/sys/kernel/btf/vmlinux), or NULL; btf__free()
 * it. Parsing it takes some 10 ms: a load parses it once for all the
 * setups that need it (task_cred, task_event, egress_owner).
 */
struct btf *task_cred_kernel_btf(void);

#endif
