// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Compilation of rules into the kernel's maps.  Which rules the kernel
 * decides, and how, is not decided here: the table of rule conditions in
 * rules.c gave each rule its kernel target at load; this writes its keys.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <seccomp.h>

#include "compile.h"
#include "event.h"
#include "glob.h"

bool cw_rule_kernel_judged(const struct cw_rule *r, const struct cw_event *ev)
{
	return r->in_kernel && cw_kernel_target_sees(r->kernel, ev);
}

/* Each map's fd in struct cw_rule_maps, its key size and where the key's policy id lies. */
static const struct {
	size_t fd_off, key_size, policy_off;
} maps_of[CW_RULE_MAPS] = {
	[CW_MAP_EXEC_INODE] = { offsetof(struct cw_rule_maps, exec_inode),
				sizeof(struct cw_inode_key), 0 },
	[CW_MAP_EXEC_NAME] = { offsetof(struct cw_rule_maps, exec_name),
			       sizeof(struct cw_name_key), 0 },
	[CW_MAP_OPEN] = { offsetof(struct cw_rule_maps, open), sizeof(struct cw_path_key), 4 },
	[CW_MAP_OPEN_NAME] = { offsetof(struct cw_rule_maps, open_name),
			       sizeof(struct cw_name_key), 0 },
	[CW_MAP_UNIX_PATH] = { offsetof(struct cw_rule_maps, unix_path),
			       sizeof(struct cw_path_key), 4 },
	[CW_MAP_NET4] = { offsetof(struct cw_rule_maps, net4), sizeof(struct cw_net4_key), 4 },
	[CW_MAP_NET6] = { offsetof(struct cw_rule_maps, net6), sizeof(struct cw_net6_key), 4 },
	[CW_MAP_SYSCALL] = { offsetof(struct cw_rule_maps, syscall),
			     sizeof(struct cw_syscall_key), 0 },
	[CW_MAP_SOCKET] = { offsetof(struct cw_rule_maps, socket),
			    sizeof(struct cw_socket_key), 0 },
	[CW_MAP_GLOB] = { offsetof(struct cw_rule_maps, glob), sizeof(struct cw_glob_key), 0 },
};

static int map_fd(const struct cw_rule_maps *maps, enum cw_rule_map map)
{
	return *(const int *)((const char *)maps + maps_of[map].fd_off);
}

/* First rule wins: an entry already written for this policy stays. */
static int put_fd(void *ctx, enum cw_rule_map map, const void *key, const void *val)
{
	return bpf_map_update_elem(map_fd(ctx, map), key, val, BPF_NOEXIST) ? -errno : 0;
}

/* Where entries go: the maps through bpf(2), or a test's or the fuzzer's writer. */
struct writer {
	cw_rule_put_fn put;
	void *ctx;
};

/* An entry; one already there for the key stays, and that is no error. */
static int put(const struct writer *w, enum cw_rule_map map, const void *key, const void *val)
{
	int ret = w->put(w->ctx, map, key, val);

	return ret == -EEXIST ? 0 : ret;
}


static int compile_exec(const struct cw_rule *r, __u32 policy, const struct writer *w,
			const struct cw_verdict *v)
{
	const struct cw_match *m = &r->match;
	int ret = 0;

	for (size_t i = 0; !ret && i < m->ninodes; i++) {
		struct cw_inode_key k = m->inodes[i];

		k.policy = policy;
		ret = put(w, CW_MAP_EXEC_INODE, &k, v);
	}
	for (size_t i = 0; !ret && i < m->binary.n; i++) {
		const char *b = strrchr(m->binary.v[i], '/');
		struct cw_name_key k = { .policy = policy };

		b = b ? b + 1 : m->binary.v[i];
		if (strlen(b) >= sizeof(k.name))
			continue;	/* the kernel compares CW_NAME_MAX - 1 bytes:
					 * identity only */
		memcpy(k.name, b, strlen(b));
		ret = put(w, CW_MAP_EXEC_NAME, &k, v);
	}
	return ret;
}

static void path_key(struct cw_path_key *k, __u32 policy, const char *s, bool exact)
{
	size_t len = strlen(s) + (exact ? 1 : 0);

	memset(k, 0, sizeof(*k));
	k->policy = policy;
	memcpy(k->path, s, len > CW_LPM_PATH ? CW_LPM_PATH : len);
	k->prefixlen = 32 + 8 * (len > CW_LPM_PATH ? CW_LPM_PATH : len);
}

/* A rule's exact paths and prefixes into the LPM trie @fd. */
static int compile_paths(const struct cw_rule *r, __u32 policy, const struct writer *w,
			 enum cw_rule_map map, const struct cw_verdict *v)
{
	struct cw_path_key k;
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.path.n; i++) {
		path_key(&k, policy, r->match.path.v[i], true);
		ret = put(w, map, &k, v);
	}
	for (size_t i = 0; !ret && i < r->match.path_prefix.n; i++) {
		path_key(&k, policy, r->match.path_prefix.v[i], false);
		ret = put(w, map, &k, v);
	}
	return ret;
}

static int compile_open_names(const struct cw_rule *r, __u32 policy, const struct writer *w,
			      const struct cw_verdict *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.basename.n; i++) {
		struct cw_name_key nk = { .policy = policy };

		memcpy(nk.name, r->match.basename.v[i], strlen(r->match.basename.v[i]));
		ret = put(w, CW_MAP_OPEN_NAME, &nk, v);
	}
	return ret;
}

/*
 * One glob at the first free place of its chain: the kernel tries the
 * chain in order and keeps the lowest rule id, so the first rule wins.
 */
static int put_glob(const struct writer *w, __u32 policy, const struct cw_glob_rule *g)
{
	struct cw_glob_key k = { .policy = policy, .depth = g->depth };
	struct cw_glob_key mark = { .policy = policy, .depth = g->depth, .anchor = CW_GLOB_MARK };
	struct cw_glob_rule none = { .v = { .rule_id = g->v.rule_id } };
	int ret;

	k.anchor = cw_glob_anchor(g);
	if (k.anchor != CW_GLOB_ANY)
		memcpy(k.name, g->parts[k.anchor].name, g->parts[k.anchor].len);
	/* The kernel looks for globs only at the depths marked. */
	ret = put(w, CW_MAP_GLOB, &mark, &none);
	for (k.seq = 0; !ret && k.seq < CW_GLOB_CHAIN; k.seq++) {
		ret = w->put(w->ctx, CW_MAP_GLOB, &k, g);
		if (ret != -EEXIST)
			return ret;
		ret = 0;
	}
	return ret ? ret : -ENOSPC;
}

static int compile_globs(const struct cw_rule *r, __u32 policy, const struct writer *w,
			 const struct cw_verdict *v)
{
	char why[160];
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.glob.n; i++) {
		struct cw_glob_rule g;

		/* The table of conditions accepted only globs that compile. */
		ret = cw_glob_compile(r->match.glob.v[i], &g, why, sizeof(why));
		if (!ret) {
			g.v = *v;
			ret = put_glob(w, policy, &g);
		}
	}
	return ret;
}

static int put_cidr(const struct writer *w, __u32 policy, const struct cw_cidr *c,
		    const struct cw_net_rule *val)
{
	if (c->family == AF_INET) {
		struct cw_net4_key k = { .prefixlen = 32 + c->prefix, .policy = policy };

		memcpy(k.addr, c->addr, 4);
		return put(w, CW_MAP_NET4, &k, val);
	}
	struct cw_net6_key k = { .prefixlen = 32 + c->prefix, .policy = policy };

	memcpy(k.addr, c->addr, 16);
	return put(w, CW_MAP_NET6, &k, val);
}

static int compile_net(const struct cw_rule *r, __u32 policy, const struct writer *w,
		       const struct cw_verdict *v)
{
	struct cw_net_rule val = { .v = *v, .nports = r->match.nports };
	int ret = 0;

	for (size_t i = 0; i < r->match.nports; i++) {
		val.port_lo[i] = r->match.ports[i].lo;
		val.port_hi[i] = r->match.ports[i].hi;
	}
	/* Exceptions first: "not" CIDRs are more specific entries that decide nothing. */
	if (r->match.not) {
		struct cw_net_rule allow = { .v = { .rule_id = v->rule_id } };

		for (size_t i = 0; !ret && i < r->match.not->ncidrs; i++)
			ret = put_cidr(w, policy, &r->match.not->cidrs[i], &allow);
	}
	for (size_t i = 0; !ret && i < r->match.ncidrs; i++)
		ret = put_cidr(w, policy, &r->match.cidrs[i], &val);
	return ret;
}

/* A validated name's number: the rules were checked against the same table. */
static int number_of(const struct cw_name *t, const char *name)
{
	int value = 0;

	cw_value_of(t, name, &value);
	return value;
}

/* One entry per (family, type, protocol) the rule names; an absent condition is "any" (0). */
static int compile_socket(const struct cw_rule *r, __u32 policy, const struct writer *w,
			  const struct cw_verdict *v)
{
	const struct cw_match *m = &r->match;
	size_t nf = m->family.n ?: 1, nt = m->socket_type.n ?: 1, np = m->protocol.n ?: 1;
	int ret = 0;

	for (size_t i = 0; !ret && i < nf * nt * np; i++) {
		size_t f = i / (nt * np), t = i / np % nt, p = i % np;
		struct cw_socket_key k = {
			.policy = policy,
			.family = m->family.n ? number_of(cw_net_family_names, m->family.v[f]) : 0,
			.type = m->socket_type.n ?
				number_of(cw_socket_type_names, m->socket_type.v[t]) : 0,
			.protocol = m->protocol.n ?
				    number_of(cw_ip_protocol_names, m->protocol.v[p]) : 0,
		};

		ret = put(w, CW_MAP_SOCKET, &k, v);
	}
	return ret;
}

static int compile_syscall(const struct cw_rule *r, __u32 policy, const struct writer *w,
			   const struct cw_verdict *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.syscall.n; i++) {
		struct cw_syscall_key k = {
			.policy = policy,
			.nr = seccomp_syscall_resolve_name(r->match.syscall.v[i]),
		};

		if ((int)k.nr >= 0)
			ret = put(w, CW_MAP_SYSCALL, &k, v);
	}
	return ret;
}

struct pseudo_key {
	const char *name;
	__u32 nr;
};

/* Each value of @l under its pseudo syscall number in syscall_rules. */
static int compile_pseudo(const struct cw_strlist *l, const struct pseudo_key *keys, size_t n,
			  __u32 policy, const struct writer *w, const struct cw_verdict *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < l->n; i++) {
		for (size_t k = 0; k < n; k++) {
			struct cw_syscall_key key = { .policy = policy, .nr = keys[k].nr };

			if (!strcmp(l->v[i], keys[k].name))
				ret = put(w, CW_MAP_SYSCALL, &key, v);
		}
	}
	return ret;
}

static int compile_abi(const struct cw_rule *r, __u32 policy, const struct writer *w,
		       const struct cw_verdict *v)
{
	static const struct pseudo_key keys[] = {
		{ "i386", CW_NR_ABI_I386 }, { "x32", CW_NR_ABI_X32 }, { "arm", CW_NR_ABI_ARM },
	};

	return compile_pseudo(&r->match.abi, keys, ARRAY_SIZE(keys), policy, w, v);
}

static int compile_exec_how(const struct cw_rule *r, __u32 policy, const struct writer *w,
			    const struct cw_verdict *v)
{
	static const struct pseudo_key keys[] = {
		{ "memfd", CW_NR_EXEC_MEMFD }, { "deleted", CW_NR_EXEC_DELETED },
		{ "fd", CW_NR_EXEC_FD }, { "loader", CW_NR_EXEC_LOADER },
	};

	return compile_pseudo(&r->match.exec_how, keys, ARRAY_SIZE(keys), policy, w, v);
}

static int compile_exec_refused(const struct cw_rule *r, __u32 policy, const struct writer *w,
				const struct cw_verdict *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.error.n; i++) {
		struct cw_syscall_key k = { .policy = policy };
		int e = cw_errno_number(r->match.error.v[i]);

		if (e <= 0 || e > CW_EXEC_REFUSED_ERRNO_MAX)
			return -EINVAL;
		k.nr = CW_NR_EXEC_REFUSED_BASE + e;
		ret = put(w, CW_MAP_SYSCALL, &k, v);
	}
	return ret;
}

/* The entries of @r, by the kernel target the table of conditions gave it at load. */
static int compile_rule(const struct cw_rule *r, __u32 policy, const struct writer *w)
{
	struct cw_verdict v = { .rule_id = r->id, .action = r->action };
	struct cw_syscall_key sig = { .policy = policy, .nr = CW_NR_SIGNAL_OUT };

	switch (r->kernel) {
	case CW_KERNEL_EXEC:
		return compile_exec(r, policy, w, &v);
	case CW_KERNEL_OPEN_PATH:
		return compile_paths(r, policy, w, CW_MAP_OPEN, &v);
	case CW_KERNEL_OPEN_NAME:
		return compile_open_names(r, policy, w, &v);
	case CW_KERNEL_OPEN_GLOB:
		return compile_globs(r, policy, w, &v);
	case CW_KERNEL_NET:
		return compile_net(r, policy, w, &v);
	case CW_KERNEL_SOCKET:
		return compile_socket(r, policy, w, &v);
	case CW_KERNEL_UNIX:
		return compile_paths(r, policy, w, CW_MAP_UNIX_PATH, &v);
	case CW_KERNEL_SYSCALL:
		return compile_syscall(r, policy, w, &v);
	case CW_KERNEL_SIGNAL:
		return put(w, CW_MAP_SYSCALL, &sig, &v);
	case CW_KERNEL_ABI:
		return compile_abi(r, policy, w, &v);
	case CW_KERNEL_EXEC_HOW:
		return compile_exec_how(r, policy, w, &v);
	case CW_KERNEL_EXEC_REFUSED:
		return compile_exec_refused(r, policy, w, &v);
	case CW_KERNEL_NONE:
	case CW_KERNEL_TARGETS:
		break;
	}
	return 0;
}

int cw_rule_compile_entries(const struct cw_rule *r, __u32 policy, cw_rule_put_fn fn, void *ctx)
{
	struct writer w = { fn, ctx };

	return compile_rule(r, policy, &w);
}

/*
 * Delete every key of @fd whose leading policy field (at @off) lies in
 * [@lo, @hi]; returns the highest policy id left in the map (0: none).
 */
static __u32 delete_policies(int fd, size_t key_size, size_t off, __u32 lo, __u32 hi)
{
	char key[sizeof(struct cw_path_key)], next[sizeof(struct cw_path_key)];
	void *prev = NULL;
	__u32 max = 0;

	if (fd < 0 || key_size > sizeof(key))
		return 0;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		__u32 p;

		memcpy(&p, next + off, sizeof(p));
		if (p >= lo && p <= hi) {
			bpf_map_delete_elem(fd, next);
			/* Deleting moves the walk: start over from the beginning. */
			prev = NULL;
			continue;
		}
		if (p > max)
			max = p;
		memcpy(key, next, key_size);
		prev = key;
	}
	return max;
}

__u32 cw_rules_delete_range(const struct cw_rule_maps *maps, __u32 lo, __u32 hi)
{
	__u32 max = 0;

	for (int i = 0; i < CW_RULE_MAPS; i++) {
		__u32 m = delete_policies(map_fd(maps, i), maps_of[i].key_size,
					  maps_of[i].policy_off, lo, hi);

		if (m > max)
			max = m;
	}
	return max;
}

void cw_rules_uncompile(__u32 policy, const struct cw_rule_maps *maps)
{
	cw_rules_delete_range(maps, policy, policy);
}

int cw_rules_compile(struct cw_ruleset *rs, __u32 policy, const struct cw_rule_maps *maps,
		     char *err, size_t errlen)
{
	struct writer w = { put_fd, (void *)maps };

	for (size_t i = 0; i < rs->nrules; i++) {
		struct cw_rule *r = &rs->rules[i];
		int ret;

		r->in_kernel = r->kernel != CW_KERNEL_NONE;
		if (!r->in_kernel)
			continue;
		ret = compile_rule(r, policy, &w);
		if (ret) {
			snprintf(err, errlen, "%s: rule '%s': compile into the kernel: %s",
				 rs->source, r->name, strerror(-ret));
			cw_rules_uncompile(policy, maps);
			return ret;
		}
	}
	return 0;
}
