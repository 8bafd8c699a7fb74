/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel differences, in one place: each is a CO-RE type variant or an
 * existence check, resolved by libbpf against the running kernel's BTF at
 * load, so one object runs on every kernel from the floor up.  Each entry
 * names the kernel and the commit it tracks.  Programs call these instead
 * of reading a field that moved.
 */
#ifndef CW_COMPAT_BPF_H
#define CW_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * Linux 6.0, 7f203bc89eb6 ("cgroup: Replace cgroup->ancestor_ids[] with
 * ->ancestors[]"): a cgroup keeps pointers to its ancestors; before, their
 * ids (the kernfs node id, what cgroup v2 file handles and
 * bpf_get_current_cgroup_id() return).
 */
struct cgroup___pre_6_0 {
	u64 ancestor_ids[0];
} __attribute__((preserve_access_index));

/* The id of @cgrp's ancestor at @level (its own at its own level). */
static __always_inline __u64 cgroup_ancestor_id(struct cgroup *cgrp, int level)
{
	struct cgroup *anc;

	if (bpf_core_field_exists(struct cgroup___pre_6_0, ancestor_ids))
		return BPF_CORE_READ((struct cgroup___pre_6_0 *)cgrp, ancestor_ids[level]);
	anc = BPF_CORE_READ(cgrp, ancestors[level]);
	return BPF_CORE_READ(anc, kn, id);
}

/*
 * Linux 5.17, 7c7e3d31e785 ("bpf: Introduce helper bpf_find_vma"): the
 * vma behind a user address.  Without it, a mapping made executable after
 * the fact (mprotect) is not judged; mmap still is.
 */
#define cw_have_find_vma() bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_find_vma)

/*
 * Linux 5.11, 3ca1032ab7ab ("bpf: Add bpf_get_current_task_btf() helper"):
 * the current task as a BTF pointer.  Every read of it here goes through
 * BPF_CORE_READ, which takes the older helper's integer as well.
 */
static __always_inline struct task_struct *cw_current_task(void)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * Linux 5.15, dd6e10fbd9fb ("bpf: Add bpf_task_pt_regs() helper"): the user
 * registers saved on entry to the kernel.  Before it, they are where
 * task_pt_regs() finds them on x86-64 and arm64: at the top of the task's
 * kernel stack, THREAD_SIZE (16 KiB on both, without KASAN) above its base.
 */
#define CW_THREAD_SIZE	16384

static __always_inline struct pt_regs *cw_task_pt_regs(struct task_struct *task)
{
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return (struct pt_regs *)bpf_task_pt_regs(task);
	return (struct pt_regs *)((unsigned long)BPF_CORE_READ(task, stack) + CW_THREAD_SIZE) - 1;
}

#endif /* CW_COMPAT_BPF_H */
