/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Resolve a struct path to a string in the kernel, the way d_path() does but
 * usable from tracing programs: walk dentries up to the mount root, then hop
 * to the mountpoint in the parent mount, until the namespace's root mount.
 * The result is as seen from the task's mount namespace, so a cell sees
 * "/usr/bin/python3" for a file reached through its read-only bind of /usr.
 *
 * One step of the walk is a global function (bpf/path.bpf.c), verified once
 * on its own: inlined, the walk's states never converge and the verifier
 * gives up at its instruction limit.
 */
#ifndef CW_PATH_BPF_H
#define CW_PATH_BPF_H

#include "common.bpf.h"

#define CW_PATH_MASK	(CW_PATH_MAX - 1)

/*
 * Prepend the next component of the scratch buffer's walk to its path.
 * Returns 0 to go on, 1 when the walk is complete (or truncated).  No
 * arguments: a global function may take pointers only from Linux 5.12.
 */
extern int cw_path_step(void);

/*
 * Resolve @p into @dst (CW_PATH_MAX bytes) through the scratch buffer @tmp
 * (get_scratch()), whose walk the steps follow and whose path[] they fill,
 * and whose parts say where its last components lie.  Returns the string's
 * length with its NUL.
 */
static __always_inline __u32 resolve_path(const struct path *p, char *dst,
					  struct cw_scratch_buf *tmp, __u32 *flags)
{
	__u32 off, len;
	int i;

	tmp->walk.dentry = (__u64)BPF_CORE_READ(p, dentry);
	tmp->walk.vfsmnt = (__u64)BPF_CORE_READ(p, mnt);
	tmp->walk.off = CW_PATH_MAX - 1;
	tmp->walk.truncated = 0;
	tmp->path[CW_PATH_MAX - 1] = '\0';
	tmp->parts.n = 0;
	for (i = 0; i < CW_PATH_DEPTH; i++) {
		if (cw_path_step())
			break;
	}
	off = tmp->walk.off;
	if (i == CW_PATH_DEPTH || tmp->walk.truncated) {
		*flags |= CW_F_PATH_TRUNCATED;
		/* Of an unknown depth: no glob matches it. */
		tmp->parts.n = CW_PATH_PARTS;
	}
	if (off >= CW_PATH_MAX - 1) {
		/* No component: the root itself. */
		off = CW_PATH_MAX - 2;
		tmp->path[CW_PATH_MAX - 2] = '/';
	}
	tmp->parts.base = off;
	len = CW_PATH_MAX - off;
	bpf_probe_read_kernel(dst, len & CW_PATH_MASK, &tmp->path[off & CW_PATH_MASK]);
	return len & CW_PATH_MASK;
}

/* Kernel dev_t and inode number of the file behind @f. */
static __always_inline void file_identity(struct file *f, __u64 *dev, __u64 *ino)
{
	struct inode *inode = BPF_CORE_READ(f, f_path.dentry, d_inode);

	*dev = BPF_CORE_READ(inode, i_sb, s_dev);
	*ino = BPF_CORE_READ(inode, i_ino);
}

#endif /* CW_PATH_BPF_H */
