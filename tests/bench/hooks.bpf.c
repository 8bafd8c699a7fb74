// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * make bench: candidate hooks for syscall events, each doing what
 * cw_sys_exit does before it finds a task outside every cell: filter on the
 * syscall, then look the cell up.  Loaded one at a time by bench_overhead.
 */
#include "common.bpf.h"
#include "arch.bpf.h"

/* The generic exit tracepoint (BTF-typed), filtering on the syscall number: what cellwatch uses. */
SEC("tp_btf/sys_exit")
int BPF_PROG(generic_tp_btf, struct pt_regs *regs, long ret)
{
	long nr = syscall_nr(regs);

	if (nr != __NR_openat && nr != __NR_open && nr != __NR_connect)
		return 0;
	return current_cell() ? 1 : 0;
}

/* The same through a raw tracepoint. */
SEC("raw_tp/sys_exit")
int BPF_PROG(generic_raw_tp, struct pt_regs *regs, long ret)
{
	long nr = syscall_nr(regs);

	if (nr != __NR_openat && nr != __NR_open && nr != __NR_connect)
		return 0;
	return current_cell() ? 1 : 0;
}

/* One tracepoint per syscall: fires only for openat (one of the several needed). */
SEC("tp/syscalls/sys_exit_openat")
int specific_openat(struct trace_event_raw_sys_exit *ctx)
{
	return current_cell() ? 1 : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
