/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The network rules' lookups (socket families, destinations) and the
 * per-thread stash of an inet destination, shared by the cgroup hooks
 * (cgroup.bpf.c), BPF-LSM (lsm.bpf.c) and the syscall exits (net_exit.bpf.h).
 */
#ifndef CW_NET_BPF_H
#define CW_NET_BPF_H

#include "common.bpf.h"
#include "rules.bpf.h"
#include "arch.bpf.h"
#include <bpf/bpf_endian.h>

#define CW_AF_UNIX	1
#define CW_AF_INET	2
#define CW_AF_INET6	10
#define CW_SOCK_RAW	3
#define CW_ECONNREFUSED	111
#define CW_EINPROGRESS	115
#define CW_IPPROTO_ICMP		1
#define CW_IPPROTO_ICMPV6	58

/* An ICMP datagram socket: the unprivileged "ping" socket, echo requests as a channel. */
static __always_inline bool is_ping_socket(__u32 family, __u32 protocol)
{
	return (family == CW_AF_INET && protocol == CW_IPPROTO_ICMP) ||
	       (family == CW_AF_INET6 && protocol == CW_IPPROTO_ICMPV6);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);			/* pid_tgid */
	__type(value, struct cw_dest);
} pending_dest SEC(".maps") __weak;

/*
 * socket(): of the rules naming this family, type and protocol, each or
 * "any" (0), the first in the rule file, as userspace would pick it.  Bits
 * of each lookup: 4 keeps the family, 2 the type, 1 the protocol.
 */
static __always_inline struct cw_verdict *match_socket(__u32 policy, __u16 family, __u16 type,
						       __u32 protocol)
{
	struct cw_socket_key key = { .policy = policy };
	struct cw_verdict *v, *first = NULL;

#pragma unroll
	for (int keep = 7; keep > 0; keep--) {
		key.family = keep & 4 ? family : 0;
		key.type = keep & 2 ? type : 0;
		key.protocol = keep & 1 ? protocol : 0;
		v = bpf_map_lookup_elem(&socket_rules, &key);
		if (v && (!first || v->rule_id < first->rule_id))
			first = v;
	}
	return first;
}

/* The longest listed prefix for the destination, if its ports match. */
static __always_inline struct cw_net_rule *match_net(__u32 policy, const struct cw_dest *d)
{
	struct cw_net_rule *r;

	if (d->family == CW_AF_INET) {
		struct cw_net4_key k4 = { .prefixlen = 64, .policy = policy };

		__builtin_memcpy(k4.addr, d->addr, 4);
		r = bpf_map_lookup_elem(&net4_rules, &k4);
	} else {
		struct cw_net6_key k6 = { .prefixlen = 160, .policy = policy };

		__builtin_memcpy(k6.addr, d->addr, 16);
		r = bpf_map_lookup_elem(&net6_rules, &k6);
	}
	/* A "not" CIDR's entry is an exception: it decides nothing, names no rule. */
	if (r && r->v.action == CW_ACTION_NONE)
		return NULL;
	if (!r || !r->nports)
		return r;
	for (int i = 0; i < CW_MAX_PORT_RANGES; i++) {
		if (i < r->nports && d->port >= r->port_lo[i] && d->port <= r->port_hi[i])
			return r;
	}
	return NULL;
}

#endif /* CW_NET_BPF_H */
