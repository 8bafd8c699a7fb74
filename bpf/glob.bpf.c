// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The glob matcher's steps: see glob.bpf.h. */
#include "glob.bpf.h"

#define CW_NAME_MASK	(CW_NAME_MAX - 1)

/* Copy the component path[start..end) of the scratch open record into @n. */
__noinline int cw_glob_take(struct cw_glob_name *n, __u32 start, __u32 end)
{
	struct cw_scratch_buf *buf = get_scratch();
	const char *path;
	__u32 k;

	if (!n || !buf || end < start || end >= CW_PATH_MAX)
		return 0;
	path = buf->ev.open.path;
	n->len = end - start;
	k = n->len < CW_NAME_MAX - 1 ? n->len : CW_NAME_MAX - 1;
	k &= CW_NAME_MASK;
	__builtin_memset(n->head, 0, sizeof(n->head));
	__builtin_memset(n->tail, 0, sizeof(n->tail));
	bpf_probe_read_kernel(n->head, k, &path[start & CW_PATH_MASK]);
	bpf_probe_read_kernel(n->tail, k, &path[(end - k) & CW_PATH_MASK]);
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

/* Does component @n match pattern @p: the literal, or prefix '*' suffix? */
__noinline int cw_glob_part_match(const struct cw_glob_part *p, const struct cw_glob_name *n)
{
	__u32 plen, slen, k;

	if (!p || !n)
		return 0;
	plen = p->len;
	if (!p->star)
		return n->len == plen && same_bytes(n->head, p->name, plen);
	slen = p->suffix_len;
	/* '*' may match nothing, never a byte of the prefix and the suffix twice. */
	if (plen + slen >= CW_NAME_MAX || n->len < plen + slen)
		return 0;
	if (!same_bytes(n->head, p->name, plen))
		return 0;
	/* tail[] holds the last k bytes of the name, k >= slen. */
	k = n->len < CW_NAME_MAX - 1 ? n->len : CW_NAME_MAX - 1;
	for (int i = 0; i < CW_NAME_MAX - 1; i++) {
		if (i >= slen)
			break;
		if (n->tail[(k - slen + i) & CW_NAME_MASK] != p->name[(plen + i) & CW_NAME_MASK])
			return 0;
	}
	return 1;
}

/* Does every component of the path in @s match glob @g's? */
__noinline int cw_glob_rule_match(const struct cw_glob_rule *g, const struct cw_glob_state *s)
{
	if (!g || !s || g->depth != s->depth)
		return 0;
	for (int i = 0; i < CW_GLOB_DEPTH; i++) {
		if (i >= g->depth)
			break;
		if (!cw_glob_part_match(&g->parts[i], &s->part[i]))
			return 0;
	}
	return 1;
}

/*
 * The globs of @policy anchored at component @anchor of the path in @s
 * (CW_GLOB_ANY: those without a literal): keep the first rule that matches.
 */
__noinline int cw_glob_chain(__u32 policy, __u32 anchor, struct cw_glob_state *s)
{
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
		if (cw_glob_rule_match(g, s))
			s->best = g->v;
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
	__u32 zero = 0, n, end;

	if (!buf)
		return 0;
	parts = &buf->parts;
	/* The root is one empty component to fnmatch: a lone star matches "/". */
	n = parts->n ? parts->n : 1;
	if (n > CW_GLOB_DEPTH || !globs_of_depth(policy, n))
		return 0;
	s = bpf_map_lookup_elem(&glob_state, &zero);
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
		if (!cw_glob_take(&s->part[k], slash + 1, end))
			return 0;
		end = slash;
	}
	for (int a = 0; a < CW_GLOB_DEPTH; a++) {
		if (a >= n)
			break;
		cw_glob_chain(policy, a, s);
	}
	cw_glob_chain(policy, CW_GLOB_ANY, s);
	return s->best.rule_id != 0;
}
