// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <seccomp.h>

#include "compile.h"
#include "event.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool only(const struct cw_match *m, const struct cw_strlist *const *allowed, size_t n)
{
	const struct cw_strlist *all[] = {
		&m->binary, &m->path, &m->path_prefix, &m->basename, &m->glob, &m->argv_contains,
		&m->parent, &m->ancestor, &m->flags, &m->exec_how, &m->family, &m->op,
		&m->socket_type, &m->syscall, &m->outcome, &m->error,
	};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		bool ok = false;

		for (size_t j = 0; j < n; j++)
			ok |= all[i] == allowed[j];
		if (all[i]->n && !ok)
			return false;
	}
	return !m->nuids;
}

static bool exec_decidable(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	return m->binary.n && !m->not && !m->ncidrs && !m->nports &&
	       only(m, (const struct cw_strlist *const[]){ &m->binary }, 1);
}

/* Basenames alone, each short enough for the kernel's name keys. */
static bool open_name_decidable(const struct cw_match *m)
{
	if (m->not || !m->basename.n ||
	    !only(m, (const struct cw_strlist *const[]){ &m->basename }, 1))
		return false;
	for (size_t i = 0; i < m->basename.n; i++) {
		if (strlen(m->basename.v[i]) >= CW_NAME_MAX)
			return false;
	}
	return true;
}

/*
 * Paths the kernel's LPM trie holds: exact paths or prefixes (one kind),
 * each short enough for a key.
 */
static bool lpm_paths(const struct cw_match *m)
{
	/* Both lists at once would mean "exactly this and starting with that": leave it. */
	if (!(m->path.n || m->path_prefix.n) || (m->path.n && m->path_prefix.n))
		return false;
	for (size_t i = 0; i < m->path.n; i++) {
		if (strlen(m->path.v[i]) + 1 > CW_LPM_PATH)
			return false;
	}
	for (size_t i = 0; i < m->path_prefix.n; i++) {
		if (strlen(m->path_prefix.v[i]) > CW_LPM_PATH)
			return false;
	}
	return true;
}

static bool open_decidable(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	if (open_name_decidable(m))
		return true;
	return !m->not && lpm_paths(m) &&
	       only(m, (const struct cw_strlist *const[]){ &m->path, &m->path_prefix }, 2);
}

/* A unix socket by path (the peer's bound name or the one dialled), any op. */
static bool unix_decidable(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	return !m->not && !m->ncidrs && !m->nports && lpm_paths(m) &&
	       m->family.n == 1 && !strcmp(m->family.v[0], "unix") &&
	       only(m, (const struct cw_strlist *const[]){ &m->family, &m->path,
							   &m->path_prefix }, 3);
}

static bool net_decidable(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	if (!m->ncidrs || m->nports > CW_MAX_PORT_RANGES || !only(m, NULL, 0))
		return false;
	if (m->not && (m->not->not || m->not->nports || !m->not->ncidrs || !only(m->not, NULL, 0)))
		return false;
	return true;
}

static bool socket_decidable(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	if (m->not || m->ncidrs || m->nports || !(m->family.n || m->socket_type.n) ||
	    !only(m, (const struct cw_strlist *const[]){ &m->family, &m->socket_type, &m->op }, 3))
		return false;
	return m->op.n == 1 && !strcmp(m->op.v[0], "socket");
}

static bool syscall_decidable(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	return m->syscall.n && !m->not &&
	       only(m, (const struct cw_strlist *const[]){ &m->syscall }, 1);
}

static bool decidable(const struct cw_rule *r)
{
	if (r->rate_count)
		return false;
	switch (r->event) {
	case CW_EVENT_EXEC:
		return exec_decidable(r);
	case CW_EVENT_OPEN:
		return open_decidable(r);
	case CW_EVENT_NET:
		return net_decidable(r) || socket_decidable(r) || unix_decidable(r);
	case CW_EVENT_SYSCALL:
		return syscall_decidable(r);
	case CW_EVENT_SIGNAL:
		/* Every signal out of the cell: the kernel names the target itself. */
		return !memcmp(&r->match, &(struct cw_match){}, sizeof(r->match));
	default:
		return false;
	}
}

bool cw_rule_kernel_judged(const struct cw_rule *r, const struct cw_event *ev)
{
	if (!r->in_kernel)
		return false;
	/* The kernel sees the file of a successful open only; a failed attempt is ours. */
	if (ev->hdr.type == CW_EVENT_OPEN)
		return ev->open.ret >= 0;
	/* The hooks see inet destinations; socket rules the socket() call. */
	if (ev->hdr.type == CW_EVENT_NET)
		return ev->net.family == AF_INET || ev->net.family == AF_INET6;
	return true;
}

/* First rule wins: an entry already written for this policy stays. */
static int put(int fd, const void *key, const void *val)
{
	if (bpf_map_update_elem(fd, key, val, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	return 0;
}

static int compile_exec(const struct cw_rule *r, __u32 policy, const struct cw_rule_maps *maps,
			const struct cw_verdict *v)
{
	const struct cw_match *m = &r->match;
	int ret = 0;

	for (size_t i = 0; !ret && i < m->ninodes; i++) {
		struct cw_inode_key k = m->inodes[i];

		k.policy = policy;
		ret = put(maps->exec_inode, &k, v);
	}
	for (size_t i = 0; !ret && i < m->binary.n; i++) {
		const char *b = strrchr(m->binary.v[i], '/');
		struct cw_name_key k = { .policy = policy };

		b = b ? b + 1 : m->binary.v[i];
		if (strlen(b) >= sizeof(k.name))
			continue;	/* the kernel compares CW_NAME_MAX - 1 bytes: identity only */
		memcpy(k.name, b, strlen(b));
		ret = put(maps->exec_name, &k, v);
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
static int compile_paths(const struct cw_rule *r, __u32 policy, int fd,
			 const struct cw_verdict *v)
{
	struct cw_path_key k;
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.path.n; i++) {
		path_key(&k, policy, r->match.path.v[i], true);
		ret = put(fd, &k, v);
	}
	for (size_t i = 0; !ret && i < r->match.path_prefix.n; i++) {
		path_key(&k, policy, r->match.path_prefix.v[i], false);
		ret = put(fd, &k, v);
	}
	return ret;
}

static int compile_open(const struct cw_rule *r, __u32 policy, const struct cw_rule_maps *maps,
			const struct cw_verdict *v)
{
	int ret = compile_paths(r, policy, maps->open, v);

	for (size_t i = 0; !ret && i < r->match.basename.n; i++) {
		struct cw_name_key nk = { .policy = policy };

		memcpy(nk.name, r->match.basename.v[i], strlen(r->match.basename.v[i]));
		ret = put(maps->open_name, &nk, v);
	}
	return ret;
}

static int put_cidr(const struct cw_rule_maps *maps, __u32 policy, const struct cw_cidr *c,
		    const struct cw_net_rule *val)
{
	if (c->family == AF_INET) {
		struct cw_net4_key k = { .prefixlen = 32 + c->prefix, .policy = policy };

		memcpy(k.addr, c->addr, 4);
		return put(maps->net4, &k, val);
	}
	struct cw_net6_key k = { .prefixlen = 32 + c->prefix, .policy = policy };

	memcpy(k.addr, c->addr, 16);
	return put(maps->net6, &k, val);
}

static int compile_net(const struct cw_rule *r, __u32 policy, const struct cw_rule_maps *maps,
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
			ret = put_cidr(maps, policy, &r->match.not->cidrs[i], &allow);
	}
	for (size_t i = 0; !ret && i < r->match.ncidrs; i++)
		ret = put_cidr(maps, policy, &r->match.cidrs[i], &val);
	return ret;
}

/* A validated name's number: the rules were checked against the same table. */
static int number_of(const struct cw_name *t, const char *name)
{
	int value = 0;

	cw_value_of(t, name, &value);
	return value;
}

static int compile_socket(const struct cw_rule *r, __u32 policy, const struct cw_rule_maps *maps,
			  const struct cw_verdict *v)
{
	const struct cw_match *m = &r->match;
	size_t nf = m->family.n ?: 1, nt = m->socket_type.n ?: 1;
	int ret = 0;

	for (size_t i = 0; !ret && i < nf; i++) {
		for (size_t j = 0; !ret && j < nt; j++) {
			struct cw_socket_key k = {
				.policy = policy,
				.family = m->family.n ?
					  number_of(cw_net_family_names, m->family.v[i]) : 0,
				.type = m->socket_type.n ?
					number_of(cw_socket_type_names, m->socket_type.v[j]) : 0,
			};

			ret = put(maps->socket, &k, v);
		}
	}
	return ret;
}

static int compile_syscall(const struct cw_rule *r, __u32 policy, const struct cw_rule_maps *maps,
			   const struct cw_verdict *v)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < r->match.syscall.n; i++) {
		struct cw_syscall_key k = {
			.policy = policy,
			.nr = seccomp_syscall_resolve_name(r->match.syscall.v[i]),
		};

		if ((int)k.nr >= 0)
			ret = put(maps->syscall, &k, v);
	}
	return ret;
}

static int compile_rule(const struct cw_rule *r, __u32 policy, const struct cw_rule_maps *maps)
{
	struct cw_verdict v = { .rule_id = r->id, .action = r->action };

	switch (r->event) {
	case CW_EVENT_EXEC:
		return compile_exec(r, policy, maps, &v);
	case CW_EVENT_OPEN:
		return compile_open(r, policy, maps, &v);
	case CW_EVENT_NET:
		if (r->match.ncidrs)
			return compile_net(r, policy, maps, &v);
		if (r->match.path.n || r->match.path_prefix.n)
			return compile_paths(r, policy, maps->unix_path, &v);
		return compile_socket(r, policy, maps, &v);
	case CW_EVENT_SYSCALL:
		return compile_syscall(r, policy, maps, &v);
	case CW_EVENT_SIGNAL: {
		struct cw_syscall_key k = { .policy = policy, .nr = CW_NR_SIGNAL_OUT };

		return put(maps->syscall, &k, &v);
	}
	}
	return 0;
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
	static const struct {
		size_t fd_off, key_size, policy_off;
	} maps_of[] = {
		{ offsetof(struct cw_rule_maps, exec_inode), sizeof(struct cw_inode_key), 0 },
		{ offsetof(struct cw_rule_maps, exec_name), sizeof(struct cw_name_key), 0 },
		{ offsetof(struct cw_rule_maps, open), sizeof(struct cw_path_key), 4 },
		{ offsetof(struct cw_rule_maps, open_name), sizeof(struct cw_name_key), 0 },
		{ offsetof(struct cw_rule_maps, unix_path), sizeof(struct cw_path_key), 4 },
		{ offsetof(struct cw_rule_maps, net4), sizeof(struct cw_net4_key), 4 },
		{ offsetof(struct cw_rule_maps, net6), sizeof(struct cw_net6_key), 4 },
		{ offsetof(struct cw_rule_maps, syscall), sizeof(struct cw_syscall_key), 0 },
		{ offsetof(struct cw_rule_maps, socket), sizeof(struct cw_socket_key), 0 },
	};
	__u32 max = 0;

	for (size_t i = 0; i < sizeof(maps_of) / sizeof(maps_of[0]); i++) {
		int fd = *(const int *)((const char *)maps + maps_of[i].fd_off);
		__u32 m = delete_policies(fd, maps_of[i].key_size, maps_of[i].policy_off, lo, hi);

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
	for (size_t i = 0; i < rs->nrules; i++) {
		struct cw_rule *r = &rs->rules[i];
		int ret;

		r->in_kernel = decidable(r);
		if (!r->in_kernel)
			continue;
		ret = compile_rule(r, policy, maps);
		if (ret) {
			snprintf(err, errlen, "%s: rule '%s': compile into the kernel: %s",
				 rs->source, r->name, strerror(-ret));
			cw_rules_uncompile(policy, maps);
			return ret;
		}
	}
	return 0;
}
