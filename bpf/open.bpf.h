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

#define CW_O_WRONLY	01
#define CW_O_CREAT	0100
#define CW_O_TRUNC	01000

/* The filename argument of an open-family call, NULL for open_by_handle_at. */
static __always_inline const char *open_filename(long nr, struct pt_regs *regs)
{
	if (nr == CW_NR_open || nr == CW_NR_creat)
		return (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (nr == CW_NR_openat || nr == CW_NR_openat2)
		return (const char *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	return NULL;
}

/* The open flags the caller asked for, read from the preserved syscall args. */
static __always_inline __u32 open_flags(long nr, struct pt_regs *regs)
{
	struct open_how how = {};

	if (nr == CW_NR_openat)
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	if (nr == CW_NR_open)
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	if (nr == CW_NR_creat)
		return CW_O_CREAT | CW_O_WRONLY | CW_O_TRUNC;
	if (nr == CW_NR_open_by_handle_at)
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	bpf_probe_read_user(&how, sizeof(how), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
	return how.flags;
}

/*
 * A failed open: no file exists, so report what the caller asked for, from
 * its memory (the syscall arguments survive in pt_regs until exit).
 */
static __always_inline __u32 failed_path(long nr, struct pt_regs *regs, char *dst,
					 __u32 *flags)
{
	const char *name = open_filename(nr, regs);
	long len;

	*flags |= CW_F_UNRESOLVED;
	dst[0] = '\0';
	if (!name)
		return 1;
	len = bpf_probe_read_user_str(dst, CW_PATH_MAX - 1, name);
	if (len <= 0) {
		dst[0] = '\0';
		return 1;
	}
	if (len == CW_PATH_MAX - 1)
		*flags |= CW_F_PATH_TRUNCATED;
	return len;
}

static __always_inline bool is_open(long nr)
{
	return nr == CW_NR_openat || nr == CW_NR_open || nr == CW_NR_creat ||
	       nr == CW_NR_openat2 || nr == CW_NR_open_by_handle_at;
}

static __always_inline int handle_open(struct pt_regs *regs, long nr, long ret, __u64 cell,
				       __u32 policy)
{
	struct cw_scratch_buf *buf;
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
	e->hdr.ppid = BPF_CORE_READ(bpf_get_current_task_btf(), real_parent, tgid);
	e->flags = open_flags(nr, regs);
	e->ret = ret;
	e->__pad = 0;
	if (f) {
		file_identity(f, &e->dev, &e->ino);
		struct cw_verdict *rule;

		path_len = resolve_path(&f->f_path, e->path, buf, &e->hdr.flags);
		/* Opened, but the task dies before it can read a byte. */
		rule = match_open(policy, f, e->path, path_len);
		if (rule) {
			enforce(rule, cell);
			mark(&e->hdr, rule);
		}
	} else {
		e->dev = e->ino = 0;
		path_len = failed_path(nr, regs, e->path, &e->hdr.flags);
	}
	e->path_len = path_len;
	size = offsetof(struct cw_open_event, path) + (path_len & (CW_PATH_MAX - 1));
	/*
	 * A verdict must not queue behind a flood of plain opens: a kill-run
	 * ends the rest of the cell only when userspace reads it.
	 */
	if (e->hdr.action != CW_ACTION_NONE)
		submit_critical(e, size);
	else
		submit(e, size);
	return 0;
}

#endif /* CW_OPEN_BPF_H */
