/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which opens a userspace rule could judge (see open_watch in cellwatch.h).
 * Such an open travels in the critical ring like a kernel verdict: a flood
 * of plain opens, from its own cell or another, cannot push it out of the
 * bulk ring and with it the verdict; and should the critical ring itself
 * refuse it, the cell's run ends (lose() in common.bpf.h).
 */
#ifndef CW_WATCH_BPF_H
#define CW_WATCH_BPF_H

#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cw_path_key);
	__type(value, __u32);
} open_watch SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);			/* policy id */
	__type(value, __u32);			/* CW_PW_* */
} policy_watch SEC(".maps") __weak;

/* The lookup key, off the stack: the generic sys_exit program has no room left for it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cw_path_key);
} watch_key SEC(".maps") __weak;

/* Could a rule of @policy judged in userspace match the open @e reports (path in kernel memory)? */
static __always_inline bool userspace_judges_open(__u32 policy, const struct cw_open_event *e)
{
	__u32 *pw, len = e->path_len, zero = 0;
	struct cw_path_key *key;

	if (e->hdr.flags & CW_F_UNRESOLVED) {
		pw = bpf_map_lookup_elem(&policy_watch, &policy);
		return pw && (*pw & CW_PW_FAILED_OPENS);
	}
	key = bpf_map_lookup_elem(&watch_key, &zero);
	if (!key)
		return true;	/* cannot tell: the safe side */
	key->policy = policy;
	/* A prefix is a prefix of the path's first CW_LPM_PATH bytes too: never a miss. */
	if (len > CW_LPM_PATH)
		len = CW_LPM_PATH;
	barrier_var(len);
	if (len > 0 && len <= CW_LPM_PATH)
		bpf_probe_read_kernel(key->path, len, e->path);
	else
		len = 0;
	key->prefixlen = 32 + len * 8;
	return bpf_map_lookup_elem(&open_watch, key);
}

#endif /* CW_WATCH_BPF_H */
