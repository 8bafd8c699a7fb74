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

#include "correlate.h"
#include "event.h"
#include "files.h"
#include "glob.h"
#include "jsonpos.h"
#include "rules.h"


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

/* What logs call each record type; what rules may name. */
static const char *const kind_names[] = {
#define CW_KIND_NAME(name, value, tag, member, kind, ...) [value] = kind,
	CW_EVENT_TYPES(CW_KIND_NAME)
#undef CW_KIND_NAME
};

static const char *const event_names[] = {
#define CW_RULED_NAME(name, value, tag, member, kind, ruled, ...) [value] = ruled ? kind : NULL,
	CW_EVENT_TYPES(CW_RULED_NAME)
#undef CW_RULED_NAME
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
	return event < ARRAY_SIZE(kind_names) && kind_names[event] ? kind_names[event] : "?";
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

/*
 * The table of rule conditions: the one place that says, for each
 * condition, how it is parsed (kind, allowed names, extra checks), which
 * events it applies to, and whether and under which limits the kernel can
 * decide it (the kernel targets it may appear in, bytes per value, values
 * per rule).  Matching in userspace is match.c's, one clause per row.
 * Which combinations of conditions the kernel decides is the table of
 * kernel targets below; both drive the refusal of rules that need a layer
 * they cannot get, and compile.c compiles exactly what they accept.
 */
enum cond_kind { STRINGS, UIDS, CIDRS, PORTS, NOT };

enum cond_id {
	C_BINARY, C_PATH, C_PATH_PREFIX, C_BASENAME, C_GLOB, C_ARGV_CONTAINS, C_PARENT, C_ANCESTOR,
	C_FLAGS, C_EXEC_HOW, C_FAMILY, C_OP, C_SOCKET_TYPE, C_PROTOCOL, C_SYSCALL, C_ABI, C_OUTCOME,
	C_ERROR, C_UID, C_CIDR, C_PORT, C_NOT, C_COUNT
};

#define EV(e) (1U << (e))
#define EV_ANY (~0U)
#define EV_PATHS (EV(CW_EVENT_EXEC) | EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET))
#define EV_RESULT (EV(CW_EVENT_EXEC) | EV(CW_EVENT_OPEN) | EV(CW_EVENT_NET) | EV(CW_EVENT_SYSCALL))
#define C(id) (1U << (id))
#define KT(t) (1U << (t))

struct parser;
typedef int (*check_fn)(struct parser *p, const struct cw_strlist *l);
/* Can the kernel's maps hold value @v?  If not, why (into @why). */
typedef bool (*shape_fn)(const char *v, char *why, size_t len);
static bool glob_fits(const char *v, char *why, size_t len);
static bool how_fits(const char *v, char *why, size_t len);
static int check_syscalls(struct parser *p, const struct cw_strlist *l);
static int check_errnos(struct parser *p, const struct cw_strlist *l);

static const struct condition {
	const char *name;
	enum cond_kind kind;
	size_t offset;			/* STRINGS: of the struct cw_strlist in
					 * struct cw_match */
	__u32 events;			/* event kinds it applies to */
	const struct cw_name *values;	/* allowed values, NULL: free text */
	check_fn check;			/* more validation of the values, or NULL */
	__u32 kernel;			/* KT() of the kernel targets it may appear in */
	size_t max_len;			/* kernel: bytes of each value (0: no limit) */
	bool len_of_basename;		/* ... counted on the value's last component */
	size_t max_count;		/* kernel: values in one rule (0: no limit) */
	shape_fn shape;			/* kernel: what each value must look like
					 * (NULL: any) */
} conditions[C_COUNT] = {
#define S(id, f, ev, vals, chk, kt, len) \
	[id] = { #f, STRINGS, offsetof(struct cw_match, f), ev, vals, chk, kt, len }
	/* The kernel compares CW_NAME_MAX - 1 bytes of a basename (struct cw_name_key). */
	[C_BINARY] = { "binary", STRINGS, offsetof(struct cw_match, binary), EV(CW_EVENT_EXEC),
		       .kernel = KT(CW_KERNEL_EXEC), .max_len = CW_NAME_MAX - 1,
		       .len_of_basename = true },
	/* An exact path's LPM key holds its NUL too. */
	S(C_PATH, path, EV_PATHS, NULL, NULL, KT(CW_KERNEL_OPEN_PATH) | KT(CW_KERNEL_UNIX),
	  CW_LPM_PATH - 1),
	S(C_PATH_PREFIX, path_prefix, EV_PATHS, NULL, NULL,
	  KT(CW_KERNEL_OPEN_PATH) | KT(CW_KERNEL_UNIX), CW_LPM_PATH),
	S(C_BASENAME, basename, EV_PATHS, NULL, NULL, KT(CW_KERNEL_OPEN_NAME), CW_NAME_MAX - 1),
	/* Absolute, per-component literals and one '*' each: userspace/lib/glob.h. */
	[C_GLOB] = { "glob", STRINGS, offsetof(struct cw_match, glob), EV_PATHS,
		     .kernel = KT(CW_KERNEL_OPEN_GLOB), .shape = glob_fits },
	S(C_ARGV_CONTAINS, argv_contains, EV(CW_EVENT_EXEC), NULL, NULL, 0, 0),
	S(C_PARENT, parent, EV_ANY, NULL, NULL, 0, 0),
	S(C_ANCESTOR, ancestor, EV_ANY, NULL, NULL, 0, 0),
	S(C_FLAGS, flags, EV(CW_EVENT_OPEN), cw_open_flag_names, NULL, 0, 0),
	[C_EXEC_HOW] = { "exec_how", STRINGS, offsetof(struct cw_match, exec_how),
			 EV(CW_EVENT_EXEC), cw_exec_how_names, .kernel = KT(CW_KERNEL_EXEC_HOW),
			 .shape = how_fits },
	S(C_FAMILY, family, EV(CW_EVENT_NET), cw_net_family_names, NULL,
	  KT(CW_KERNEL_SOCKET) | KT(CW_KERNEL_UNIX), 0),
	S(C_OP, op, EV(CW_EVENT_NET), cw_net_op_names, NULL, KT(CW_KERNEL_SOCKET), 0),
	S(C_SOCKET_TYPE, socket_type, EV(CW_EVENT_NET), cw_socket_type_names, NULL,
	  KT(CW_KERNEL_SOCKET), 0),
	S(C_PROTOCOL, protocol, EV(CW_EVENT_NET), cw_ip_protocol_names, NULL,
	  KT(CW_KERNEL_SOCKET), 0),
	S(C_SYSCALL, syscall, EV(CW_EVENT_SYSCALL), NULL, check_syscalls, KT(CW_KERNEL_SYSCALL), 0),
	/* Only the seccomp filter's kills carry an ABI: every value means "foreign". */
	S(C_ABI, abi, EV(CW_EVENT_SYSCALL), cw_abi_names, NULL, KT(CW_KERNEL_ABI), 0),
	S(C_OUTCOME, outcome, EV_RESULT, cw_outcome_names, NULL, KT(CW_KERNEL_EXEC_REFUSED), 0),
	S(C_ERROR, error, EV_RESULT, NULL, check_errnos, KT(CW_KERNEL_EXEC_REFUSED), 0),
#undef S
	[C_UID] = { "uid", UIDS, .events = EV_ANY },
	[C_CIDR] = { "cidr", CIDRS, .events = EV(CW_EVENT_NET), .kernel = KT(CW_KERNEL_NET) },
	/* struct cw_net_rule holds CW_MAX_PORT_RANGES ranges. */
	[C_PORT] = { "port", PORTS, .events = EV(CW_EVENT_NET), .kernel = KT(CW_KERNEL_NET),
		     .max_count = CW_MAX_PORT_RANGES },
	/* Of CIDRs only (kernel_target.not_allowed): exceptions in the LPM trie. */
	[C_NOT] = { "not", NOT, .events = EV_ANY, .kernel = KT(CW_KERNEL_NET) },
};

/* The conditions a kernel target's maps hold: those whose row names the target. */
static __u32 held_by(enum cw_kernel_target t)
{
	__u32 mask = 0;

	for (int c = 0; c < C_COUNT; c++) {
		if (conditions[c].kernel & KT(t))
			mask |= C(c);
	}
	return mask;
}

static int condition_named(const char *name)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (!strcmp(conditions[c].name, name))
			return c;
	}
	return -1;
}

/* Can the kernel refuse the call (deny), or only kill at its exit? */
enum refusal {
	REFUSES_NEVER,
	REFUSES_ALWAYS,		/* the cgroup hooks, on every kernel */
	REFUSES_LSM,		/* BPF-LSM only: cw_monitor_add_policy() refuses it elsewhere */
};

/*
 * The combinations the kernel decides alone: a rule of @event whose
 * conditions are all held by the target (the rows naming it, each value
 * within the row's limits), with at least one of @keys (none: no condition
 * at all), at most one of @exclusive, @fixed holding exactly @fixed_value,
 * and "not" holding only @not_allowed.  A rule with a rate never: rates
 * are counted in userspace.
 */
static const struct kernel_target {
	enum cw_kernel_target id;
	__u32 event;
	__u32 keys, exclusive, not_allowed;
	int fixed;			/* a condition that must name exactly one value, or -1 */
	const char *fixed_value;
	enum refusal refuses;
	const char *what;		/* what it decides, for messages */
	const char *maps;
} kernel_targets[] = {
	{ CW_KERNEL_EXEC, CW_EVENT_EXEC, C(C_BINARY), 0, 0, -1, NULL,
	  REFUSES_LSM, "an exec by binary", "exec_inode_rules, exec_name_rules" },
	{ CW_KERNEL_OPEN_PATH, CW_EVENT_OPEN, C(C_PATH) | C(C_PATH_PREFIX),
	  C(C_PATH) | C(C_PATH_PREFIX), 0, -1, NULL, REFUSES_LSM, "an open by path", "open_rules" },
	{ CW_KERNEL_OPEN_NAME, CW_EVENT_OPEN, C(C_BASENAME), 0, 0, -1, NULL,
	  REFUSES_LSM, "an open by basename", "open_name_rules" },
	{ CW_KERNEL_OPEN_GLOB, CW_EVENT_OPEN, C(C_GLOB), 0, 0, -1, NULL,
	  REFUSES_LSM, "an open by glob", "glob_rules" },
	{ CW_KERNEL_NET, CW_EVENT_NET, C(C_CIDR), 0, C(C_CIDR), -1, NULL,
	  REFUSES_ALWAYS, "a destination", "net4_rules, net6_rules" },
	/* The socket() refusal is BPF-LSM's, but the monitor gates LSM denies by event kind. */
	{ CW_KERNEL_SOCKET, CW_EVENT_NET, C(C_FAMILY) | C(C_SOCKET_TYPE) | C(C_PROTOCOL), 0, 0,
	  C_OP, "socket", REFUSES_NEVER, "a socket() by family, type and protocol",
	  "socket_rules" },
	{ CW_KERNEL_UNIX, CW_EVENT_NET, C(C_PATH) | C(C_PATH_PREFIX), C(C_PATH) | C(C_PATH_PREFIX),
	  0, C_FAMILY, "unix", REFUSES_NEVER, "a unix socket by path", "unix_rules" },
	{ CW_KERNEL_SYSCALL, CW_EVENT_SYSCALL, C(C_SYSCALL), 0, 0, -1, NULL,
	  REFUSES_NEVER, "a syscall", "syscall_rules" },
	{ CW_KERNEL_SIGNAL, CW_EVENT_SIGNAL, 0, 0, 0, -1, NULL,
	  REFUSES_LSM, "a signal out of the cell", "syscall_rules" },
	{ CW_KERNEL_EXEC_HOW, CW_EVENT_EXEC, C(C_EXEC_HOW), 0, 0, -1, NULL,
	  REFUSES_NEVER, "an exec by how it was reached", "syscall_rules" },
	/* Judged at the execve's exit, after the kernel refused it. */
	{ CW_KERNEL_EXEC_REFUSED, CW_EVENT_EXEC, C(C_ERROR), 0, 0, C_OUTCOME, "failure",
	  REFUSES_NEVER, "a refused exec by errno", "syscall_rules" },
	/* The seccomp filter refused it already, by killing the caller. */
	{ CW_KERNEL_ABI, CW_EVENT_SYSCALL, C(C_ABI), 0, 0, -1, NULL,
	  REFUSES_NEVER, "a syscall of a foreign ABI", "syscall_rules" },
};

const char *cw_kernel_target_name(enum cw_kernel_target t)
{
	for (size_t i = 0; i < ARRAY_SIZE(kernel_targets); i++) {
		if (kernel_targets[i].id == t)
			return kernel_targets[i].maps;
	}
	return "userspace";
}

bool cw_kernel_target_sees(enum cw_kernel_target t, const struct cw_event *ev)
{
	switch (t) {
	case CW_KERNEL_NONE:
	case CW_KERNEL_TARGETS:
		return false;
	case CW_KERNEL_OPEN_PATH:
	case CW_KERNEL_OPEN_NAME:
	case CW_KERNEL_OPEN_GLOB:
		/* The kernel looks the rule up from the opened file: a failed open has none. */
		return ev->hdr.type == CW_EVENT_OPEN && ev->open.ret >= 0;
	case CW_KERNEL_EXEC_HOW:
		/* Judged at sched_process_exec: an exec that happened. */
		return ev->hdr.type == CW_EVENT_EXEC && ev->exec.ret == 0 &&
		       !(ev->hdr.flags & (CW_F_EXEC_MAPPED | CW_F_UNRESOLVED));
	case CW_KERNEL_EXEC_REFUSED:
		return ev->hdr.type == CW_EVENT_EXEC && ev->exec.ret < 0;
	case CW_KERNEL_NET:
		/* The cgroup hooks see inet destinations only. */
		return ev->hdr.type == CW_EVENT_NET &&
		       (ev->net.family == AF_INET || ev->net.family == AF_INET6);
	default:
		return true;
	}
}

/* How many values condition @c has in @m (0: absent). */
static size_t cond_count(enum cond_id c, const struct cw_match *m)
{
	switch (conditions[c].kind) {
	case UIDS:
		return m->nuids;
	case CIDRS:
		return m->ncidrs;
	case PORTS:
		return m->nports;
	case NOT:
		return m->not ? 1 : 0;
	case STRINGS:
		break;
	}
	return ((const struct cw_strlist *)((const char *)m + conditions[c].offset))->n;
}

static const struct cw_strlist *cond_strings(enum cond_id c, const struct cw_match *m)
{
	return (const struct cw_strlist *)((const char *)m + conditions[c].offset);
}

static __u32 conditions_present(const struct cw_match *m)
{
	__u32 present = 0;

	for (int c = 0; c < C_COUNT; c++) {
		if (cond_count(c, m))
			present |= C(c);
	}
	return present;
}

/* Why the kernel cannot decide a rule: a JSON pointer below the rule ("" for the rule) and why. */
struct why {
	char ptr[64];
	char msg[256];
};

__attribute__((format(printf, 3, 4)))
static bool because(struct why *w, const char *ptr, const char *fmt, ...)
{
	va_list ap;

	snprintf(w->ptr, sizeof(w->ptr), "%s", ptr);
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	return false;
}

/* Every condition of @m within @allowed and within its row's limits. */
static bool within(const struct cw_match *m, __u32 allowed, const char *at, struct why *w)
{
	char ptr[64];

	for (int c = 0; c < C_COUNT; c++) {
		const struct condition *row = &conditions[c];
		size_t n = cond_count(c, m);

		if (!n)
			continue;
		snprintf(ptr, sizeof(ptr), "%s/%s", at, conditions[c].name);
		if (!(allowed & C(c)))
			return because(w, ptr, "\"%s\"%s is judged in userspace", conditions[c].name,
				       strcmp(at, "/match") ? " inside \"not\"" : "");
		if (row->max_count && n > row->max_count)
			return because(w, ptr, "%zu %s, at most %zu", n,
				       c == C_PORT ? "port ranges" : "values", row->max_count);
		for (size_t i = 0; row->shape && i < n; i++) {
			const char *v = cond_strings(c, m)->v[i];
			char why[160];

			if (!row->shape(v, why, sizeof(why)))
				return because(w, ptr, "\"%s\" '%.40s%s': %s", conditions[c].name, v,
					       strlen(v) > 40 ? "..." : "", why);
		}
		for (size_t i = 0; row->max_len && i < n; i++) {
			const char *v = cond_strings(c, m)->v[i], *slash = strrchr(v, '/');
			size_t len = strlen(row->len_of_basename && slash ? slash + 1 : v);

			if (len > row->max_len)
				return because(w, ptr, "\"%s\" value of %zu bytes, at most %zu: '%.40s%s'",
					       conditions[c].name, len, row->max_len, v,
					       strlen(v) > 40 ? "..." : "");
		}
	}
	return true;
}

static bool cidr_inside(const struct cw_cidr *in, const struct cw_cidr *out)
{
	int bits = out->prefix;

	if (in->family != out->family || in->prefix <= out->prefix)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		__u8 mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));

		if ((in->addr[i] & mask) != (out->addr[i] & mask))
			return false;
	}
	return true;
}

/*
 * A "not" CIDR is an exception entry in the longest-prefix-match trie: it
 * only wins over a CIDR of the rule that it lies strictly inside.
 */
static bool exceptions_inside(const struct cw_match *m, struct why *w)
{
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < m->not->ncidrs; i++) {
		const struct cw_cidr *x = &m->not->cidrs[i];
		bool inside = false;

		for (size_t j = 0; j < m->ncidrs && !inside; j++)
			inside = cidr_inside(x, &m->cidrs[j]);
		if (!inside) {
			inet_ntop(x->family, x->addr, buf, sizeof(buf));
			return because(w, "/match/not/cidr", "\"not\" CIDR %s/%u lies in none of "
				       "the rule's CIDRs, so the kernel cannot make it an exception",
				       buf, x->prefix);
		}
	}
	return true;
}

/* The names of the conditions in @mask, quoted, joined by @sep. */
static const char *names_of(__u32 mask, const char *sep, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < C_COUNT && n < len; c++) {
		if (mask & C(c))
			n += snprintf(buf + n, len - n, "%s\"%s\"", n ? sep : "",
				      conditions[c].name);
	}
	return buf;
}

static bool target_fits(const struct cw_rule *r, const struct kernel_target *t, struct why *w)
{
	const struct cw_match *m = &r->match;
	__u32 present = conditions_present(m);
	char ptr[64], names[128];

	if (!within(m, held_by(t->id), "/match", w))
		return false;
	if (t->keys && !(present & t->keys))
		return because(w, "/match", "the kernel decides %s only by %s", t->what,
			       names_of(t->keys, " or ", names, sizeof(names)));
	if (__builtin_popcount(present & t->exclusive) > 1)
		return because(w, "/match", "the kernel decides %s by %s, not both", t->what,
			       names_of(t->exclusive, " or ", names, sizeof(names)));
	if (t->fixed >= 0) {
		const struct cw_strlist *l = cond_strings(t->fixed, m);

		snprintf(ptr, sizeof(ptr), "/match/%s", conditions[t->fixed].name);
		if (l->n != 1 || strcmp(l->v[0], t->fixed_value))
			return because(w, ptr, "the kernel decides %s only with \"%s\": [\"%s\"]",
				       t->what, conditions[t->fixed].name, t->fixed_value);
	}
	if (m->not) {
		if (!(conditions_present(m->not) & t->not_allowed))
			return because(w, "/match/not", "an empty \"not\" is judged in userspace");
		if (!within(m->not, t->not_allowed, "/match/not", w))
			return false;
		if (t->id == CW_KERNEL_NET && !exceptions_inside(m, w))
			return false;
	}
	return true;
}

/*
 * The kernel target that decides @r alone, or CW_KERNEL_NONE and why not:
 * the reason of the first target whose key conditions @r names (else of
 * the first target for its event), which is the one the author meant.
 */
static enum cw_kernel_target kernel_target_of(const struct cw_rule *r, struct why *w)
{
	__u32 present = conditions_present(&r->match);
	const struct kernel_target *meant = NULL;
	struct why mine;

	if (r->rate_count) {
		because(w, "/rate", "a rate is counted in userspace");
		return CW_KERNEL_NONE;
	}
	if (r->corr_group) {
		because(w, "/correlate", "a correlation is counted in userspace");
		return CW_KERNEL_NONE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kernel_targets); i++) {
		const struct kernel_target *t = &kernel_targets[i];

		if (t->event != r->event)
			continue;
		if (target_fits(r, t, &mine))
			return t->id;
		if (!meant || (!(present & meant->keys) && (present & t->keys))) {
			meant = t;
			*w = mine;
		}
	}
	if (!meant)
		because(w, "/event", "%s events are judged in userspace",
			cw_event_kind_name(r->event));
	return CW_KERNEL_NONE;
}

static const struct kernel_target *target_by_id(enum cw_kernel_target id)
{
	for (size_t i = 0; i < ARRAY_SIZE(kernel_targets); i++) {
		if (kernel_targets[i].id == id)
			return &kernel_targets[i];
	}
	return NULL;
}

/* The exec's own flags say all but "mapped", which only a binary rule's mapping reports. */
static bool how_fits(const char *v, char *why, size_t len)
{
	if (strcmp(v, "mapped"))
		return true;
	snprintf(why, len, "a mapped binary is judged by the binary rules");
	return false;
}

static bool glob_fits(const char *v, char *why, size_t len)
{
	struct cw_glob_rule g;

	return !cw_glob_compile(v, &g, why, len);
}

/* The syscalls the monitor reports as syscall events (the others as open or network events). */
static const struct {
	const char *name;
	int how;
} watched[] = {
#define CW_SYSCALL(name, how) { #name, how },
#include "syscalls.def"
#undef CW_SYSCALL
};

static int check_syscalls(struct parser *p, const struct cw_strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		int how = CW_WATCH_NONE;

		if (seccomp_syscall_resolve_name(l->v[i]) == __NR_SCMP_ERROR)
			return fail(p, "unknown syscall '%s'", l->v[i]);
		for (size_t j = 0; j < ARRAY_SIZE(watched); j++) {
			if (!strcmp(watched[j].name, l->v[i]))
				how = watched[j].how;
		}
		if (how == CW_WATCH_OPEN || how == CW_WATCH_NET || how == CW_WATCH_EXEC ||
		    how == CW_WATCH_MMAP || how == CW_WATCH_MPROTECT)
			return fail(p, "syscall '%s' is reported as an %s event, never as a syscall "
				    "event", l->v[i], how == CW_WATCH_OPEN ? "open" :
				    how == CW_WATCH_NET ? "network" : "exec");
		/* wait4 and waitid end doomed runs but report nothing. */
		if (how == CW_WATCH_NONE || how == CW_WATCH_REAP)
			return fail(p, "syscall '%s' is never observed: the monitor watches those "
				    "of bpf/syscalls.def", l->v[i]);
	}
	return 0;
}

static int check_errnos(struct parser *p, const struct cw_strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (cw_errno_number(l->v[i]) < 0)
			return fail(p, "unknown errno name '%s'", l->v[i]);
	}
	return 0;
}

static int parse_match(struct parser *p, json_t *obj, __u32 event, struct cw_match *m);

static int parse_condition(struct parser *p, enum cond_id id, json_t *v, __u32 event,
			   struct cw_match *m)
{
	const struct condition *c = &conditions[id];
	struct cw_strlist *l;
	int ret;

	if (!(c->events & EV(event)))
		return fail(p, "\"%s\" does not apply to %s events", conditions[id].name,
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
		ret = check_names(p, l, c->values, conditions[id].name);
	if (!ret && c->check)
		ret = c->check(p, l);
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
		int id = condition_named(key);
		int ret;

		if (id < 0)
			return fail(p, "unknown condition \"%s\"", key);
		ret = parse_condition(p, id, v, event, m);
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

#define CORR_SECONDS_MAX	3600	/* a sequence, not a day's history */

/* An integer key of "correlate" in @lo..@hi, with its position on error. */
static int corr_int(struct parser *p, json_t *obj, const char *key, long lo, long hi, __u32 *out)
{
	json_t *v = json_object_get(obj, key);
	size_t saved;
	int ret = 0;

	if (!v)
		return fail(p, "\"correlate\" needs \"%s\" (%ld..%ld)", key, lo, hi);
	saved = push(p, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		ret = fail(p, "\"%s\" must be an integer in %ld..%ld", key, lo, hi);
	else
		*out = json_integer_value(v);
	pop(p, saved);
	return ret;
}

/*
 * "correlate": {"group": NAME, "distinct": N, "seconds": T, "signal": LABEL}.
 * The group's threshold is checked against the other rules of the group
 * once the whole file is read (check_groups()).
 */
static int parse_correlate(struct parser *p, json_t *v, struct cw_rule *r)
{
	static const char *const keys[] = { "group", "distinct", "seconds", "signal", NULL };
	size_t saved = push(p, "correlate");
	const char *group, *signal, *key;
	json_t *item;

	if (!json_is_object(v))
		return fail(p, "\"correlate\" is {\"group\": NAME, \"distinct\": N, "
			    "\"seconds\": T, \"signal\": LABEL (optional)}");
	json_object_foreach(v, key, item) {
		if (!in_list(keys, key)) {
			push(p, key);
			return fail(p, "unknown key \"%s\" in \"correlate\" (group, distinct, "
				    "seconds, signal)", key);
		}
	}
	if (get_string(p, v, "group", true, &group) || get_string(p, v, "signal", false, &signal))
		return -EINVAL;
	if (corr_int(p, v, "distinct", 2, CW_CORR_SIGNALS_MAX, &r->corr_distinct) ||
	    corr_int(p, v, "seconds", 1, CORR_SECONDS_MAX, &r->corr_seconds))
		return -EINVAL;
	if (strlen(group) >= CW_CORR_SIGNAL_LEN ||
	    (signal && strlen(signal) >= CW_CORR_SIGNAL_LEN)) {
		push(p, strlen(group) >= CW_CORR_SIGNAL_LEN ? "group" : "signal");
		return fail(p, "at most %d bytes", CW_CORR_SIGNAL_LEN - 1);
	}
	r->corr_group = strdup(group);
	r->corr_signal = signal ? strdup(signal) : NULL;
	if (!r->corr_group || (signal && !r->corr_signal))
		return fail(p, "out of memory");
	pop(p, saved);
	return 0;
}

/*
 * The rules of one group count to one threshold: each must say the same
 * "distinct" and "seconds" as the group's first rule, or which one counts
 * would depend on the rule that happened to match last.
 */
static int check_group(struct parser *p, const struct cw_ruleset *rs, const struct cw_rule *r)
{
	size_t saved;

	for (size_t i = 0; r->corr_group && i < rs->nrules; i++) {
		const struct cw_rule *first = &rs->rules[i];
		const char *key;
		__u32 want;

		if (!first->corr_group || strcmp(first->corr_group, r->corr_group))
			continue;
		if (first->corr_distinct == r->corr_distinct &&
		    first->corr_seconds == r->corr_seconds)
			return 0;
		key = first->corr_distinct != r->corr_distinct ? "distinct" : "seconds";
		want = first->corr_distinct != r->corr_distinct ? first->corr_distinct :
								  first->corr_seconds;
		saved = push(p, "correlate");
		push(p, key);
		fail(p, "group '%s' counts \"%s\": %u in rule '%s'; its rules share one "
		     "threshold", r->corr_group, key, want, first->name);
		pop(p, saved);
		return -EINVAL;
	}
	return 0;
}

/* "file:line:col: rule 'name': " at @ptr below the rule, then "@what needs ...: @w". */
static int refuse(struct parser *p, const char *ptr, const char *what, const struct why *w)
{
	size_t saved = push(p, ptr + 1);
	int ret = fail(p, "%s needs a rule the kernel decides: %s", what, w->msg);

	pop(p, saved);
	return ret;
}

/*
 * The layer a rule's action needs, against the one the table gives it:
 * "deny" refuses the call, which only the kernel can do, before the call
 * completes; "layer": "kernel" claims the kernel decides it (the process
 * dies before the syscall returns to it).  Either is refused at load when
 * the rule would be judged in userspace, where it would not do what it says.
 */
static int check_layers(struct parser *p, json_t *obj, struct cw_rule *r)
{
	json_t *layer = json_object_get(obj, "layer");
	const struct kernel_target *t;
	struct why w = {};

	r->kernel = kernel_target_of(r, &w);
	t = target_by_id(r->kernel);
	if (layer) {
		size_t saved = push(p, "layer");
		int ret = 0;

		if (!json_is_string(layer) || strcmp(json_string_value(layer), "kernel"))
			ret = fail(p, "\"layer\" can only claim \"kernel\"");
		pop(p, saved);
		if (ret)
			return ret;
		if (!t)
			return refuse(p, *w.ptr ? w.ptr : "/layer", "\"layer\": \"kernel\"", &w);
	}
	if (r->action != CW_RULE_DENY)
		return 0;
	if (!t)
		return refuse(p, *w.ptr ? w.ptr : "/action", "deny", &w);
	if (t->refuses == REFUSES_NEVER) {
		snprintf(w.msg, sizeof(w.msg), "the kernel kills but cannot refuse %s; use "
			 "\"kill\"", t->what);
		return refuse(p, "/action", "deny", &w);
	}
	return 0;
}

static const char *const known_rule_keys[] = {
	"name", "description", "event", "match", "action", "priority", "tags", "enabled", "rate",
	"layer", "correlate", NULL,
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
	v = json_object_get(obj, "correlate");
	if (v && json_object_get(obj, "rate")) {
		size_t saved = push(p, "correlate");

		ret = fail(p, "a rule counts by \"rate\" or by \"correlate\", not both");
		pop(p, saved);
		return ret;
	}
	if (v && parse_correlate(p, v, r))
		return -EINVAL;
	ret = check_layers(p, obj, r);
	if (ret)
		return ret;
	if (enabled && json_is_false(enabled))
		return 1;
	return 0;
}

static void free_match(struct cw_match *m)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (conditions[c].kind == STRINGS)
			strlist_free((struct cw_strlist *)((char *)m + conditions[c].offset));
	}
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
	free(r->corr_group);
	free(r->corr_signal);
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
		if (check_group(p, rs, r)) {
			free_rule(r);
			return -EINVAL;
		}
		if (ret > 0)	/* disabled: validated, not kept */
			free_rule(r);
		else
			rs->nrules++;
		pop(p, saved);
	}
	return 0;
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
	text = cw_read_text(path, CW_RULES_FILE_MAX, &len);
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
