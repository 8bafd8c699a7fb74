// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Opens judged in userspace (judged.h).  Each path condition of a rule
 * (path, path_prefix, basename, glob) must hold (match.c), so an open can
 * match only beneath one of the literal prefixes of its path, path_prefix
 * and glob conditions, or anywhere when it has none (a basename alone, or
 * no path condition) or a glob with a wildcard at its start.  A rule that
 * asks for a failure (an errno, or the outcome "failure") needs no prefix:
 * every failed open is sent.  Everything else a rule asks (flags, ancestry,
 * rates, correlation) only narrows the match, so it is left out: the
 * kernel's test may say "could" too often, never too rarely.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cellwatch.h"
#include "judged.h"

static int put_prefix(int fd, __u32 policy, const char *s, size_t len, bool exact)
{
	struct cw_path_key k = { .policy = policy };
	__u32 one = 1;

	/* Exact paths end with their NUL, as the kernel's key does; longer ones are cut,
	 * which only widens them. */
	if (exact)
		len++;
	if (len > CW_LPM_PATH)
		len = CW_LPM_PATH;
	memcpy(k.path, s, len);
	k.prefixlen = 32 + 8 * len;
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
}

/* Bytes of @glob before its first wildcard (fnmatch(3): * ? [ and \ escapes). */
static size_t literal_prefix(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

/* Only a failed open can match @m. */
static bool failures_only(const struct cw_match *m)
{
	return m->error.n || (m->outcome.n == 1 && !strcmp(m->outcome.v[0], "failure"));
}

/* The prefixes of one userspace-judged open rule; the whole policy when its path is free. */
static int put_rule(int fd, __u32 policy, const struct cw_match *m)
{
	int ret = 0;

	if (!(m->path.n || m->path_prefix.n || m->glob.n))
		return put_prefix(fd, policy, "", 0, false);
	for (size_t i = 0; !ret && i < m->path.n; i++)
		ret = put_prefix(fd, policy, m->path.v[i], strlen(m->path.v[i]), true);
	for (size_t i = 0; !ret && i < m->path_prefix.n; i++)
		ret = put_prefix(fd, policy, m->path_prefix.v[i], strlen(m->path_prefix.v[i]),
				 false);
	for (size_t i = 0; !ret && i < m->glob.n; i++) {
		size_t n = literal_prefix(m->glob.v[i]);

		/* No wildcard: the glob is a path, matched exactly. */
		ret = put_prefix(fd, policy, m->glob.v[i], n, !m->glob.v[i][n]);
	}
	return ret;
}

int cw_judged_compile(const struct cw_ruleset *rs, __u32 policy, int trie_fd, int policy_fd)
{
	__u32 flags = 0;
	int ret = 0;

	for (size_t i = 0; !ret && rs && i < rs->nrules; i++) {
		const struct cw_rule *r = &rs->rules[i];

		if (r->event != CW_EVENT_OPEN)
			continue;
		/* The kernel never sees a failed open's file: userspace judges those. */
		flags |= CW_PW_FAILED_OPENS;
		/* A successful open of a rule the kernel decides is sent with its verdict. */
		if (!r->in_kernel && !failures_only(&r->match))
			ret = put_rule(trie_fd, policy, &r->match);
	}
	if (!ret && flags && bpf_map_update_elem(policy_fd, &policy, &flags, BPF_ANY))
		ret = -errno;
	if (ret)
		cw_judged_uncompile(policy, trie_fd, policy_fd);
	return ret;
}

void cw_judged_uncompile(__u32 policy, int trie_fd, int policy_fd)
{
	cw_judged_uncompile_range(policy, policy, trie_fd, policy_fd);
}

void cw_judged_uncompile_range(__u32 lo, __u32 hi, int trie_fd, int policy_fd)
{
	struct cw_path_key key, next;
	__u32 id, next_id;
	void *prev = NULL;

	/* Deleting while walking restarts the walk: neither map's order is stable. */
	while (!bpf_map_get_next_key(policy_fd, prev, &next_id)) {
		id = next_id;
		if (id >= lo && id <= hi && !bpf_map_delete_elem(policy_fd, &id)) {
			prev = NULL;
			continue;
		}
		prev = &id;
	}
	prev = NULL;
	while (!bpf_map_get_next_key(trie_fd, prev, &next)) {
		key = next;
		if (key.policy >= lo && key.policy <= hi && !bpf_map_delete_elem(trie_fd, &key)) {
			prev = NULL;
			continue;
		}
		prev = &key;
	}
}
