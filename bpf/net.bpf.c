// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cgroup sock_addr hooks: they see the kernel's copy of an inet
 * destination, after the caller can no longer change it, and are where a
 * connect or send can be refused (return 0: the caller gets EPERM).  The
 * destination is stashed for the syscall's exit (net.bpf.h), which reports
 * it with the result.
 */
#include "net.bpf.h"

/* @family is a constant: the v4 hooks may not touch user_ip6, the v6 ones not user_ip4. */
static __always_inline int stash_dest(struct bpf_sock_addr *ctx, __u16 family)
{
	struct cw_dest d = {};
	__u64 key;

	if (!current_cell())
		return 1;
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
	key = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending_dest, &key, &d, BPF_ANY);
	return 1;
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
