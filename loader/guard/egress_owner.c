// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* egress_owner.c - how the egress program learns a SYN's owner; see egress_owner.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "egress_owner.h"
#include "task_cred.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define HELPER_SKC_TO_TCP_SOCK 137 /* Linux 5.9 */
#define HELPER_GET_CURRENT_TASK_BTF 158

struct sock_offsets {
	long sk_net, net_ino, sk_socket, sk_uid, socket_file, file_cred, uid, gid;
};

/* A member that must be a pointer (want_ptr) or a 4-byte integer. */
static long field(const struct btf *btf, const char *type, const char *path, bool want_ptr)
{
	__u32 type_id;
	long off = task_cred_field(btf, type, path, &type_id);
	const struct btf_type *t;

	if (off < 0)
		return off;
	t = btf__type_by_id(btf, type_id);
	if (!t)
		return -ENOENT;
	if (want_ptr ? !btf_is_ptr(t) : btf__resolve_size(btf, type_id) != 4)
		return -ENOENT;
	return off > 0x7fff ? -ERANGE : off;
}

static int find_offsets(struct sock_offsets *o)
{
	struct btf *btf;
	int err = 0;

	if (access(VMLINUX_BTF, R_OK))
		return -ENOENT;
	btf = btf__parse(VMLINUX_BTF, NULL);
	if (libbpf_get_error(btf))
		return -ENOENT;
	/* skc_net.net exists only with CONFIG_NET_NS: without it, one namespace. */
	o->sk_net = field(btf, "sock", "__sk_common.skc_net.net", true);
	o->net_ino = field(btf, "net", "ns.inum", false);
	o->sk_socket = field(btf, "sock", "sk_socket", true);
	o->sk_uid = field(btf, "sock", "sk_uid", false);
	o->socket_file = field(btf, "socket", "file", true);
	o->file_cred = field(btf, "file", "f_cred", true);
	o->uid = field(btf, "cred", "uid", false);
	o->gid = field(btf, "cred", "gid", false);
	btf__free(btf);
	for (const long *v = &o->sk_net; v <= &o->gid; v++)
		if (*v < 0)
			err = (int)*v;
	return err;
}

static int load_egress(const struct bpf_insn *insns, __u32 n)
{
	return task_cred_try_load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, insns, n);
}

#define INSN(c, d, s_, o, i)                                                         \
	{                                                                            \
		.code = (c), .dst_reg = (d), .src_reg = (s_), .off = (o), .imm = (i) \
	}
#define LD_PTR(dst, src) INSN(BPF_LDX | BPF_MEM | BPF_DW, dst, src, 0, 0)
#define LD_W(dst, src) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, 0, 0)
#define ADD_K(dst, k) INSN(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, (__s32)(k))
#define MOV_X(dst, src) INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JEQ0(reg, to) INSN(BPF_JMP | BPF_JEQ | BPF_K, reg, 0, to, 0)

/* What tcp_owner() reads, in a cgroup_skb/egress program of its own. */
static int probe_sock(const struct sock_offsets *o)
{
	const struct bpf_insn insns[] = {
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_1,
		     offsetof(struct __sk_buff, sk), 0),
		JEQ0(BPF_REG_1, 23), /* -> exit */
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, HELPER_SKC_TO_TCP_SOCK),
		JEQ0(BPF_REG_0, 21),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->sk_net),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 2),
		ADD_K(BPF_REG_1, o->net_ino),
		LD_W(BPF_REG_2, BPF_REG_1),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->sk_uid),
		LD_W(BPF_REG_2, BPF_REG_1),
		MOV_X(BPF_REG_1, BPF_REG_0),
		ADD_K(BPF_REG_1, o->sk_socket),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 8),
		ADD_K(BPF_REG_1, o->socket_file),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 5),
		ADD_K(BPF_REG_1, o->file_cred),
		LD_PTR(BPF_REG_1, BPF_REG_1),
		JEQ0(BPF_REG_1, 2),
		ADD_K(BPF_REG_1, o->gid),
		LD_W(BPF_REG_2, BPF_REG_1),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return load_egress(insns, sizeof(insns) / sizeof(insns[0]));
}

/* What raw_sender() reads. */
static int probe_task(const struct sg_settings *s)
{
	const struct bpf_insn insns[] = {
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, HELPER_GET_CURRENT_TASK_BTF),
		ADD_K(BPF_REG_0, s->cred_off),
		LD_PTR(BPF_REG_1, BPF_REG_0),
		JEQ0(BPF_REG_1, 5),
		MOV_X(BPF_REG_2, BPF_REG_1),
		ADD_K(BPF_REG_1, s->uid_off),
		LD_W(BPF_REG_3, BPF_REG_1),
		ADD_K(BPF_REG_2, s->gid_off),
		LD_W(BPF_REG_3, BPF_REG_2),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return load_egress(insns, sizeof(insns) / sizeof(insns[0]));
}

void egress_owner_setup(struct sg_settings *s, struct egress_forms *forms)
{
	const char *test = getenv("SMTPGUARD_TEST_EGRESS");
	struct egress_forms f = { -ENOENT, -ENOENT };
	struct sock_offsets o;
	struct stat st;

	s->flags &= ~(SG_F_EGRESS_SOCK | SG_F_EGRESS_TASK);
	if (test && !strcmp(test, "nobody"))
		goto out;
	f.sock = stat("/proc/self/ns/net", &st) ? -errno : find_offsets(&o);
	if (!f.sock)
		f.sock = probe_sock(&o);
	if (!f.sock) {
		s->flags |= SG_F_EGRESS_SOCK;
		s->netns_ino = (__u32)st.st_ino;
		s->sk_net_off = (__u16)o.sk_net;
		s->net_ino_off = (__u16)o.net_ino;
		s->sk_socket_off = (__u16)o.sk_socket;
		s->sk_uid_off = (__u16)o.sk_uid;
		s->socket_file_off = (__u16)o.socket_file;
		s->file_cred_off = (__u16)o.file_cred;
		s->uid_off = (__u16)o.uid;
		s->gid_off = (__u16)o.gid;
	}
	f.task = s->flags & SG_F_TASK_CRED ? probe_task(s) : -ENOENT;
	if (!f.task)
		s->flags |= SG_F_EGRESS_TASK;
out:
	if (forms)
		*forms = f;
}
