// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* task_cred.c - the caller's IDs without a helper call; see task_cred.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "task_cred.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define HELPER_GET_CURRENT_TASK_BTF 158 /* BPF_FUNC_get_current_task_btf, Linux 5.11 */

/* The type under typedefs, modifiers and type tags. */
static const struct btf_type *resolve(const struct btf *btf, __u32 id, __u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_kind(t) == BTF_KIND_TYPEDEF || btf_kind(t) == BTF_KIND_VOLATILE ||
		     btf_kind(t) == BTF_KIND_CONST || btf_kind(t) == BTF_KIND_RESTRICT ||
		     btf_kind(t) == 18 /* BTF_KIND_TYPE_TAG, not in older headers */)) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return t;
}

/*
 * Byte offset of member name in struct or union t, looking into anonymous
 * members (task_struct groups fields in unnamed structs). Its type to
 * *type_id. -ENOENT when absent.
 */
static long member_offset(const struct btf *btf, const struct btf_type *t, const char *name,
			  __u32 *type_id)
{
	const struct btf_member *m = btf_members(t);

	for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
		__u32 bits = btf_member_bit_offset(t, i);
		const char *n = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt;
		long inner;

		if (bits % 8)
			continue;
		if (n && *n) {
			if (!strcmp(n, name)) {
				*type_id = m->type;
				return bits / 8;
			}
			continue;
		}
		mt = resolve(btf, m->type, NULL);
		if (mt && btf_is_composite(mt) &&
		    (inner = member_offset(btf, mt, name, type_id)) >= 0)
			return bits / 8 + inner;
	}
	return -ENOENT;
}

long task_cred_field(const struct btf *btf, const char *type, const char *path, __u32 *type_id)
{
	char name[64];
	const struct btf_type *t;
	__s32 id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	long off = 0, inner;

	if (id < 0 || !(t = btf__type_by_id(btf, (__u32)id)))
		return -ENOENT;
	while (*path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(name) || !btf_is_composite(t))
			return -ENOENT;
		memcpy(name, path, n);
		name[n] = '\0';
		inner = member_offset(btf, t, name, type_id);
		if (inner < 0)
			return inner;
		off += inner;
		path += n + (path[n] == '.');
		t = resolve(btf, *type_id, type_id);
		if (!t)
			return -ENOENT;
	}
	return off;
}

long task_cred_member(const struct btf *btf, const char *type, const char *path, int size)
{
	__u32 type_id;
	long off = task_cred_field(btf, type, path, &type_id);
	const struct btf_type *t;

	if (off < 0)
		return off;
	t = btf__type_by_id(btf, type_id);
	if (!t || (size ? btf__resolve_size(btf, type_id) != size : !btf_is_ptr(t)))
		return -ENOENT;
	return off > 0x7fff ? -ERANGE : off;
}

struct btf *task_cred_kernel_btf(void)
{
	struct btf *btf;

	if (access(VMLINUX_BTF, R_OK))
		return NULL;
	btf = btf__parse(VMLINUX_BTF, NULL);
	return libbpf_get_error(btf) ? NULL : btf;
}

/* Offsets of task_struct.cred and cred.uid, cred.gid (4-byte IDs). */
static int find_offsets(const struct btf *btf, long *cred, long *uid, long *gid)
{
	const struct btf_type *task, *ptr, *cred_t;
	__u32 type_id, cred_id;
	__s32 id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);

	if (id < 0 || !(task = btf__type_by_id(btf, (__u32)id)))
		return -ENOENT;
	*cred = member_offset(btf, task, "cred", &type_id);
	ptr = *cred >= 0 ? resolve(btf, type_id, NULL) : NULL;
	if (!ptr || !btf_is_ptr(ptr))
		return -ENOENT;
	cred_t = resolve(btf, ptr->type, &cred_id);
	if (!cred_t || btf_kind(cred_t) != BTF_KIND_STRUCT)
		return -ENOENT;
	*uid = member_offset(btf, cred_t, "uid", &type_id);
	if (*uid < 0 || btf__resolve_size(btf, type_id) != 4)
		return -ENOENT;
	*gid = member_offset(btf, cred_t, "gid", &type_id);
	if (*gid < 0 || btf__resolve_size(btf, type_id) != 4)
		return -ENOENT;
	return 0;
}

int task_cred_try_load(__u32 prog_type, __u32 attach_type, const struct bpf_insn *insns, __u32 n)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = prog_type;
	a.expected_attach_type = attach_type;
	a.insns = (__u64)(unsigned long)insns;
	a.insn_cnt = n;
	a.license = (__u64)(unsigned long)"GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		return -EOPNOTSUPP;
	close(fd);
	return 0;
}

/*
 * What the guard's caller_ids() does, in a connect4 program of its own:
 * r0 = current task; r0 += cred; r1 = *r0; r1 += uid; r2 = *r1 (and gid).
 */
static int probe(long cred, long uid, long gid)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = HELPER_GET_CURRENT_TASK_BTF },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = (__s32)cred },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = BPF_REG_0, .src_reg = BPF_REG_2 },
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = (__s32)uid },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_2 },
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_4, .src_reg = BPF_REG_1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = (__s32)gid },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_2 },
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_5, .src_reg = BPF_REG_3 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return task_cred_try_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, insns,
				  ARRAY_SIZE(insns));
}

int task_cred_setup(struct sg_settings *s, const struct sg_settings *known, const struct btf *btf)
{
	const char *off = getenv("SMTPGUARD_TEST_NO_TASK_CRED");
	long cred, uid, gid;
	int err;

	if (off && !strcmp(off, "1"))
		return -ENOENT;
	if (known && (known->flags & SG_F_TASK_CRED)) {
		s->flags |= SG_F_TASK_CRED;
		s->cred_off = known->cred_off;
		s->uid_off = known->uid_off;
		s->gid_off = known->gid_off;
		return 0;
	}
	if (!btf)
		return -ENOENT;
	err = find_offsets(btf, &cred, &uid, &gid);
	if (!err && (cred > 0x7fff || uid > 0xff || gid > 0xff))
		err = -ERANGE;
	if (!err)
		err = probe(cred, uid, gid);
	if (err)
		return err;
	s->flags |= SG_F_TASK_CRED;
	s->cred_off = (__u16)cred;
	s->uid_off = (__u16)uid;
	s->gid_off = (__u16)gid;
	return 0;
}
