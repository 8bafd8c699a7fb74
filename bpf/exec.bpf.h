/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exec attempts.  What makes an exec's record, for the one that succeeds
 * (exec.bpf.c), the one BPF-LSM refuses (lsm.bpf.c) and the one the kernel
 * refused before any hook had a binary (a missing or masked file, noexec,
 * Landlock, DAC), reported at the syscall's exit (exec_exit.bpf.h) and
 * judged by the exec rules on the name the caller gave, since a shell the
 * cell's root does not hold is still a reach for a shell.
 */
#ifndef CW_EXEC_BPF_H
#define CW_EXEC_BPF_H

#include "common.bpf.h"
#include "rules.bpf.h"
#include "arch.bpf.h"
#include "path.bpf.h"

#define CW_MAX_ARGV		32
#define CW_AT_EMPTY_PATH	0x1000

/* No early exit: one path for the verifier to walk, whatever the bytes. */
static __always_inline bool has_prefix(const char *s, const char *prefix, int len)
{
	char diff = 0;

	for (int i = 0; i < len; i++)
		diff |= s[i] ^ prefix[i];
	return !diff;
}

/* A binary unlinked (or made with O_TMPFILE): no directory names it. */
static __always_inline __u32 deleted_flag(struct file *f)
{
	return BPF_CORE_READ(f, f_path.dentry, d_inode, __i_nlink) == 0 ? CW_F_EXEC_DELETED : 0;
}

/* A binary with no name of its own: a memfd, or a file unlinked (or O_TMPFILE). */
static __always_inline __u32 fileless_flags(struct file *f)
{
	char name[8] = {};

	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	return (has_prefix(name, "memfd:", 6) ? CW_F_EXEC_MEMFD : 0) | deleted_flag(f);
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
	struct pt_regs *regs = cw_task_pt_regs(cw_current_task());
	const char *const *argv;
	__u32 off = 0;

	argv = (const char *const *)(syscall_nr(regs) == __NR_execveat ?
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
 * Where the basename starts in the name a refused exec gave, held in the
 * scratch buffer's exec record (@len bytes with its NUL), or -1 when it is
 * longer than any name rule's (exec.bpf.c).
 */
extern int cw_exec_name_base(__u32 len);

/*
 * The exec rule for the name a refused exec gave, in the scratch buffer's
 * exec record (@len bytes with its NUL): by basename.
 */
static __always_inline struct cw_verdict *match_exec_name(__u32 policy,
							  struct cw_scratch_buf *buf, __u32 len)
{
	struct cw_name_key nkey = { .policy = policy };
	int base = cw_exec_name_base(len);

	if (base < 0)
		return NULL;
	if (bpf_probe_read_kernel_str(nkey.name, sizeof(nkey.name),
				      &buf->ev.exec.data[base & (CW_PATH_MAX - 1)]) <= 1)
		return NULL;
	return bpf_map_lookup_elem(&exec_name_rules, &nkey);
}

#endif /* CW_EXEC_BPF_H */
