// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <seccomp.h>

#include "event.h"
#include "paths.h"

static int check_path(const char *path, __u32 len)
{
	/* path_len counts the NUL, which must be the last byte and the only one. */
	if (len == 0 || len > CW_PATH_MAX || path[len - 1] != '\0' || strlen(path) != len - 1)
		return -EINVAL;
	return 0;
}

static int decode_exec(struct cw_event *ev, size_t size)
{
	struct cw_exec_event *e = &ev->exec;
	size_t end;

	if (size < offsetof(struct cw_exec_event, data) || e->args_len > CW_ARGS_MAX ||
	    size != offsetof(struct cw_exec_event, data) + (size_t)e->path_len + e->args_len)
		return -EINVAL;
	if (check_path(e->data, e->path_len))
		return -EINVAL;
	/*
	 * Truncated argv may end mid-argument: a NUL ends it, after it where
	 * there is room; a full path and a full argv leave none, and the last
	 * argument gives up its last byte.
	 */
	end = e->path_len + e->args_len;
	if (end == sizeof(e->data) && e->data[end - 1] != '\0') {
		end--;
		e->hdr.flags |= CW_F_ARGS_TRUNCATED;
	}
	if (end < sizeof(e->data))
		e->data[end] = '\0';
	return 0;
}

/* A failed open: keep what the kernel sent, put the canonical path in path[]. */
static void canonicalise_open(struct cw_event *ev)
{
	struct cw_open_event *e = &ev->open;
	struct cw_path_in in = {
		.name = ev->requested,
		.base = e->base_len ? ev->requested + e->path_len : NULL,
		.base_is_root = e->base == CW_BASE_ROOT,
		.pid = e->ns_pid,
		.tid = e->ns_tid,
	};
	int len;

	memcpy(ev->requested, e->path, e->path_len + e->base_len);
	len = cw_path_canonical(&in, e->path, sizeof(e->path));
	if (len < 0) {
		e->hdr.flags |= CW_F_PATH_TRUNCATED;
		len = strlen(e->path);
	}
	e->path_len = len + 1;
}

static int decode_open(struct cw_event *ev, size_t size)
{
	struct cw_open_event *e = &ev->open;
	bool failed = e->hdr.flags & CW_F_UNRESOLVED;

	if (size < offsetof(struct cw_open_event, path) || e->path_len > CW_PATH_MAX ||
	    e->base_len > CW_PATH_MAX - e->path_len ||
	    size != offsetof(struct cw_open_event, path) + (size_t)e->path_len + e->base_len)
		return -EINVAL;
	if (check_path(e->path, e->path_len))
		return -EINVAL;
	/* Only a failed relative open has a base, an absolute one resolved in the kernel. */
	if (e->base_len &&
	    (!failed || (e->base != CW_BASE_CWD && e->base != CW_BASE_DIRFD &&
			 e->base != CW_BASE_ROOT) ||
	     check_path(e->path + e->path_len, e->base_len) || e->path[e->path_len] != '/'))
		return -EINVAL;
	if (failed)
		canonicalise_open(ev);
	return 0;
}

/*
 * A unix socket's path name is used as a string, yet a name bound with all
 * of sun_path's bytes has no NUL: such a name loses its last byte, said by
 * CW_F_PATH_TRUNCATED.  An abstract name (leading NUL) is path_len bytes.
 */
static int decode_net(struct cw_event *ev, size_t size __attribute__((unused)))
{
	struct cw_net_event *n = &ev->net;

	if (n->path_len > CW_UNIX_PATH_MAX)
		return -EINVAL;
	if (!n->path_len || !n->path[0])
		return 0;
	if (n->path_len < CW_UNIX_PATH_MAX) {
		n->path[n->path_len] = '\0';
	} else if (!memchr(n->path, '\0', CW_UNIX_PATH_MAX)) {
		n->path[CW_UNIX_PATH_MAX - 1] = '\0';
		n->hdr.flags |= CW_F_PATH_TRUNCATED;
	}
	return 0;
}

/* Records whose fixed size says all: nothing to check past it. */
static int decode_whole(struct cw_event *ev __attribute__((unused)),
			size_t size __attribute__((unused)))
{
	return 0;
}

#define decode_proc decode_whole
#define decode_syscall decode_whole
#define decode_signal decode_whole
#define decode_repeat decode_whole

int cw_event_decode(struct cw_event *ev, const void *data, size_t size)
{
	const struct cw_event_hdr *hdr = data;

	if (size < sizeof(*hdr))
		return -EINVAL;
	switch (hdr->type) {
#define CW_DECODE(name, value, tag, member, kind, ruled, sized)			\
	case CW_EVENT_##name:							\
		if (sized ? size > sizeof(ev->member) : size != sizeof(ev->member))	\
			return -EINVAL;						\
		memcpy(&ev->member, data, size);				\
		if (decode_##tag(ev, size))					\
			return -EINVAL;						\
		break;
	CW_EVENT_TYPES(CW_DECODE)
#undef CW_DECODE
	default:
		return -EINVAL;
	}
	ev->hdr.comm[CW_COMM_LEN - 1] = '\0';
	if (ev->hdr.type != CW_EVENT_OPEN || !(ev->hdr.flags & CW_F_UNRESOLVED))
		ev->requested[0] = '\0';
	ev->realtime_ns = 0;
	ev->repeats = 0;
	ev->repeat_first_ns = 0;
	ev->rule = NULL;
	ev->layer = NULL;
	ev->kill_latency_ns = 0;
	ev->nancestry = 0;
	return 0;
}

const char *cw_event_path(const struct cw_event *ev)
{
	switch (ev->hdr.type) {
	case CW_EVENT_EXEC:
		return ev->exec.data;
	case CW_EVENT_OPEN:
		return ev->open.path;
	default:
		return NULL;
	}
}

const char *cw_event_requested(const struct cw_event *ev)
{
	return ev->hdr.type == CW_EVENT_OPEN && (ev->hdr.flags & CW_F_UNRESOLVED) ?
	       ev->requested : NULL;
}

const char *cw_exec_next_arg(const struct cw_event *ev, const char *prev)
{
	const char *args = ev->exec.data + ev->exec.path_len;
	const char *end = args + ev->exec.args_len;

	if (!prev)
		return ev->exec.args_len ? args : NULL;
	prev += strlen(prev) + 1;
	return prev < end ? prev : NULL;
}

const struct cw_name cw_net_family_names[] = {
	{ AF_INET, "ipv4" }, { AF_INET6, "ipv6" }, { AF_UNIX, "unix" },
	{ AF_NETLINK, "netlink" }, { AF_PACKET, "packet" }, { AF_VSOCK, "vsock" },
	{ AF_ALG, "alg" }, { AF_TIPC, "tipc" }, { AF_RDS, "rds" }, { AF_XDP, "xdp" },
	{ AF_BLUETOOTH, "bluetooth" }, { AF_CAN, "can" }, { AF_KEY, "key" }, {},
};

const struct cw_name cw_socket_type_names[] = {
	{ SOCK_STREAM, "stream" }, { SOCK_DGRAM, "dgram" }, { SOCK_RAW, "raw" },
	{ SOCK_SEQPACKET, "seqpacket" }, {},
};

/* IPPROTO_* of the inet families. */
const struct cw_name cw_ip_protocol_names[] = {
	{ 1, "icmp" }, { 6, "tcp" }, { 17, "udp" }, { 58, "icmpv6" }, { 132, "sctp" },
	{ 136, "udplite" }, {},
};

const struct cw_name cw_net_op_names[] = {
	{ CW_NET_CONNECT, "connect" }, { CW_NET_SENDTO, "sendto" },
	{ CW_NET_SENDMSG, "sendmsg" }, { CW_NET_SOCKET, "socket" }, {},
};

const struct cw_name cw_open_flag_names[] = {
	{ CW_OPEN_READ, "read" }, { CW_OPEN_WRITE, "write" }, { CW_OPEN_CREATE, "create" },
	{ CW_OPEN_TRUNC, "truncate" }, {},
};

const struct cw_name cw_exec_how_names[] = {
	{ CW_HOW_MEMFD, "memfd" }, { CW_HOW_DELETED, "deleted" }, { CW_HOW_FD, "fd" },
	{ CW_HOW_LOADER, "loader" }, { CW_HOW_MAPPED, "mapped" }, {},
};

const struct cw_name cw_abi_names[] = {
	{ CW_ABI_I386, "i386" }, { CW_ABI_X32, "x32" }, { CW_ABI_ARM, "arm" }, {},
};

const struct cw_name cw_outcome_names[] = { { 0, "success" }, { 1, "failure" }, {} };

const char *cw_name_of(const struct cw_name *t, int value)
{
	for (; t->name; t++) {
		if (t->value == value)
			return t->name;
	}
	return NULL;
}

int cw_value_of(const struct cw_name *t, const char *name, int *value)
{
	for (; t->name; t++) {
		if (!strcmp(t->name, name)) {
			*value = t->value;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned int cw_open_access(__u32 flags)
{
	int acc = flags & O_ACCMODE;
	unsigned int bits = 0;

	if (acc == O_RDONLY || acc == O_RDWR)
		bits |= CW_OPEN_READ;
	if (acc == O_WRONLY || acc == O_RDWR)
		bits |= CW_OPEN_WRITE;
	if (flags & O_CREAT)
		bits |= CW_OPEN_CREATE;
	if (flags & O_TRUNC)
		bits |= CW_OPEN_TRUNC;
	return bits;
}

const char *cw_errno_name(long long ret)
{
	return ret < 0 && ret >= -4095 ? strerrorname_np(-ret) : NULL;
}

int cw_errno_number(const char *name)
{
	for (int e = 1; e < 256; e++) {
		if (strerrorname_np(e) && !strcmp(strerrorname_np(e), name))
			return e;
	}
	return -ENOENT;
}

unsigned int cw_exec_how(const struct cw_event *ev)
{
	const char *slash = strrchr(ev->exec.data, '/');
	const char *base = slash ? slash + 1 : ev->exec.data;
	unsigned int bits = 0;
	int argc = 0;

	if (ev->hdr.flags & CW_F_EXEC_MEMFD)
		bits |= CW_HOW_MEMFD;
	if (ev->hdr.flags & CW_F_EXEC_DELETED)
		bits |= CW_HOW_DELETED;
	if (ev->hdr.flags & CW_F_EXEC_MAPPED)
		bits |= CW_HOW_MAPPED;
	if (ev->hdr.flags & CW_F_EXEC_FD)
		bits |= CW_HOW_FD;
	if (ev->hdr.flags & CW_F_EXEC_LOADER)
		bits |= CW_HOW_LOADER;
	for (const char *a = NULL; (a = cw_exec_next_arg(ev, a));)
		argc++;
	if (!strncmp(base, "ld-", 3) && strstr(base, ".so") && argc > 1)
		bits |= CW_HOW_LOADER;
	return bits;
}

unsigned int cw_syscall_abi(const struct cw_event *ev)
{
	if (ev->hdr.type != CW_EVENT_SYSCALL || !ev->sys.arch)
		return 0;
	switch (ev->sys.arch) {
	case CW_AUDIT_ARCH_I386:
		return CW_ABI_I386;
	case CW_AUDIT_ARCH_X86_64:
		return ev->sys.nr & CW_X32_SYSCALL_BIT ? CW_ABI_X32 : 0;
	case CW_AUDIT_ARCH_ARM:
		return CW_ABI_ARM;
	}
	return 0;
}

char *cw_syscall_name(const struct cw_event *ev)
{
	switch (cw_syscall_abi(ev)) {
	case CW_ABI_I386:
		return seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, ev->sys.nr);
	case CW_ABI_X32:
		return seccomp_syscall_resolve_num_arch(SCMP_ARCH_X32, ev->sys.nr);
	case CW_ABI_ARM:
		return seccomp_syscall_resolve_num_arch(SCMP_ARCH_ARM, ev->sys.nr);
	}
	return seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, ev->sys.nr);
}
