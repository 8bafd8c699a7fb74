// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The glob matcher's steps: see glob.bpf.h. */
#include "glob.bpf.h"

#define CW_NAME_MASK	(CW_NAME_MAX - 1)
/*
 * Indexes are masked behind a barrier as well as checked: the compiler
 * tests one copy and indexes with another, whose bounds the verifier lost.
 */
#define CW_GLOB_MASK	(CW_GLOB_DEPTH - 1)
_Static_assert((CW_GLOB_DEPTH & CW_GLOB_MASK) == 0, "CW_GLOB_DEPTH is a power of two");

static __always_inline struct cw_glob_state *glob_state_of_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&glob_state, &zero);
}

/* Copy the component path[start..end) of the scratch open record into part @k. */
__noinline int cw_glob_take(__u32 k, __u32 start, __u32 end)
{
	struct cw_scratch_buf *buf = get_scratch();
	struct cw_glob_state *s = glob_state_of_cpu();
	struct cw_glob_name *n;
	const char *path;
	__u32 len;

	if (!buf || !s || k >= CW_GLOB_DEPTH || end < start || end >= CW_PATH_MAX)
		return 0;
	barrier_var(k);
	n = &s->part[k & CW_GLOB_MASK];
	path = buf->ev.open.path;
	n->len = end - start;
	len = n->len < CW_NAME_MAX - 1 ? n->len : CW_NAME_MAX - 1;
	len &= CW_NAME_MASK;
	__builtin_memset(n->head, 0, sizeof(n->head));
	__builtin_memset(n->tail, 0, sizeof(n->tail));
	bpf_probe_read_kernel(n->head, len, &path[start & CW_PATH_MASK]);
	bpf_probe_read_kernel(n->tail, len, &path[(end - len) & CW_PATH_MASK]);
	return 1;
}

static __always_inline bool same_bytes(const char *a, const char *b, __u32 len)
{
	for (int i = 0; i < CW_NAME_MAX; i++) {
		if (i >= len)
			break;
		if (a[i] != b[i])
			return false;
	}
	return true;
}

/* Does component @i match the candidate's pattern @i: the literal, or prefix '*' suffix? */
__noinline int cw_glob_part_match(__u32 i)
{
	struct cw_glob_state *s = glob_state_of_cpu();
	const struct cw_glob_part *p;
	const struct cw_glob_name *n;
	__u32 plen, slen, k;

	if (!s || i >= CW_GLOB_DEPTH)
		return 0;
	barrier_var(i);
	p = &s->cand.parts[i & CW_GLOB_MASK];
	n = &s->part[i & CW_GLOB_MASK];
	plen = p->len;
	if (!p->star)
		return n->len == plen && same_bytes(n->head, p->name, plen);
	slen = p->suffix_len;
	/* '*' may match nothing, never a byte of the prefix and the suffix twice. */
	if (plen + slen >= CW_NAME_MAX || n->len < plen + slen)
		return 0;
	if (!same_bytes(n->head, p->name, plen))
		return 0;
	/*
	 * Read again, bounds and all: each exit of the prefix loop left other
	 * bounds on the lengths, and the verifier checked the suffix loop
	 * once per exit (half the instructions of every open program).
	 */
	plen = *(volatile __u8 *)&p->len;
	slen = *(volatile __u8 *)&p->suffix_len;
	if (plen + slen >= CW_NAME_MAX)
		return 0;
	/* tail[] holds the last k bytes of the name, k >= slen. */
	k = n->len < CW_NAME_MAX - 1 ? n->len : CW_NAME_MAX - 1;
	for (int j = 0; j < CW_NAME_MAX - 1; j++) {
		if (j >= slen)
			break;
		if (n->tail[(k - slen + j) & CW_NAME_MASK] != p->name[(plen + j) & CW_NAME_MASK])
			return 0;
	}
	return 1;
}

/*
 * Does every component of the path match the candidate's?  Inlined: a
 * frame less in the open handler's deepest call chain, which Linux 5.10
 * holds to 512 bytes of stack.
 */
static __always_inline bool glob_rule_matches(const struct cw_glob_state *s)
{
	if (s->cand.depth != s->depth)
		return false;
	for (int i = 0; i < CW_GLOB_DEPTH; i++) {
		if (i >= s->cand.depth)
			break;
		if (!cw_glob_part_match(i))
			return false;
	}
	return true;
}

/*
 * The globs of @policy anchored at component @anchor of the path
 * (CW_GLOB_ANY: those without a literal): keep the first rule that matches.
 */
__noinline int cw_glob_chain(__u32 policy, __u32 anchor)
{
	struct cw_glob_state *s = glob_state_of_cpu();
	struct cw_glob_key key;

	if (!s)
		return 0;
	__builtin_memset(&key, 0, sizeof(key));
	key.policy = policy;
	key.depth = s->depth;
	key.anchor = anchor;
	if (anchor < CW_GLOB_DEPTH) {
		/* A literal is shorter than CW_NAME_MAX: a longer name is not one. */
		if (s->part[anchor].len > CW_NAME_MAX - 1)
			return 0;
		__builtin_memcpy(key.name, s->part[anchor].head, sizeof(key.name));
	}
	for (int seq = 0; seq < CW_GLOB_CHAIN; seq++) {
		struct cw_glob_rule *g;

		key.seq = seq;
		g = bpf_map_lookup_elem(&glob_rules, &key);
		if (!g)
			break;
		if (s->best.rule_id && s->best.rule_id <= g->v.rule_id)
			continue;
		__builtin_memcpy(&s->cand, g, sizeof(s->cand));
		if (glob_rule_matches(s))
			s->best = s->cand.v;
	}
	return 0;
}

/* Has @policy a glob of @depth components?  (The marker compile.c writes.) */
static __always_inline bool globs_of_depth(__u32 policy, __u32 depth)
{
	struct cw_glob_key key;

	__builtin_memset(&key, 0, sizeof(key));
	key.policy = policy;
	key.depth = depth;
	key.anchor = CW_GLOB_MARK;
	return bpf_map_lookup_elem(&glob_rules, &key) != NULL;
}

__noinline int cw_glob_match(__u32 policy, __u32 len)
{
	struct cw_scratch_buf *buf = get_scratch();
	struct cw_path_parts *parts;
	struct cw_glob_state *s;
	__u32 n, end;

	if (!buf)
		return 0;
	parts = &buf->parts;
	/* The root is one empty component to fnmatch: a lone star matches "/". */
	n = parts->n ? parts->n : 1;
	if (n > CW_GLOB_DEPTH || !globs_of_depth(policy, n))
		return 0;
	s = glob_state_of_cpu();
	if (!s || len < 2)
		return 0;
	s->depth = n;
	s->best.rule_id = 0;
	s->best.action = CW_ACTION_NONE;
	/* The components from the last, each ending where the next one's '/' stands. */
	end = len - 1;
	for (int k = 0; k < CW_GLOB_DEPTH; k++) {
		__u32 slash;

		if (k >= n)
			break;
		/* From the scratch buffer's coordinates to the string's. */
		slash = parts->n ? parts->slash[k] - parts->base : 0;
		if (!cw_glob_take(k, slash + 1, end))
			return 0;
		end = slash;
	}
	for (int a = 0; a < CW_GLOB_DEPTH; a++) {
		if (a >= n)
			break;
		cw_glob_chain(policy, a);
	}
	cw_glob_chain(policy, CW_GLOB_ANY);
	return s->best.rule_id != 0;
}
