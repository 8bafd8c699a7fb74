/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The compiled rule maps (userspace/lib/compile.c writes them) and their
 * lookups, shared by the tracepoint and LSM program groups.  __weak, identical in every object:
 * the static linker keeps one of each.
 */
#ifndef CW_RULES_BPF_H
#define CW_RULES_BPF_H

#include "common.bpf.h"
#include "glob.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__type(key, struct cw_inode_key);
	__type(value, struct cw_verdict);
} exec_inode_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__type(key, struct cw_name_key);
	__type(value, struct cw_verdict);
} exec_name_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cw_path_key);
	__type(value, struct cw_verdict);
} open_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__type(key, struct cw_name_key);
	__type(value, struct cw_verdict);
} open_name_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cw_path_key);
	__type(value, struct cw_verdict);
} unix_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cw_net4_key);
	__type(value, struct cw_net_rule);
} net4_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cw_net6_key);
	__type(value, struct cw_net_rule);
} net6_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__type(key, struct cw_syscall_key);
	__type(value, struct cw_verdict);
} syscall_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_RULE_KEYS);
	__type(key, struct cw_socket_key);
	__type(value, struct cw_verdict);
} socket_rules SEC(".maps") __weak;

/* The rule in @name_rules for @f's basename, from its dentry. */
static __always_inline struct cw_verdict *match_name(void *name_rules, __u32 policy,
						     struct file *f)
{
	struct cw_name_key nkey = { .policy = policy };
	const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);

	if (bpf_probe_read_kernel_str(nkey.name, sizeof(nkey.name), name) < 0)
		return NULL;
	return bpf_map_lookup_elem(name_rules, &nkey);
}

/* Binary identity first (hardlinks, symlinks), then basename (copies). */
static __always_inline struct cw_verdict *match_exec(__u32 policy, struct file *f, __u64 dev,
						     __u64 ino)
{
	struct cw_inode_key ikey = { .policy = policy, .dev = dev, .ino = ino };
	struct cw_verdict *rule;

	rule = bpf_map_lookup_elem(&exec_inode_rules, &ikey);
	return rule ? rule : match_name(&exec_name_rules, policy, f);
}

static __always_inline struct cw_verdict *match_how_key(__u32 policy, __u32 nr)
{
	struct cw_syscall_key key = { .policy = policy, .nr = nr };

	return bpf_map_lookup_elem(&syscall_rules, &key);
}

/* The exec_how rules, by the CW_F_EXEC_* flags of an exec (syscall_rules under CW_NR_EXEC_*). */
static __always_inline struct cw_verdict *match_exec_how(__u32 policy, __u32 flags)
{
	struct cw_verdict *rule = NULL;

	if (flags & CW_F_EXEC_MEMFD)
		rule = match_how_key(policy, CW_NR_EXEC_MEMFD);
	if (!rule && (flags & CW_F_EXEC_DELETED))
		rule = match_how_key(policy, CW_NR_EXEC_DELETED);
	if (!rule && (flags & CW_F_EXEC_LOADER))
		rule = match_how_key(policy, CW_NR_EXEC_LOADER);
	if (!rule && (flags & CW_F_EXEC_FD))
		rule = match_how_key(policy, CW_NR_EXEC_FD);
	return rule;
}

/*
 * The open rule for file @f at resolved @path: the longest prefix (or exact
 * path) listed, else its basename (".env" wherever it lies), else a glob
 * ("id_*" in any home's .ssh).  @path is the scratch open record's, the
 * last path resolve_path() built.
 */
static __always_inline struct cw_verdict *match_open(__u32 policy, struct file *f,
						     const char *path, __u32 len)
{
	struct cw_path_key key = { .policy = policy };
	struct cw_verdict *rule = NULL;

	if (len > CW_LPM_PATH)
		len = CW_LPM_PATH;
	barrier_var(len);
	if (len > 0 && len <= CW_LPM_PATH) {
		bpf_probe_read_kernel(key.path, len, path);
		key.prefixlen = 32 + len * 8;
		rule = bpf_map_lookup_elem(&open_rules, &key);
	}
	if (!rule)
		rule = match_name(&open_name_rules, policy, f);
	return rule ? rule : match_glob(policy, len);
}

/* The rule for a unix socket path (NUL-terminated, in kernel memory). */
static __always_inline struct cw_verdict *match_unix(__u32 policy, const char *path)
{
	struct cw_path_key key = { .policy = policy };
	long len = bpf_probe_read_kernel_str(key.path, sizeof(key.path), path);

	if (len <= 1)
		return NULL;	/* none, or an abstract name */
	key.prefixlen = 32 + len * 8;
	return bpf_map_lookup_elem(&unix_rules, &key);
}

#endif /* CW_RULES_BPF_H */
