// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sample ring buffer records as the BPF side writes them: the seeds of the
 * event target (tests/fuzz/corpus/event, written by `make fuzz-seeds`) and
 * the events the rules target matches fuzzed rules against.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "samples.h"

/* Bytes of the record @r of @type: a header in cell 4242, run by uid 65534. */
static void header(struct cw_event *r, __u32 type, __u32 pid, __u32 ppid, const char *comm)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = type;
	r->hdr.ts_boot_ns = 5000000000ULL + pid * 1000ULL;
	r->hdr.cell_id = 4242;
	r->hdr.pid = r->hdr.tid = pid;
	r->hdr.ppid = ppid;
	r->hdr.uid = r->hdr.gid = r->hdr.euid = 65534;
	strncpy(r->hdr.comm, comm, CW_COMM_LEN - 1);
}

/* @args: NUL-separated, @args_len bytes of them. */
static size_t exec_record(struct cw_event *r, __u32 pid, __u32 ppid, const char *path,
			  const char *args, size_t args_len)
{
	struct cw_exec_event *e = &r->exec;
	const char *slash = strrchr(path, '/');

	header(r, CW_EVENT_EXEC, pid, ppid, slash ? slash + 1 : path);
	e->dev = 8 << 20 | 1;
	e->ino = 1000 + pid;
	e->path_len = strlen(path) + 1;
	e->args_len = args_len;
	memcpy(e->data, path, e->path_len);
	memcpy(e->data + e->path_len, args, args_len);
	return offsetof(struct cw_exec_event, data) + e->path_len + e->args_len;
}

static size_t open_record(struct cw_event *r, const char *path, __u32 flags, int ret)
{
	struct cw_open_event *o = &r->open;

	header(r, CW_EVENT_OPEN, 102, 101, "python3");
	o->flags = flags;
	o->ret = ret;
	if (ret < 0)
		r->hdr.flags |= CW_F_UNRESOLVED;
	else
		o->dev = 8 << 20 | 1, o->ino = 77;
	o->path_len = strlen(path) + 1;
	memcpy(o->path, path, o->path_len);
	return offsetof(struct cw_open_event, path) + o->path_len;
}

/*
 * A failed open of @name relative to @base (as the kernel resolved it), as bpf/open.bpf.h
 * sends it.
 */
static size_t failed_open_record(struct cw_event *r, const char *name, const char *base,
				 __u32 kind)
{
	struct cw_open_event *o = &r->open;
	size_t n = open_record(r, name, O_RDONLY, -EACCES);

	o->ns_pid = 3;
	o->ns_tid = 4;
	if (!base)
		return n;
	o->base = kind;
	o->base_len = strlen(base) + 1;
	memcpy(o->path + o->path_len, base, o->base_len);
	return n + o->base_len;
}

static size_t net_record(struct cw_event *r, __u32 op, __u16 family, const char *where,
			 __u16 port, int ret)
{
	struct cw_net_event *n = &r->net;

	header(r, CW_EVENT_NET, 102, 101, "python3");
	n->op = op;
	n->ret = ret;
	n->family = family;
	n->port = port;
	n->protocol = family == AF_UNIX ? 0 : IPPROTO_TCP;
	n->sock_type = op == CW_NET_SOCKET ? SOCK_RAW : SOCK_STREAM;
	if (family == AF_UNIX) {
		n->path_len = strlen(where) + 1;
		memcpy(n->path, where, n->path_len);
	} else if (where) {
		inet_pton(family, where, n->addr);
	}
	return sizeof(*n);
}

static size_t syscall_record(struct cw_event *r, __u32 nr, __s64 ret, __u64 clone_flags)
{
	header(r, CW_EVENT_SYSCALL, 102, 101, "python3");
	r->sys.nr = nr;
	r->sys.ret = ret;
	r->sys.args[0] = clone_flags ?: 16;
	r->sys.clone_flags = clone_flags;
	return sizeof(r->sys);
}

static size_t proc_record(struct cw_event *r, __u32 type, __u32 pid, __u32 child, int status)
{
	header(r, type, pid, 0, "python3");
	r->proc.child_pid = child;
	r->proc.exit_status = status;
	return sizeof(r->proc);
}

#define ARGS(s) s, sizeof(s)	/* the final NUL of the literal ends the last argument */

size_t cw_fuzz_sample(size_t i, struct cw_event *r)
{
	size_t n;

	switch (i) {
	case 0:
		return proc_record(r, CW_EVENT_FORK, 100, 101, 0);
	case 1:
		return exec_record(r, 101, 100, "/usr/bin/python3", ARGS("python3\0-c\0print(1)"));
	case 2:
		/* A shell, killed in the kernel by the first default rule. */
		n = exec_record(r, 102, 101, "/usr/bin/dash", ARGS("sh\0-c\0id"));
		r->hdr.rule_id = 1;
		r->hdr.action = CW_ACTION_KILL;
		r->hdr.layer = CW_LAYER_TRACEPOINT;
		return n;
	case 3:
		return open_record(r, "/etc/shadow", O_RDONLY, -EACCES);
	case 4:
		return open_record(r, "/tmp/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 3);
	case 5:
		return net_record(r, CW_NET_CONNECT, AF_INET, "169.254.169.254", 80, -EPERM);
	case 6:
		return net_record(r, CW_NET_CONNECT, AF_INET6, "2001:db8::1", 443, -EINPROGRESS);
	case 7:
		return net_record(r, CW_NET_CONNECT, AF_UNIX, "/run/docker.sock", 0, -ENOENT);
	case 8:
		return net_record(r, CW_NET_SOCKET, AF_PACKET, NULL, 0, 5);
	case 9:
		return syscall_record(r, 101 /* ptrace */, -EPERM, 0);
	case 10:
		return syscall_record(r, 272 /* unshare */, 0, 0x10000000 /* CLONE_NEWUSER */);
	case 11:
		header(r, CW_EVENT_SIGNAL, 102, 101, "python3");
		r->sig.sig = 9;
		r->sig.target_pid = 1;
		return sizeof(r->sig);
	case 12:
		n = exec_record(r, 103, 102, "/memfd:payload (deleted)", ARGS("payload"));
		r->hdr.flags |= CW_F_EXEC_MEMFD | CW_F_EXEC_DELETED | CW_F_EXEC_FD;
		return n;
	case 13:
		return exec_record(r, 104, 102, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
				   ARGS("ld-linux-x86-64.so.2\0./tool"));
	case 14:
		return proc_record(r, CW_EVENT_EXIT, 102, 0, 9);
	case 15: {
		/* argv cut by the kernel side at CW_ARGS_MAX bytes, mid-argument. */
		static char args[CW_ARGS_MAX];

		memset(args, 'x', sizeof(args));
		memcpy(args, "python3\0-c\0", 11);
		n = exec_record(r, 105, 102, "/usr/bin/python3", args, sizeof(args));
		r->hdr.flags |= CW_F_ARGS_TRUNCATED;
		return n;
	}
	case 16: {
		/* The longest path the kernel side sends: CW_PATH_MAX bytes, NUL included. */
		static char path[CW_PATH_MAX];

		memset(path, 'd', sizeof(path) - 1);
		for (size_t k = 0; k < sizeof(path) - 1; k += 8)
			path[k] = '/';
		path[sizeof(path) - 1] = '\0';
		n = open_record(r, path, O_RDONLY, 4);
		r->hdr.flags |= CW_F_PATH_TRUNCATED;
		return n;
	}
	case 17:
		/* Relative to the cwd: canonical /etc/shadow. */
		return failed_open_record(r, "../..//etc/./shadow", "/tmp/work", CW_BASE_CWD);
	case 18:
		/* openat2 RESOLVE_IN_ROOT: an absolute name beneath the dirfd. */
		return failed_open_record(r, "/../etc/shadow", "/output", CW_BASE_ROOT);
	case 19:
		return failed_open_record(r, "/proc/thread-self/root/proc/self/environ", NULL, 0);
	case 20:
		/* A plain open, then the kernel's count of its repeats (struct cw_repeat_event). */
		n = open_record(r, "/data/in.csv", O_RDONLY, 3);
		r->open.fold_key = 0x5eed;
		return n;
	case 21:
		header(r, CW_EVENT_REPEAT, 102, 101, "python3");
		r->rep.fold_key = 0x5eed;
		r->rep.count = 199999;
		r->rep.first_ns = r->hdr.ts_boot_ns - 900000000;
		r->rep.last_ns = r->hdr.ts_boot_ns;
		return sizeof(r->rep);
	default:
		return 0;
	}
}
