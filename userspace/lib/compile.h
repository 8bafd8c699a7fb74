/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Compilation of rules into the kernel's maps: what the kernel can decide
 * on its own (binary identity, path prefixes, CIDRs and ports, syscalls,
 * socket types) is enforced there; the rest is left to userspace.
 */
#ifndef CW_COMPILE_H
#define CW_COMPILE_H

#include <stddef.h>
#include <linux/types.h>
#include "rules.h"

struct cw_rule_maps {
	int exec_inode, exec_name, open, open_name, unix_path, net4, net6, syscall, socket, glob;
};

/* The compiled-rule maps, in the order of struct cw_rule_maps. */
enum cw_rule_map {
	CW_MAP_EXEC_INODE, CW_MAP_EXEC_NAME, CW_MAP_OPEN, CW_MAP_OPEN_NAME, CW_MAP_UNIX_PATH,
	CW_MAP_NET4, CW_MAP_NET6, CW_MAP_SYSCALL, CW_MAP_SOCKET, CW_MAP_GLOB, CW_RULE_MAPS
};

/*
 * Write one compiled entry (struct cw_*_key @key, its value @val) into
 * @map; an entry already there stays (the first rule wins): -EEXIST then,
 * which tells a glob to take the next place in its chain.  0 or -errno.
 */
typedef int (*cw_rule_put_fn)(void *ctx, enum cw_rule_map map, const void *key, const void *val);

/*
 * The entries of rule @r under @policy, by the kernel target its
 * conditions gave it at load (rule->kernel; none for CW_KERNEL_NONE),
 * through @put: what cw_rules_compile() writes for it.
 */
int cw_rule_compile_entries(const struct cw_rule *r, __u32 policy, cw_rule_put_fn put, void *ctx);

/*
 * Write each rule of @rs that the kernel decides (rule->kernel, from the
 * table of conditions) under @policy and mark it rule->in_kernel.  On
 * failure nothing of @policy stays written.
 */
int cw_rules_compile(struct cw_ruleset *rs, __u32 policy, const struct cw_rule_maps *maps,
		     char *err, size_t errlen);

/* Remove every entry written for @policy. */
void cw_rules_uncompile(__u32 policy, const struct cw_rule_maps *maps);

/*
 * Remove the entries of every policy id in [@lo, @hi] (none when lo > hi);
 * returns the highest policy id that has entries left.
 */
__u32 cw_rules_delete_range(const struct cw_rule_maps *maps, __u32 lo, __u32 hi);

/* Does the kernel judge @ev for in-kernel rule @r (so userspace must not)? */
bool cw_rule_kernel_judged(const struct cw_rule *r, const struct cw_event *ev);

#endif /* CW_COMPILE_H */
