// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: forks and exits, from which userspace keeps each
 * cell's process tree (and so the ancestry every event carries).
 */
#include "common.bpf.h"
#include "fold.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(cw_fork, struct task_struct *parent, struct task_struct *child)
{
	struct cw_proc_event e = {};
	__u64 cell = current_cell();

	if (!cell)
		return 0;
	/* A doomed cell starts nothing new: the parent dies, the child with the cell. */
	reap_doomed(cell);
	/* A new thread is not a new process. */
	if (child->pid != child->tgid)
		return 0;
	fill_hdr(&e.hdr, CW_EVENT_FORK, cell);
	e.hdr.ppid = BPF_CORE_READ(parent, real_parent, tgid);
	e.child_pid = child->tgid;
	submit_critical(&e, sizeof(e));
	return 0;
}

/* Only the first argument: the group_dead flag exists on recent kernels only. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(cw_exit, struct task_struct *task)
{
	struct cw_proc_event e = {};
	__u64 cell = current_cell();

	fold_end(task->pid);
	/* The process ends with its last thread. */
	if (!cell || BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	fill_hdr(&e.hdr, CW_EVENT_EXIT, cell);
	e.hdr.ppid = BPF_CORE_READ(task, real_parent, tgid);
	e.exit_status = task->exit_code;
	submit_critical(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
