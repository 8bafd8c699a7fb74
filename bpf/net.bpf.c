// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network connects, from the cgroup sock_addr hooks: they see the kernel's
 * copy of the destination, after the caller can no longer change it, and
 * are where a connect can be refused (return 0: the caller gets EPERM).
 */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#define CW_AF_INET	2
#define CW_AF_INET6	10

/* @family is a constant: connect4 may not touch user_ip6 and connect6 not user_ip4. */
static __always_inline int emit_connect(struct bpf_sock_addr *ctx, __u16 family)
{
	struct cw_connect_event e = {};
	__u64 cell = current_cell();

	if (!cell)
		return 1;
	fill_hdr(&e.hdr, CW_EVENT_CONNECT, cell);
	e.family = family;
	e.port = bpf_ntohs(ctx->user_port);
	e.protocol = ctx->protocol;
	if (e.family == CW_AF_INET) {
		__u32 ip4 = ctx->user_ip4;

		__builtin_memcpy(e.addr, &ip4, sizeof(ip4));
	} else {
		__u32 ip6[4] = {
			ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3],
		};

		__builtin_memcpy(e.addr, ip6, sizeof(ip6));
	}
	submit_critical(&e, sizeof(e));
	return 1;
}

SEC("cgroup/connect4")
int cw_connect4(struct bpf_sock_addr *ctx)
{
	return emit_connect(ctx, CW_AF_INET);
}

SEC("cgroup/connect6")
int cw_connect6(struct bpf_sock_addr *ctx)
{
	return emit_connect(ctx, CW_AF_INET6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
