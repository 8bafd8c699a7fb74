// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signals that leave a cell.  signal_generate names the target task
 * itself, so the check needs no pid arithmetic across pid namespaces.
 */
#include "arch.bpf.h"
#include "common.bpf.h"
#include "rules.bpf.h"

/*
 * signal_generate also fires for the kernel's own signals, in whatever task
 * is on the CPU: a host process's timer expiring while a cell runs, or an
 * exiting task's SIGCHLD.  Only a signal the cell asked for by syscall is
 * the cell's doing.
 */
static bool sent_by_syscall(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	switch (syscall_nr(regs)) {
	case CW_NR_kill:
	case CW_NR_tkill:
	case CW_NR_tgkill:
	case CW_NR_rt_sigqueueinfo:
	case CW_NR_rt_tgsigqueueinfo:
	case CW_NR_pidfd_send_signal:
		return true;
	}
	return false;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(cw_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct cw_syscall_key key = { .nr = CW_NR_SIGNAL_OUT };
	struct cw_signal_event e = {};
	struct cw_verdict *rule;
	struct cw_cell *c;
	__u64 cell, target;

	c = current_cell_entry(&cell);
	if (!c)
		return 0;
	reap_doomed(cell);
	key.policy = c->policy;
	if (!sent_by_syscall())
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
	/* "signal" rules, compiled under a pseudo syscall number; the sender dies after. */
	rule = bpf_map_lookup_elem(&syscall_rules, &key);
	if (rule) {
		enforce(rule, cell);
		mark(&e.hdr, rule);
	}
	submit_critical(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
