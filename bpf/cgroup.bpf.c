// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cgroup sock_addr hooks: they see the kernel's copy of an inet
 * destination, after the caller can no longer change it, and are where a
 * connect or send can be refused (return 0: the caller gets EPERM).  The
 * destination is stashed for the syscall's exit (net_exit.bpf.h), which
 * reports it with the result.
 */
/* See current_cell_cgroup(). */
#define CW_CGROUP_PROGS
#include "net.bpf.h"

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: the cell's own loopback. */
static __always_inline bool is_loopback(const struct cw_dest *d)
{
	const __u8 *a = d->addr;

	if (d->family == CW_AF_INET)
		return a[0] == 127;
	for (int i = 0; i < 10; i++) {
		if (a[i])
			return false;
	}
	if (a[10] == 0xff && a[11] == 0xff)
		return a[12] == 127;
	return a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 1;
}

/*
 * @family is a constant: the v4 hooks may not touch user_ip6, the v6 ones
 * not user_ip4.  Returns the verdict: 1 allow, 0 refuse (EPERM).  A rule
 * that kills refuses too; the kill follows at the syscall's exit.
 */
static __always_inline int stash_dest(struct bpf_sock_addr *ctx, __u16 family)
{
	struct cw_dest d = {};
	struct cw_net_rule *rule;
	struct cw_cell *cell;
	__u64 key, id;
	int verdict = 1;

	cell = current_cell_entry(&id);
	if (!cell)
		return 1;
	/* The run was ended: nothing more leaves it (the exit tracepoint reaps the task). */
	if (bpf_map_lookup_elem(&doomed, &id))
		return 0;
	d.family = family;
	d.port = bpf_ntohs(ctx->user_port);
	d.protocol = ctx->protocol;
	if (family == CW_AF_INET) {
		__u32 ip4 = ctx->user_ip4;

		__builtin_memcpy(d.addr, &ip4, sizeof(ip4));
	} else {
		__u32 ip6[4] = {
			ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3],
		};

		__builtin_memcpy(d.addr, ip6, sizeof(ip6));
	}
	rule = match_net(cell->policy, &d);
	if (rule) {
		d.v = rule->v;
		if (d.v.action != CW_ACTION_NONE && d.v.action != CW_ACTION_ALERT)
			verdict = 0;
	} else if ((cell->net_policy & CW_NETPOL_DENY_EXTERNAL) && !is_loopback(&d)) {
		d.v.action = CW_ACTION_DENY;
		verdict = 0;
	}
	key = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending_dest, &key, &d, BPF_ANY);
	return verdict;
}

/* Raw inet sockets craft any packet: refused where the cell's policy says so. */
SEC("cgroup/sock_create")
int cw_sock_create(struct bpf_sock *sk)
{
	struct cw_cell *cell;
	__u64 id;

	struct cw_dest d = { .v.action = CW_ACTION_DENY };
	__u64 key;

	cell = current_cell_entry(&id);
	if (!cell || !(cell->net_policy & CW_NETPOL_DENY_RAW) || sk->type != CW_SOCK_RAW)
		return 1;
	d.family = sk->family;
	key = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending_dest, &key, &d, BPF_ANY);
	return 0;
}

SEC("cgroup/connect4")
int cw_connect4(struct bpf_sock_addr *ctx)
{
	return stash_dest(ctx, CW_AF_INET);
}

SEC("cgroup/connect6")
int cw_connect6(struct bpf_sock_addr *ctx)
{
	return stash_dest(ctx, CW_AF_INET6);
}

SEC("cgroup/sendmsg4")
int cw_sendmsg4(struct bpf_sock_addr *ctx)
{
	return stash_dest(ctx, CW_AF_INET);
}

SEC("cgroup/sendmsg6")
int cw_sendmsg6(struct bpf_sock_addr *ctx)
{
	return stash_dest(ctx, CW_AF_INET6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
