// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* guard.c - load, attach, pin, update and unload the guard; see guard.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "commit.h"
#include "compat.h"
#include "dest_exact.h"
#include "egress_owner.h"
#include "guard.h"
#include "guard_hooks.h"
#include "guard_open.h"
#include "idlist.h"
#include "log.h"
#include "maps.h"
#include "mounts.h"
#include "netns.h"
#include "pins.h"
#include "scope_maps.h"
#include "smtpguard.skel.h"
#include "task_cred.h"
#include "task_event.h"

/*
 * The embedded object is read through create_skeleton(), which every
 * bpftool's skeleton has; __elf_bytes() only exists since bpftool 5.15.
 */
__u64 guard_prog_hash(void)
{
	struct smtpguard_bpf obj = {};
	const unsigned char *p;
	__u64 h = 14695981039346656037ULL; /* FNV-1a */

	if (smtpguard_bpf__create_skeleton(&obj))
		return 0;
	p = obj.skeleton->data;
	for (size_t i = 0; i < obj.skeleton->data_sz; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	bpf_object__destroy_skeleton(obj.skeleton);
	return h;
}

int guard_lock(const char *pin_dir)
{
	struct stat st;
	int fd;

	fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

		if (err == EWOULDBLOCK) {
			fprintf(stderr, "smtpguard: waiting for another smtpguard changing %s\n",
				pin_dir);
			err = flock(fd, LOCK_EX) ? errno : 0;
		}
		if (err) {
			close(fd);
			return -err;
		}
	}
	/* An unload that held the lock before us removed the directory. */
	if (fstat(fd, &st) || st.st_nlink == 0) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Pin obj_fd under name.new, then rename it over name: the swap is atomic. */
static int pin_replace(const char *pin_dir, const char *name, int obj_fd)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int err;

	err = pin_path(path, pin_dir, name, "") ?: pin_path(tmp, pin_dir, name, PIN_NEW_SUFFIX);
	if (err)
		return err;
	unlink(tmp); /* left over by a loader killed mid-way */
	if (bpf_obj_pin(obj_fd, tmp) || rename(tmp, path)) {
		err = -errno;
		log_err("cannot pin %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return err;
}

/* True when link_fd is a cgroup link on cgroup_id; *prog_id is what it runs. */
static bool link_attached_to(int link_fd, __u64 cgroup_id, __u32 *prog_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return false;
	*prog_id = info.prog_id;
	return info.type == BPF_LINK_TYPE_CGROUP && info.cgroup.cgroup_id == cgroup_id;
}

/*
 * A later hook failed after this one took the new generation: put its old
 * program back, so every hook keeps running one generation.
 */
static void roll_back(const char *pin_dir, enum sg_hook hook, __u32 old_prog_id)
{
	char path[PATH_MAX];
	int link_fd, prog_fd;

	if (!old_prog_id || pin_path(path, pin_dir, link_pins[hook], ""))
		return;
	link_fd = bpf_obj_get(path);
	prog_fd = bpf_prog_get_fd_by_id(old_prog_id);
	if (link_fd < 0 || prog_fd < 0 || bpf_link_update(link_fd, prog_fd, NULL))
		log_err("%s: cannot restore the previous program (%s); run 'smtpguard "
			"load' again",
			guard_hook_name(hook), strerror(errno));
	else
		log_err("%s: previous program restored; the guard is unchanged",
			guard_hook_name(hook));
	if (link_fd >= 0)
		close(link_fd);
	if (prog_fd >= 0)
		close(prog_fd);
}

/*
 * Put prog in force for one hook. A pinned link on the same cgroup gets the
 * new program in place (BPF_LINK_UPDATE swaps it atomically). Otherwise a new
 * link is attached first and pinned over the old one, and only then is the
 * old attachment detached: both enforce in the meantime.
 */
static int attach_hook(const char *pin_dir, enum sg_hook hook, struct bpf_program *prog,
		       int cgroup_fd, __u64 cgroup_id, __u32 *replaced_prog_id)
{
	char path[PATH_MAX];
	int old_fd = -1, err;
	struct bpf_link *link = NULL;

	*replaced_prog_id = 0;
	err = pin_path(path, pin_dir, link_pins[hook], "");
	if (err)
		return err;
	old_fd = bpf_obj_get(path);
	if (old_fd >= 0 && link_attached_to(old_fd, cgroup_id, replaced_prog_id)) {
		if (!bpf_link_update(old_fd, bpf_program__fd(prog), NULL)) {
			log_debug("%s: program replaced in place", guard_hook_name(hook));
			goto cleanup;
		}
		log_warn("%s: in-place update failed (%s), attaching a new link",
			 guard_hook_name(hook), strerror(errno));
		*replaced_prog_id = 0;
	}
	link = bpf_program__attach_cgroup(prog, cgroup_fd);
	if (!link) {
		err = -errno;
		log_err("cannot attach %s to the cgroup: %s", guard_hook_name(hook),
			strerror(errno));
		goto cleanup;
	}
	err = pin_replace(pin_dir, link_pins[hook], bpf_link__fd(link));
	if (err)
		goto cleanup;
	if (old_fd >= 0 && bpf_link_detach(old_fd) && errno != EINVAL)
		log_debug("%s: detaching the old link: %s", guard_hook_name(hook), strerror(errno));
	log_debug("%s: attached a new link", guard_hook_name(hook));
cleanup:
	if (link) {
		/* The pin keeps the attachment; only our fd goes. */
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
	}
	if (old_fd >= 0)
		close(old_fd);
	return err;
}

static bool same_layout(const struct bpf_map *m, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(m) &&
	       info.key_size == bpf_map__key_size(m) && info.value_size == bpf_map__value_size(m) &&
	       info.max_entries == bpf_map__max_entries(m);
}

/* The skeleton's map for a row of the registry (guard_maps.h), or NULL. */
static struct bpf_map *skel_map(const struct smtpguard_bpf *skel, enum sg_map m)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj) if (guard_map_named(bpf_map__name(map)) ==
						     m) return map;
	return NULL;
}

/* The live guard as this load found it. */
struct prior_guard {
	bool control_reused; /* the new generation shares its commit point */
	__u64 control; /* ... and this was its word */
	bool enforcing; /* some hook is attached and not switched off */
};

/*
 * The new generation keeps the live guard's state maps: the events ring
 * buffer, counters and totals (a running monitor goes on reading, counts
 * survive the reload), and the commit point with its dispatch arrays, so
 * that the new generation is committed for every hook at once. The commit
 * point is kept whole or not at all. A live guard that cannot be read is
 * not loaded over: how to switch safely depends on what is live. 0 or
 * -errno (printed).
 */
static int reuse_state_maps(struct smtpguard_bpf *skel, const char *pin_dir,
			    struct prior_guard *prior)
{
	char problem[512];
	struct guard g;
	int state = guard_open(pin_dir, &g, problem, sizeof(problem)), err = 0;
	bool whole = true, other_layout = false;
	__u64 word;

	if (state < 0) {
		log_err("cannot read the live guard at %s: %s; nothing changed", pin_dir,
			strerror(-state));
		return state;
	}
	/* Attached and not known to be off: switch by commit first. */
	*prior = (struct prior_guard){ .enforcing = g.link_fd[SG_HOOK_CONNECT4] >= 0 ||
						    g.link_fd[SG_HOOK_CONNECT6] >= 0 ||
						    g.link_fd[SG_HOOK_EGRESS] >= 0 };
	for (int m = 0; m < SG_MAP_COUNT; m++) {
		struct bpf_map *map = skel_map(skel, (enum sg_map)m);

		if (guard_maps[m].kind == SG_KIND_STATE && g.fd[m] >= 0 &&
		    same_layout(map, g.fd[m]) && bpf_map__reuse_fd(map, g.fd[m]))
			log_warn("cannot keep the live %s map: %s", bpf_map__name(map),
				 strerror(errno));
		if (guard_maps[m].kind == SG_KIND_COMMIT) {
			whole = whole && g.fd[m] >= 0 && same_layout(map, g.fd[m]);
			other_layout = other_layout || (g.fd[m] >= 0 && !same_layout(map, g.fd[m]));
		}
	}
	if (!whole) {
		/* An upgrade whose commit point changed layout (ABI 8) is no damage. */
		if (other_layout)
			log_debug("the live commit point has another layout (another smtpguard "
				  "version): starting a new one, the hooks switch by their links");
		else if (g.fd[SG_MAP_CONTROL] >= 0)
			log_warn("the live commit point is incomplete: starting a new one");
		goto cleanup;
	}
	err = commit_read(g.fd[SG_MAP_CONTROL], &word);
	for (int m = 0; !err && m < SG_MAP_COUNT; m++)
		if (guard_maps[m].kind == SG_KIND_COMMIT &&
		    bpf_map__reuse_fd(skel_map(skel, (enum sg_map)m), g.fd[m]))
			err = -errno;
	if (err) {
		log_err("cannot keep the live commit point: %s; nothing changed", strerror(-err));
		goto cleanup;
	}
	prior->control_reused = true;
	prior->control = word;
	prior->enforcing = prior->enforcing && !commit_is_off(word);
cleanup:
	guard_close(&g);
	return err;
}

/* The guarded ports as a short list too, when they fit (see sg_settings.hot_ports). */
static void set_hot_ports(struct sg_settings *s)
{
	unsigned int n = 0;

	memset(s->hot_ports, 0, sizeof(s->hot_ports));
	for (unsigned int port = 1; port < 65536; port++) {
		if (!(s->ports[port / 64] & (1ULL << (port % 64))))
			continue;
		if (n == SG_HOT_PORTS) {
			memset(s->hot_ports, 0, sizeof(s->hot_ports));
			return;
		}
		s->hot_ports[n++] = (__u16)port;
	}
	while (n && n < SG_HOT_PORTS)
		s->hot_ports[n++] = s->hot_ports[0];
}

/*
 * The host's addresses as a list in the settings too, when they fit (see
 * SG_F_OWN_LISTED): the program then scans one cache line instead of
 * calling the hash lookup. A change of them is a sync, a new generation.
 */
static void set_own_list(struct sg_settings *s, const struct addr_list *local)
{
	s->flags &= ~SG_F_OWN_LISTED;
	s->own_count = 0;
	memset(s->own_w3, 0, sizeof(s->own_w3));
	memset(s->own, 0, sizeof(s->own));
	if (local->n > SG_OWN_LISTED)
		return;
	for (size_t i = 0; i < local->n; i++) {
		s->own[i] = local->v[i].addr;
		s->own_w3[i] = local->v[i].addr.words[3];
	}
	s->own_count = (__u16)local->n;
	s->flags |= SG_F_OWN_LISTED;
}

/* The identities with scoped exceptions, as a filter (see sg_settings.scoped_ids). */
static void set_scoped_ids(struct sg_settings *s, const struct scope_plan *scope)
{
	memset(s->scoped_ids, 0, sizeof(s->scoped_ids));
	for (size_t i = 0; i < scope->nentries; i++) {
		const struct sg_scope_key *k = &scope->entries[i].key;
		__u32 bit = k->id % SG_SCOPED_ID_BITS;

		if (k->kind == SG_SCOPE_UID || k->kind == SG_SCOPE_GID)
			s->scoped_ids[k->kind == SG_SCOPE_GID][bit / 64] |= 1ULL << (bit % 64);
	}
	memset(s->scoped_anyone_ports, 0, sizeof(s->scoped_anyone_ports));
	for (size_t i = 0; i < scope->nentries; i++) {
		const struct scope_entry *e = &scope->entries[i];
		__u64 seen[SG_PORTS_SEEN_WORDS];

		if (e->key.kind != SG_SCOPE_ANYONE || e->val.ports >= scope->nsets)
			continue;
		commit_ports_seen(scope->sets[e->val.ports].ports, seen);
		for (int w = 0; w < SG_PORTS_SEEN_WORDS; w++)
			s->scoped_anyone_ports[w] |= seen[w];
	}
}

/*
 * A generation's maps hold what it is loaded with, and some room: the
 * allowlists as idlist_size_for() says, the own addresses as many as the
 * host has (a change of them is a sync, which loads a new generation). 0 or
 * -errno (printed).
 */
static int size_maps(struct smtpguard_bpf *skel, const struct guard_load_args *a)
{
	struct idlist_size uid, gid;
	size_t local = a->local->n;
	int err;

	idlist_size_for(&a->policy->uids, a->policy->max_ids, &uid);
	idlist_size_for(&a->policy->gids, a->policy->max_ids, &gid);
	local = local < 16 ? 16 : local > SG_MAX_LOCAL_ADDRS ? SG_MAX_LOCAL_ADDRS : local;
	if (bpf_map__set_max_entries(skel->maps.sg_uid_array, uid.array_entries) ||
	    bpf_map__set_max_entries(skel->maps.sg_allow_uid, uid.hash_entries) ||
	    bpf_map__set_max_entries(skel->maps.sg_gid_array, gid.array_entries) ||
	    bpf_map__set_max_entries(skel->maps.sg_allow_gid, gid.hash_entries) ||
	    bpf_map__set_max_entries(skel->maps.sg_own_addrs, (__u32)local)) {
		log_err("cannot size the maps: %s", strerror(errno));
		return -errno;
	}
	err = scope_maps_size(skel->maps.sg_scoped, skel->maps.sg_scope_ports,
			      skel->maps.sg_scope_rules, &a->policy->scope);
	if (err)
		log_err("cannot size the scoped exceptions: %s", strerror(-err));
	return err;
}

/* One allowlist of the new generation: array and hash. */
static int fill_ids(struct bpf_map *array, struct bpf_map *hash, const struct id_set *s)
{
	struct idlist l;
	int err;

	err = idlist_open(&l, bpf_map__fd(array), bpf_map__fd(hash), true);
	if (!err)
		err = idlist_write(&l, s);
	idlist_close(&l);
	return err;
}

static int fill_maps(struct smtpguard_bpf *skel, const struct guard_load_args *a)
{
	int err;

	err = fill_ids(skel->maps.sg_uid_array, skel->maps.sg_allow_uid, &a->policy->uids);
	if (!err)
		err = fill_ids(skel->maps.sg_gid_array, skel->maps.sg_allow_gid, &a->policy->gids);
	if (err == -E2BIG || err == -ENOSPC) {
		log_err("allowlist full: at most %u users and %u groups (max_identities)",
			a->policy->max_ids, a->policy->max_ids);
		return err;
	}
	if (!err)
		err = maps_write_own_addrs(bpf_map__fd(skel->maps.sg_own_addrs), a->local);
	if (!err)
		err = maps_write_dests(bpf_map__fd(skel->maps.sg_allow_dest), &a->policy->dests);
	if (!err)
		err = dest_exact_fill(bpf_map__fd(skel->maps.sg_dest_exact), &a->policy->dests);
	if (!err)
		err = scope_maps_fill(bpf_map__fd(skel->maps.sg_scoped),
				      bpf_map__fd(skel->maps.sg_scope_ports),
				      bpf_map__fd(skel->maps.sg_scope_rules), &a->policy->scope);
	if (err)
		log_err("cannot fill the maps: %s", strerror(-err));
	return err;
}

/* The new generation's commit point: the live one when it was reused. */
static struct commit_point skel_commit_point(const struct smtpguard_bpf *skel)
{
	return (struct commit_point){
		.control_fd = bpf_map__fd(skel->maps.sg_control),
		.dispatch_fd = { [SG_HOOK_CONNECT4] = bpf_map__fd(skel->maps.sg_dispatch4),
				 [SG_HOOK_CONNECT6] = bpf_map__fd(skel->maps.sg_dispatch6),
				 [SG_HOOK_EGRESS] = bpf_map__fd(skel->maps.sg_dispatch_out) },
	};
}

/* The generation's program for each hook. */
static struct bpf_program *hook_prog(const struct smtpguard_bpf *skel, enum sg_hook hook)
{
	return hook == SG_HOOK_CONNECT4 ? skel->progs.sg_connect4 :
	       hook == SG_HOOK_CONNECT6 ? skel->progs.sg_connect6 :
					  skel->progs.sg_egress;
}

/* Every program in its dispatch slot, the state maps pinned: ready to commit. */
static int stage(struct smtpguard_bpf *skel, const char *pin_dir, __u64 gen)
{
	struct commit_point cp = skel_commit_point(skel);
	int progs[SG_HOOK_COUNT];
	int err;

	for (int h = 0; h < SG_HOOK_COUNT; h++)
		progs[h] = bpf_program__fd(hook_prog(skel, (enum sg_hook)h));
	err = commit_stage(&cp, gen, progs);
	if (err) {
		log_err("cannot stage the new programs: %s", strerror(-err));
		return err;
	}
	/* A program array keeps its entries only while pinned (or open). */
	for (int m = 0; m < SG_MAP_COUNT && !err; m++)
		if (guard_maps[m].kind == SG_KIND_COMMIT)
			err = pin_replace(pin_dir, guard_maps[m].pin,
					  bpf_map__fd(skel_map(skel, (enum sg_map)m)));
	return err;
}

static int commit(struct smtpguard_bpf *skel, __u64 gen)
{
	int err = commit_switch_on(bpf_map__fd(skel->maps.sg_control), gen,
				   (const __u64 *)skel->rodata->sg_settings.ports);

	if (err)
		log_err("cannot commit generation %llu: %s", (unsigned long long)gen,
			strerror(-err));
	else
		log_debug("generation %llu committed", (unsigned long long)gen);
	return err;
}

/*
 * Point every link at the new programs. Committed already, the old programs
 * defer to the new ones, so a failure here changes no decision; only when
 * the commit point is new (an upgrade from a build without a shared one)
 * does a failed hook put the earlier hooks' old programs back.
 */
static int attach_all(struct smtpguard_bpf *skel, const struct guard_load_args *a,
		      const struct prior_guard *prior, int cgroup_fd, __u64 cgroup_id)
{
	__u32 old_prog[SG_HOOK_COUNT] = { 0 };
	int err = 0, h;

	for (h = 0; h < SG_HOOK_COUNT && !err; h++)
		err = attach_hook(a->pin_dir, (enum sg_hook)h, hook_prog(skel, (enum sg_hook)h),
				  cgroup_fd, cgroup_id, &old_prog[h]);
	if (err && prior->enforcing && !prior->control_reused)
		for (h -= 2; h >= 0; h--)
			roll_back(a->pin_dir, (enum sg_hook)h, old_prog[h]);
	return err;
}

/*
 * Open, configure and load a new generation's object: its settings and map
 * sizes, the live guard's state maps reused (prior says what was live). With
 * task_cred, it reads the caller's IDs directly when the kernel allows
 * (task_cred.h). NULL with *err set (printed), -EACCES when the verifier
 * refused a program that read the credentials.
 */
static struct smtpguard_bpf *load_generation(const struct guard_load_args *a,
					     struct prior_guard *prior, bool task_cred, int *err)
{
	struct smtpguard_bpf *skel = smtpguard_bpf__open();
	struct sg_settings *s, live;
	struct btf *btf;
	bool direct = false;

	if (!skel) {
		*err = -errno;
		log_err("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	for (int m = 0; m < SG_MAP_COUNT; m++)
		if (!skel_map(skel, (enum sg_map)m)) {
			*err = -EPROTO;
			log_err("the BPF object has no map %s (guard_maps.c)",
				guard_maps[m].bpf_name);
			goto fail;
		}
	s = (struct sg_settings *)&skel->rodata->sg_settings;
	*s = a->policy->settings;
	s->prog_hash = guard_prog_hash();
	*err = netns_cookie_self(a->cgroup, &s->netns_cookie);
	if (*err)
		goto fail;
	if (strlen(a->cgroup) < sizeof(s->cgroup_path))
		strcpy((char *)s->cgroup_path, a->cgroup);
	s->max_ids = a->policy->max_ids;
	set_hot_ports(s);
	set_own_list(s, a->local);
	set_scoped_ids(s, &a->policy->scope);
	/* Parsed once for every offset below (some 10 ms). */
	btf = task_cred ? task_cred_kernel_btf() : NULL;
	if (task_cred) {
		const struct sg_settings *known =
			guard_read_settings(a->pin_dir, false, &live) ? NULL : &live;

		direct = !task_cred_setup(s, known, btf);
		if (direct)
			task_event_setup(s, known, btf);
	}
	log_debug("the caller's IDs: %s; an event's process and cgroup: %s",
		  direct ? "read from the task's credentials" : "bpf_get_current_uid_gid()",
		  s->flags & SG_F_TASK_EVENT ? "read from the task" : "the helpers");
	/* The same fallback: a verifier that refuses it gets a guard without. */
	if (task_cred)
		egress_owner_setup(s, NULL, btf);
	else
		s->flags &= ~(SG_F_EGRESS_SOCK | SG_F_EGRESS_TASK);
	btf__free(btf);
	*err = size_maps(skel, a);
	if (!*err)
		*err = reuse_state_maps(skel, a->pin_dir, prior);
	if (*err)
		goto fail;
	s->generation = commit_next(prior->control_reused ? prior->control : 0);
	compat_bump_memlock();
	*err = smtpguard_bpf__load(skel);
	if (*err && direct) {
		*err = -EACCES;
		goto fail;
	}
	if (*err) {
		log_err("the kernel refused the BPF program: %s ('smtpguard check' names what this "
			"kernel lacks; -v for libbpf's debug output)",
			strerror(-*err));
		goto fail;
	}
	return skel;
fail:
	smtpguard_bpf__destroy(skel);
	return NULL;
}

/* The cgroup v2 directory to attach to: its fd and ID. fd, or -errno (printed). */
static int open_cgroup(const char *cgroup, __u64 *cgroup_id)
{
	int fd, err;

	fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_err("cannot open cgroup %s: %s", cgroup, strerror(errno));
		return err;
	}
	err = cgroup2_check_fd(fd);
	if (err) {
		if (err == -ENOTDIR)
			log_err("%s is not a cgroup v2 directory (cgroup2 mounts are listed in "
				"/proc/self/mountinfo)",
				cgroup);
		else
			log_err("cannot check cgroup %s: %s", cgroup, strerror(-err));
	}
	if (!err)
		err = cgroup_id_of_fd(fd, cgroup_id);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Build: a new generation, loaded and filled, that nothing live uses yet
 * (prior says what was live). NULL with *err set (printed).
 */
static struct smtpguard_bpf *build(const struct guard_load_args *a, struct prior_guard *prior,
				   int *err)
{
	struct smtpguard_bpf *skel = load_generation(a, prior, true, err);

	/* The probe said yes and the verifier no: the helper decides the same. */
	if (!skel && *err == -EACCES) {
		log_warn("reading the task's credentials was refused; calling "
			 "bpf_get_current_uid_gid() instead");
		skel = load_generation(a, prior, false, err);
	}
	if (!skel)
		return NULL;
	*err = fill_maps(skel, a);
	if (*err) {
		smtpguard_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * Switch: put the complete new generation in force. Over a guard that
 * enforces, commit first (one store, every hook), then move the links.
 * Otherwise attach and pin both links while the guard is still off, and
 * commit last: a kill before that leaves it off, as it was. *committed says
 * whether the new generation decides, even when a later step failed.
 */
static int switch_to(struct smtpguard_bpf *skel, const struct guard_load_args *a,
		     const struct prior_guard *prior, int cgroup_fd, __u64 cgroup_id,
		     bool *committed)
{
	__u64 gen = skel->rodata->sg_settings.generation;
	struct commit_point cp = skel_commit_point(skel);
	int err;

	*committed = false;
	err = stage(skel, a->pin_dir, gen);
	if (!err && prior->enforcing)
		err = commit(skel, gen);
	*committed = !err && prior->enforcing;
	if (!err)
		err = attach_all(skel, a, prior, cgroup_fd, cgroup_id);
	if (!err && !prior->enforcing) {
		err = commit(skel, gen);
		*committed = !err;
	}
	if (!err)
		commit_drop_other(&cp, gen);
	return err;
}

/*
 * Pin: the generation's maps and the state maps (the commit point is pinned
 * when staged). Map pins are for bpftool and people: guard_open() finds the
 * live maps through the links, so a failure here cannot mislead later
 * commands.
 */
static int pin_maps(struct smtpguard_bpf *skel, const char *pin_dir)
{
	int err = 0;

	for (int m = 0; m < SG_MAP_COUNT && !err; m++)
		if (guard_maps[m].kind != SG_KIND_COMMIT)
			err = pin_replace(pin_dir, guard_maps[m].pin,
					  bpf_map__fd(skel_map(skel, (enum sg_map)m)));
	return err;
}

int guard_load(const struct guard_load_args *a)
{
	struct smtpguard_bpf *skel;
	struct prior_guard prior;
	bool committed = false;
	__u64 cgroup_id;
	int cgroup_fd, err;

	cgroup_fd = open_cgroup(a->cgroup, &cgroup_id);
	if (cgroup_fd < 0)
		return cgroup_fd;
	skel = build(a, &prior, &err);
	if (skel)
		err = switch_to(skel, a, &prior, cgroup_fd, cgroup_id, &committed);
	if (skel && !err)
		err = pin_maps(skel, a->pin_dir);
	if (err && committed)
		log_err("the new generation is committed and decides every connect, but the "
			"links or pins were not all updated; run 'smtpguard load' again");
	smtpguard_bpf__destroy(skel);
	close(cgroup_fd);
	return err;
}

int guard_lock_create(const char *pin_dir)
{
	int lock_fd, err, tries = 0;

	/* A concurrent unload may remove the directory while we wait for it. */
	do {
		err = bpffs_prepare_dir(pin_dir);
		if (err)
			return err;
		lock_fd = guard_lock(pin_dir);
	} while (lock_fd == -ENOENT && ++tries < 5);
	if (lock_fd < 0)
		log_err("cannot lock %s: %s", pin_dir, strerror(-lock_fd));
	return lock_fd;
}

/*
 * First step of an unload: every hook lets everything through from this one
 * store on, so a kill during the detaching below cannot leave one hook
 * guarding and another not.
 */
static void switch_off(const char *pin_dir)
{
	char problem[512];
	struct guard g;

	int err = 0;

	if (guard_open(pin_dir, &g, problem, sizeof(problem)) < 0 || g.fd[SG_MAP_CONTROL] < 0)
		err = -ENOENT;
	else
		err = commit_switch_off(g.fd[SG_MAP_CONTROL]);
	if (err)
		log_warn("cannot switch the guard off first (%s): detaching the hooks one by one",
			 strerror(-err));
	guard_close(&g);
}

int guard_unload(const char *pin_dir)
{
	char path[PATH_MAX];
	int lock_fd, err = 0;

	/* Never delete anything outside a BPF filesystem. */
	err = bpffs_check(pin_dir);
	if (err == -ENOENT)
		return err;
	if (err) {
		log_err("%s is not a directory on a BPF filesystem; refusing to remove anything",
			pin_dir);
		return err;
	}
	lock_fd = guard_lock(pin_dir);
	if (lock_fd == -ENOENT)
		return lock_fd;
	if (lock_fd < 0) {
		log_err("cannot lock %s: %s", pin_dir, strerror(-lock_fd));
		return lock_fd;
	}
	switch_off(pin_dir);
	for (int h = 0; h < SG_HOOK_COUNT; h++) {
		int fd;

		if (pin_path(path, pin_dir, link_pins[h], ""))
			continue;
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			/* Detach now, even if some other process holds the link open. */
			bpf_link_detach(fd);
			close(fd);
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *suffix = pass ? PIN_NEW_SUFFIX : "";

		for (int h = 0; h < SG_HOOK_COUNT; h++)
			if (!pin_path(path, pin_dir, link_pins[h], suffix))
				unlink(path);
		for (int m = 0; m < SG_MAP_COUNT; m++)
			if (!pin_path(path, pin_dir, guard_maps[m].pin, suffix))
				unlink(path);
	}
	if (rmdir(pin_dir)) {
		err = -errno;
		log_err("cannot remove %s: %s (the guard is detached)", pin_dir, strerror(errno));
	}
	close(lock_fd);
	return err;
}
