/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * proc_info.h - what the process behind an event runs: its executable, its
 * command line and its working directory, read from /proc/PID by the monitor
 * as soon as the event arrives. Best effort, and never another process's:
 *
 * - Every file is read through one descriptor of the /proc/PID directory.
 *   The kernel ties that directory to the process it was opened for: once
 *   that process is gone, reads through it fail, even when a new process has
 *   the same PID by then. So all values come from one process, or none.
 * - That process must be the one that tried: it started no later than the
 *   attempt (/proc/PID/stat's start time, CLOCK_BOOTTIME like the event's
 *   time, in clock ticks of 10 ms), and its real UID is the attempt's.
 *   Otherwise the PID was reused (or the identity changed) and nothing is
 *   shown. A new process that takes the PID within the same clock tick as
 *   the attempt and runs as the same account cannot be told apart; only root
 *   can choose a PID (clone3 set_tid), anyone else must cycle through the
 *   whole PID space first.
 *
 * What the monitor reads is the process as it is when it looks, a few
 * milliseconds after the attempt: a process that exec'd meanwhile shows its
 * new program. The event's kernel-side fields (uid, pid, comm, cgroup) are
 * always from the attempt itself. Nothing here waits or retries: an empty
 * command line (argv may be empty) is reported as none, at once.
 *
 * exe and cwd are paths as the process's own mount namespace names them: a
 * tenant with a user and mount namespace of its own can bind-mount anything
 * over /usr/sbin/postconf and show that name. So the monitor also says
 * whether the process's mount namespace is the host's (PID 1's), and reads
 * the executable's device and inode through the open file (/proc/PID/exe
 * opened with O_PATH, statx without asking the file system: a FUSE server
 * of the tenant's cannot make it wait). Those the host can check:
 * findmnt -o TARGET,MAJ:MIN and find MOUNT -xdev -inum INODE.
 *
 * None of these reads can be made to wait by the account. The command line
 * is the only value read from the process's memory, and an account may
 * point its arguments anywhere (prctl PR_SET_MM_MAP needs no privilege),
 * also at a file on a FUSE file system of its own that never answers. The
 * kernel reads /proc/PID/cmdline from anonymous memory only (FOLL_ANON,
 * since 4.17, CVE-2018-1120), and a userfaultfd page is not waited for in
 * such a read: the command line is then empty, not a hang. So do not read
 * it another way (process_vm_readv waits for the file); the e2e suite checks.
 */
#ifndef SG_PROC_INFO_H
#define SG_PROC_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Bytes kept of each value; a longer one is cut and ends in "...". */
#define PROC_VALUE_MAX 512

/* Whose mount namespace the process is in. */
enum proc_mnt_ns {
	PROC_MNT_NS_UNKNOWN = 0, /* not read (gone, or the host's could not be read) */
	PROC_MNT_NS_HOST, /* the same as PID 1's */
	PROC_MNT_NS_FOREIGN, /* another: exe and cwd are that namespace's names */
};

enum proc_gone {
	PROC_PRESENT = 0, /* the values below are the process's */
	PROC_EXITED, /* no such process any more (or a zombie) */
	PROC_PID_REUSED, /* the PID belongs to a process started after the attempt */
	PROC_UID_CHANGED, /* the process at the PID runs as another real UID */
	PROC_UNREADABLE, /* /proc/PID could not be read (no /proc, hidepid, ...) */
	PROC_NO_PROCESS, /* no PID: a SYN decided at egress (path nat or raw) */
};

struct proc_info {
	enum proc_gone gone;
	/* Raw bytes, NUL-terminated; "" when that one value could not be read
	 * (a kernel thread has no executable). The command line's arguments
	 * are joined with blanks. Unescaped: the account chose them. */
	char exe[PROC_VALUE_MAX + 1];
	char cmdline[PROC_VALUE_MAX + 1];
	char cwd[PROC_VALUE_MAX + 1];
	enum proc_mnt_ns mnt_ns;
	/* The executable's st_dev and st_ino, read through the file itself. */
	bool exe_id_known;
	__u64 exe_dev, exe_ino;
};

/* The host's mount namespace (PID 1's, else the monitor's own), to tell foreign ones: read once. */
struct proc_host {
	bool known;
	__u64 mnt_dev, mnt_ino;
};

/* Read it. Never fails: h->known says whether it was read. */
void proc_host_init(struct proc_host *h);

/*
 * Fill p for process tgid, which made an attempt at boot_ns
 * (CLOCK_BOOTTIME) as real UID uid; host is what proc_host_init() read (NULL:
 * mnt_ns unknown). Never fails, never waits: p->gone says why values are
 * missing.
 */
void proc_info_read(struct proc_info *p, const struct proc_host *host, __u32 tgid, __u32 uid,
		    __u64 boot_ns);

/* "exited", "pid-reused", "uid-changed", "unreadable", "no-process"; NULL for PROC_PRESENT. */
const char *proc_gone_name(enum proc_gone g);

/* "host", "foreign"; NULL when unknown. */
const char *proc_mnt_ns_name(enum proc_mnt_ns n);

/* "MAJOR:MINOR" of a st_dev, as findmnt's MAJ:MIN and mountinfo show it. */
const char *proc_dev_text(__u64 dev, char *buf, size_t len);

#endif
