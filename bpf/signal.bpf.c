// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signals that leave a cell, and those that kill a call at its entry.
 * signal_generate names the target task itself, so the check needs no pid
 * arithmetic across pid namespaces.
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
	struct pt_regs *regs = cw_task_pt_regs(cw_current_task());

	switch (syscall_nr(regs)) {
	case __NR_kill:
	case __NR_tkill:
	case __NR_tgkill:
	case __NR_rt_sigqueueinfo:
	case __NR_rt_tgsigqueueinfo:
	case __NR_pidfd_send_signal:
		return true;
	}
	return false;
}

#define CW_SYS_SECCOMP	1	/* si_code of the filter's SIGSYS */
#define CW_SI_KERNEL	0x80

/* The syscall_rules key of a call of @arch: its number, or one key per foreign ABI. */
static __always_inline __u32 call_key(__u32 arch, __u32 nr)
{
	if (arch == CW_AUDIT_ARCH_I386)
		return CW_NR_ABI_I386;
	if (arch == CW_AUDIT_ARCH_X86_64 && (nr & CW_X32_SYSCALL_BIT))
		return CW_NR_ABI_X32;
	if (arch == CW_AUDIT_ARCH_ARM)
		return CW_NR_ABI_ARM;
	return nr;
}

/*
 * A call that killed its caller before the syscall tracepoints could see
 * it refused: the seccomp filter kills every foreign-ABI call (an i386 call
 * from an x86-64 process, x32) and the native calls only an attack on the
 * kernel makes (SIGSYS); a kernel built without the i386 ABI faults it
 * (SIGSEGV).  No rule by name was written for a foreign ABI's numbers:
 * those are judged by the "abi" rules, native ones by their name.  The
 * caller is dying already; the rest of the cell goes by the rule's action.
 */
static __always_inline void call_killed(struct cw_cell *c, __u64 cell, int sig, __u32 nr,
					__u32 arch)
{
	struct cw_syscall_key key = { .policy = c->policy, .nr = call_key(arch, nr) };
	struct cw_syscall_event e = {};
	struct cw_verdict *rule;

	fill_hdr(&e.hdr, CW_EVENT_SYSCALL, cell);
	e.hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	e.hdr.flags |= CW_F_CALLER_KILLED;
	e.nr = nr;
	e.arch = arch;
	e.ret = sig;
	rule = bpf_map_lookup_elem(&syscall_rules, &key);
	if (rule) {
		enforce(rule, cell);
		mark(&e.hdr, rule);
	}
	submit_critical(&e, sizeof(e));
}

/*
 * The threads a seccomp SIGSYS was sent to, for cw_exit_seccomp to tell
 * the kills it must report itself.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* tid */
	__type(value, __u8);
} seccomp_signalled SEC(".maps");

/* A kernel SIGSYS or SIGSEGV that kills a call: its number and ABI. */
static __always_inline bool killing_call(int sig, struct kernel_siginfo *info,
					 struct task_struct *task, __u32 *nr, __u32 *arch)
{
	/* SEND_SIG_PRIV and friends are small constants, not a siginfo. */
	if ((unsigned long)info < 4096)
		return false;
	if (sig == CW_SIGSYS && BPF_CORE_READ(info, si_code) == CW_SYS_SECCOMP) {
		*nr = BPF_CORE_READ(info, _sifields._sigsys._syscall);
		*arch = BPF_CORE_READ(info, _sifields._sigsys._arch);
		return true;
	}
#ifdef CW_HAS_INT80
	if (sig == CW_SIGSEGV && BPF_CORE_READ(info, si_code) == CW_SI_KERNEL &&
	    task == cw_current_task()) {
		struct pt_regs *regs = cw_task_pt_regs(task);
		__u8 insn[2] = {};

		if (bpf_probe_read_user(insn, sizeof(insn), (void *)user_ip(regs)) ||
		    insn[0] != 0xcd || insn[1] != 0x80)
			return false;
		*nr = user_ax(regs);
		*arch = CW_AUDIT_ARCH_I386;
		return true;
	}
#endif
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
	__u32 nr, arch;

	c = current_cell_entry(&cell);
	if (!c)
		return 0;
	reap_doomed(cell);
	key.policy = c->policy;
	if (killing_call(sig, info, task, &nr, &arch)) {
		__u32 tid = task->pid;
		__u8 yes = 1;

		if (sig == CW_SIGSYS)
			bpf_map_update_elem(&seccomp_signalled, &tid, &yes, BPF_ANY);
		call_killed(c, cell, sig, nr, arch);
		return 0;
	}
	if (!sent_by_syscall())
		return 0;
	target = task_cell(task);
	if (target == cell)
		return 0;
	fill_hdr(&e.hdr, CW_EVENT_SIGNAL, cell);
	e.hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
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

/*
 * Before Linux 5.16 a seccomp kill was no signal: the filter called
 * do_group_exit(SIGSYS) itself, and signal_generate saw nothing.  Such a
 * kill is found at the caller's exit instead: SIGSYS, no signal sent to it,
 * its registers rolled back to the call.  On later kernels signal_generate
 * reported it already.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(cw_exit_seccomp, struct task_struct *task)
{
	struct pt_regs *regs;
	struct cw_cell *c;
	__u32 tid = task->pid;
	bool signalled;
	__u64 cell;
	long nr;

	c = current_cell_entry(&cell);
	if (!c)
		return 0;
	signalled = bpf_map_lookup_elem(&seccomp_signalled, &tid);
	if (signalled)
		bpf_map_delete_elem(&seccomp_signalled, &tid);
	if (signalled || (task->exit_code & 0x7f) != CW_SIGSYS)
		return 0;
	regs = cw_task_pt_regs(task);
	nr = syscall_nr(regs);
	if (nr < 0 || !call_rolled_back(regs))
		return 0;
	call_killed(c, cell, CW_SIGSYS, nr, task_call_arch(task));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
