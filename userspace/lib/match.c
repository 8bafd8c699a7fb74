// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule evaluation in userspace: every condition of a match against one event. */
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>

#include "event.h"
#include "rules.h"

static bool any_equal(const struct cw_strlist *l, const char *s)
{
	for (size_t i = 0; s && i < l->n; i++) {
		if (!strcmp(l->v[i], s))
			return true;
	}
	return false;
}

static const char *base_of(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

/* An executable named by path ("/usr/bin/python3") or by basename ("python3"). */
static bool exe_matches(const struct cw_strlist *l, const char *exe)
{
	for (size_t i = 0; exe && i < l->n; i++) {
		const char *want = l->v[i];

		if (strchr(want, '/') ? !strcmp(want, exe) : !strcmp(want, base_of(exe)))
			return true;
	}
	return false;
}

/* The path a rule's path conditions look at: executable, file, or unix socket. */
static const char *event_path(const struct cw_event *ev)
{
	if (ev->hdr.type == CW_EVENT_NET)
		return ev->net.family == AF_UNIX && ev->net.path_len && ev->net.path[0] ?
		       ev->net.path : NULL;
	return cw_event_path(ev);
}

static bool path_matches(const struct cw_match *m, const char *path)
{
	if (m->path.n && !any_equal(&m->path, path))
		return false;
	if (m->path_prefix.n) {
		bool hit = false;

		for (size_t i = 0; path && i < m->path_prefix.n && !hit; i++)
			hit = !strncmp(path, m->path_prefix.v[i], strlen(m->path_prefix.v[i]));
		if (!hit)
			return false;
	}
	if (m->basename.n && !any_equal(&m->basename, base_of(path)))
		return false;
	if (m->glob.n) {
		bool hit = false;

		for (size_t i = 0; path && i < m->glob.n && !hit; i++)
			hit = !fnmatch(m->glob.v[i], path, FNM_PATHNAME);
		if (!hit)
			return false;
	}
	return true;
}

static bool binary_matches(const struct cw_match *m, const struct cw_event *ev)
{
	for (size_t i = 0; i < m->ninodes; i++) {
		if (m->inodes[i].dev == ev->exec.dev && m->inodes[i].ino == ev->exec.ino)
			return true;
	}
	for (size_t i = 0; i < m->binary.n; i++) {
		if (!strcmp(base_of(m->binary.v[i]), base_of(ev->exec.data)))
			return true;
	}
	return false;
}

static bool argv_matches(const struct cw_strlist *l, const struct cw_event *ev)
{
	for (const char *a = NULL; (a = cw_exec_next_arg(ev, a));) {
		for (size_t i = 0; i < l->n; i++) {
			if (strstr(a, l->v[i]))
				return true;
		}
	}
	return false;
}

static bool ancestry_matches(const struct cw_strlist *l, const struct cw_event *ev, bool any)
{
	for (int i = 0; i < (any ? ev->nancestry : (ev->nancestry ? 1 : 0)); i++) {
		if (exe_matches(l, ev->ancestry[i]))
			return true;
	}
	return false;
}

/* Is any bit set in @bits named in @l? */
static bool any_bit_named(const struct cw_strlist *l, const struct cw_name *t, unsigned int bits)
{
	for (; t->name; t++) {
		if ((bits & t->value) && any_equal(l, t->name))
			return true;
	}
	return false;
}

static bool cidr_contains(const struct cw_cidr *c, __u16 family, const __u8 *addr)
{
	int bits = c->prefix;

	if (c->family != family)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		__u8 mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));

		if ((addr[i] & mask) != (c->addr[i] & mask))
			return false;
	}
	return true;
}

static bool net_matches(const struct cw_match *m, const struct cw_event *ev)
{
	const struct cw_net_event *n = &ev->net;

	if (m->family.n && !any_equal(&m->family, cw_name_of(cw_net_family_names, n->family)))
		return false;
	if (m->op.n && !any_equal(&m->op, cw_name_of(cw_net_op_names, n->op)))
		return false;
	if (m->protocol.n && !((n->family == AF_INET || n->family == AF_INET6) &&
			       any_equal(&m->protocol,
					 cw_name_of(cw_ip_protocol_names, n->protocol))))
		return false;
	if (m->socket_type.n &&
	    !any_equal(&m->socket_type, cw_name_of(cw_socket_type_names, n->sock_type)))
		return false;
	if (m->ncidrs) {
		bool hit = false;

		for (size_t i = 0; i < m->ncidrs && !hit; i++)
			hit = n->op != CW_NET_SOCKET &&
			      cidr_contains(&m->cidrs[i], n->family, n->addr);
		if (!hit)
			return false;
	}
	if (m->nports) {
		bool hit = false;

		for (size_t i = 0; i < m->nports && !hit; i++)
			hit = n->port >= m->ports[i].lo && n->port <= m->ports[i].hi;
		if (!hit)
			return false;
	}
	return true;
}

/* Result of the call: 0 or negative errno, where the event has one. */
static bool result_of(const struct cw_event *ev, long *ret)
{
	switch (ev->hdr.type) {
	case CW_EVENT_EXEC:
		*ret = ev->exec.ret;
		return true;
	case CW_EVENT_OPEN:
		*ret = ev->open.ret;
		return true;
	case CW_EVENT_NET:
		*ret = ev->net.ret;
		return true;
	case CW_EVENT_SYSCALL:
		/* A call its caller was killed for never returned. */
		*ret = ev->sys.ret;
		return !(ev->hdr.flags & CW_F_CALLER_KILLED);
	default:
		return false;
	}
}

static bool match_holds(const struct cw_match *m, const struct cw_event *ev)
{
	long ret = 0;
	bool has_result = result_of(ev, &ret);

	if (m->binary.n && !binary_matches(m, ev))
		return false;
	if ((m->path.n || m->path_prefix.n || m->basename.n || m->glob.n) &&
	    !path_matches(m, event_path(ev)))
		return false;
	if (m->argv_contains.n && !argv_matches(&m->argv_contains, ev))
		return false;
	if (m->parent.n && !ancestry_matches(&m->parent, ev, false))
		return false;
	if (m->ancestor.n && !ancestry_matches(&m->ancestor, ev, true))
		return false;
	if (m->flags.n &&
	    !any_bit_named(&m->flags, cw_open_flag_names, cw_open_access(ev->open.flags)))
		return false;
	if (m->exec_how.n && !any_bit_named(&m->exec_how, cw_exec_how_names, cw_exec_how(ev)))
		return false;
	if (m->abi.n && !any_bit_named(&m->abi, cw_abi_names, cw_syscall_abi(ev)))
		return false;
	if (ev->hdr.type == CW_EVENT_NET && !net_matches(m, ev))
		return false;
	if (m->syscall.n) {
		char *name = cw_syscall_name(ev);
		bool hit = any_equal(&m->syscall, name);

		free(name);
		if (!hit)
			return false;
	}
	if (m->outcome.n && !(has_result &&
			      any_equal(&m->outcome, ret < 0 ? "failure" : "success")))
		return false;
	if (m->error.n && !(has_result && ret < 0 && any_equal(&m->error, cw_errno_name(ret))))
		return false;
	if (m->nuids) {
		bool hit = false;

		for (size_t i = 0; i < m->nuids && !hit; i++)
			hit = m->uids[i] == ev->hdr.uid;
		if (!hit)
			return false;
	}
	if (m->not && match_holds(m->not, ev))
		return false;
	return true;
}

bool cw_rule_matches(const struct cw_rule *r, const struct cw_event *ev)
{
	return r->event == ev->hdr.type && match_holds(&r->match, ev);
}
