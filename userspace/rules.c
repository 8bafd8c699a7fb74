// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule files: parsing and validation.  Evaluation is in match.c, compilation in compile.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <jansson.h>
#include <seccomp.h>

#include "event.h"
#include "jsonpos.h"
#include "rules.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const prio_names[] = {
	[CW_PRIO_EMERGENCY] = "emergency",	[CW_PRIO_ALERT] = "alert",
	[CW_PRIO_CRITICAL] = "critical",	[CW_PRIO_ERROR] = "error",
	[CW_PRIO_WARNING] = "warning",		[CW_PRIO_NOTICE] = "notice",
	[CW_PRIO_INFORMATIONAL] = "informational", [CW_PRIO_DEBUG] = "debug",
};

static const char *const action_names[] = {
	[CW_ACTION_NONE] = "none",
	[CW_ACTION_ALERT] = "alert",
	[CW_ACTION_KILL] = "kill",
	[CW_ACTION_DENY] = "deny",
	[CW_ACTION_KILL_RUN] = "kill-run",
};

static const char *const event_names[] = {
	[CW_EVENT_EXEC] = "exec",	[CW_EVENT_OPEN] = "open",
	[CW_EVENT_NET] = "network",	[CW_EVENT_FORK] = "fork",
	[CW_EVENT_EXIT] = "exit",	[CW_EVENT_SYSCALL] = "syscall",
	[CW_EVENT_SIGNAL] = "signal",
};

/* Directories searched for a binary named without a path. */
static const char *const bin_dirs[] = {
	"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
};


const char *cw_priority_name(enum cw_priority prio)
{
	return (unsigned int)prio < ARRAY_SIZE(prio_names) ? prio_names[prio] : "unknown";
}

const char *cw_action_name(__u32 action)
{
	return action < ARRAY_SIZE(action_names) ? action_names[action] : "unknown";
}

const char *cw_event_kind_name(__u32 event)
{
	return event < ARRAY_SIZE(event_names) && event_names[event] ? event_names[event] : "?";
}

static int lookup_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], s))
			return i;
	}
	return -1;
}

static bool in_list(const char *const *names, const char *s)
{
	for (; *names; names++) {
		if (!strcmp(*names, s))
			return true;
	}
	return false;
}

struct parser {
	const char *file;
	const char *rule;		/* rule being parsed, for messages */
	json_t *lists;
	struct cw_jsonpos *pos;
	char ptr[512];			/* JSON pointer of the value being parsed */
	char *err;
	size_t errlen;
};

/* "file:line:col: rule 'name': message", the position being that of p->ptr. */
__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	int line, col;
	size_t n;
	va_list ap;

	cw_jsonpos_find(p->pos, p->ptr, &line, &col);
	n = snprintf(p->err, p->errlen, "%s:%d:%d: ", p->file, line, col);
	if (p->rule && n < p->errlen)
		n += snprintf(p->err + n, p->errlen - n, "rule '%s': ", p->rule);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Descend into key @key of the current pointer; returns the old length to restore. */
static size_t push(struct parser *p, const char *key)
{
	size_t len = strlen(p->ptr);

	snprintf(p->ptr + len, sizeof(p->ptr) - len, "/%s", key);
	return len;
}

static size_t push_index(struct parser *p, size_t i)
{
	char key[24];

	snprintf(key, sizeof(key), "%zu", i);
	return push(p, key);
}

static void pop(struct parser *p, size_t len)
{
	p->ptr[len] = '\0';
}

static int strlist_add(struct cw_strlist *l, const char *s)
{
	char **grown = realloc(l->v, (l->n + 1) * sizeof(*l->v));

	if (!grown)
		return -ENOMEM;
	l->v = grown;
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void strlist_free(struct cw_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The array at the current pointer, or the list an "@name" string names. */
static int collect_strings(struct parser *p, json_t *v, struct cw_strlist *out, bool expand)
{
	size_t i;
	json_t *item;

	if (json_is_string(v) && expand && json_string_value(v)[0] == '@') {
		json_t *list = json_object_get(p->lists, json_string_value(v) + 1);

		if (!list)
			return fail(p, "no list named '%s'", json_string_value(v) + 1);
		return collect_strings(p, list, out, false);
	}
	if (!json_is_array(v))
		return fail(p, "must be an array of strings");
	json_array_foreach(v, i, item) {
		size_t saved = push_index(p, i);
		const char *s = json_string_value(item);
		int ret;

		if (!s || !*s)
			return fail(p, "must be a non-empty string");
		if (expand && s[0] == '@') {
			ret = collect_strings(p, item, out, true);
		} else {
			ret = strlist_add(out, s);
			if (ret)
				return fail(p, "out of memory");
		}
		if (ret)
			return ret;
		pop(p, saved);
	}
	return 0;
}

static int check_names(struct parser *p, const struct cw_strlist *l, const struct cw_name *names,
		       const char *what)
{
	int value;

	for (size_t i = 0; i < l->n; i++) {
		if (cw_value_of(names, l->v[i], &value)) {
			char all[256] = "";

			for (const struct cw_name *n = names; n->name; n++)
				snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
					 n == names ? "" : ", ", n->name);
			return fail(p, "unknown %s '%s' (%s)", what, l->v[i], all);
		}
	}
	return 0;
}

static int parse_cidr(const char *s, struct cw_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	long bits;

	/* Cut short, "10.0.0.0/0000…08" would read as another prefix. */
	if ((size_t)snprintf(buf, sizeof(buf), "%s", s) >= sizeof(buf))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -EINVAL;
	bits = c->family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;
		long v = strtol(slash, &end, 10);

		if (*end || end == slash || v < 0 || v > bits)
			return -EINVAL;
		bits = v;
	}
	c->prefix = bits;
	return 0;
}

static int parse_cidrs(struct parser *p, json_t *v, struct cw_match *m)
{
	struct cw_strlist l = {};
	int ret = collect_strings(p, v, &l, true);

	if (!ret) {
		m->cidrs = calloc(l.n, sizeof(*m->cidrs));
		if (!m->cidrs)
			ret = fail(p, "out of memory");
	}
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (parse_cidr(l.v[i], &m->cidrs[i]))
			ret = fail(p, "'%s' is not an address or CIDR", l.v[i]);
		else
			m->ncidrs++;
	}
	strlist_free(&l);
	return ret;
}

static int parse_ports(struct parser *p, json_t *v, struct cw_match *m)
{
	size_t i;
	json_t *item;

	if (!json_is_array(v))
		return fail(p, "must be an array of ports or \"lo-hi\" ranges");
	m->ports = calloc(json_array_size(v) + 1, sizeof(*m->ports));
	if (!m->ports)
		return fail(p, "out of memory");
	json_array_foreach(v, i, item) {
		size_t saved = push_index(p, i);
		long lo, hi;

		if (json_is_integer(item)) {
			lo = hi = json_integer_value(item);
		} else if (!json_is_string(item) ||
			   sscanf(json_string_value(item), "%ld-%ld", &lo, &hi) != 2) {
			return fail(p, "must be a port or a \"lo-hi\" range");
		}
		if (lo < 0 || hi > 65535 || lo > hi)
			return fail(p, "port range out of 0-65535");
		m->ports[m->nports++] = (struct cw_portrange){ lo, hi };
		pop(p, saved);
	}
	return 0;
}

static int parse_uids(struct parser *p, json_t *v, struct cw_match *m)
{
	size_t i;
	json_t *item;

	if (!json_is_array(v))
		return fail(p, "must be an array of uids");
	m->uids = calloc(json_array_size(v) + 1, sizeof(*m->uids));
	if (!m->uids)
		return fail(p, "out of memory");
	json_array_foreach(v, i, item) {
		size_t saved = push_index(p, i);

		if (!json_is_integer(item) || json_integer_value(item) < 0 ||
		    json_integer_value(item) > 0xffffffffLL)
			return fail(p, "must be a uid");
		m->uids[m->nuids++] = json_integer_value(item);
		pop(p, saved);
	}
	return 0;
}

/* The kernel's dev_t encoding (MKDEV in include/linux/kdev_t.h). */
static __u64 kernel_dev(dev_t dev)
{
	return ((__u64)major(dev) << 20) | minor(dev);
}

static int add_inode(struct cw_match *m, const char *path)
{
	struct cw_inode_key *grown;
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;	/* not on this host: the basename still matches */
	grown = realloc(m->inodes, (m->ninodes + 1) * sizeof(*m->inodes));
	if (!grown)
		return -ENOMEM;
	m->inodes = grown;
	m->inodes[m->ninodes++] = (struct cw_inode_key){
		.dev = kernel_dev(st.st_dev), .ino = st.st_ino,
	};
	return 0;
}

/* Binaries by identity: a path as given, a name as found in the usual directories. */
static int resolve_binaries(struct cw_match *m)
{
	char path[4096];
	int ret = 0;

	for (size_t i = 0; !ret && i < m->binary.n; i++) {
		const char *b = m->binary.v[i];

		if (strchr(b, '/')) {
			ret = add_inode(m, b);
			continue;
		}
		for (size_t d = 0; !ret && d < ARRAY_SIZE(bin_dirs); d++) {
			snprintf(path, sizeof(path), "%s/%s", bin_dirs[d], b);
			ret = add_inode(m, path);
		}
	}
	return ret;
}

enum cond_kind { STRINGS, UIDS, CIDRS, PORTS, NOT };

#define EV(e) (1U << (e))
#define EV_ANY (~0U)

static const struct condition {
	const char *name;
	enum cond_kind kind;
	size_t offset;			/* of the struct cw_strlist in struct cw_match */
	__u32 events;			/* event kinds it applies to */
	const struct cw_name *values;	/* allowed values, NULL: free text */
} conditions[] = {
#define S(n, f, ev, vals) { n, STRINGS, offsetof(struct cw_match, f), ev, vals }
	S("binary", binary, EV(CW_EVENT_EXEC), NULL),
	S("path", path, EV(CW_EVENT_EXEC) | EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET), NULL),
	S("path_prefix", path_prefix, EV(CW_EVENT_EXEC) | EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET),
	  NULL),
	S("basename", basename, EV(CW_EVENT_EXEC) | EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET), NULL),
	S("glob", glob, EV(CW_EVENT_EXEC) | EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET), NULL),
	S("argv_contains", argv_contains, EV(CW_EVENT_EXEC), NULL),
	S("parent", parent, EV_ANY, NULL),
	S("ancestor", ancestor, EV_ANY, NULL),
	S("flags", flags, EV(CW_EVENT_OPEN), cw_open_flag_names),
	S("exec_how", exec_how, EV(CW_EVENT_EXEC), cw_exec_how_names),
	S("family", family, EV(CW_EVENT_NET), cw_net_family_names),
	S("op", op, EV(CW_EVENT_NET), cw_net_op_names),
	S("socket_type", socket_type, EV(CW_EVENT_NET), cw_socket_type_names),
	S("syscall", syscall, EV(CW_EVENT_SYSCALL), NULL),
	S("outcome", outcome, EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET) | EV(CW_EVENT_SYSCALL),
	  cw_outcome_names),
	S("error", error, EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET) | EV(CW_EVENT_SYSCALL), NULL),
#undef S
	{ "uid", UIDS, 0, EV_ANY, NULL },
	{ "cidr", CIDRS, 0, EV(CW_EVENT_NET), NULL },
	{ "port", PORTS, 0, EV(CW_EVENT_NET), NULL },
	{ "not", NOT, 0, EV_ANY, NULL },
};

static int parse_match(struct parser *p, json_t *obj, __u32 event, struct cw_match *m);

static int parse_condition(struct parser *p, const struct condition *c, json_t *v, __u32 event,
			   struct cw_match *m)
{
	struct cw_strlist *l;
	int ret;

	if (!(c->events & EV(event)))
		return fail(p, "\"%s\" does not apply to %s events", c->name,
			    cw_event_kind_name(event));
	switch (c->kind) {
	case UIDS:
		return parse_uids(p, v, m);
	case CIDRS:
		return parse_cidrs(p, v, m);
	case PORTS:
		return parse_ports(p, v, m);
	case NOT:
		m->not = calloc(1, sizeof(*m->not));
		if (!m->not)
			return fail(p, "out of memory");
		return parse_match(p, v, event, m->not);
	case STRINGS:
		break;
	}
	l = (struct cw_strlist *)((char *)m + c->offset);
	ret = collect_strings(p, v, l, true);
	if (!ret && c->values)
		ret = check_names(p, l, c->values, c->name);
	if (!ret && c->offset == offsetof(struct cw_match, syscall)) {
		for (size_t i = 0; i < l->n; i++) {
			if (seccomp_syscall_resolve_name(l->v[i]) == __NR_SCMP_ERROR)
				return fail(p, "unknown syscall '%s'", l->v[i]);
		}
	}
	if (!ret && c->offset == offsetof(struct cw_match, error)) {
		for (size_t i = 0; i < l->n; i++) {
			bool known = false;

			for (int e = 1; e < 256 && !known; e++)
				known = strerrorname_np(e) && !strcmp(strerrorname_np(e), l->v[i]);
			if (!known)
				return fail(p, "unknown errno name '%s'", l->v[i]);
		}
	}
	return ret;
}

static int parse_match(struct parser *p, json_t *obj, __u32 event, struct cw_match *m)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fail(p, "must be an object of conditions");
	json_object_foreach(obj, key, v) {
		size_t saved = push(p, key);
		const struct condition *c = NULL;
		int ret;

		for (size_t i = 0; i < ARRAY_SIZE(conditions); i++) {
			if (!strcmp(conditions[i].name, key))
				c = &conditions[i];
		}
		if (!c)
			return fail(p, "unknown condition \"%s\"", key);
		ret = parse_condition(p, c, v, event, m);
		if (ret)
			return ret;
		pop(p, saved);
	}
	return resolve_binaries(m) ? fail(p, "out of memory") : 0;
}

static int get_string(struct parser *p, json_t *obj, const char *key, bool required,
		      const char **out)
{
	json_t *v = json_object_get(obj, key);
	size_t saved;
	int ret = 0;

	*out = NULL;
	if (!v)
		return required ? fail(p, "missing \"%s\"", key) : 0;
	saved = push(p, key);
	if (!json_is_string(v) || !json_string_length(v))
		ret = fail(p, "\"%s\" must be a non-empty string", key);
	else
		*out = json_string_value(v);
	pop(p, saved);
	return ret;
}

static int named(struct parser *p, json_t *obj, const char *key, const char *const *names,
		 size_t n, const char *choices, int *out)
{
	const char *s;
	size_t saved;
	int ret = get_string(p, obj, key, true, &s);

	if (ret)
		return ret;
	*out = lookup_name(names, n, s);
	if (*out >= 0)
		return 0;
	saved = push(p, key);
	ret = fail(p, "unknown %s \"%s\" (%s)", key, s, choices);
	pop(p, saved);
	return ret;
}

static bool match_is_network_kernel(const struct cw_match *m);

/* Only these conditions, each list of them at most once used. */
static bool only_lists(const struct cw_match *m, const struct cw_strlist *a,
		       const struct cw_strlist *b)
{
	const struct cw_strlist *all[] = {
		&m->binary, &m->path, &m->path_prefix, &m->basename, &m->glob, &m->argv_contains,
		&m->parent, &m->ancestor, &m->flags, &m->exec_how, &m->family, &m->op,
		&m->socket_type, &m->syscall, &m->outcome, &m->error,
	};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (all[i]->n && all[i] != a && all[i] != b)
			return false;
	}
	return !m->nuids && !m->ncidrs && !m->nports && !m->not;
}

/*
 * Rules that can refuse a call: network ones in the cgroup hooks
 * everywhere; exec and open ones in BPF-LSM only (the monitor refuses them
 * where the LSM does not load).
 */
static bool deny_shape(const struct cw_rule *r)
{
	const struct cw_match *m = &r->match;

	switch (r->event) {
	case CW_EVENT_NET:
		return match_is_network_kernel(m);
	case CW_EVENT_EXEC:
		return m->binary.n && only_lists(m, &m->binary, NULL);
	case CW_EVENT_OPEN:
		return (m->path.n || m->path_prefix.n) && !(m->path.n && m->path_prefix.n) &&
		       only_lists(m, &m->path, &m->path_prefix);
	default:
		return false;
	}
}

static int parse_rate(struct parser *p, json_t *v, struct cw_rule *r)
{
	size_t saved = push(p, "rate");
	json_t *count = json_object_get(v, "count"), *secs = json_object_get(v, "seconds");

	if (!json_is_object(v) || !json_is_integer(count) || !json_is_integer(secs) ||
	    json_integer_value(count) < 1 || json_integer_value(secs) < 1 ||
	    json_integer_value(secs) > 86400 || json_integer_value(count) > 1000000)
		return fail(p, "\"rate\" is {\"count\": N >= 1, \"seconds\": 1..86400}");
	r->rate_count = json_integer_value(count);
	r->rate_seconds = json_integer_value(secs);
	pop(p, saved);
	return 0;
}

static const char *const known_rule_keys[] = {
	"name", "description", "event", "match", "action", "priority", "tags", "enabled", "rate",
	NULL,
};

static int parse_rule(struct parser *p, json_t *obj, struct cw_rule *r)
{
	const char *name, *desc, *key;
	json_t *enabled, *tags, *match, *v;
	int idx, ret;

	if (!json_is_object(obj))
		return fail(p, "a rule is an object");
	if (get_string(p, obj, "name", true, &name))
		return -EINVAL;
	p->rule = name;
	json_object_foreach(obj, key, v) {
		if (!in_list(known_rule_keys, key)) {
			size_t saved = push(p, key);

			ret = fail(p, "unknown key \"%s\"", key);
			pop(p, saved);
			return ret;
		}
	}
	if (get_string(p, obj, "description", true, &desc) ||
	    named(p, obj, "event", event_names, ARRAY_SIZE(event_names),
		  "exec, open, network, syscall, signal, fork, exit", &idx))
		return -EINVAL;
	r->event = idx;
	if (named(p, obj, "action", action_names, ARRAY_SIZE(action_names),
		  "alert, deny, kill, kill-run", &idx))
		return -EINVAL;
	if (idx == CW_ACTION_NONE) {
		size_t saved = push(p, "action");

		ret = fail(p, "unknown action \"none\" (alert, deny, kill, kill-run)");
		pop(p, saved);
		return ret;
	}
	r->action = idx;
	if (named(p, obj, "priority", prio_names, ARRAY_SIZE(prio_names),
		  "emergency, alert, critical, error, warning, notice, informational, debug",
		  &idx))
		return -EINVAL;
	r->priority = idx;

	enabled = json_object_get(obj, "enabled");
	if (enabled && !json_is_boolean(enabled)) {
		push(p, "enabled");
		return fail(p, "\"enabled\" must be true or false");
	}
	tags = json_object_get(obj, "tags");
	if (tags) {
		size_t saved = push(p, "tags");

		ret = collect_strings(p, tags, &r->tags, false);
		if (ret)
			return ret;
		pop(p, saved);
	}
	r->name = strdup(name);
	r->description = strdup(desc);
	if (!r->name || !r->description)
		return fail(p, "out of memory");
	match = json_object_get(obj, "match");
	if (match) {
		size_t saved = push(p, "match");

		ret = parse_match(p, match, r->event, &r->match);
		if (ret)
			return ret;
		pop(p, saved);
	}
	v = json_object_get(obj, "rate");
	if (v && parse_rate(p, v, r))
		return -EINVAL;
	/* Refusing a call can only happen in the kernel, before it completes. */
	if (r->action == CW_RULE_DENY && (r->rate_count || !deny_shape(r))) {
		size_t saved = push(p, "action");

		ret = fail(p, "\"deny\" needs conditions the kernel decides before the call: "
			      "network \"cidr\"/\"port\" (\"not\" of cidr), exec \"binary\" only, "
			      "or open \"path\" or \"path_prefix\" only; and no rate");
		pop(p, saved);
		return ret;
	}
	if (enabled && json_is_false(enabled))
		return 1;
	return 0;
}

static void free_match(struct cw_match *m)
{
	struct cw_strlist *lists[] = {
		&m->binary, &m->path, &m->path_prefix, &m->basename, &m->glob, &m->argv_contains,
		&m->parent, &m->ancestor, &m->flags, &m->exec_how, &m->family, &m->op,
		&m->socket_type, &m->syscall, &m->outcome, &m->error,
	};

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		strlist_free(lists[i]);
	free(m->uids);
	free(m->cidrs);
	free(m->ports);
	free(m->inodes);
	if (m->not) {
		free_match(m->not);
		free(m->not);
	}
	memset(m, 0, sizeof(*m));
}

static void free_rule(struct cw_rule *r)
{
	strlist_free(&r->tags);
	free_match(&r->match);
	free(r->name);
	free(r->description);
	memset(r, 0, sizeof(*r));
}

void cw_rules_free(struct cw_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		free_rule(&rs->rules[i]);
	free(rs->rules);
	free(rs->source);
	memset(rs, 0, sizeof(*rs));
}

static int parse_ruleset(struct parser *p, json_t *root, struct cw_ruleset *rs)
{
	const char *key;
	json_t *rules, *obj, *v;
	size_t i;
	int ret;

	if (!json_is_object(root))
		return fail(p, "a rule file is an object with \"rules\"");
	json_object_foreach(root, key, v) {
		if (strcmp(key, "rules") && strcmp(key, "lists")) {
			push(p, key);
			return fail(p, "unknown key \"%s\" (rules, lists)", key);
		}
	}
	p->lists = json_object_get(root, "lists");
	if (p->lists) {
		size_t saved = push(p, "lists");

		if (!json_is_object(p->lists))
			return fail(p, "\"lists\" must be an object of string arrays");
		json_object_foreach(p->lists, key, v) {
			struct cw_strlist tmp = {};
			size_t s2 = push(p, key);

			ret = collect_strings(p, v, &tmp, false);
			strlist_free(&tmp);
			if (ret)
				return ret;
			pop(p, s2);
		}
		pop(p, saved);
	}
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules))
		return fail(p, "\"rules\" must be an array");
	rs->rules = calloc(json_array_size(rules) + 1, sizeof(*rs->rules));
	if (!rs->rules)
		return fail(p, "out of memory");
	json_array_foreach(rules, i, obj) {
		struct cw_rule *r = &rs->rules[rs->nrules];
		size_t saved = push(p, "rules");

		push_index(p, i);
		p->rule = NULL;
		r->id = rs->nrules + 1;
		ret = parse_rule(p, obj, r);
		if (ret < 0) {
			free_rule(r);
			return ret;
		}
		for (size_t j = 0; j < rs->nrules; j++) {
			if (!strcmp(rs->rules[j].name, r->name)) {
				free_rule(r);
				push(p, "name");
				return fail(p, "duplicate rule name");
			}
		}
		if (ret > 0)	/* disabled: validated, not kept */
			free_rule(r);
		else
			rs->nrules++;
		pop(p, saved);
	}
	return 0;
}

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);

		if (n >= 0 && n < (64 << 20) && fseek(f, 0, SEEK_SET) == 0) {
			text = malloc(n + 1);
			if (text && fread(text, 1, n, f) == (size_t)n) {
				text[n] = '\0';
				*len = n;
			} else {
				free(text);
				text = NULL;
			}
		}
	}
	fclose(f);
	return text;
}

int cw_rules_parse(struct cw_ruleset *rs, const char *name, const char *text, size_t len,
		   char *err, size_t errlen)
{
	struct parser p = { .file = name, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(rs, 0, sizeof(*rs));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	p.pos = cw_jsonpos_index(text, len);
	ret = parse_ruleset(&p, root, rs);
	cw_jsonpos_free(p.pos);
	json_decref(root);
	if (!ret) {
		rs->source = strdup(name);
		if (!rs->source)
			ret = -ENOMEM;
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	if (ret)
		cw_rules_free(rs);
	return ret;
}

int cw_rules_load(struct cw_ruleset *rs, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text;
	int ret;

	memset(rs, 0, sizeof(*rs));
	text = read_text(path, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ?: EIO));
		return -EINVAL;
	}
	ret = cw_rules_parse(rs, path, text, len, err, errlen);
	free(text);
	return ret;
}

const struct cw_rule *cw_rules_by_id(const struct cw_ruleset *rs, __u32 id)
{
	if (!rs || id == 0 || id > rs->nrules)
		return NULL;
	return &rs->rules[id - 1];
}

/* Only CIDRs and ports, and "not" of CIDRs: what the cgroup hooks decide. */
static bool match_is_network_kernel(const struct cw_match *m)
{
	const struct cw_strlist *other[] = {
		&m->path, &m->path_prefix, &m->basename, &m->glob, &m->parent, &m->ancestor,
		&m->family, &m->op, &m->socket_type, &m->outcome, &m->error,
	};

	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		if (other[i]->n)
			return false;
	}
	if (m->nuids || !m->ncidrs)
		return false;
	if (m->not) {
		const struct cw_match *n = m->not;

		if (!n->ncidrs || n->nports || n->not || n->nuids || n->path.n || n->parent.n ||
		    n->ancestor.n || n->family.n || n->op.n)
			return false;
	}
	return true;
}
