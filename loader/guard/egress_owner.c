// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* egress_owner.c - how the egress program learns a SYN's owner; see egress_owner.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <bpf/btf.h>

#include "egress_owner.h"
#include "probe_insns.h"
#include "task_cred.h"

#define HELPER_SKC_TO_TCP_SOCK 137 /* Linux 5.9 */
#define HELPER_GET_CURRENT_TASK_BTF 158

struct sock_offsets {
	long sk_net, net_ino, sk_socket, sk_uid, socket_file, file_cred, uid, gid;
};

static int find_offsets(const struct btf *btf, struct sock_offsets *o)
{
	int err = 0;

	if (!btf)
		return -ENOENT;
	/* skc_net.net exists only with CONFIG_NET_NS: without it, one namespace. */
	o->sk_net = task_cred_member(btf, "sock", "__sk_common.skc_net.net", 0);
	o->net_ino = task_cred_member(btf, "net", "ns.inum", 4);
	o->sk_socket = task_cred_member(btf, "sock", "sk_socket", 0);
	o->sk_uid = task_cred_member(btf, "sock", "sk_uid", 4);
	o->socket_file = task_cred_member(btf, "socket", "file", 0);
	o->file_cred = task_cred_member(btf, "file", "f_cred", 0);
	o->uid = task_cred_member(btf, "cred", "uid", 4);
	o->gid = task_cred_member(btf, "cred", "gid", 4);
	for (const long *v = &o->sk_net; v <= &o->gid; v++)
		if (*v < 0)
			err = (int)*v;
	return err;
}

static int load_egress(const struct bpf_insn *insns, __u32 n)
{
	return task_cred_try_load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, insns, n);
}

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

void egress_owner_setup(struct sg_settings *s, struct egress_forms *forms, const struct btf *btf)
{
	const char *test = getenv("SMTPGUARD_TEST_EGRESS");
	struct egress_forms f = { -ENOENT, -ENOENT };
	struct sock_offsets o;
	struct stat st;

	s->flags &= ~(SG_F_EGRESS_SOCK | SG_F_EGRESS_TASK);
	if (test && !strcmp(test, "nobody"))
		goto out;
	f.sock = stat("/proc/self/ns/net", &st) ? -errno : find_offsets(btf, &o);
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
