// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buildconf.h"
#include "ecs.h"
#include "correlate.h"
#include "files.h"
#include "log.h"
#include "rules.h"

void cw_format_time(__u64 realtime_ns, char *buf, size_t len)
{
	time_t secs = realtime_ns / 1000000000ULL;
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06lluZ",
		 (unsigned long long)(realtime_ns % 1000000000ULL) / 1000);
}

/* Length of the valid UTF-8 sequence at @s (at most @left bytes), 0 if none. */
static size_t utf8_sequence(const char *str, size_t left)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t need;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/*
 * A JSON string of what the kernel saw.  Paths, arguments and names come
 * from the cell and need not be UTF-8, which JSON strings must be: bytes
 * that are not are written as the four characters \xNN, so the event is
 * never lost (a payload could otherwise hide its alerts behind one such
 * byte) and the bytes stay readable.
 */
static json_t *text(const char *s)
{
	json_t *v = json_string(s);
	size_t len, n = 0;
	char *buf;

	if (v || !s)
		return v;
	len = strlen(s);
	buf = malloc(4 * len + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t seq = utf8_sequence(s + i, len - i);

		if (seq) {
			memcpy(buf + n, s + i, seq);
			n += seq;
			i += seq;
		} else {
			n += sprintf(buf + n, "\\x%02x", (unsigned char)s[i++]);
		}
	}
	buf[n] = '\0';
	v = json_string(buf);
	free(buf);
	return v;
}

/* Set @path (dotted, e.g. "process.parent.pid") in @root, creating objects on the way. */
static int set(json_t *root, const char *path, json_t *val)
{
	char key[64];
	const char *dot;
	json_t *obj = root;

	if (!val)
		return -ENOMEM;
	while ((dot = strchr(path, '.'))) {
		json_t *child;
		size_t n = dot - path;

		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		child = json_object_get(obj, key);
		if (!child) {
			child = json_object();
			if (json_object_set_new(obj, key, child))
				return -ENOMEM;
		}
		obj = child;
		path = dot + 1;
	}
	return json_object_set_new(obj, path, val) ? -ENOMEM : 0;
}

static json_t *strarray(const char *s)
{
	json_t *a = json_array();

	if (a && json_array_append_new(a, text(s))) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int set_id(json_t *doc, const char *path, __u32 id)
{
	char buf[16];

	/* ECS ids are keywords. */
	snprintf(buf, sizeof(buf), "%u", id);
	return set(doc, path, text(buf));
}

/* A correlation group that fired: its name, its window, the signals it saw. */
static int set_correlation(json_t *doc, const struct cw_correlation *c)
{
	json_t *signals = json_array();
	int err = 0;

	for (size_t i = 0; signals && i < c->nsignals; i++)
		err |= json_array_append_new(signals, text(c->signals[i]));
	err |= set(doc, "cellwatch.correlation.group", text(c->group));
	err |= set(doc, "cellwatch.correlation.seconds", json_integer(c->seconds));
	err |= set(doc, "cellwatch.correlation.signals", signals);
	return err;
}

/* Who this host is ("" where unknown), read once: none of it changes under us. */
struct host {
	char name[256];
	char machine_id[64];
	char boot_id[64];	/* this boot's: tells pids of two boots apart */
};

static const struct host *this_host(void)
{
	static struct host host;
	static bool known;

	if (!known) {
		if (gethostname(host.name, sizeof(host.name) - 1))
			host.name[0] = '\0';
		cw_read_line("/etc/machine-id", host.machine_id, sizeof(host.machine_id));
		cw_read_line("/proc/sys/kernel/random/boot_id", host.boot_id, sizeof(host.boot_id));
		known = true;
	}
	return &host;
}

void cw_ecs_label_key(char *key)
{
	for (char *dot = strchr(key, '.'); dot; dot = strchr(dot, '.'))
		*dot = '_';
}

/* Who wrote the record: which program of which version, on which host. */
static int set_origin(json_t *doc)
{
	const struct host *host = this_host();
	int err = 0;

	err |= set(doc, "agent.type", text("cellwatch"));
	err |= set(doc, "agent.name", text(cw_log_name()));
	err |= set(doc, "agent.version", text(CW_VERSION));
	if (host->name[0])
		err |= set(doc, "host.name", text(host->name));
	if (host->machine_id[0])
		err |= set(doc, "host.id", text(host->machine_id));
	return err;
}

/*
 * process.entity_id: one process of this boot, as a pid reused later is
 * not; its events share it, another process's never do ("BOOT:START:PID",
 * START its start in clock ticks since boot).
 */
static int set_entity_id(json_t *doc, const struct cw_event_hdr *h)
{
	const struct host *host = this_host();
	char id[128];

	if (!host->boot_id[0] || !h->pid)
		return 0;
	snprintf(id, sizeof(id), "%s:%u:%u", host->boot_id, h->start_ticks, h->pid);
	return set(doc, "process.entity_id", text(id));
}

static int set_common(json_t *doc, const struct cw_event *ev, const char *category,
		      const char *type, const char *action)
{
	const struct cw_event_hdr *h = &ev->hdr;
	char ts[40];
	int err = 0;

	cw_format_time(ev->realtime_ns, ts, sizeof(ts));
	err |= set(doc, "@timestamp", text(ts));
	err |= set(doc, "ecs.version", text(CW_ECS_VERSION));
	err |= set(doc, "cellwatch.schema_version", text(CW_SCHEMA_VERSION));
	err |= set_origin(doc);
	/* A kernel verdict is an alert even where no rule but a policy took it. */
	err |= set(doc, "event.kind", text(ev->rule || h->action != CW_ACTION_NONE ?
						  "alert" : "event"));
	err |= set(doc, "event.category", strarray(category));
	err |= set(doc, "event.type", strarray(type));
	err |= set(doc, "event.action", text(action));
	err |= set(doc, "event.module", text("cellwatch"));
	err |= set(doc, "cellwatch.cell.id", json_integer(h->cell_id));
	err |= set(doc, "process.pid", json_integer(h->pid));
	err |= set_entity_id(doc, h);
	err |= set(doc, "process.thread.id", json_integer(h->tid));
	if (h->ppid)
		err |= set(doc, "process.parent.pid", json_integer(h->ppid));
	if (ev->nancestry) {
		json_t *chain = json_array();

		if (ev->ancestry[0])
			err |= set(doc, "process.parent.executable", text(ev->ancestry[0]));
		/* Parent first; null where the tree does not know the image. */
		for (int i = 0; chain && i < ev->nancestry; i++)
			err |= json_array_append_new(chain, ev->ancestry[i] ?
							    text(ev->ancestry[i]) :
							    json_null());
		err |= set(doc, "cellwatch.ancestry", chain);
	}
	err |= set(doc, "process.name", text(h->comm));
	err |= set_id(doc, "user.id", h->uid);
	err |= set_id(doc, "user.effective.id", h->euid);
	err |= set_id(doc, "group.id", h->gid);
	if (ev->rule) {
		const struct cw_rule *r = ev->rule;
		json_t *tags = json_array();

		err |= set_id(doc, "rule.id", r->id);
		err |= set(doc, "rule.name", text(r->name));
		err |= set(doc, "rule.description", text(r->description));
		err |= set(doc, "log.level", text(cw_priority_name(r->priority)));
		for (size_t i = 0; tags && i < r->tags.n; i++)
			err |= json_array_append_new(tags, text(r->tags.v[i]));
		err |= set(doc, "tags", tags);
		if (ev->correlation)
			err |= set_correlation(doc, ev->correlation);
	}
	else if (h->action != CW_ACTION_NONE)
		/* A cell's network policy acted, no rule: as tail and syslog rank it. */
		err |= set(doc, "log.level", text("warning"));
	if (h->action != CW_ACTION_NONE) {
		err |= set(doc, "cellwatch.action", text(cw_action_name(h->action)));
		err |= set(doc, "cellwatch.layer", text(ev->layer ? ev->layer : "kernel"));
		if (h->action == CW_ACTION_KILL || h->action == CW_ACTION_KILL_RUN)
			err |= set(doc, "cellwatch.kill_latency_us",
				   json_integer(ev->kill_latency_ns / 1000));
	}
	return err ? -ENOMEM : 0;
}

static int set_truncation(json_t *doc, __u32 flags)
{
	int err = 0;

	if (flags & CW_F_PATH_TRUNCATED)
		err |= set(doc, "cellwatch.truncated.path", json_true());
	if (flags & CW_F_ARGS_TRUNCATED)
		err |= set(doc, "cellwatch.truncated.args", json_true());
	return err;
}

/* event.outcome, and for a failure error.code: @ret's errno name, "?" if none. */
static int set_outcome(json_t *doc, bool failed, long long ret)
{
	const char *name = cw_errno_name(ret);
	int err;

	if (!failed)
		return set(doc, "event.outcome", text("success"));
	err = set(doc, "event.outcome", text("failure"));
	return err | set(doc, "error.code", text(name ?: "?"));
}

static int set_inode(json_t *doc, const char *prefix, __u64 dev, __u64 ino)
{
	char key[64], buf[32];
	int err;

	snprintf(key, sizeof(key), "%s.inode", prefix);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ino);
	err = set(doc, key, text(buf));
	snprintf(key, sizeof(key), "%s.device", prefix);
	snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)(dev >> 20),
		 (unsigned long long)(dev & 0xfffff));
	return err | set(doc, key, text(buf));
}

/* Bits named by @t, as a JSON array; NULL when none is set. */
static json_t *named_bits(const struct cw_name *t, unsigned int bits)
{
	json_t *list;

	if (!bits)
		return NULL;
	list = json_array();
	for (; list && t->name; t++) {
		if (bits & t->value)
			json_array_append_new(list, text(t->name));
	}
	return list;
}

/* Fileless and indirect execution (cw_exec_how()). */
static int set_exec_how(json_t *doc, const struct cw_event *ev)
{
	unsigned int how = cw_exec_how(ev);
	int err;

	if (!how)
		return 0;
	err = set(doc, "cellwatch.exec.fileless",
		  json_boolean(how & (CW_HOW_MEMFD | CW_HOW_DELETED)));
	return err | set(doc, "cellwatch.exec.how", named_bits(cw_exec_how_names, how));
}

static int encode_exec(json_t *doc, const struct cw_event *ev)
{
	const char *path = cw_event_path(ev);
	const char *base = strrchr(path, '/');
	json_t *args = json_array();
	int argc = 0, err;

	err = set_common(doc, ev, "process", "start", "exec");
	err |= set(doc, "process.executable", text(path));
	/* comm may be a script's interpreter; the name is the binary's. */
	err |= set(doc, "process.name", text(base ? base + 1 : path));
	for (const char *a = NULL; args && (a = cw_exec_next_arg(ev, a)); argc++)
		err |= json_array_append_new(args, text(a));
	err |= set(doc, "process.args", args);
	err |= set(doc, "process.args_count", json_integer(argc));
	err |= set_inode(doc, "cellwatch.executable", ev->exec.dev, ev->exec.ino);
	err |= set_exec_how(doc, ev);
	err |= set_outcome(doc, ev->exec.ret < 0, ev->exec.ret);
	if (ev->hdr.flags & CW_F_UNRESOLVED)
		err |= set(doc, "cellwatch.path_resolved", json_false());
	/* How much a long argv hid: a padding argument must not hide the rest unsaid. */
	if (ev->exec.args_total > ev->exec.args_len)
		err |= set(doc, "cellwatch.truncated.args_bytes",
			   json_integer(ev->exec.args_total - ev->exec.args_len));
	return err | set_truncation(doc, ev->hdr.flags);
}

/*
 * An open that stands for more (struct cw_repeat_event): @timestamp is the
 * last of them, and the count is of those after the one logged before.
 */
static int set_repeats(json_t *doc, const struct cw_event *ev)
{
	char ts[40];

	if (!ev->repeats)
		return 0;
	cw_format_time(ev->repeat_first_ns, ts, sizeof(ts));
	return set(doc, "cellwatch.repeat.count", json_integer(ev->repeats)) |
	       set(doc, "cellwatch.repeat.first", text(ts));
}

static int encode_open(json_t *doc, const struct cw_event *ev)
{
	__u32 flags = ev->open.flags;
	bool failed = ev->open.ret < 0;
	unsigned int access = cw_open_access(flags);
	const char *type;
	int err;

	if (access & CW_OPEN_CREATE)
		type = "creation";
	else if ((flags & O_ACCMODE) != O_RDONLY || (access & CW_OPEN_TRUNC))
		type = "change";
	else
		type = "access";
	err = set_common(doc, ev, "file", type, "open");
	err |= set(doc, "file.path", text(ev->open.path));
	/* A failed open's path is canonical; what the caller passed stays beside it. */
	if (cw_event_requested(ev))
		err |= set(doc, "cellwatch.path_requested", text(cw_event_requested(ev)));
	err |= set(doc, "cellwatch.open.flags", named_bits(cw_open_flag_names, access) ?:
						   json_array());
	if (failed) {
		/* What the caller asked for, not a file that exists. */
		err |= set(doc, "cellwatch.path_resolved", json_false());
		err |= set_outcome(doc, true, ev->open.ret);
		if (cw_errno_name(ev->open.ret))
			err |= set(doc, "error.message", text(strerror(-ev->open.ret)));
	} else {
		err |= set_inode(doc, "file", ev->open.dev, ev->open.ino);
		err |= set(doc, "cellwatch.open.fd", json_integer(ev->open.ret));
		err |= set_outcome(doc, false, ev->open.ret);
	}
	return err | set_repeats(doc, ev) | set_truncation(doc, ev->hdr.flags);
}

/* A repeat record whose open the monitor no longer knows: the count alone. */
static int encode_repeat(json_t *doc, const struct cw_event *ev)
{
	return set_common(doc, ev, "file", "access", "open") |
	       set(doc, "cellwatch.repeat.open_unknown", json_true()) | set_repeats(doc, ev);
}

static const char *transport_name(__u32 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return "icmp";
	default:
		return NULL;
	}
}

/* "unix" path or "@abstract" name, as ss(8) shows them, in @buf; false if none. */
static bool unix_name_text(const struct cw_net_event *n, char buf[CW_UNIX_PATH_MAX + 2])
{
	__u32 len = n->path_len;

	if (!len)
		return false;
	if (n->path[0]) {
		snprintf(buf, CW_UNIX_PATH_MAX + 2, "%.*s", (int)len, n->path);
	} else {
		buf[0] = '@';
		for (__u32 i = 1; i < len; i++)
			buf[i] = n->path[i] ? n->path[i] : '@';
		buf[len] = '\0';
		/* Trailing NULs of a fixed-size abstract name are padding. */
		while (len > 1 && buf[len - 1] == '@' && !n->path[len - 1])
			buf[--len] = '\0';
	}
	return true;
}

static json_t *unix_name(const struct cw_net_event *n)
{
	char buf[CW_UNIX_PATH_MAX + 2];

	return unix_name_text(n, buf) ? text(buf) : NULL;
}

static int encode_net(json_t *doc, const struct cw_event *ev)
{
	const struct cw_net_event *n = &ev->net;
	const char *op = cw_name_of(cw_net_op_names, n->op) ?: "network";
	const char *family = cw_name_of(cw_net_family_names, n->family);
	const char *transport = transport_name(n->protocol);
	char ip[INET6_ADDRSTRLEN];
	bool failed;
	int err;

	err = set_common(doc, ev, "network", n->op == CW_NET_SOCKET ? "start" : "connection", op);
	if (family)
		err |= set(doc, "network.type", text(family));
	if ((n->family == AF_INET || n->family == AF_INET6) && n->op != CW_NET_SOCKET) {
		inet_ntop(n->family, n->addr, ip, sizeof(ip));
		err |= set(doc, "destination.ip", text(ip));
		err |= set(doc, "destination.port", json_integer(n->port));
		if (transport)
			err |= set(doc, "network.transport", text(transport));
	} else if (n->family == AF_UNIX && n->path_len) {
		err |= set(doc, "destination.address", unix_name(n));
	}
	err |= set(doc, "cellwatch.net.family", json_integer(n->family));
	err |= set(doc, "cellwatch.net.protocol", json_integer(n->protocol));
	err |= set(doc, "cellwatch.net.socket_type", json_integer(n->sock_type));
	if (n->hdr.flags & CW_F_UNRESOLVED)
		err |= set(doc, "cellwatch.path_resolved", json_false());
	/* A non-blocking connect in progress is a connect under way, not a failure. */
	failed = n->ret < 0 && !(n->op == CW_NET_CONNECT && n->ret == -EINPROGRESS);
	return err | set_outcome(doc, failed, n->ret);
}

static int encode_proc(json_t *doc, const struct cw_event *ev)
{
	const struct cw_proc_event *p = &ev->proc;
	int err;

	if (ev->hdr.type == CW_EVENT_FORK) {
		err = set_common(doc, ev, "process", "start", "fork");
		return err | set(doc, "cellwatch.child.pid", json_integer(p->child_pid));
	}
	err = set_common(doc, ev, "process", "end", "exit");
	if (WIFSIGNALED(p->exit_status))
		err |= set(doc, "cellwatch.exit.signal", json_integer(WTERMSIG(p->exit_status)));
	else
		err |= set(doc, "process.exit_code", json_integer(WEXITSTATUS(p->exit_status)));
	return err;
}

static json_t *namespaces(__u64 flags)
{
	static const struct { __u64 bit; const char *name; } ns[] = {
		{ 0x00020000, "mount" }, { 0x02000000, "cgroup" }, { 0x04000000, "uts" },
		{ 0x08000000, "ipc" }, { 0x10000000, "user" }, { 0x20000000, "pid" },
		{ 0x40000000, "net" }, { 0x00000080, "time" },
	};
	json_t *list = json_array();

	for (size_t i = 0; list && i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (flags & ns[i].bit)
			json_array_append_new(list, text(ns[i].name));
	}
	return list;
}

static int encode_syscall(json_t *doc, const struct cw_event *ev)
{
	const struct cw_syscall_event *s = &ev->sys;
	const char *abi = cw_name_of(cw_abi_names, cw_syscall_abi(ev));
	char *name = cw_syscall_name(ev);
	json_t *args = json_array();
	char num[32];
	int err;

	snprintf(num, sizeof(num), "syscall_%u", s->nr);
	err = set_common(doc, ev, "process", "info", name ? name : num);
	err |= set(doc, "cellwatch.syscall.name", text(name ? name : num));
	err |= set(doc, "cellwatch.syscall.nr", json_integer(s->nr));
	for (int i = 0; args && i < 6; i++) {
		/* Hex: most are flags or addresses. */
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)s->args[i]);
		err |= json_array_append_new(args, text(num));
	}
	err |= set(doc, "cellwatch.syscall.args", args);
	if (s->clone_flags)
		err |= set(doc, "cellwatch.syscall.namespaces", namespaces(s->clone_flags));
	if (abi)
		err |= set(doc, "cellwatch.syscall.abi", text(abi));
	if (ev->hdr.flags & CW_F_CALLER_KILLED) {
		/* No return: the caller was killed instead, by the filter or the kernel. */
		err |= set(doc, "event.outcome", text("failure"));
		err |= set(doc, "cellwatch.syscall.killed_by",
			   text(s->ret == SIGSYS ? "seccomp" : "kernel"));
		err |= set(doc, "cellwatch.syscall.signal", text(sigabbrev_np(s->ret) ?: "?"));
		free(name);
		return err;
	}
	err |= set_outcome(doc, s->ret < 0, s->ret);
	err |= set(doc, "cellwatch.syscall.ret", json_integer(s->ret));
	free(name);
	return err;
}

static int encode_signal(json_t *doc, const struct cw_event *ev)
{
	static const char *const results[] = {
		"delivered", "ignored", "already_pending", "overflow_fail", "lose_info",
	};
	const struct cw_signal_event *s = &ev->sig;
	int err;

	err = set_common(doc, ev, "process", "info", "signal");
	err |= set(doc, "cellwatch.signal.number", json_integer(s->sig));
	err |= set(doc, "cellwatch.signal.name", text(sigabbrev_np(s->sig) ?: "?"));
	err |= set(doc, "cellwatch.signal.target.pid", json_integer(s->target_pid));
	err |= set(doc, "cellwatch.signal.target.cell", json_integer(s->target_cell));
	err |= set(doc, "cellwatch.signal.outside_cell", json_true());
	if (s->result >= 0 && (size_t)s->result < sizeof(results) / sizeof(results[0]))
		err |= set(doc, "cellwatch.signal.result", text(results[s->result]));
	return err;
}

/* Where a network event went, for an alert line: socket(family), a unix name, or addr:port. */
static const char *net_where(const struct cw_net_event *n, char where[CW_UNIX_PATH_MAX + 16])
{
	const char *family = cw_name_of(cw_net_family_names, n->family);
	char addr[INET6_ADDRSTRLEN] = "?";

	if (n->op == CW_NET_SOCKET && family)
		snprintf(where, CW_UNIX_PATH_MAX + 16, "socket(%s)", family);
	else if (n->op == CW_NET_SOCKET)
		snprintf(where, CW_UNIX_PATH_MAX + 16, "socket(family %u)", n->family);
	else if (n->family == AF_UNIX && !unix_name_text(n, where))
		strcpy(where, "unix");
	else if (n->family != AF_UNIX) {
		inet_ntop(n->family, n->addr, addr, sizeof(addr));
		snprintf(where, CW_UNIX_PATH_MAX + 16, "%s:%u", addr, n->port);
	}
	return where;
}

/*
 * What an event was about, for a line: the path, the destination, the
 * syscall's name; NULL when nothing.  *@to_free: what the caller frees.
 */
static const char *event_what(const struct cw_event *ev, char where[CW_UNIX_PATH_MAX + 16],
			      char **to_free)
{
	*to_free = NULL;
	if (ev->hdr.type == CW_EVENT_SYSCALL)
		return *to_free = cw_syscall_name(ev);
	if (ev->hdr.type == CW_EVENT_NET)
		return net_where(&ev->net, where);
	return cw_event_path(ev);
}

/* Bytes of a path or destination in the one-line summary. */
#define MESSAGE_WHAT_MAX	256

/*
 * @what as the summary shows it: a longer one cut to MESSAGE_WHAT_MAX bytes
 * ending in "..." at a character's start (file.path and the like hold it
 * whole), so that the rule, action and layer after it always show.
 */
static const char *bounded(const char *what, char buf[MESSAGE_WHAT_MAX])
{
	size_t end = MESSAGE_WHAT_MAX - sizeof("...");

	if (!what || strlen(what) < MESSAGE_WHAT_MAX)
		return what;
	while (end && ((unsigned char)what[end] & 0xc0) == 0x80)
		end--;
	memcpy(buf, what, end);
	memcpy(buf + end, "...", sizeof("..."));
	return buf;
}

/* The one-line summary ECS keeps in message: "exec /usr/bin/dash", or the alert's. */
static int set_message(json_t *doc, const struct cw_event *ev)
{
	const char *action = json_string_value(json_object_get(json_object_get(doc, "event"),
							       "action"));
	char where[CW_UNIX_PATH_MAX + 16], cut[MESSAGE_WHAT_MAX], line[MESSAGE_WHAT_MAX + 256];
	char *to_free;
	const char *what = event_what(ev, where, &to_free);

	what = bounded(what, cut);
	if (ev->rule || ev->hdr.action != CW_ACTION_NONE)
		snprintf(line, sizeof(line), "%s: %s%s%s (%s, %s)",
			 ev->rule ? ev->rule->name : "cell-policy", action ?: "?",
			 what ? " " : "", what ?: "", cw_action_name(ev->hdr.action),
			 ev->layer ?: "kernel");
	else
		snprintf(line, sizeof(line), "%s%s%s", action ?: "?", what ? " " : "",
			 what ?: "");
	free(to_free);
	return set(doc, "message", text(line));
}

json_t *cw_event_to_ecs(const struct cw_event *ev)
{
	json_t *doc = json_object();
	int err;

	if (!doc)
		return NULL;
	switch (ev->hdr.type) {
#define CW_ENCODE(name, value, tag, ...)					\
	case CW_EVENT_##name:							\
		err = encode_##tag(doc, ev);					\
		break;
	CW_EVENT_TYPES(CW_ENCODE)
#undef CW_ENCODE
	default:
		err = -EINVAL;
	}
	if (!err)
		err = set_message(doc, ev);
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The fields every record of cellwatch's own carries. */
static json_t *own_record(__u64 realtime_ns, const char *kind, const char *action)
{
	json_t *doc = json_object();
	char ts[40];
	int err = 0;

	if (!doc)
		return NULL;
	cw_format_time(realtime_ns, ts, sizeof(ts));
	err |= set(doc, "@timestamp", text(ts));
	err |= set(doc, "ecs.version", text(CW_ECS_VERSION));
	err |= set(doc, "cellwatch.schema_version", text(CW_SCHEMA_VERSION));
	err |= set_origin(doc);
	err |= set(doc, "event.kind", text(kind));
	err |= set(doc, "event.action", text(action));
	err |= set(doc, "event.module", text("cellwatch"));
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *cw_loss_to_ecs(__u64 realtime_ns, __u64 lost, __u64 total)
{
	json_t *doc = own_record(realtime_ns, "metric", "events-lost");

	if (doc && (set(doc, "cellwatch.lost.events", json_integer(lost)) |
		    set(doc, "cellwatch.lost.total", json_integer(total)))) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *cw_cell_loss_to_ecs(__u64 realtime_ns, __u64 cell_id, const struct cw_cell_loss *fresh,
			    const struct cw_cell_loss *total)
{
	bool ended = total->critical;
	json_t *doc = own_record(realtime_ns, ended ? "alert" : "metric", "events-lost");
	int err;

	if (!doc)
		return NULL;
	err = set(doc, "cellwatch.cell.id", json_integer(cell_id)) |
	      set(doc, "cellwatch.lost.events", json_integer(fresh->bulk + fresh->critical)) |
	      set(doc, "cellwatch.lost.total", json_integer(total->bulk + total->critical)) |
	      set(doc, "cellwatch.lost.bulk", json_integer(total->bulk)) |
	      set(doc, "cellwatch.lost.critical", json_integer(total->critical));
	/* Records a rule may have judged are gone: the run was ended, as by a kill-run rule. */
	if (ended)
		err |= set(doc, "cellwatch.action", text("kill-run")) |
		       set(doc, "cellwatch.layer", text("kernel")) |
		       set(doc, "rule.name", text("events-lost")) |
		       set(doc, "rule.description",
			   text("Security-relevant records of the cell were lost (a ring "
				"buffer was full): what they reported was never judged, so "
				"the run was ended.")) |
		       set(doc, "log.level", text("critical"));
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *cw_notice_to_ecs(__u64 realtime_ns, const char *action, const char *category,
			 const char *type)
{
	json_t *doc = own_record(realtime_ns, "event", action);

	if (doc && (set(doc, "event.category", strarray(category)) |
		    set(doc, "event.type", strarray(type)))) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int cw_json_set(json_t *doc, const char *path, json_t *val)
{
	return set(doc, path, val);
}

struct line_buf {
	char *p;
	size_t len, cap;
};

/* jansson's output, appended; room kept for the newline and the NUL. */
static int line_append(const char *buf, size_t size, void *data)
{
	struct line_buf *b = data;

	if (b->len + size + 2 > b->cap) {
		size_t cap = b->cap * 2 > b->len + size + 2 ? b->cap * 2 : b->len + size + 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, buf, size);
	b->len += size;
	return 0;
}

char *cw_json_line(json_t *doc, size_t *len)
{
	/* One pass: a record is rarely over 2 KiB. */
	struct line_buf b = { .p = malloc(2048), .cap = 2048 };

	if (!b.p || json_dump_callback(doc, line_append, &b, JSON_COMPACT | JSON_ENSURE_ASCII)) {
		free(b.p);
		return NULL;
	}
	b.p[b.len++] = '\n';
	b.p[b.len] = '\0';
	*len = b.len;
	return b.p;
}

int cw_write_line(int fd, const char *line, size_t len)
{
	struct stat st;
	ssize_t n;
	int err;

	n = write(fd, line, len);
	if (n == (ssize_t)len)
		return 0;
	err = n < 0 ? -errno : -ENOSPC;
	/*
	 * Never leave half a line: cut a partial write off again.  Appended,
	 * it ends the file: no fstat() is paid before every write for the
	 * rare short one.
	 */
	if (n > 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && ftruncate(fd, st.st_size - n))
		err = -errno;
	return err;
}

int cw_write_json_line(int fd, json_t *doc)
{
	size_t len;
	char *line = cw_json_line(doc, &len);
	int err;

	if (!line)
		return -ENOMEM;
	err = cw_write_line(fd, line, len);
	free(line);
	return err;
}

void cw_format_alert(const struct cw_event *ev, char *buf, size_t len)
{
	const struct cw_rule *r = ev->rule;
	char where[CW_UNIX_PATH_MAX + 16];
	char *syscall;
	const char *what = event_what(ev, where, &syscall);
	size_t n;

	n = snprintf(buf, len, "%-8s %s: %s pid=%u comm=%s cell=%llu action=%s layer=%s",
		     r ? cw_priority_name(r->priority) : "warning", r ? r->name : "cell-policy",
		     what ? what : "-", ev->hdr.pid, ev->hdr.comm,
		     (unsigned long long)ev->hdr.cell_id, cw_action_name(ev->hdr.action),
		     ev->layer ? ev->layer : "kernel");
	free(syscall);
	/* A sequence is its signals, not the one event that completed it. */
	if (ev->correlation && n < len)
		n += snprintf(buf + n, len - n, " group=%s signals=", ev->correlation->group);
	for (size_t i = 0; ev->correlation && i < ev->correlation->nsignals && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "," : "", ev->correlation->signals[i]);
}
