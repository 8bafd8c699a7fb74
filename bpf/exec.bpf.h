/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exec attempts.  What makes an exec's record, for the one that succeeds
 * (exec.bpf.c), the one BPF-LSM refuses (lsm.bpf.c) and the one the kernel
 * refused before any hook had a binary (a missing or masked file, noexec,
 * Landlock, DAC): reported at the syscall's exit and judged by the exec
 * rules on the name the caller gave, since a shell the cell's root does not
 * hold is still a reach for a shell.
 */
#ifndef CW_EXEC_BPF_H
#define CW_EXEC_BPF_H

#include "common.bpf.h"
#include "rules.bpf.h"
#include "arch.bpf.h"
#include "path.bpf.h"

#define CW_MAX_ARGV		32
#define CW_AT_EMPTY_PATH	0x1000

static __always_inline bool has_prefix(const char *s, const char *prefix, int len)
{
	for (int i = 0; i < len; i++) {
		if (s[i] != prefix[i])
			return false;
	}
	return true;
}

/* A binary with no name of its own: a memfd, or a file unlinked (or O_TMPFILE). */
static __always_inline __u32 fileless_flags(struct file *f)
{
	char name[8] = {};
	__u32 flags = 0;

	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (has_prefix(name, "memfd:", 6))
		flags |= CW_F_EXEC_MEMFD;
	if (BPF_CORE_READ(f, f_path.dentry, d_inode, __i_nlink) == 0)
		flags |= CW_F_EXEC_DELETED;
	return flags;
}

/* A path through an fd: execveat(fd, "", AT_EMPTY_PATH) names "/dev/fd/N", or procfs. */
static __always_inline __u32 fd_path_flags(const char *filename)
{
	return has_prefix(filename, "/dev/fd/", 8) || has_prefix(filename, "/proc/", 6) ?
	       CW_F_EXEC_FD : 0;
}

/*
 * argv of an exec that makes no new image, from the arguments in the
 * caller's memory (its mm is still current).  Written into @dst (scratch,
 * 2 * CW_ARGS_MAX bytes: an argument starts before CW_ARGS_MAX and may run
 * CW_ARGS_MAX past it, as far as the verifier can tell).
 */
static __always_inline __u32 caller_argv(char *dst, __u32 *flags)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	const char *const *argv;
	__u32 off = 0;

	argv = (const char *const *)(syscall_nr(regs) == CW_NR_execveat ?
				      PT_REGS_PARM3_CORE_SYSCALL(regs) :
				      PT_REGS_PARM2_CORE_SYSCALL(regs));
	for (int i = 0; i < CW_MAX_ARGV; i++) {
		const char *arg = NULL;
		long n;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			return off;
		if (off >= CW_ARGS_MAX - 1) {
			*flags |= CW_F_ARGS_TRUNCATED;
			return CW_ARGS_MAX - 1;
		}
		n = bpf_probe_read_user_str(&dst[off & (CW_ARGS_MAX - 1)], CW_ARGS_MAX, arg);
		if (n <= 0)
			return off;
		off += n;
	}
	*flags |= CW_F_ARGS_TRUNCATED;
	return off > CW_ARGS_MAX - 1 ? CW_ARGS_MAX - 1 : off;
}

/*
 * The caller's argv, read into the scratch buffer's own area for it.
 * Read before a record's path is known, so the verifier walks it once.
 */
static __always_inline __u32 stash_caller_argv(struct cw_scratch_buf *buf, __u32 *flags)
{
	return caller_argv(buf->args, flags) & (CW_ARGS_MAX - 1);
}

/* Append the stashed argv to @e after its path; the record's size. */
static __always_inline __u64 append_argv(struct cw_exec_event *e, struct cw_scratch_buf *buf,
					 __u32 path_len, __u32 args_len)
{
	bpf_probe_read_kernel(&e->data[path_len & (CW_PATH_MAX - 1)], args_len, buf->args);
	e->path_len = path_len;
	e->args_len = args_len;
	return offsetof(struct cw_exec_event, data) + path_len + args_len;
}

/*
 * The exec rule for a name the caller gave (@len bytes with its NUL): by
 * basename.  Name rules hold names shorter than CW_NAME_MAX, so only the
 * path's last CW_NAME_MAX bytes are searched for the last '/'.
 */
static __always_inline struct cw_verdict *match_exec_name(__u32 policy, const char *path,
							  __u32 len)
{
	struct cw_name_key nkey = { .policy = policy };
	int base = -1;

	for (__u32 i = 1; i <= CW_NAME_MAX; i++) {
		if (i >= len) {
			base = 0;	/* no '/': the whole name */
			break;
		}
		if (path[(len - 1 - i) & (CW_PATH_MAX - 1)] == '/') {
			base = len - i;
			break;
		}
	}
	if (base < 0)
		return NULL;	/* a basename longer than any rule's */
	if (bpf_probe_read_kernel_str(nkey.name, sizeof(nkey.name),
				      &path[base & (CW_PATH_MAX - 1)]) <= 1)
		return NULL;
	return bpf_map_lookup_elem(&exec_name_rules, &nkey);
}

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
	const char *name = (const char *)(nr == CW_NR_execveat ? PT_REGS_PARM2_CORE_SYSCALL(regs) :
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
	e->hdr.ppid = BPF_CORE_READ(bpf_get_current_task_btf(), real_parent, tgid);
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
	if (n == 1 && nr == CW_NR_execveat && (PT_REGS_PARM5_CORE_SYSCALL(regs) & CW_AT_EMPTY_PATH))
		f = fd_file((int)PT_REGS_PARM1_CORE_SYSCALL(regs));
	if (f) {
		file_identity(f, &e->dev, &e->ino);
		path_len = resolve_path(&f->f_path, e->data, buf, &e->hdr.flags);
		e->hdr.flags |= CW_F_EXEC_FD | fileless_flags(f);
		rule = match_exec(policy, f, e->dev, e->ino);
	} else {
		path_len = n;
		e->hdr.flags |= CW_F_UNRESOLVED | fd_path_flags(e->data);
		rule = match_exec_name(policy, e->data, path_len);
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
	e->hdr.ppid = BPF_CORE_READ(bpf_get_current_task_btf(), real_parent, tgid);
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
 * mprotect PROT_EXEC): the file behind the address, from its vma.  Kernels
 * before 5.17 have no bpf_find_vma; there only mmap is judged.
 */
static __noinline int handle_mprotect(struct pt_regs *regs, long ret, __u64 cell, __u32 policy)
{
	struct vma_file vf = {};

	if (ret < 0 || !(PT_REGS_PARM3_CORE_SYSCALL(regs) & CW_PROT_EXEC) ||
	    !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_find_vma))
		return 0;
	bpf_find_vma(bpf_get_current_task_btf(), PT_REGS_PARM1_CORE_SYSCALL(regs), vma_file_of,
		     &vf, 0);
	return vf.file ? judge_mapped(vf.file, ret, cell, policy) : 0;
}

#endif /* CW_EXEC_BPF_H */
