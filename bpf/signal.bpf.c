// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signals that leave a cell.  signal_generate names the target task
 * itself, so the check needs no pid arithmetic across pid namespaces.
 */
#include "common.bpf.h"

#define CW_PF_EXITING 0x00000004

/* The cell a task runs in (its cgroup's ancestor at the cells' depth), 0 if none. */
static __always_inline __u64 task_cell(struct task_struct *task)
{
	struct cgroup *cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	struct cgroup *anc;
	__u64 id;

	if (!cgrp || BPF_CORE_READ(cgrp, level) < (int)cw_cell_level)
		return 0;
	anc = BPF_CORE_READ(cgrp, ancestors[cw_cell_level & 0xff]);
	id = BPF_CORE_READ(anc, kn, id);
	return bpf_map_lookup_elem(&cells, &id) ? id : 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(cw_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct cw_signal_event e = {};
	__u64 cell = current_cell(), target;

	if (!cell)
		return 0;
	/* An exiting task's SIGCHLD to its parent is the kernel's doing, not the task's. */
	if (BPF_CORE_READ(bpf_get_current_task_btf(), flags) & CW_PF_EXITING)
		return 0;
	target = task_cell(task);
	if (target == cell)
		return 0;
	fill_hdr(&e.hdr, CW_EVENT_SIGNAL, cell);
	e.hdr.ppid = BPF_CORE_READ(bpf_get_current_task_btf(), real_parent, tgid);
	e.sig = sig;
	e.target_pid = task->tgid;
	e.target_cell = target;
	e.result = result;
	submit_critical(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
