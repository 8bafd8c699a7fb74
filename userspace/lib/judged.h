/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Opens judged in userspace: which opens a policy's rules could match
 * where the kernel does not decide, written into the kernel's open_watch
 * and policy_watch maps (bpf/cellwatch.h).  The kernel sends those opens
 * through the critical ring, so their loss ends the run instead of
 * silently losing a verdict.
 */
#ifndef CW_JUDGED_H
#define CW_JUDGED_H

#include <linux/types.h>
#include "rules.h"

/*
 * Write what @rs judges of opens in userspace under @policy: a prefix per
 * path a rule could match (the whole policy when a rule could match any
 * path), and CW_PW_FAILED_OPENS when it has open rules at all.  Over-
 * approximates, never misses.  After cw_rules_compile() (which says which
 * rules the kernel decides).  0 or -errno; on failure nothing stays.
 */
int cw_judged_compile(const struct cw_ruleset *rs, __u32 policy, int trie_fd, int policy_fd);

/* Remove everything written for @policy. */
void cw_judged_uncompile(__u32 policy, int trie_fd, int policy_fd);

/* The same for every policy id in [@lo, @hi] (an earlier monitor's, pinned). */
void cw_judged_uncompile_range(__u32 lo, __u32 hi, int trie_fd, int policy_fd);

#endif /* CW_JUDGED_H */
