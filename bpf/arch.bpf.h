/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Architecture shims: syscall numbers and the syscall number in pt_regs. */
#ifndef CW_ARCH_BPF_H
#define CW_ARCH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

#if defined(__TARGET_ARCH_x86)
#define CW_NR_open	2
#define CW_NR_creat	85
#define CW_NR_openat	257
#define CW_NR_openat2	437
#define CW_NR_open_by_handle_at	304
#define CW_NR_socket	41
#define CW_NR_execve	59
#define CW_NR_mmap	9
#define CW_NR_mknodat	259
#define CW_NR_execveat	322
#define CW_NR_connect	42
#define CW_NR_sendto	44
#define CW_NR_sendmsg	46
#define CW_NR_kill	62
#define CW_NR_tkill	200
#define CW_NR_tgkill	234
#define CW_NR_rt_sigqueueinfo	129
#define CW_NR_rt_tgsigqueueinfo	297
#define CW_NR_pidfd_send_signal	424
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
#define CW_NR_open	(-1)	/* arm64 has openat only */
#define CW_NR_creat	(-1)
#define CW_NR_openat	56
#define CW_NR_openat2	437
#define CW_NR_open_by_handle_at	265
#define CW_NR_socket	198
#define CW_NR_execve	221
#define CW_NR_mmap	222
#define CW_NR_mknodat	33
#define CW_NR_execveat	281
#define CW_NR_connect	203
#define CW_NR_sendto	206
#define CW_NR_sendmsg	211
#define CW_NR_kill	129
#define CW_NR_tkill	130
#define CW_NR_tgkill	131
#define CW_NR_rt_sigqueueinfo	138
#define CW_NR_rt_tgsigqueueinfo	240
#define CW_NR_pidfd_send_signal	424
#define syscall_nr(regs) BPF_CORE_READ(regs, syscallno)
#define syscall_arg6(regs) BPF_CORE_READ(regs, regs[5])
#define call_rolled_back(regs) (BPF_CORE_READ(regs, regs[0]) == BPF_CORE_READ(regs, orig_x0))
#define task_call_arch(task) CW_AUDIT_ARCH_AARCH64
#else
#error "cellwatch: unsupported architecture; add its syscall numbers to bpf/arch.bpf.h"
#endif

#endif /* CW_ARCH_BPF_H */
