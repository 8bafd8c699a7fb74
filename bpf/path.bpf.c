// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* In-kernel path resolution, one component per call: see path.bpf.h. */
#include "path.bpf.h"

__noinline int cw_path_step(void)
{
	struct cw_scratch_buf *buf = get_scratch();
	struct dentry *dentry, *parent, *mnt_root;
	struct cw_path_walk *w;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct qstr name;
	__u32 off, len, n;

	if (!buf)
		return 1;
	w = &buf->walk;
	dentry = (struct dentry *)w->dentry;
	vfsmnt = (struct vfsmount *)w->vfsmnt;
	mnt = container_of(vfsmnt, struct mount, mnt);
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	if (dentry == mnt_root) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		/* The namespace's root mount is its own parent. */
		if (mnt == mnt_parent || !mnt_parent)
			return 1;
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->vfsmnt = (__u64)&mnt_parent->mnt;
		return 0;
	}

	name = BPF_CORE_READ(dentry, d_name);
	len = name.len & CW_PATH_MASK;
	off = w->off & CW_PATH_MASK;
	/* Keep off >= 1 so the result always fits in CW_PATH_MASK bytes. */
	if (len + 1 >= off) {
		w->truncated = 1;
		return 1;
	}
	off -= len + 1;
	buf->path[off & CW_PATH_MASK] = '/';
	/* 6.12's verifier loses len's bounds through the test above: state them again. */
	barrier_var(len);
	bpf_probe_read_kernel(&buf->path[(off + 1) & CW_PATH_MASK], len & CW_PATH_MASK, name.name);
	w->off = off;
	n = buf->parts.n;
	if (n < CW_PATH_PARTS) {
		buf->parts.slash[n] = off;
		buf->parts.n = n + 1;
	}

	parent = BPF_CORE_READ(dentry, d_parent);
	/* A pseudo dentry (memfd, pipe, socket) is its own parent: its name is all. */
	if (parent == dentry || !parent)
		return 1;
	w->dentry = (__u64)parent;
	return 0;
}
