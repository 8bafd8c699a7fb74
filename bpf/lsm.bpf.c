// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF-LSM: where a deny is exact.  The file is refused before an fd exists,
 * the exec before the new image is loaded, the connect before the socket
 * moves.  Driven by the same compiled rule maps as the tracepoint backend;
 * loaded only where the kernel lets LSM programs load (probed at start, see
 * userspace/lib/monitor.c), the tracepoint backend enforcing otherwise.
 *
 * Every program honours an earlier LSM's refusal, is scoped to cells, and
 * records its verdict for the syscall's exit event (take_lsm_verdict()).
 */
#include "common.bpf.h"
#include "rules.bpf.h"
#include "arch.bpf.h"
#include "path.bpf.h"
#include "net.bpf.h"
#include "exec.bpf.h"

#define EPERM 1

/* Act on a verdict in @cell: refuse (and kill, where the rule says so), and remember it. */
static __always_inline int lsm_verdict(const struct cw_verdict *v, __u64 cell)
{
	__u64 key = bpf_get_current_pid_tgid();

	if (!v || v->action == CW_ACTION_NONE || v->action == CW_ACTION_ALERT)
		return 0;
	bpf_map_update_elem(&lsm_verdicts, &key, v, BPF_ANY);
	enforce(v, cell);
	return -EPERM;
}

/*
 * The current task's cell, or NULL; *refuse is set when the cell's run
 * was ended: nothing more of it is let through, and the task dies.
 */
static __always_inline struct cw_cell *lsm_cell(__u64 *cell, int *refuse)
{
	struct cw_cell *c = current_cell_entry(cell);

	*refuse = c && reap_doomed(*cell) ? -EPERM : 0;
	return c;
}

/* The verdict of the rules for the syscall in progress (ptrace, mount, bpf, modules, ...). */
static __always_inline int syscall_verdict(__u32 policy, __u64 cell)
{
	struct pt_regs *regs = cw_task_pt_regs(cw_current_task());
	struct cw_syscall_key key = { .policy = policy, .nr = syscall_nr(regs) };

	return lsm_verdict(bpf_map_lookup_elem(&syscall_rules, &key), cell);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(cw_lsm_exec, struct linux_binprm *bprm, int ret)
{
	struct cw_scratch_buf *buf;
	struct cw_exec_event *e;
	struct cw_verdict *v;
	struct cw_cell *c;
	struct file *f;
	__u64 cell, size, dev, ino;
	int verdict;

	if (ret)
		return ret;
	c = lsm_cell(&cell, &verdict);
	if (!c || verdict)
		return verdict;
	f = bprm->file;
	file_identity(f, &dev, &ino);
	v = match_exec(c->policy, f, dev, ino);
	verdict = lsm_verdict(v, cell);
	if (!verdict || !v)
		return verdict;
	/*
	 * The exec never happens, so sched_process_exec will not report it:
	 * say it here, with the binary.  The verdict stays for the syscall's
	 * exit, which so knows the refusal is reported.
	 */
	buf = get_scratch();
	if (!buf)
		return verdict;
	e = &buf->ev.exec;
	fill_hdr(&e->hdr, CW_EVENT_EXEC, cell);
	mark(&e->hdr, v);
	e->hdr.layer = CW_LAYER_LSM;
	e->hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	e->dev = dev;
	e->ino = ino;
	e->ret = verdict;
	e->args_total = 0;
	size = append_argv(e, buf, resolve_path(&f->f_path, e->data, buf, &e->hdr.flags),
			   stash_caller_argv(buf, &e->hdr.flags));
	if (size <= sizeof(*e))
		submit_critical(e, size);
	return verdict;
}

SEC("lsm/file_open")
int BPF_PROG(cw_lsm_open, struct file *file, int ret)
{
	struct cw_scratch_buf *buf;
	struct cw_cell *c;
	__u32 flags = 0, len;
	__u64 cell;
	int refuse;

	if (ret)
		return ret;
	c = lsm_cell(&cell, &refuse);
	if (!c || refuse)
		return refuse;
	buf = get_scratch();
	if (!buf)
		return 0;
	len = resolve_path(&file->f_path, buf->ev.open.path, buf, &flags);
	return lsm_verdict(match_open(c->policy, file, buf->ev.open.path, len), cell);
}

/* An inet destination from the kernel's copy of the address. */
static __always_inline bool inet_dest(struct sockaddr *addr, struct cw_dest *d)
{
	__u16 family = BPF_CORE_READ(addr, sa_family);

	d->family = family;
	if (family == CW_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;

		d->port = bpf_ntohs(BPF_CORE_READ(in, sin_port));
		BPF_CORE_READ_INTO(&d->addr, in, sin_addr.s_addr);
		return true;
	}
	if (family == CW_AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;

		d->port = bpf_ntohs(BPF_CORE_READ(in6, sin6_port));
		BPF_CORE_READ_INTO(&d->addr, in6, sin6_addr);
		return true;
	}
	return false;
}

static __always_inline int net_verdict(struct socket *sock, struct sockaddr *addr)
{
	__u64 cell, key = bpf_get_current_pid_tgid();
	struct cw_dest d = {};
	struct cw_net_rule *r;
	struct cw_cell *c;
	int refuse;

	c = lsm_cell(&cell, &refuse);
	if (!c || refuse)
		return refuse;
	if (!addr || !inet_dest(addr, &d))
		return 0;
	/*
	 * A refusal here stops the call before the cgroup hook, which would
	 * stash the destination for the exit's event: stash it here, without
	 * a verdict (lsm_verdicts carries that).
	 */
	d.protocol = BPF_CORE_READ(sock, sk, sk_protocol);
	bpf_map_update_elem(&pending_dest, &key, &d, BPF_ANY);
	r = match_net(c->policy, &d);
	return r ? lsm_verdict(&r->v, cell) : 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(cw_lsm_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	return ret ?: net_verdict(sock, address);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(cw_lsm_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	return ret ?: net_verdict(sock, (struct sockaddr *)BPF_CORE_READ(msg, msg_name));
}

SEC("lsm/socket_create")
int BPF_PROG(cw_lsm_socket, int family, int type, int protocol, int kern, int ret)
{
	struct cw_cell *c;
	__u64 cell;
	int refuse;

	if (ret || kern)
		return ret;
	c = lsm_cell(&cell, &refuse);
	if (!c || refuse)
		return refuse;
	return lsm_verdict(match_socket(c->policy, family, type & 0xf, protocol), cell);
}

/* The hooks behind the escape syscalls: the rules name the syscalls. */
#define ESCAPE_HOOK(hook, name, args...)					\
SEC("lsm/" #hook)								\
int BPF_PROG(name, args, int ret)						\
{										\
	struct cw_cell *c;							\
	__u64 cell;								\
	int refuse;								\
										\
	if (ret)								\
		return ret;							\
	c = lsm_cell(&cell, &refuse);						\
	if (!c || refuse)							\
		return refuse;							\
	return syscall_verdict(c->policy, cell);				\
}

ESCAPE_HOOK(ptrace_access_check, cw_lsm_ptrace, struct task_struct *child, unsigned int mode)
ESCAPE_HOOK(sb_mount, cw_lsm_mount, const char *dev, const struct path *path, const char *type,
	    unsigned long flags, void *data)
ESCAPE_HOOK(bpf, cw_lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size)
ESCAPE_HOOK(kernel_read_file, cw_lsm_read_file, struct file *file, int id, bool contents)
ESCAPE_HOOK(kernel_module_request, cw_lsm_module_request, char *name)

/* A signal for a task outside the cell: the "signal" rules, compiled under CW_NR_SIGNAL_OUT. */
SEC("lsm/task_kill")
int BPF_PROG(cw_lsm_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct cw_syscall_key key = { .nr = CW_NR_SIGNAL_OUT };
	struct cw_cell *c;
	__u64 cell;
	int refuse;

	if (ret || !sig)
		return ret;
	c = lsm_cell(&cell, &refuse);
	if (!c || refuse)
		return refuse;
	if (task_cell(p) == cell)
		return 0;
	key.policy = c->policy;
	return lsm_verdict(bpf_map_lookup_elem(&syscall_rules, &key), cell);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
