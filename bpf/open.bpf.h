/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * File opens, reported at syscall exit.  The path is resolved from the
 * struct file the new fd refers to: what was really opened, whatever string
 * (relative, through symlinks, through /proc/self/fd) the caller passed.
 */
#ifndef CW_OPEN_BPF_H
#define CW_OPEN_BPF_H

#include "common.bpf.h"
#include "rules.bpf.h"
#include "arch.bpf.h"
#include "path.bpf.h"
#include "watch.bpf.h"
#include "fold.bpf.h"

#define CW_O_WRONLY	01
#define CW_O_CREAT	0100
#define CW_O_TRUNC	01000
#define CW_AT_FDCWD	(-100)
#define CW_RESOLVE_IN_ROOT	0x10	/* openat2 how.resolve */

/* The filename argument of an open-family call, NULL for open_by_handle_at. */
static __always_inline const char *open_filename(long nr, struct pt_regs *regs)
{
	if (nr == __NR_open || nr == __NR_creat)
		return (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (nr == __NR_openat || nr == __NR_openat2)
		return (const char *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	return NULL;
}

/* The open_how of an openat2, read from the caller's memory (zero for the other calls). */
static __always_inline void open_how(long nr, struct pt_regs *regs, struct open_how *how)
{
	if (nr == __NR_openat2)
		bpf_probe_read_user(how, sizeof(*how), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
}

/* The open flags the caller asked for, read from the preserved syscall args. */
static __always_inline __u32 open_flags(long nr, struct pt_regs *regs,
					const struct open_how *how)
{
	if (nr == __NR_openat)
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	if (nr == __NR_open)
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	if (nr == __NR_creat)
		return CW_O_CREAT | CW_O_WRONLY | CW_O_TRUNC;
	if (nr == __NR_open_by_handle_at)
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	return how->flags;
}

/* The number of @pid in the pid namespace it was created in (the task's own). */
static __always_inline __u32 pid_nr_in_ns(struct pid *pid)
{
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return upid.nr;
}

/*
 * The directory a failed open's name was relative to, from the kernel's
 * state (cwd, or the dirfd's struct file), never the caller's memory: NULL
 * when there is none, with @e->base saying why.
 */
static __always_inline const struct path *open_base(long nr, struct pt_regs *regs,
						    const struct open_how *how,
						    struct cw_open_event *e)
{
	struct task_struct *task = cw_current_task();
	int dirfd = CW_AT_FDCWD;
	struct fs_struct *fs;
	struct file *dir;
	umode_t mode;

	if (nr == __NR_openat || nr == __NR_openat2)
		dirfd = (int)PT_REGS_PARM1_CORE_SYSCALL(regs);
	/* Absolute names and ".." stay beneath the base: it is the lookup's root. */
	e->base = how->resolve & CW_RESOLVE_IN_ROOT ? CW_BASE_ROOT : CW_BASE_CWD;
	if (dirfd == CW_AT_FDCWD) {
		fs = BPF_CORE_READ(task, fs);
		return fs ? &fs->pwd : NULL;
	}
	dir = fd_file(dirfd);
	if (!dir) {
		e->base = CW_BASE_BADFD;
		return NULL;
	}
	mode = BPF_CORE_READ(dir, f_inode, i_mode);
	if ((mode & CW_S_IFMT) != CW_S_IFDIR) {
		e->base = CW_BASE_NOTDIR;
		return NULL;
	}
	if (e->base != CW_BASE_ROOT)
		e->base = CW_BASE_DIRFD;
	return &dir->f_path;
}

/*
 * A failed open: no file exists, so report what the caller asked for, from
 * its memory (the syscall arguments survive in pt_regs until exit), and
 * for a relative name the directory it was relative to, behind it in
 * e->path.  Returns the bytes of the name (e->path_len).
 */
static __always_inline __u32 failed_path(long nr, struct pt_regs *regs,
					 const struct open_how *how, struct cw_open_event *e,
					 struct cw_scratch_buf *buf)
{
	struct task_struct *task = cw_current_task();
	const char *name = open_filename(nr, regs);
	const struct path *base;
	__u32 len, base_len;
	long n;

	e->hdr.flags |= CW_F_UNRESOLVED;
	e->base = CW_BASE_NONE;
	e->base_len = 0;
	/* What /proc/self and /proc/thread-self name for the caller. */
	e->ns_pid = pid_nr_in_ns(BPF_CORE_READ(task, group_leader, thread_pid));
	e->ns_tid = pid_nr_in_ns(BPF_CORE_READ(task, thread_pid));
	e->path[0] = '\0';
	if (!name)
		return 1;
	n = bpf_probe_read_user_str(e->path, CW_PATH_MAX - 1, name);
	if (n <= 0) {
		e->path[0] = '\0';
		return 1;
	}
	len = n & CW_PATH_MASK;
	if (len == CW_PATH_MAX - 1)
		e->hdr.flags |= CW_F_PATH_TRUNCATED;
	if (e->path[0] == '/' && !(how->resolve & CW_RESOLVE_IN_ROOT))
		return len;
	base = open_base(nr, regs, how, e);
	if (!base)
		return len;
	/* The name comes first: a base that leaves it no room is dropped, and said. */
	base_len = resolve_path(base, &e->path[len], buf, &e->hdr.flags);
	if (len + base_len > CW_PATH_MAX) {
		e->hdr.flags |= CW_F_PATH_TRUNCATED;
		return len;
	}
	e->base_len = base_len;
	return len;
}

/*
 * A subprogram of its own: inlined, its frame and a sibling handler's
 * (handle_watched) passed the 512 bytes of stack a call chain may have on
 * Linux 5.10, whose verifier counts every slot the code names.
 */
static __noinline int handle_open(struct pt_regs *regs, long nr, long ret, __u64 cell,
				  __u32 policy)
{
	struct cw_scratch_buf *buf;
	struct open_how how = {};
	struct cw_open_event *e;
	struct file *f = NULL;
	__u32 path_len;
	__u64 size;

	if (ret >= 0) {
		f = fd_file(ret);
		if (!f)
			return 0;
	}
	buf = get_scratch();
	if (!buf)
		return 0;
	e = &buf->ev.open;
	fill_hdr(&e->hdr, CW_EVENT_OPEN, cell);
	take_lsm_verdict(&e->hdr);
	e->hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	open_how(nr, regs, &how);
	e->flags = open_flags(nr, regs, &how);
	e->ret = ret;
	e->__pad = 0;
	e->fold_key = 0;
	if (f) {
		file_identity(f, &e->dev, &e->ino);
		struct cw_verdict *rule;

		e->base = CW_BASE_NONE;
		e->base_len = e->ns_pid = e->ns_tid = 0;
		path_len = resolve_path(&f->f_path, e->path, buf, &e->hdr.flags);
		/* Opened, but the task dies before it can read a byte. */
		rule = match_open(policy, f, e->path, path_len);
		if (rule) {
			enforce(rule, cell);
			mark(&e->hdr, rule);
		}
	} else {
		e->dev = e->ino = 0;
		path_len = failed_path(nr, regs, &how, e, buf);
	}
	e->path_len = path_len;
	size = offsetof(struct cw_open_event, path) + (path_len & (CW_PATH_MAX - 1)) +
	       (e->base_len & (CW_PATH_MAX - 1));
	/*
	 * A verdict must not queue behind a flood of plain opens: a kill-run
	 * ends the rest of the cell only when userspace reads it.  Nor may an
	 * open a userspace rule could judge: lost, its verdict would be too.
	 */
	if (e->hdr.action != CW_ACTION_NONE || userspace_judges_open(policy, e))
		submit_critical(e, size);
	else if (!cw_fold_open())
		submit(e, size);
	return 0;
}

#endif /* CW_OPEN_BPF_H */
