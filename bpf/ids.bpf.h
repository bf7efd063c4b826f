// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ids.bpf.h - who connects: the calling task's real UID and GID, and
 * whether the allowlists (an inlined array below their range, a hash above)
 * allow either.
 *
 * The egress program asks the same question of a socket's owner, so these
 * take IDs, not a context. Included by smtpguard.bpf.c only, after
 * maps.bpf.h.
 */
#ifndef SMTPGUARD_BPF_IDS_H
#define SMTPGUARD_BPF_IDS_H

/*
 * Is id in the allowlist made of array and hash? Below the array's range
 * (its max_entries, which the inlined lookup compares against) only the
 * array's byte counts; at or above it only the hash.
 */
static __always_inline bool id_allowed(void *array, void *hash, __u32 id)
{
	__u32 index = id / SG_ID_BLOCK;
	const struct sg_id_block *b = bpf_map_lookup_elem(array, &index);

	if (b)
		return b->origin[id % SG_ID_BLOCK] != 0;
	return bpf_map_lookup_elem(hash, &id);
}

/*
 * bpf_get_current_task_btf(), declared here: older libbpf headers lack it.
 * Only called when the loader found that connect programs may (newer
 * kernels, with BTF); the settings being constant, the verifier never looks
 * at the branch otherwise.
 */
static void *(*const sg_current_task)(void) = (void *)158;

/*
 * The calling task's real UID (low half) and GID (high half), as IDs of the
 * initial user namespace: what bpf_get_current_uid_gid() returns (it reads
 * the same current->cred fields and maps them through init_user_ns, which
 * changes nothing), read directly when the loader knows the offsets. A
 * running task's cred is never NULL, and cannot be freed under it.
 */
static __always_inline __u64 caller_ids(void)
{
	const char *task, *cred;
	__u64 uid, gid;

	if (!(sg_settings.flags & SG_F_TASK_CRED))
		return bpf_get_current_uid_gid();
	task = sg_current_task();
	cred = *(const char *const *)(task + sg_settings.cred_off);
	uid = *(const __u32 *)(cred + sg_settings.uid_off);
	gid = *(const __u32 *)(cred + sg_settings.gid_off);
	return gid << 32 | uid;
}

static __always_inline bool caller_allowed(__u64 uid_gid)
{
	__u32 uid = (__u32)uid_gid;
	__u32 gid = (__u32)(uid_gid >> 32);

	return id_allowed(&sg_uid_array, &sg_allow_uid, uid) ||
	       id_allowed(&sg_gid_array, &sg_allow_gid, gid);
}

#endif /* SMTPGUARD_BPF_IDS_H */
