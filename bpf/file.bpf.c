// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File opens.  The path is resolved from the struct file the new fd refers
 * to, at syscall exit: what was really opened, whatever string (relative,
 * through symlinks, through /proc/self/fd) the caller passed.
 */
#include "common.bpf.h"
#include "arch.bpf.h"
#include "path.bpf.h"

#define CW_O_WRONLY	01
#define CW_O_CREAT	0100
#define CW_O_TRUNC	01000

/* The open flags the caller asked for, read from the preserved syscall args. */
static __always_inline __u32 open_flags(long nr, struct pt_regs *regs)
{
	struct open_how how = {};

	if (nr == CW_NR_openat)
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	if (nr == CW_NR_open)
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	if (nr == CW_NR_creat)
		return CW_O_CREAT | CW_O_WRONLY | CW_O_TRUNC;
	bpf_probe_read_user(&how, sizeof(how), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
	return how.flags;
}

static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if ((unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cw_sys_exit, struct pt_regs *regs, long ret)
{
	struct cw_scratch_buf *buf;
	struct cw_open_event *e;
	struct file *f;
	__u32 path_len;
	long nr;
	__u64 cell;

	/* Cheapest test first: this hook sees every syscall on the host. */
	nr = syscall_nr(regs);
	if (nr != CW_NR_openat && nr != CW_NR_open && nr != CW_NR_creat && nr != CW_NR_openat2)
		return 0;
	cell = current_cell();
	if (!cell || ret < 0)
		return 0;

	f = fd_file(ret);
	buf = get_scratch();
	if (!f || !buf)
		return 0;
	e = &buf->ev.open;
	fill_hdr(&e->hdr, CW_EVENT_OPEN, cell);
	e->hdr.ppid = BPF_CORE_READ(bpf_get_current_task_btf(), real_parent, tgid);
	file_identity(f, &e->dev, &e->ino);
	e->flags = open_flags(nr, regs);
	e->ret = ret;
	e->__pad = 0;
	path_len = resolve_path(&f->f_path, e->path, buf, &e->hdr.flags);
	e->path_len = path_len;
	submit(e, offsetof(struct cw_open_event, path) + path_len);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
