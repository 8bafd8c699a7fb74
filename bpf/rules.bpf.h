/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The compiled rule maps (userspace/compile.c writes them), shared by the
 * tracepoint and LSM program groups.  __weak, identical in every object:
 * the static linker keeps one of each.
 */
#ifndef CW_RULES_BPF_H
#define CW_RULES_BPF_H

#include "common.bpf.h"

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

#endif /* CW_RULES_BPF_H */
