/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Network calls reported at syscall exit (syscall.bpf.c) with their
 * result.  The cgroup sock_addr hooks (cgroup.bpf.c) stash the kernel's copy
 * of an inet destination per thread; the exit handler takes it from there,
 * so a racing thread rewriting the caller's buffer changes nothing.
 */
#ifndef CW_NET_EXIT_BPF_H
#define CW_NET_EXIT_BPF_H

#include "net.bpf.h"
#include "path.bpf.h"

static __always_inline struct sock *fd_sock(struct file *f)
{
	struct socket *sock;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & CW_S_IFMT) != CW_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* The bound name of a connected AF_UNIX socket's peer: what it really reached. */
static __always_inline void unix_peer_name(struct sock *sk, struct cw_net_event *e)
{
	struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ((struct unix_sock *)sk, peer);
	struct unix_address *addr = peer ? BPF_CORE_READ(peer, addr) : NULL;
	int len;

	if (!addr)
		return;
	len = BPF_CORE_READ(addr, len) - (int)sizeof(__u16);
	if (len <= 0)
		return;
	len &= 127;
	if (len > CW_UNIX_PATH_MAX)
		len = CW_UNIX_PATH_MAX;
	bpf_probe_read_kernel(e->path, len, (char *)&addr->name[0] + sizeof(__u16));
	e->path_len = len;
}

/* A destination the caller passed, from its memory: flagged as unresolved. */
static __always_inline void user_dest(const void *uaddr, struct cw_net_event *e)
{
	struct sockaddr_un sun = {};
	int len;

	if (!uaddr || bpf_probe_read_user(&sun, sizeof(sun), uaddr))
		return;
	e->hdr.flags |= CW_F_UNRESOLVED;
	if (sun.sun_family != CW_AF_UNIX)
		return;
	/* A pathname is NUL-terminated; an abstract name (leading NUL) is not. */
	if (sun.sun_path[0]) {
		len = bpf_probe_read_kernel_str(e->path, CW_UNIX_PATH_MAX, sun.sun_path);
		e->path_len = len > 0 ? len - 1 : 0;
	} else {
		__builtin_memcpy(e->path, sun.sun_path, CW_UNIX_PATH_MAX);
		e->path_len = CW_UNIX_PATH_MAX;
	}
}

static __always_inline bool take_stash(struct cw_net_event *e)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct cw_dest *d = bpf_map_lookup_elem(&pending_dest, &key);

	if (!d)
		return false;
	e->family = d->family;
	e->port = d->port;
	e->protocol = d->protocol;
	mark(&e->hdr, &d->v);
	/* the hook refused; here, in the same call, a kill can follow */
	enforce(&d->v, e->hdr.cell_id);
	__builtin_memcpy(e->addr, d->addr, sizeof(e->addr));
	bpf_map_delete_elem(&pending_dest, &key);
	return true;
}

/*
 * A non-blocking connect returns EINPROGRESS before the peer answers; on
 * loopback the reset that refuses it is taken in the same call, as the
 * socket lock is released, so at the exit the socket knows already.
 */
static __always_inline long connect_result(struct sock *sk, long ret)
{
	if (ret == -CW_EINPROGRESS && sk && BPF_CORE_READ(sk, sk_err) == CW_ECONNREFUSED)
		return -CW_ECONNREFUSED;
	return ret;
}

/* The peer of a connected inet socket. */
static __always_inline void inet_peer(struct sock *sk, struct cw_net_event *e)
{
	e->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == CW_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(e->addr, &a, sizeof(a));
	} else {
		BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_daddr);
	}
}

/*
 * Did the caller dial a pathname other than the one the peer bound?  A
 * socket bound elsewhere and mounted at /var/run/docker.sock is known to
 * rules only by the path dialled.  @dialled (scratch space) gets the
 * caller's sockaddr_un.
 */
static __always_inline bool unix_dialled_elsewhere(const void *uaddr,
						   const struct cw_net_event *e, char *dialled)
{
	const char *want = dialled + sizeof(__u16);	/* sun_path */

	if (!uaddr || bpf_probe_read_user(dialled, sizeof(struct sockaddr_un), uaddr) ||
	    !want[0])
		return false;	/* abstract names cannot be mounted elsewhere */
	for (int i = 0; i < CW_UNIX_PATH_MAX; i++) {
		if (want[i] != e->path[i])
			return true;
		if (!want[i])
			return false;
	}
	return false;
}

/*
 * A unix socket's path against the kernel's rules: the process dies at the
 * syscall's exit, before it can send a byte over the connection.
 */
static __always_inline struct cw_verdict *judge_unix(__u32 policy, struct cw_net_event *e,
						     const char *path)
{
	struct cw_verdict *rule = match_unix(policy, path);

	if (rule) {
		enforce(rule, e->hdr.cell_id);
		mark(&e->hdr, rule);
	}
	return rule;
}

/*
 * The second event for a socket dialled by another name: that name,
 * unresolved, judged by @policy's rules unless the first event's name was.
 */
static __always_inline void submit_dialled(struct cw_net_event *e, const char *dialled,
					   __u32 policy, bool judged)
{
	long len = bpf_probe_read_kernel_str(e->path, CW_UNIX_PATH_MAX, dialled + sizeof(__u16));

	e->path_len = len > 0 ? len - 1 : 0;
	e->hdr.flags |= CW_F_UNRESOLVED;
	e->hdr.rule_id = 0;
	e->hdr.action = CW_ACTION_NONE;
	e->hdr.layer = CW_LAYER_NONE;
	if (!judged)
		judge_unix(policy, e, e->path);
	submit_critical(e, sizeof(*e));
}

static __noinline int handle_net(struct pt_regs *regs, long nr, long ret, __u64 cell,
				 __u32 policy)
{
	struct cw_scratch_buf *buf = get_scratch();
	const void *uaddr = NULL;
	struct sock *sk = NULL;
	struct cw_net_event *e;
	struct cw_verdict *unix_rule = NULL;
	bool stashed, dialled = false;

	/*
	 * In the per-CPU scratch: with the caller's frame, the stack would pass
	 * 512 bytes on 6.1.
	 */
	if (!buf)
		return 0;
	e = &buf->ev.net;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, CW_EVENT_NET, cell);
	take_lsm_verdict(&e->hdr);
	if (nr == __NR_socket) {
		__u32 family = PT_REGS_PARM1_CORE_SYSCALL(regs);
		__u32 type = PT_REGS_PARM2_CORE_SYSCALL(regs) & 0xf;
		__u32 protocol = PT_REGS_PARM3_CORE_SYSCALL(regs);

		/*
		 * Raw and ping sockets (forged packets, ICMP) and every family
		 * but unix and IP: frames, the hypervisor, netlink, the crypto
		 * API and the rest of the kernel's socket code.
		 */
		if (type != CW_SOCK_RAW && !is_ping_socket(family, protocol) &&
		    (family == CW_AF_UNIX || family == CW_AF_INET || family == CW_AF_INET6))
			return 0;
		struct cw_verdict *rule;

		take_stash(e);		/* the sock_create hook's verdict, if it refused */
		e->op = CW_NET_SOCKET;
		e->family = family;
		e->sock_type = type;
		rule = match_socket(policy, family, type, protocol);
		if (rule) {
			enforce(rule, cell);
			mark(&e->hdr, rule);
		}
		e->protocol = protocol;
		goto emit;
	}
	if (nr == __NR_connect) {
		e->op = CW_NET_CONNECT;
		uaddr = (const void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	} else if (nr == __NR_sendto) {
		e->op = CW_NET_SENDTO;
		uaddr = (const void *)PT_REGS_PARM5_CORE_SYSCALL(regs);
	} else {
		struct user_msghdr msg;

		e->op = CW_NET_SENDMSG;
		if (!bpf_probe_read_user(&msg, sizeof(msg),
					 (void *)PT_REGS_PARM2_CORE_SYSCALL(regs)))
			uaddr = msg.msg_name;
	}
	stashed = take_stash(e);
	/* A send on a connected socket names no destination: not an event. */
	if (!uaddr && e->op != CW_NET_CONNECT)
		return 0;
	sk = fd_sock(fd_file(PT_REGS_PARM1_CORE_SYSCALL(regs)));
	if (e->op == CW_NET_CONNECT)
		ret = connect_result(sk, ret);
	if (sk) {
		e->sock_type = BPF_CORE_READ(sk, sk_type);
		if (!stashed) {
			e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
			e->protocol = BPF_CORE_READ(sk, sk_protocol);
		}
	}
	if (stashed)
		goto emit;
	if (sk && ret == 0 && e->op == CW_NET_CONNECT &&
	    (e->family == CW_AF_INET || e->family == CW_AF_INET6))
		inet_peer(sk, e);
	else if (sk && ret == 0 && e->op == CW_NET_CONNECT && e->family == CW_AF_UNIX) {
		unix_peer_name(sk, e);
		dialled = unix_dialled_elsewhere(uaddr, e, buf->path);
	} else
		user_dest(uaddr, e);
	if (e->family == CW_AF_UNIX)
		unix_rule = judge_unix(policy, e, e->path);
emit:
	e->hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	e->ret = ret;
	submit_critical(e, sizeof(*e));
	if (dialled)
		submit_dialled(e, buf->path, policy, unix_rule);
	return 0;
}

#endif /* CW_NET_EXIT_BPF_H */
