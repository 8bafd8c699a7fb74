// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscall exits: opens (open.bpf.h), network calls (net_exit.bpf.h) and the
 * ways out of a cell, all listed in syscalls.def.
 *
 * One exit tracepoint program per syscall, so the host's other syscalls
 * run no program at all: measured with make bench, a generic sys_exit
 * program filtering on the number costs every syscall of the host about
 * 100 ns (10% of a getppid here); a per-syscall tracepoint costs the others
 * nothing.  The generic program remains as the fallback where tracefs
 * cannot be had; userspace loads one or the other.
 */
#include "common.bpf.h"
#include "rules.bpf.h"
#include "arch.bpf.h"
#include "open.bpf.h"
#include "net_exit.bpf.h"
#include "exec_exit.bpf.h"
#include "setid.bpf.h"

/*
 * The fallback's table: enum cw_watch per syscall number, set by userspace
 * from syscalls.def.  A global array, not a map: a plain load, no helper
 * call, on a path every syscall of the host takes.
 */
__u8 cw_watched_syscalls[CW_MAX_SYSCALLS];

/*
 * The flags of a clone-like call that make it an escape attempt (0: none):
 * a namespace, or another process sharing the caller's fd table (a thread
 * shares it too, with CLONE_THREAD).
 */
static __always_inline __u64 ns_flags(__u8 how, struct pt_regs *regs)
{
	__u64 flags = 0;

	if (how == CW_WATCH_NS_FLAGS)
		flags = PT_REGS_PARM1_CORE_SYSCALL(regs);
	else if (how == CW_WATCH_CLONE3)
		/* struct clone_args starts with its flags */
		bpf_probe_read_user(&flags, sizeof(flags),
				    (void *)PT_REGS_PARM1_CORE_SYSCALL(regs));
	if ((flags & (CW_CLONE_FILES | CW_CLONE_THREAD)) == CW_CLONE_FILES)
		return flags & (CW_CLONE_NS_FLAGS | CW_CLONE_FILES);
	return flags & CW_CLONE_NS_FLAGS;
}

/* mknod's mode asks for a device node: a way to the host's disks or memory. */
static __always_inline bool makes_device(long nr, struct pt_regs *regs)
{
	__u32 mode = nr == __NR_mknodat ? PT_REGS_PARM3_CORE_SYSCALL(regs) :
					   PT_REGS_PARM2_CORE_SYSCALL(regs);

	return (mode & CW_S_IFMT) == CW_S_IFCHR || (mode & CW_S_IFMT) == CW_S_IFBLK;
}

/*
 * The seccomp filter killed the call at its entry: the exit still passes
 * the tracepoint, with the call rolled back, while the SIGSYS waits to be
 * delivered.  signal_generate reported it already (signal.bpf.c).
 */
static __always_inline bool killed_at_entry(void)
{
	struct task_struct *task = cw_current_task();

	return BPF_CORE_READ(task, pending.signal.sig[0]) & (1UL << (CW_SIGSYS - 1));
}

static __noinline int handle_watched(struct pt_regs *regs, long nr, long ret, __u8 how)
{
	struct cw_syscall_key key = { .nr = nr };
	struct cw_syscall_event e = {};
	struct cw_verdict *rule;
	struct cw_cell *c;
	__u64 cell, flags = 0;

	c = current_cell_entry(&cell);
	if (!c)
		return 0;
	reap_doomed(cell);
	if (killed_at_entry())
		return 0;
	key.policy = c->policy;
	if (how == CW_WATCH_KILL) {
		/* pid_t: the low 32 bits */
		int target = (int)PT_REGS_PARM1_CORE_SYSCALL(regs);

		/* Signals within the cell are its own business; these are probes. */
		if (target > 0 && (ret == 0 || ret == -3 /* ESRCH */))
			return 0;
		/*
		 * kill(-1): every process the caller may signal, which outside
		 * a pid namespace is the host's; the "signal" rules decide.
		 */
		if (nr == __NR_kill && target == -1)
			key.nr = CW_NR_SIGNAL_OUT;
	} else if (how == CW_WATCH_MKNOD) {
		/* FIFOs and sockets are ordinary files. */
		if (!makes_device(nr, regs))
			return 0;
	} else if (how == CW_WATCH_SETID || how == CW_WATCH_SETFSID) {
		/* A call that changed no id, nor asked to, is no attempt. */
		if (!setid_counts(how, ret, regs))
			return 0;
	} else if (how != CW_WATCH_ALWAYS) {
		/* Threads and plain forks are lifecycle, not escape attempts. */
		flags = ns_flags(how, regs);
		if (!flags)
			return 0;
	}
	fill_hdr(&e.hdr, CW_EVENT_SYSCALL, cell);
	take_lsm_verdict(&e.hdr);
	rule = bpf_map_lookup_elem(&syscall_rules, &key);
	if (rule) {
		enforce(rule, cell);
		mark(&e.hdr, rule);
	}
	e.hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	e.nr = nr;
	e.ret = ret;
	e.clone_flags = flags;
	e.args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	e.args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	e.args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	e.args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	e.args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	e.args[5] = syscall_arg6(regs);
	submit_critical(&e, sizeof(e));
	return 0;
}

/* @vma: judge mprotect, which needs bpf_find_vma() (Linux 5.17; compat.bpf.h). */
static __always_inline int on_exit(struct pt_regs *regs, long nr, long ret, __u8 how, bool vma)
{
	struct cw_cell *c;
	__u64 cell;

	if (how == CW_WATCH_OPEN || how == CW_WATCH_NET || how == CW_WATCH_REAP ||
	    how == CW_WATCH_EXEC || how == CW_WATCH_MMAP || how == CW_WATCH_MPROTECT) {
		c = current_cell_entry(&cell);
		if (!c)
			return 0;
		reap_doomed(cell);
		if (how == CW_WATCH_OPEN)
			return handle_open(regs, nr, ret, cell, c->policy);
		if (how == CW_WATCH_NET)
			return handle_net(regs, nr, ret, cell, c->policy);
		/* A successful exec was reported by sched_process_exec. */
		if (how == CW_WATCH_EXEC && ret < 0)
			return handle_refused_exec(regs, nr, ret, cell, c->policy);
		if (how == CW_WATCH_MMAP)
			return handle_mmap(regs, ret, cell, c->policy);
		if (vma && how == CW_WATCH_MPROTECT)
			return handle_mprotect(regs, ret, cell, c->policy);
		return 0;
	}
	return handle_watched(regs, nr, ret, how);
}

static __always_inline int generic_exit(struct pt_regs *regs, long ret, bool vma)
{
	long nr = syscall_nr(regs);
	__u8 how;

	if ((unsigned long)nr >= CW_MAX_SYSCALLS)
		return 0;
	how = cw_watched_syscalls[nr];
	if (how == CW_WATCH_NONE)
		return 0;
	return on_exit(regs, nr, ret, how, vma);
}

/* The fallback: every syscall of the host runs it; the number decides first. */
SEC("tp_btf/sys_exit")
int BPF_PROG(cw_sys_exit, struct pt_regs *regs, long ret)
{
	return generic_exit(regs, ret, true);
}

/*
 * The same without the mprotect judge, for kernels before 5.17: even
 * unreachable, bpf_find_vma()'s callback is a subprogram they cannot load
 * (a BPF_PSEUDO_FUNC reference, 5.13).  Userspace loads one of the two.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(cw_sys_exit_novma, struct pt_regs *regs, long ret)
{
	return generic_exit(regs, ret, false);
}

/*
 * The fallback's entry, loaded with cw_sys_exit: only the identity changes
 * need one, and every syscall of the host pays for it while it is attached
 * (a table load more than cw_sys_exit: cellrun's embedded monitor uses the
 * generic programs for its one run).
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(cw_sys_enter, struct pt_regs *regs, long nr)
{
	__u8 how;

	if ((unsigned long)nr >= CW_MAX_SYSCALLS)
		return 0;
	how = cw_watched_syscalls[nr];
	if (how != CW_WATCH_SETID && how != CW_WATCH_SETFSID)
		return 0;
	return record_ids();
}

/*
 * One program per syscall.  The tracepoint gives the number and the
 * result; the arguments are still in the task's saved user registers.
 */
#define CW_SYSCALL(name, how)							\
SEC("tp/syscalls/sys_exit_" #name)						\
int cw_x_##name(struct trace_event_raw_sys_exit *ctx)				\
{										\
	struct pt_regs *regs = cw_task_pt_regs(cw_current_task());		\
										\
	return on_exit(regs, ctx->id, ctx->ret, how, true);			\
}
#include "syscalls.def"
#undef CW_SYSCALL

/*
 * The identity changes' entry: the caller's ids before the call, for its
 * exit to compare (setid.bpf.h).  One program per syscall with the exit
 * programs; with the generic one, the generic entry below.
 */
#define CW_SETID_ENTRY(name)							\
SEC("tp/syscalls/sys_enter_" #name)						\
int cw_e_##name(void *ctx)							\
{										\
	return record_ids();							\
}
CW_SETID_ENTRY(setuid)
CW_SETID_ENTRY(setgid)
CW_SETID_ENTRY(setreuid)
CW_SETID_ENTRY(setregid)
CW_SETID_ENTRY(setresuid)
CW_SETID_ENTRY(setresgid)
CW_SETID_ENTRY(setfsuid)
CW_SETID_ENTRY(setfsgid)
#undef CW_SETID_ENTRY

char LICENSE[] SEC("license") = "Dual BSD/GPL";
