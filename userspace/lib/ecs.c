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
#include "doc.h"
#include "files.h"
#include "log.h"
#include "rules.h"

void cw_format_time(__u64 realtime_ns, char *buf, size_t len)
{
	/* Records come many a second: the date and time of the last second, kept. */
	static __thread time_t last = -1;
	static __thread char date[32];
	static __thread size_t n;
	time_t secs = realtime_ns / 1000000000ULL;
	char micros[8];
	struct tm tm;

	if (secs != last) {
		gmtime_r(&secs, &tm);
		n = strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		last = secs;
	}
	/* ".uuuuuuZ": a million more, then its leading 1 overwritten. */
	cw_decimal(micros + 7, realtime_ns % 1000000000ULL / 1000 + 1000000);
	micros[0] = '.';
	micros[7] = 'Z';
	if (len >= n + sizeof(micros) + 1) {
		memcpy(buf, date, n);
		memcpy(buf + n, micros, sizeof(micros));
		buf[n + sizeof(micros)] = '\0';
	} else if (len) {
		buf[0] = '\0';
	}
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

/* ECS ids are keywords: a number as a string. */
static void set_id(struct cw_doc *doc, const char *path, unsigned long long id)
{
	char buf[24];

	buf[sizeof(buf) - 1] = '\0';
	cw_doc_str(doc, path, cw_decimal(buf + sizeof(buf) - 1, id));
}

static void set_strarray(struct cw_doc *doc, const char *path, const char *s)
{
	cw_doc_array(doc, path);
	cw_doc_push_str(doc, s);
}

/* A correlation group that fired: its name, its window, the signals it saw. */
static void set_correlation(struct cw_doc *doc, const struct cw_correlation *c)
{
	cw_doc_str(doc, "cellwatch.correlation.group", c->group);
	cw_doc_int(doc, "cellwatch.correlation.seconds", c->seconds);
	cw_doc_array(doc, "cellwatch.correlation.signals");
	for (size_t i = 0; i < c->nsignals; i++)
		cw_doc_push_str(doc, c->signals[i]);
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
static void set_origin(struct cw_doc *doc)
{
	const struct host *host = this_host();

	cw_doc_str(doc, "agent.type", "cellwatch");
	cw_doc_str(doc, "agent.name", cw_log_name());
	cw_doc_str(doc, "agent.version", CW_VERSION);
	if (host->name[0])
		cw_doc_str(doc, "host.name", host->name);
	if (host->machine_id[0])
		cw_doc_str(doc, "host.id", host->machine_id);
}

/*
 * process.entity_id: one process of this boot, as a pid reused later is
 * not; its events share it, another process's never do ("BOOT:START:PID",
 * START its start in clock ticks since boot).
 */
static void set_entity_id(struct cw_doc *doc, const struct cw_event_hdr *h)
{
	const struct host *host = this_host();
	char id[128], *p = id + sizeof(id) - 1;
	size_t boot_len = strlen(host->boot_id);

	if (!boot_len || !h->pid)
		return;
	/* From its end: the boot id (under 64 bytes) and two numbers of 10 digits fit. */
	*p = '\0';
	p = cw_decimal(p, h->pid);
	*--p = ':';
	p = cw_decimal(p, h->start_ticks);
	*--p = ':';
	p -= boot_len;
	memcpy(p, host->boot_id, boot_len);
	cw_doc_str(doc, "process.entity_id", p);
}

/* The fields every record carries: when, which schema, who wrote it, what kind. */
static void set_head(struct cw_doc *doc, __u64 realtime_ns, const char *kind)
{
	char ts[40];

	cw_format_time(realtime_ns, ts, sizeof(ts));
	cw_doc_str(doc, "@timestamp", ts);
	cw_doc_str(doc, "ecs.version", CW_ECS_VERSION);
	cw_doc_str(doc, "cellwatch.schema_version", CW_SCHEMA_VERSION);
	set_origin(doc);
	cw_doc_str(doc, "event.kind", kind);
}

static void set_rule(struct cw_doc *doc, const struct cw_event *ev)
{
	const struct cw_rule *r = ev->rule;

	set_id(doc, "rule.id", r->id);
	cw_doc_str(doc, "rule.name", r->name);
	cw_doc_str(doc, "rule.description", r->description);
	cw_doc_str(doc, "log.level", cw_priority_name(r->priority));
	cw_doc_array(doc, "tags");
	for (size_t i = 0; i < r->tags.n; i++)
		cw_doc_push_str(doc, r->tags.v[i]);
	if (ev->correlation)
		set_correlation(doc, ev->correlation);
}

static void set_common(struct cw_doc *doc, const struct cw_event *ev, const char *category,
		       const char *type, const char *action)
{
	const struct cw_event_hdr *h = &ev->hdr;

	/* A kernel verdict is an alert even where no rule but a policy took it. */
	set_head(doc, ev->realtime_ns,
		 ev->rule || h->action != CW_ACTION_NONE ? "alert" : "event");
	set_strarray(doc, "event.category", category);
	set_strarray(doc, "event.type", type);
	cw_doc_str(doc, "event.action", action);
	cw_doc_str(doc, "event.module", "cellwatch");
	cw_doc_int(doc, "cellwatch.cell.id", h->cell_id);
	cw_doc_int(doc, "process.pid", h->pid);
	set_entity_id(doc, h);
	cw_doc_int(doc, "process.thread.id", h->tid);
	if (h->ppid)
		cw_doc_int(doc, "process.parent.pid", h->ppid);
	if (ev->nancestry) {
		if (ev->ancestry[0])
			cw_doc_str(doc, "process.parent.executable", ev->ancestry[0]);
		/* Parent first; null where the tree does not know the image. */
		cw_doc_array(doc, "cellwatch.ancestry");
		for (int i = 0; i < ev->nancestry; i++) {
			if (ev->ancestry[i])
				cw_doc_push_str(doc, ev->ancestry[i]);
			else
				cw_doc_push_null(doc);
		}
	}
	cw_doc_str(doc, "process.name", h->comm);
	set_id(doc, "user.id", h->uid);
	set_id(doc, "user.effective.id", h->euid);
	set_id(doc, "group.id", h->gid);
	if (ev->rule)
		set_rule(doc, ev);
	else if (h->action != CW_ACTION_NONE)
		/* A cell's network policy acted, no rule: as tail and syslog rank it. */
		cw_doc_str(doc, "log.level", "warning");
	if (h->action != CW_ACTION_NONE) {
		cw_doc_str(doc, "cellwatch.action", cw_action_name(h->action));
		cw_doc_str(doc, "cellwatch.layer", ev->layer ? ev->layer : "kernel");
		if (h->action == CW_ACTION_KILL || h->action == CW_ACTION_KILL_RUN)
			cw_doc_int(doc, "cellwatch.kill_latency_us", ev->kill_latency_ns / 1000);
	}
}

static void set_truncation(struct cw_doc *doc, __u32 flags)
{
	if (flags & CW_F_PATH_TRUNCATED)
		cw_doc_bool(doc, "cellwatch.truncated.path", true);
	if (flags & CW_F_ARGS_TRUNCATED)
		cw_doc_bool(doc, "cellwatch.truncated.args", true);
}

/* event.outcome, and for a failure error.code: @ret's errno name, "?" if none. */
static void set_outcome(struct cw_doc *doc, bool failed, long long ret)
{
	const char *name = cw_errno_name(ret);

	cw_doc_str(doc, "event.outcome", failed ? "failure" : "success");
	if (failed)
		cw_doc_str(doc, "error.code", name ?: "?");
}

/* An inode number (a keyword) and its device ("major:minor"), at the paths given. */
static void set_inode(struct cw_doc *doc, const char *inode, const char *device, __u64 dev,
		      __u64 ino)
{
	char buf[48], *p = buf + sizeof(buf) - 1;

	set_id(doc, inode, ino);
	*p = '\0';
	p = cw_decimal(p, dev & 0xfffff);
	*--p = ':';
	cw_doc_str(doc, device, cw_decimal(p, dev >> 20));
}

/* The names in @t of the bits set in @bits, an array at @path. */
static void set_named_bits(struct cw_doc *doc, const char *path, const struct cw_name *t,
			   unsigned int bits)
{
	cw_doc_array(doc, path);
	for (; t->name; t++) {
		if (bits & t->value)
			cw_doc_push_str(doc, t->name);
	}
}

/* Fileless and indirect execution (cw_exec_how()). */
static void set_exec_how(struct cw_doc *doc, const struct cw_event *ev)
{
	unsigned int how = cw_exec_how(ev);

	if (!how)
		return;
	cw_doc_bool(doc, "cellwatch.exec.fileless", how & (CW_HOW_MEMFD | CW_HOW_DELETED));
	set_named_bits(doc, "cellwatch.exec.how", cw_exec_how_names, how);
}

static void encode_exec(struct cw_doc *doc, const struct cw_event *ev)
{
	const char *path = cw_event_path(ev);
	const char *base = strrchr(path, '/');
	int argc = 0;

	set_common(doc, ev, "process", "start", "exec");
	cw_doc_str(doc, "process.executable", path);
	/* comm may be a script's interpreter; the name is the binary's. */
	cw_doc_str(doc, "process.name", base ? base + 1 : path);
	cw_doc_array(doc, "process.args");
	for (const char *a = NULL; (a = cw_exec_next_arg(ev, a)); argc++)
		cw_doc_push_str(doc, a);
	cw_doc_int(doc, "process.args_count", argc);
	set_inode(doc, "cellwatch.executable.inode", "cellwatch.executable.device", ev->exec.dev,
		  ev->exec.ino);
	set_exec_how(doc, ev);
	set_outcome(doc, ev->exec.ret < 0, ev->exec.ret);
	if (ev->hdr.flags & CW_F_UNRESOLVED)
		cw_doc_bool(doc, "cellwatch.path_resolved", false);
	/* How much a long argv hid: a padding argument must not hide the rest unsaid. */
	if (ev->exec.args_total > ev->exec.args_len)
		cw_doc_int(doc, "cellwatch.truncated.args_bytes",
			   ev->exec.args_total - ev->exec.args_len);
	set_truncation(doc, ev->hdr.flags);
}

/*
 * An open that stands for more (struct cw_repeat_event): @timestamp is the
 * last of them, and the count is of those after the one logged before.
 */
static void set_repeats(struct cw_doc *doc, const struct cw_event *ev)
{
	char ts[40];

	if (!ev->repeats)
		return;
	cw_format_time(ev->repeat_first_ns, ts, sizeof(ts));
	cw_doc_int(doc, "cellwatch.repeat.count", ev->repeats);
	cw_doc_str(doc, "cellwatch.repeat.first", ts);
}

static void encode_open(struct cw_doc *doc, const struct cw_event *ev)
{
	__u32 flags = ev->open.flags;
	bool failed = ev->open.ret < 0;
	unsigned int access = cw_open_access(flags);
	const char *type;

	if (access & CW_OPEN_CREATE)
		type = "creation";
	else if ((flags & O_ACCMODE) != O_RDONLY || (access & CW_OPEN_TRUNC))
		type = "change";
	else
		type = "access";
	set_common(doc, ev, "file", type, "open");
	cw_doc_str(doc, "file.path", ev->open.path);
	/* A failed open's path is canonical; what the caller passed stays beside it. */
	if (cw_event_requested(ev))
		cw_doc_str(doc, "cellwatch.path_requested", cw_event_requested(ev));
	set_named_bits(doc, "cellwatch.open.flags", cw_open_flag_names, access);
	if (failed) {
		/* What the caller asked for, not a file that exists. */
		cw_doc_bool(doc, "cellwatch.path_resolved", false);
		set_outcome(doc, true, ev->open.ret);
		if (cw_errno_name(ev->open.ret))
			cw_doc_str(doc, "error.message", strerror(-ev->open.ret));
	} else {
		set_inode(doc, "file.inode", "file.device", ev->open.dev, ev->open.ino);
		cw_doc_int(doc, "cellwatch.open.fd", ev->open.ret);
		set_outcome(doc, false, ev->open.ret);
	}
	set_repeats(doc, ev);
	set_truncation(doc, ev->hdr.flags);
}

/* A repeat record whose open the monitor no longer knows: the count alone. */
static void encode_repeat(struct cw_doc *doc, const struct cw_event *ev)
{
	set_common(doc, ev, "file", "access", "open");
	cw_doc_bool(doc, "cellwatch.repeat.open_unknown", true);
	set_repeats(doc, ev);
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

static void encode_net(struct cw_doc *doc, const struct cw_event *ev)
{
	const struct cw_net_event *n = &ev->net;
	const char *op = cw_name_of(cw_net_op_names, n->op) ?: "network";
	const char *family = cw_name_of(cw_net_family_names, n->family);
	const char *transport = transport_name(n->protocol);
	char ip[INET6_ADDRSTRLEN], name[CW_UNIX_PATH_MAX + 2];
	bool failed;

	set_common(doc, ev, "network", n->op == CW_NET_SOCKET ? "start" : "connection", op);
	if (family)
		cw_doc_str(doc, "network.type", family);
	if ((n->family == AF_INET || n->family == AF_INET6) && n->op != CW_NET_SOCKET) {
		inet_ntop(n->family, n->addr, ip, sizeof(ip));
		cw_doc_str(doc, "destination.ip", ip);
		cw_doc_int(doc, "destination.port", n->port);
		if (transport)
			cw_doc_str(doc, "network.transport", transport);
	} else if (n->family == AF_UNIX && unix_name_text(n, name)) {
		cw_doc_str(doc, "destination.address", name);
	}
	cw_doc_int(doc, "cellwatch.net.family", n->family);
	cw_doc_int(doc, "cellwatch.net.protocol", n->protocol);
	cw_doc_int(doc, "cellwatch.net.socket_type", n->sock_type);
	if (n->hdr.flags & CW_F_UNRESOLVED)
		cw_doc_bool(doc, "cellwatch.path_resolved", false);
	/* A non-blocking connect in progress is a connect under way, not a failure. */
	failed = n->ret < 0 && !(n->op == CW_NET_CONNECT && n->ret == -EINPROGRESS);
	set_outcome(doc, failed, n->ret);
}

static void encode_proc(struct cw_doc *doc, const struct cw_event *ev)
{
	const struct cw_proc_event *p = &ev->proc;

	if (ev->hdr.type == CW_EVENT_FORK) {
		set_common(doc, ev, "process", "start", "fork");
		cw_doc_int(doc, "cellwatch.child.pid", p->child_pid);
		return;
	}
	set_common(doc, ev, "process", "end", "exit");
	if (WIFSIGNALED(p->exit_status))
		cw_doc_int(doc, "cellwatch.exit.signal", WTERMSIG(p->exit_status));
	else
		cw_doc_int(doc, "process.exit_code", WEXITSTATUS(p->exit_status));
}

static void set_namespaces(struct cw_doc *doc, const char *path, __u64 flags)
{
	static const struct { __u64 bit; const char *name; } ns[] = {
		{ 0x00020000, "mount" }, { 0x02000000, "cgroup" }, { 0x04000000, "uts" },
		{ 0x08000000, "ipc" }, { 0x10000000, "user" }, { 0x20000000, "pid" },
		{ 0x40000000, "net" }, { 0x00000080, "time" },
	};

	cw_doc_array(doc, path);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (flags & ns[i].bit)
			cw_doc_push_str(doc, ns[i].name);
	}
}

static void encode_syscall(struct cw_doc *doc, const struct cw_event *ev)
{
	const struct cw_syscall_event *s = &ev->sys;
	const char *abi = cw_name_of(cw_abi_names, cw_syscall_abi(ev));
	char *name = cw_syscall_name(ev);
	char num[32];

	snprintf(num, sizeof(num), "syscall_%u", s->nr);
	set_common(doc, ev, "process", "info", name ? name : num);
	cw_doc_str(doc, "cellwatch.syscall.name", name ? name : num);
	cw_doc_int(doc, "cellwatch.syscall.nr", s->nr);
	cw_doc_array(doc, "cellwatch.syscall.args");
	for (int i = 0; i < 6; i++) {
		/* Hex: most are flags or addresses. */
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)s->args[i]);
		cw_doc_push_str(doc, num);
	}
	if (s->clone_flags)
		set_namespaces(doc, "cellwatch.syscall.namespaces", s->clone_flags);
	if (abi)
		cw_doc_str(doc, "cellwatch.syscall.abi", abi);
	free(name);
	if (ev->hdr.flags & CW_F_CALLER_KILLED) {
		/* No return: the caller was killed instead, by the filter or the kernel. */
		cw_doc_str(doc, "event.outcome", "failure");
		cw_doc_str(doc, "cellwatch.syscall.killed_by",
			   s->ret == SIGSYS ? "seccomp" : "kernel");
		cw_doc_str(doc, "cellwatch.syscall.signal", sigabbrev_np(s->ret) ?: "?");
		return;
	}
	set_outcome(doc, s->ret < 0, s->ret);
	cw_doc_int(doc, "cellwatch.syscall.ret", s->ret);
}

static void encode_signal(struct cw_doc *doc, const struct cw_event *ev)
{
	static const char *const results[] = {
		"delivered", "ignored", "already_pending", "overflow_fail", "lose_info",
	};
	const struct cw_signal_event *s = &ev->sig;

	set_common(doc, ev, "process", "info", "signal");
	cw_doc_int(doc, "cellwatch.signal.number", s->sig);
	cw_doc_str(doc, "cellwatch.signal.name", sigabbrev_np(s->sig) ?: "?");
	cw_doc_int(doc, "cellwatch.signal.target.pid", s->target_pid);
	cw_doc_int(doc, "cellwatch.signal.target.cell", s->target_cell);
	cw_doc_bool(doc, "cellwatch.signal.outside_cell", true);
	if (s->result >= 0 && (size_t)s->result < sizeof(results) / sizeof(results[0]))
		cw_doc_str(doc, "cellwatch.signal.result", results[s->result]);
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
static void set_message(struct cw_doc *doc, const struct cw_event *ev)
{
	const char *action = cw_doc_get_str(doc, "event.action");
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
	cw_doc_str(doc, "message", line);
}

int cw_event_to_doc(struct cw_doc *doc, const struct cw_event *ev)
{
	switch (ev->hdr.type) {
#define CW_ENCODE(name, value, tag, ...)					\
	case CW_EVENT_##name:							\
		encode_##tag(doc, ev);						\
		break;
	CW_EVENT_TYPES(CW_ENCODE)
#undef CW_ENCODE
	default:
		return -EINVAL;
	}
	set_message(doc, ev);
	return doc->failed ? -ENOMEM : 0;
}

/* @doc's line, parsed, for what takes a document; NULL on error.  Frees @doc. */
static json_t *doc_to_json(struct cw_doc *doc)
{
	size_t len;
	const char *line = cw_doc_line(doc, &len);
	json_t *v = line ? json_loadb(line, len, 0, NULL) : NULL;

	cw_doc_free(doc);
	return v;
}

json_t *cw_event_to_ecs(const struct cw_event *ev)
{
	struct cw_doc doc;

	cw_doc_init(&doc);
	if (cw_event_to_doc(&doc, ev)) {
		cw_doc_free(&doc);
		return NULL;
	}
	return doc_to_json(&doc);
}

/* The fields every record of cellwatch's own carries. */
static void set_own_head(struct cw_doc *doc, __u64 realtime_ns, const char *kind,
			 const char *action)
{
	set_head(doc, realtime_ns, kind);
	cw_doc_str(doc, "event.action", action);
	cw_doc_str(doc, "event.module", "cellwatch");
}

json_t *cw_loss_to_ecs(__u64 realtime_ns, __u64 lost, __u64 total)
{
	struct cw_doc doc;

	cw_doc_init(&doc);
	set_own_head(&doc, realtime_ns, "metric", "events-lost");
	cw_doc_int(&doc, "cellwatch.lost.events", lost);
	cw_doc_int(&doc, "cellwatch.lost.total", total);
	return doc_to_json(&doc);
}

json_t *cw_cell_loss_to_ecs(__u64 realtime_ns, __u64 cell_id, const struct cw_cell_loss *fresh,
			    const struct cw_cell_loss *total)
{
	bool ended = total->critical;
	struct cw_doc doc;

	cw_doc_init(&doc);
	set_own_head(&doc, realtime_ns, ended ? "alert" : "metric", "events-lost");
	cw_doc_int(&doc, "cellwatch.cell.id", cell_id);
	cw_doc_int(&doc, "cellwatch.lost.events", fresh->bulk + fresh->critical);
	cw_doc_int(&doc, "cellwatch.lost.total", total->bulk + total->critical);
	cw_doc_int(&doc, "cellwatch.lost.bulk", total->bulk);
	cw_doc_int(&doc, "cellwatch.lost.critical", total->critical);
	/* Records a rule may have judged are gone: the run was ended, as by a kill-run rule. */
	if (ended) {
		cw_doc_str(&doc, "cellwatch.action", "kill-run");
		cw_doc_str(&doc, "cellwatch.layer", "kernel");
		cw_doc_str(&doc, "rule.name", "events-lost");
		cw_doc_str(&doc, "rule.description",
			   "Security-relevant records of the cell were lost (a ring buffer "
			   "was full): what they reported was never judged, so the run was "
			   "ended.");
		cw_doc_str(&doc, "log.level", "critical");
	}
	return doc_to_json(&doc);
}

json_t *cw_notice_to_ecs(__u64 realtime_ns, const char *action, const char *category,
			 const char *type)
{
	struct cw_doc doc;

	cw_doc_init(&doc);
	set_own_head(&doc, realtime_ns, "event", action);
	set_strarray(&doc, "event.category", category);
	set_strarray(&doc, "event.type", type);
	return doc_to_json(&doc);
}

bool cw_ecs_is_alert(json_t *doc)
{
	const char *kind = json_string_value(json_object_get(json_object_get(doc, "event"),
							     "kind"));

	return kind && !strcmp(kind, "alert");
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
