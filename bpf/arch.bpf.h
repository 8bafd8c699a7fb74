/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Architecture shims: the syscall number in pt_regs, the caller's ABI.
 * Syscall numbers (__NR_*) come from the target's own uapi headers, which
 * the Makefile puts on the include path (linux-libc-dev of that arch).
 */
#ifndef CW_ARCH_BPF_H
#define CW_ARCH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

#if defined(__TARGET_ARCH_x86)
/* Not <asm/unistd.h>, which picks the table by the compiler's target (bpf). */
#include <asm/unistd_64.h>
#define syscall_nr(regs) BPF_CORE_READ(regs, orig_ax)
#define syscall_arg6(regs) BPF_CORE_READ(regs, r9)
/*
 * A kernel without IA32 emulation answers an i386 syscall (int 0x80) with
 * a general protection fault: SIGSEGV, SI_KERNEL, ip on the instruction.
 */
#define CW_HAS_INT80	1
#define user_ip(regs) BPF_CORE_READ(regs, ip)
#define user_ax(regs) BPF_CORE_READ(regs, ax)
/* syscall_rollback(): the registers as at the call, its number in ax again. */
#define call_rolled_back(regs) (user_ax(regs) == syscall_nr(regs))
/* The ABI of the task's syscall in progress: TS_COMPAT marks an i386 one. */
#define CW_TS_COMPAT	0x0002
#define task_call_arch(task)							\
	(BPF_CORE_READ(task, thread_info.status) & CW_TS_COMPAT ?		\
	 CW_AUDIT_ARCH_I386 : CW_AUDIT_ARCH_X86_64)
#elif defined(__TARGET_ARCH_arm64)
#include <asm/unistd.h>
/* The generic table has no open(2) nor creat(2): openat only. */
#define __NR_open	(-1)
#define __NR_creat	(-1)
#define syscall_nr(regs) BPF_CORE_READ(regs, syscallno)
#define syscall_arg6(regs) BPF_CORE_READ(regs, regs[5])
#define call_rolled_back(regs) (BPF_CORE_READ(regs, regs[0]) == BPF_CORE_READ(regs, orig_x0))
#define task_call_arch(task) CW_AUDIT_ARCH_AARCH64
#else
#error "cellwatch: unsupported architecture; add its registers to bpf/arch.bpf.h"
#endif

#endif /* CW_ARCH_BPF_H */
