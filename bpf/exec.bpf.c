// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process execution.  sched_process_exec fires once the new image is
 * installed and before it runs one instruction, so a SIGKILL sent here kills
 * the new program before it can act, and argv is the kernel's own copy on the
 * new stack, out of reach of the old image.
 */
#include "common.bpf.h"
#include "rules.bpf.h"
#include "path.bpf.h"
#include "exec.bpf.h"
#include "fold.bpf.h"

static __always_inline __u32 read_args(struct task_struct *task, char *dst, __u32 *flags,
				       __u32 *total)
{
	__u64 start = BPF_CORE_READ(task, mm, arg_start);
	__u64 end = BPF_CORE_READ(task, mm, arg_end);
	__u32 len;

	if (end <= start)
		return 0;
	*total = end - start > 0xffffffff ? 0xffffffff : end - start;
	len = end - start > CW_ARGS_MAX ? CW_ARGS_MAX : end - start;
	if (len == CW_ARGS_MAX && end - start > CW_ARGS_MAX)
		*flags |= CW_F_ARGS_TRUNCATED;
	barrier_var(len);
	if (len > CW_ARGS_MAX)
		return 0;
	if (bpf_probe_read_user(dst, len, (void *)start))
		return 0;
	return len;
}

/* The dynamic loader's name: "ld-*.so*". */
static __always_inline bool is_loader_name(const char *name)
{
	if (!has_prefix(name, "ld-", 3))
		return false;
	for (int i = 3; i < CW_NAME_MAX - 3; i++) {
		if (!name[i])
			break;
		if (name[i] == '.' && name[i + 1] == 's' && name[i + 2] == 'o')
			return true;
	}
	return false;
}

/*
 * What the scratch buffer's names (struct cw_exec_names) say of an exec:
 * a memfd's binary, a path through an fd, and the dynamic loader run with
 * a program to load (@argc > 1), which runs a file exec never saw.  A
 * global function, verified once: inlined, its loops were walked again
 * for each state cw_exec reached them in, 47 000 of its 67 000
 * instructions verified.
 */
__noinline __u32 cw_exec_name_flags(__u32 argc)
{
	struct cw_scratch_buf *buf = get_scratch();
	__u32 flags;

	if (!buf)
		return 0;
	flags = fd_path_flags(buf->names.path);
	if (has_prefix(buf->names.file, "memfd:", 6))
		flags |= CW_F_EXEC_MEMFD;
	if (argc > 1 && is_loader_name(buf->names.file))
		flags |= CW_F_EXEC_LOADER;
	return flags;
}

/*
 * Name rules hold names shorter than CW_NAME_MAX, so only the last
 * CW_NAME_MAX bytes are searched for the last '/'.  Global, verified once:
 * inlined, the search was walked again for each state the exit handler
 * reached it in.
 */
__noinline int cw_exec_name_base(__u32 len)
{
	struct cw_scratch_buf *buf = get_scratch();
	const char *path;

	if (!buf)
		return -1;
	path = buf->ev.exec.data;
	for (__u32 i = 1; i <= CW_NAME_MAX; i++) {
		if (i >= len)
			return 0;	/* no '/': the whole name */
		if (path[(len - 1 - i) & (CW_PATH_MAX - 1)] == '/')
			return (len - i) & (CW_PATH_MAX - 1);
	}
	return -1;
}

/* How the binary was reached: a memfd, an unlinked file, an fd rather than a path, ld.so. */
static __always_inline __u32 exec_flags(struct linux_binprm *bprm, struct file *f)
{
	struct cw_scratch_buf *buf = get_scratch();
	__u32 flags = deleted_flag(f);

	if (!buf)
		return flags;
	bpf_probe_read_kernel_str(buf->names.file, sizeof(buf->names.file),
				  BPF_CORE_READ(f, f_path.dentry, d_name.name));
	bpf_probe_read_kernel_str(buf->names.path, sizeof(buf->names.path),
				  BPF_CORE_READ(bprm, filename));
	return flags | cw_exec_name_flags(BPF_CORE_READ(bprm, argc));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(cw_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cw_scratch_buf *buf;
	struct cw_exec_event *e;
	struct cw_verdict *rule;
	struct cw_cell *c;
	struct file *f;
	__u64 cell, dev, ino, size;
	__u32 path_len, args_len, how;

	/* What the old program repeated is told before the new one runs. */
	fold_end(old_pid);
	c = current_cell_entry(&cell);
	if (!c)
		return 0;
	reap_doomed(cell);

	f = BPF_CORE_READ(bprm, file);
	file_identity(f, &dev, &ino);
	how = exec_flags(bprm, f);
	rule = match_exec(c->policy, f, dev, ino);
	if (!rule)
		rule = match_exec_how(c->policy, how);
	if (rule)
		enforce(rule, cell);

	buf = get_scratch();
	if (!buf)
		return 0;
	e = &buf->ev.exec;
	fill_hdr(&e->hdr, CW_EVENT_EXEC, cell);
	e->hdr.ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (rule)
		mark(&e->hdr, rule);
	e->hdr.flags |= how;
	e->dev = dev;
	e->ino = ino;
	e->ret = 0;
	e->args_total = 0;
	path_len = resolve_path(&f->f_path, e->data, buf, &e->hdr.flags);
	args_len = read_args(task, &e->data[path_len & (CW_PATH_MAX - 1)], &e->hdr.flags,
			     &e->args_total);
	e->path_len = path_len;
	e->args_len = args_len;
	size = offsetof(struct cw_exec_event, data) + path_len + args_len;
	if (size > sizeof(*e))
		return 0;
	submit_critical(e, size);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
