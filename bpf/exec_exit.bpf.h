/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exec attempts seen at the syscall's exit (syscall.bpf.c): an exec the
 * kernel refused, and a file mapped executable by mmap or mprotect.  What
 * makes their records is shared with the other exec hooks (exec.bpf.h).
 */
#ifndef CW_EXEC_EXIT_BPF_H
#define CW_EXEC_EXIT_BPF_H

#include "exec.bpf.h"

/*
 * An exec the kernel refused (@ret < 0).  The binary is known when the
 * caller named it by fd; otherwise only by the name it passed.  A rule
 * that matches (by binary, else by the errno) acts as on a successful
 * exec: the caller dies before the syscall returns and, for kill-run, the
 * cell is doomed.
 */
static __noinline int handle_refused_exec(struct pt_regs *regs, long nr, long ret, __u64 cell,
					  __u32 policy)
{
	const char *name = (const char *)(nr == __NR_execveat ? PT_REGS_PARM2_CORE_SYSCALL(regs) :
							       PT_REGS_PARM1_CORE_SYSCALL(regs));
	struct cw_scratch_buf *buf = get_scratch();
	struct cw_verdict *rule = NULL;
	struct cw_exec_event *e;
	struct file *f = NULL;
	__u32 path_len, args_len;
	__u64 size;
	long n;

	if (!buf)
		return 0;
	e = &buf->ev.exec;
	fill_hdr(&e->hdr, CW_EVENT_EXEC, cell);
	/* BPF-LSM refused it and has said so already (lsm.bpf.c). */
	if (take_lsm_verdict(&e->hdr))
		return 0;
	args_len = stash_caller_argv(buf, &e->hdr.flags);
	e->hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	e->dev = e->ino = 0;
	e->ret = ret;
	e->args_total = 0;
	n = bpf_probe_read_user_str(e->data, CW_PATH_MAX, name);
	if (n <= 0) {
		e->data[0] = '\0';
		n = 1;
	}
	if (n == CW_PATH_MAX)
		e->hdr.flags |= CW_F_PATH_TRUNCATED;
	if (n == 1 && nr == __NR_execveat && (PT_REGS_PARM5_CORE_SYSCALL(regs) & CW_AT_EMPTY_PATH))
		f = fd_file((int)PT_REGS_PARM1_CORE_SYSCALL(regs));
	if (f) {
		file_identity(f, &e->dev, &e->ino);
		path_len = resolve_path(&f->f_path, e->data, buf, &e->hdr.flags);
		e->hdr.flags |= CW_F_EXEC_FD | fileless_flags(f);
		rule = match_exec(policy, f, e->dev, e->ino);
	} else {
		path_len = n;
		e->hdr.flags |= CW_F_UNRESOLVED | fd_path_flags(e->data);
		rule = match_exec_name(policy, buf, path_len);
	}
	if (!rule && -ret <= CW_EXEC_REFUSED_ERRNO_MAX)
		rule = match_how_key(policy, CW_NR_EXEC_REFUSED_BASE + (__u32)-ret);
	if (rule) {
		enforce(rule, cell);
		mark(&e->hdr, rule);
	}
	size = append_argv(e, buf, path_len, args_len);
	if (size <= sizeof(*e))
		submit_critical(e, size);
	return 0;
}

#define CW_PROT_EXEC	0x4
#define CW_MAP_ANONYMOUS 0x20

/*
 * A file mapped executable.  A userland loader (ctypes, valgrind, a copy of
 * ld.so's logic) runs a binary without an exec of it, by mapping its
 * segments; a binary an exec rule names is judged here as at its exec, and
 * reported only then (every library load maps a file executable).
 */
static __always_inline int judge_mapped(struct file *f, long ret, __u64 cell, __u32 policy)
{
	struct cw_scratch_buf *buf;
	struct cw_verdict *rule;
	struct cw_exec_event *e;
	__u64 dev, ino, size;

	file_identity(f, &dev, &ino);
	rule = match_exec(policy, f, dev, ino);
	if (!rule)
		return 0;
	enforce(rule, cell);
	buf = get_scratch();
	if (!buf)
		return 0;
	e = &buf->ev.exec;
	fill_hdr(&e->hdr, CW_EVENT_EXEC, cell);
	mark(&e->hdr, rule);
	e->hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	e->hdr.flags |= CW_F_EXEC_MAPPED;
	e->dev = dev;
	e->ino = ino;
	e->ret = ret < 0 ? ret : 0;
	e->args_total = 0;
	e->path_len = resolve_path(&f->f_path, e->data, buf, &e->hdr.flags);
	e->args_len = 0;
	size = offsetof(struct cw_exec_event, data) + e->path_len;
	if (size <= sizeof(*e))
		submit_critical(e, size);
	return 0;
}

static __noinline int handle_mmap(struct pt_regs *regs, long ret, __u64 cell, __u32 policy)
{
	struct file *f;

	if (!(PT_REGS_PARM3_CORE_SYSCALL(regs) & CW_PROT_EXEC) ||
	    (PT_REGS_PARM4_CORE_SYSCALL(regs) & CW_MAP_ANONYMOUS))
		return 0;
	f = fd_file((int)PT_REGS_PARM5_CORE_SYSCALL(regs));
	return f ? judge_mapped(f, ret, cell, policy) : 0;
}

struct vma_file {
	struct file *file;
};

static long vma_file_of(struct task_struct *task, struct vm_area_struct *vma, struct vma_file *vf)
{
	vf->file = BPF_CORE_READ(vma, vm_file);
	return 0;
}

/*
 * A mapping made executable after the fact (mapped readable, then
 * mprotect PROT_EXEC): the file behind the address, from its vma (where
 * the kernel has bpf_find_vma: compat.bpf.h).
 */
static __noinline int handle_mprotect(struct pt_regs *regs, long ret, __u64 cell, __u32 policy)
{
	struct vma_file vf = {};

	if (ret < 0 || !(PT_REGS_PARM3_CORE_SYSCALL(regs) & CW_PROT_EXEC) ||
	    !cw_have_find_vma())
		return 0;
	bpf_find_vma(bpf_get_current_task_btf(), PT_REGS_PARM1_CORE_SYSCALL(regs), vma_file_of,
		     &vf, 0);
	return vf.file ? judge_mapped(vf.file, ret, cell, policy) : 0;
}


#endif /* CW_EXEC_EXIT_BPF_H */
