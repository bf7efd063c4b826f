// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cost_progs.c - the programs the cost benchmark measures: the empty ones
 * ("return 1", loaded raw) on the sibling cgroup, and the guard's, loaded
 * by smtpguard itself with a configuration of the size measured; their run
 * statistics and the kernel memory of the guard's maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "cost.h"

/* The empty program: r0 = 1 (proceed); exit. Loaded raw: no BPF build needed. */
static int load_floor(enum bpf_attach_type type, const char *name)
{
	bool skb = type == BPF_CGROUP_INET_EGRESS;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = skb ? BPF_PROG_TYPE_CGROUP_SKB : BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	attr.expected_attach_type = type;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (__u64)(unsigned long)"GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", name);
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* Both empty programs on the sibling cgroup, through links that go with this process. */
int attach_floor(struct cost *c)
{
	static const enum bpf_attach_type types[H_COUNT] = { BPF_CGROUP_INET4_CONNECT,
							     BPF_CGROUP_INET6_CONNECT };
	static const char *const names[H_COUNT] = { "sg_floor4", "sg_floor6" };
	int cg = open(c->floor_cgroup, O_RDONLY | O_DIRECTORY);

	if (cg < 0)
		return -1;
	for (int h = 0; h < H_COUNT; h++) {
		c->floor_prog[h] = load_floor(types[h], names[h]);
		c->floor_link[h] = c->floor_prog[h] < 0 ?
					   -1 :
					   bpf_link_create(c->floor_prog[h], cg, types[h], NULL);
		if (c->floor_link[h] < 0) {
			fprintf(stderr, "cost: cannot attach the empty %s program: %s\n",
				hook_names[h], strerror(errno));
			close(cg);
			return -1;
		}
	}
	c->floor_egress = load_floor(BPF_CGROUP_INET_EGRESS, "sg_floor_egress");
	c->floor_egress_link = c->floor_egress < 0 ? -1 :
						     bpf_link_create(c->floor_egress, cg,
								     BPF_CGROUP_INET_EGRESS, NULL);
	close(cg);
	if (c->floor_egress_link < 0) {
		fprintf(stderr, "cost: cannot attach the empty egress program: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

int prog_stats(int prog_fd, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/* The programs the pinned links run now (the committed generation after a load). */
static int open_guard_progs(struct cost *c)
{
	static const char *const pins[H_COUNT] = { "link_connect4", "link_connect6" };
	char path[4200];

	for (int h = 0; h < H_COUNT; h++) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int link;

		if (c->guard_prog[h] >= 0)
			close(c->guard_prog[h]);
		snprintf(path, sizeof(path), "%s/%s", c->pin_dir, pins[h]);
		link = bpf_obj_get(path);
		if (link < 0 || bpf_obj_get_info_by_fd(link, &info, &len))
			return -1;
		close(link);
		c->guard_prog[h] = bpf_prog_get_fd_by_id(info.prog_id);
		if (c->guard_prog[h] < 0)
			return -1;
	}
	return 0;
}

/* The egress program the pinned link runs now. */
int open_guard_egress(struct cost *c)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[4200];
	int link;

	snprintf(path, sizeof(path), "%s/link_egress", c->pin_dir);
	link = bpf_obj_get(path);
	if (link < 0 || bpf_obj_get_info_by_fd(link, &info, &len))
		return -1;
	close(link);
	c->guard_egress = bpf_prog_get_fd_by_id(info.prog_id);
	return c->guard_egress < 0 ? -1 : 0;
}

/* n_users users (the last one ALLOWED_UID) plus HIGH_UID; n_groups groups likewise. */
static int write_config(const struct cost *c, int n_users, int n_groups, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/cost-%d-%d.conf", c->workdir, n_users, n_groups);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fchmod(fileno(f), 0644);
	fprintf(f,
		"ports = 25 465 587\nallow_local = yes\n"
		"allow_dest = " RELAY4 "/32 " RELAY6 "/128\n"
		"allow_dest = " REMOTE4 ":587 [" REMOTE6 "]:587\n"
		"allow_user_dest = %u " REMOTE4 ":25 [" REMOTE6 "]:25\n"
		"allow_group_dest = %u " REMOTE4 ":25 [" REMOTE6 "]:25\n"
		"allow_users = %u\n",
		SCOPED_UID, SCOPED_GID, HIGH_UID);
	for (int k = 0; k < n_users; k++)
		fprintf(f, "%s%d", k % 1000 ? " " : "\nallow_users = ",
			k == n_users - 1 ? ALLOWED_UID : FIRST_FILLER + k);
	fprintf(f, "\nallow_groups = none\n");
	for (int k = 0; k < n_groups; k++)
		fprintf(f, "%s%d", k % 1000 ? " " : "\nallow_groups = ",
			k == n_groups - 1 ? ALLOWED_GID : FIRST_FILLER + k);
	fputc('\n', f);
	return fclose(f);
}

static int run_cmd(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int load_guard(struct cost *c, int n_users, int n_groups)
{
	char conf[4096], cmd[12288];

	if (write_config(c, n_users, n_groups, conf, sizeof(conf)))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s load --pin-dir %s --cgroup %s --config %s >/dev/null",
		 c->bin, c->pin_dir, c->cgroup, conf);
	if (run_cmd(cmd)) {
		fprintf(stderr, "cost: %s failed\n", cmd);
		return -1;
	}
	return open_guard_progs(c);
}

void unload_guard(const struct cost *c)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "%s unload --pin-dir %s >/dev/null", c->bin, c->pin_dir);
	run_cmd(cmd);
}

static long long memlock_of(int fd)
{
	char path[64], line[256];
	long long bytes = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &bytes) == 1)
			break;
	if (f)
		fclose(f);
	return bytes;
}

/*
 * bytes_memlock of every map the two live programs use (each map once),
 * which is every map the guard keeps; one line per map to detail.
 */
long long guard_memory(const struct cost *c, FILE *detail)
{
	__u32 seen[MAX_MAPS];
	long long total = 0;
	int n_seen = 0;

	for (int h = 0; h < H_COUNT; h++) {
		__u32 ids[MAX_MAPS];
		struct bpf_prog_info info = { .nr_map_ids = MAX_MAPS,
					      .map_ids = (__u64)(unsigned long)ids };
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(c->guard_prog[h], &info, &len))
			return -1;
		for (__u32 i = 0; i < info.nr_map_ids && i < MAX_MAPS; i++) {
			struct bpf_map_info mi = {};
			__u32 mlen = sizeof(mi);
			bool dup = false;
			int fd;

			for (int k = 0; k < n_seen; k++)
				dup = dup || seen[k] == ids[i];
			if (dup)
				continue;
			seen[n_seen++] = ids[i];
			fd = bpf_map_get_fd_by_id(ids[i]);
			if (fd < 0 || bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
				if (fd >= 0)
					close(fd);
				return -1;
			}
			total += memlock_of(fd);
			if (detail)
				fprintf(detail, "%s %u entries %lld bytes; ", mi.name,
					mi.max_entries, memlock_of(fd));
			close(fd);
		}
	}
	return total;
}
