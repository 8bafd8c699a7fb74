/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Globs of open rules, decided in the kernel at the open like a path or a
 * basename: an open of any /proc/<pid>/environ must die before its first
 * read, not when userspace gets to the event.  The matcher works on the components of the
 * path resolve_path() built, the same string userspace reports, one
 * component against one compiled pattern (struct cw_glob_part in
 * cellwatch.h): so it agrees with fnmatch(3) and FNM_PATHNAME on every glob
 * userspace/lib/glob.c lets the kernel hold.
 *
 * Components are counted from the last, in the path and in the patterns,
 * so every array is indexed by a loop's own counter (bounds the verifier
 * sees).  The steps are global functions (glob.bpf.c), each verified
 * once: inlined into the open handlers, the nested loops over anchors, candidates,
 * components and bytes would multiply the verifier's states.
 */
#ifndef CW_GLOB_BPF_H
#define CW_GLOB_BPF_H

#include "common.bpf.h"
#include "path.bpf.h"

/*
 * Written by userspace/lib/compile.c; besides the globs, one marker per policy
 * and depth (anchor CW_GLOB_MARK) says "some glob has this many
 * components", so an open of another depth costs one lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_GLOB_KEYS);
	__type(key, struct cw_glob_key);
	__type(value, struct cw_glob_rule);
} glob_rules SEC(".maps") __weak;

/* One component of the opened file's path, as the patterns compare it. */
struct cw_glob_name {
	__u32 len;			/* bytes of the whole name */
	char head[CW_NAME_MAX];		/* its first bytes, up to CW_NAME_MAX - 1,
					 * zero-padded */
	char tail[CW_NAME_MAX];		/* its last bytes, as many, from tail[0] */
};

/*
 * One match in progress, per CPU (too large for the stack of an open
 * handler).  The steps find it here, not through pointer arguments: a
 * global function may take those only from Linux 5.12.
 */
struct cw_glob_state {
	__u32 depth;				/* components of the path */
	struct cw_verdict best;			/* the first rule matched so far
						 * (rule_id 0: none) */
	struct cw_glob_name part[CW_GLOB_DEPTH];	/* the last component first */
	struct cw_glob_rule cand;		/* the glob being tried */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cw_glob_state);
} glob_state SEC(".maps") __weak;

/*
 * Match the path of @len bytes resolved into the scratch open record
 * (get_scratch()->ev.open.path; its components in get_scratch()->parts)
 * against @policy's globs.  Returns 1 with the verdict in glob_state's best.
 */
extern int cw_glob_match(__u32 policy, __u32 len);

/* The glob rule (the first in the file, of those that match) for the scratch open path. */
static __always_inline struct cw_verdict *match_glob(__u32 policy, __u32 len)
{
	struct cw_glob_state *s;
	__u32 zero = 0;

	if (!cw_glob_match(policy, len))
		return NULL;
	s = bpf_map_lookup_elem(&glob_state, &zero);
	return s ? &s->best : NULL;
}

#endif /* CW_GLOB_BPF_H */
