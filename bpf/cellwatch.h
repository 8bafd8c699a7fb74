/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cellwatch event ABI: every struct and constant that crosses the
 * kernel/user boundary.  Included by bpf/ (after vmlinux.h) and by userspace/
 * (after <linux/types.h>).  Fixed-width types only; every record starts with
 * struct cw_event_hdr so userspace can dispatch on ->type before trusting the
 * rest, and checks the record's size against the type's minimum.
 */
#ifndef CELLWATCH_H
#define CELLWATCH_H

#define CW_COMM_LEN	16
#define CW_PATH_MAX	4096	/* bytes of a resolved path, NUL included */
#define CW_PATH_DEPTH	64	/* dentries walked before a path is truncated */
/*
 * Bulk records (plain opens) one cell may send per second: a cell that
 * floods costs its own telemetry, not another cell's room in the ring nor
 * the consumer's time.  Verdicts and what rules judge are never budgeted.
 */
#define CW_BULK_PER_SEC	20000
#define CW_USER_HZ	100	/* the clock ticks of /proc/PID/stat's starttime */
#define CW_ARGS_MAX	4096	/* bytes of argv kept, each argument NUL-terminated */
#define CW_NAME_MAX	32	/* basename bytes compared by name rules, NUL included */
#define CW_MAX_CELLS	4096
#define CW_MAX_RULE_KEYS 16384	/* entries of each compiled-rule map */

/*
 * Every record type, once: X(NAME, value, tag, member, kind, ruled, sized).
 * CW_EVENT_NAME = value is struct cw_<tag>_event, member @member of
 * userspace's struct cw_event, named @kind in logs and rules; rules may
 * name it when @ruled; @sized when the record's size varies (a path, argv).
 * Userspace's decoding and ECS encoding are generated from this list, so a
 * new type is one line here, its struct, and its decode_ and encode_.
 */
#define CW_EVENT_TYPES(X)							\
	X(EXEC,	   1, exec,	exec, "exec",	 1, 1)				\
	X(OPEN,	   2, open,	open, "open",	 1, 1)				\
	X(NET,	   3, net,	net,  "network", 1, 0)				\
	X(FORK,	   4, proc,	proc, "fork",	 1, 0)	/* a new process, not a thread */ \
	X(EXIT,	   5, proc,	proc, "exit",	 1, 0)	/* a process's last thread ended */ \
	X(SYSCALL, 6, syscall,	sys,  "syscall", 1, 0)	/* a watched (escape) syscall */ \
	X(SIGNAL,  7, signal,	sig,  "signal",	 1, 0)	/* a signal sent out of the cell */ \
	X(REPEAT,  8, repeat,	rep,  "repeat",	 0, 0)	/* identical plain opens folded */

/* Record types, struct cw_event_hdr.type. */
enum cw_event_type {
#define CW_EVENT_ENUM(name, value, ...) CW_EVENT_##name = value,
	CW_EVENT_TYPES(CW_EVENT_ENUM)
#undef CW_EVENT_ENUM
};

/* What the kernel side did about an event, struct cw_event_hdr.action. */
enum cw_action {
	CW_ACTION_NONE = 0,	/* observed only */
	CW_ACTION_ALERT = 1,	/* a kernel rule matched; userspace alerts */
	CW_ACTION_KILL = 2,	/* a kernel rule matched; SIGKILL sent to the task */
	CW_ACTION_DENY = 3,	/* the kernel refused the call (EPERM) */
	CW_ACTION_KILL_RUN = 4,	/* SIGKILL sent; userspace kills the rest of the cell */
};

/* Where a kernel verdict was taken, struct cw_event_hdr.layer. */
enum cw_layer {
	CW_LAYER_NONE = 0,
	CW_LAYER_TRACEPOINT = 1,	/* tracepoints and cgroup hooks: kill, or refuse
					 * a connect */
	CW_LAYER_LSM = 2,		/* BPF-LSM: refused before the operation happened */
};

/* struct cw_event_hdr.flags */
#define CW_F_PATH_TRUNCATED	(1U << 0)	/* path hit CW_PATH_MAX or CW_PATH_DEPTH */
#define CW_F_ARGS_TRUNCATED	(1U << 1)	/* argv longer than CW_ARGS_MAX */
#define CW_F_UNRESOLVED		(1U << 2)	/* path as the caller passed it (a failed
						 * call): read from its memory, not resolved */
/* Fileless or indirect execution, on exec events. */
#define CW_F_EXEC_MEMFD		(1U << 3)	/* the binary is a memfd */
#define CW_F_EXEC_DELETED	(1U << 4)	/* no name left: unlinked or O_TMPFILE */
#define CW_F_EXEC_MAPPED	(1U << 6)	/* not exec'd: the binary was mapped executable
						 * into a running process (mmap PROT_EXEC), as a
						 * userland loader runs it */
#define CW_F_EXEC_FD		(1U << 5)	/* executed through an fd (execveat, fexecve,
						 * /proc/self/fd/N) */
#define CW_F_EXEC_LOADER	(1U << 8)	/* the dynamic loader run as a program, given
						 * one to load ("ld-linux-x86-64.so.2 ./tool") */
/*
 * On syscall events: the call never returned, its caller was killed
 * instead; ret holds the signal: SIGSYS, the seccomp filter; SIGSEGV, a
 * kernel without the call's ABI.
 */
#define CW_F_CALLER_KILLED	(1U << 7)

struct cw_event_hdr {
	__u32 type;		/* enum cw_event_type */
	__u32 flags;		/* CW_F_* */
	__u64 ts_boot_ns;	/* bpf_ktime_get_boot_ns() at the hook */
	__u64 cell_id;		/* cgroup v2 id of the cell the task runs in */
	__u32 pid;		/* thread group id */
	__u32 tid;		/* thread id */
	__u32 ppid;		/* real parent's tgid, 0 where the hook cannot see it */
	__u32 uid;		/* real uid, as seen from the initial user namespace */
	__u32 gid;		/* real gid, likewise */
	__u32 rule_id;		/* kernel rule that matched (struct cw_verdict), 0 if none */
	__u32 action;		/* enum cw_action taken in the kernel */
	__u32 euid;		/* effective uid, as seen from the initial user namespace */
	__u32 layer;		/* enum cw_layer: where the verdict (action) was taken */
	__u32 start_ticks;	/* when the process started: clock ticks (USER_HZ) since
				 * boot, mod 2^32, as /proc/PID/stat says; tells a reused pid */
	char comm[CW_COMM_LEN];	/* task comm, NUL-terminated */
};

/*
 * An execve/execveat.  A successful one is emitted from sched_process_exec:
 * the new image is installed and argv is the kernel's copy on the new stack.
 * One the kernel refused (a missing or masked file, noexec, Landlock, DAC,
 * BPF-LSM) is emitted at the syscall's exit with its -errno, the path as
 * the caller passed it (CW_F_UNRESOLVED, dev and ino 0) and argv from the
 * caller's memory.  data[] holds the executable's path (path_len bytes, NUL
 * included), resolved from the opened binary where there is one, followed
 * by args_len bytes of NUL-separated argv.  Only offsetof(data) + path_len +
 * args_len bytes are sent.
 */
struct cw_exec_event {
	struct cw_event_hdr hdr;
	__u64 dev;		/* kernel dev_t (major << 20 | minor) of the binary */
	__u64 ino;		/* inode number of the binary */
	__s32 ret;		/* 0, or the -errno of a refused exec */
	__u32 path_len;
	__u32 args_len;
	__u32 args_total;	/* bytes of the whole argv, NULs included; 0: not known
				 * (a refused exec's argv, read from the caller) */
	char data[CW_PATH_MAX + CW_ARGS_MAX];
};

/*
 * What the string of a failed open is relative to, struct cw_open_event.base.
 * The kernel resolves the base (from the task's cwd or the dirfd's file,
 * never from the caller's memory) so userspace can make the path canonical.
 */
enum cw_open_base {
	CW_BASE_NONE = 0,	/* absolute, no name (open_by_handle_at) or a successful open */
	CW_BASE_CWD = 1,	/* relative to the caller's working directory (AT_FDCWD) */
	CW_BASE_DIRFD = 2,	/* relative to the directory dirfd refers to */
	CW_BASE_ROOT = 3,	/* openat2 RESOLVE_IN_ROOT: dirfd (or cwd) is the root of the
				 * lookup, absolute names and ".." included */
	CW_BASE_BADFD = 4,	/* relative to a dirfd that is no open file: no base sent */
	CW_BASE_NOTDIR = 5,	/* relative to a dirfd that is no directory: no base sent */
};

/*
 * An open/openat/openat2/creat/open_by_handle_at, emitted at syscall exit.
 * On success the path is resolved from the struct file the new fd refers
 * to; on failure (ret < 0, -errno) it is the string the caller passed,
 * flagged CW_F_UNRESOLVED, and dev/ino are 0: then, for a relative name
 * (or RESOLVE_IN_ROOT), path[] holds after that string the directory it
 * was relative to, resolved in the kernel (base_len bytes, NUL included),
 * and userspace makes the canonical path from both.  Only offsetof(path) +
 * path_len + base_len bytes are sent; path_len + base_len <= CW_PATH_MAX.
 */
struct cw_open_event {
	struct cw_event_hdr hdr;
	__u64 dev;		/* kernel dev_t of the opened file */
	__u64 ino;		/* its inode number */
	__u32 flags;		/* open flags as passed by the caller (O_*) */
	__s32 ret;		/* the fd returned, or -errno */
	__u32 path_len;		/* bytes of the path at path[0], NUL included */
	__u32 base_len;		/* bytes of the base directory at path[path_len], NUL
				 * included; 0 when none was sent */
	__u32 base;		/* enum cw_open_base (failed opens) */
	__u32 ns_pid;		/* failed opens: the caller's tgid in its own pid namespace,
				 * what its /proc/self names; 0 on success */
	__u32 ns_tid;		/* likewise its thread id, for /proc/thread-self */
	__u32 __pad;
	__u64 fold_key;		/* plain (bulk) opens: what a struct cw_repeat_event of
				 * this thread names when it repeats this open; else 0 */
	char path[CW_PATH_MAX];
};

/*
 * Repeats folded: a thread that opens the same thing again and again (same
 * path, file, flags and result, nothing else opened in between) sends its
 * first plain open, then one of these in place of the repeats, when it
 * opens something else, execs or exits, or when CW_FOLD_WINDOW_NS has
 * passed since the first repeat.  The loop that floods the ring with one
 * open costs a couple of records a second, and no repeat goes uncounted.
 * Only bulk opens fold: nothing a rule judges ever does.
 */
#define CW_FOLD_WINDOW_NS	1000000000ULL
#define CW_FOLD_THREADS		16384	/* threads folding at once; more send
					 * every open */

struct cw_repeat_event {
	struct cw_event_hdr hdr;	/* the repeating thread, at the time of the fold's end */
	__u64 fold_key;		/* struct cw_open_event.fold_key of the open repeated */
	__u64 first_ns;		/* bpf_ktime_get_boot_ns() of the first repeat */
	__u64 last_ns;		/* and of the last */
	__u64 count;		/* repeats not sent */
};

/* struct cw_net_event.op */
enum cw_net_op {
	CW_NET_CONNECT = 1,
	CW_NET_SENDTO = 2,	/* sendto with a destination address */
	CW_NET_SENDMSG = 3,	/* sendmsg with a destination address */
	CW_NET_SOCKET = 4,	/* socket() of a raw or packet type */
};

#define CW_UNIX_PATH_MAX 108

/*
 * A network call, emitted at syscall exit with its result.  The
 * destination is the kernel's: for AF_INET/AF_INET6 the copy the cgroup
 * sock_addr hook saw (or the connected socket's peer), for AF_UNIX the
 * connected peer's bound name.  Where only the caller's memory has it (a
 * failed AF_UNIX connect, other families), it is read from there and the
 * record is flagged CW_F_UNRESOLVED.
 */
struct cw_net_event {
	struct cw_event_hdr hdr;
	__u32 op;		/* enum cw_net_op */
	__s32 ret;		/* 0 or -errno (connect, sendto...), the fd (socket) */
	__u16 family;		/* AF_* */
	__u16 port;		/* AF_INET/6 destination port, host byte order */
	__u32 protocol;		/* IPPROTO_* or the family's protocol number */
	__u32 sock_type;	/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ... */
	__u32 path_len;		/* AF_UNIX: bytes of path; an abstract name starts
				 * with NUL */
	__u8 addr[16];		/* AF_INET/6 destination, network byte order (v4: 4 bytes) */
	char path[CW_UNIX_PATH_MAX];
};

/* What a kernel rule decided: the rule (1-based id in its set) and the action. */
struct cw_verdict {
	__u32 rule_id;
	__u32 action;		/* enum cw_action; CW_ACTION_NONE: an exception ("not") */
};

/* The kernel's copy of a destination, stashed by the cgroup hooks for the syscall's exit. */
struct cw_dest {
	__u16 family;
	__u16 port;		/* host byte order */
	__u32 protocol;
	__u8 addr[16];
	struct cw_verdict v;	/* what the hook decided; kill happens at the exit */
};

/*
 * Process lifecycle, from sched_process_fork and sched_process_exit; hdr.pid
 * is the parent (fork) or the process that ended (exit).
 */
struct cw_proc_event {
	struct cw_event_hdr hdr;
	__u32 child_pid;	/* fork: the new process's pid */
	__s32 exit_status;	/* exit: wait status (code << 8 | signal) */
};

/*
 * A watched syscall returned: the ways out of a cell (ptrace, mount,
 * namespaces, bpf, modules, id changes, capset, memfd_create, signals,
 * chroot, pivot_root, keyrings, personality, ...).  Emitted at exit, so
 * calls a seccomp filter refused are reported too, with their -EPERM; a
 * call that killed its caller at entry (CW_F_CALLER_KILLED) comes from
 * signal_generate instead.
 */
struct cw_syscall_event {
	struct cw_event_hdr hdr;
	__u32 nr;		/* syscall number, of @arch's table */
	__u32 arch;		/* AUDIT_ARCH_* of a call that killed its caller
				 * (CW_F_CALLER_KILLED), else 0: the native ABI */
	__s64 ret;		/* return value, -errno on failure */
	__u64 args[6];		/* raw arguments (pointers are the caller's) */
	__u64 clone_flags;	/* clone/clone3/unshare: the flags asked for */
};

/*
 * A signal generated by a task in a cell for a task outside it (another
 * cell or the host), from the signal_generate tracepoint: the target is
 * the kernel's, not a pid number the sender chose.
 */
struct cw_signal_event {
	struct cw_event_hdr hdr;
	__u32 sig;
	__u32 target_pid;	/* the target's tgid, host pid namespace */
	__u64 target_cell;	/* the target's cell, 0 when it is not in one */
	__s32 result;		/* TRACE_SIGNAL_*: 0 delivered, 1 ignored, ... */
	__u32 __pad;
};

/* How a syscall in bpf/syscalls.def is reported. */
enum cw_watch {
	CW_WATCH_NONE = 0,
	CW_WATCH_ALWAYS = 1,	/* report every call */
	CW_WATCH_NS_FLAGS = 2,	/* clone/unshare: report when arg 0 asks for a namespace,
				 * or (clone) for the parent's fd table outside a thread */
	CW_WATCH_CLONE3 = 3,	/* clone3: report when clone_args.flags asks for one */
	CW_WATCH_KILL = 4,	/* kill/tkill/tgkill: report when refused or aimed at a group
				 * (pid <= 0); delivered ones are CW_EVENT_SIGNAL when they
				 * leave the cell */
	CW_WATCH_OPEN = 5,	/* struct cw_open_event */
	CW_WATCH_NET = 6,	/* struct cw_net_event */
	CW_WATCH_REAP = 7,	/* no event: in a doomed cell the caller dies at the exit
				 * (a parent learning of the offender's death by wait) */
	CW_WATCH_EXEC = 8,	/* struct cw_exec_event of a refused exec (a successful
				 * one is reported by sched_process_exec) */
	CW_WATCH_MMAP = 9,	/* struct cw_exec_event, CW_F_EXEC_MAPPED: a file mapped
				 * executable that an exec rule names (else nothing) */
	CW_WATCH_MKNOD = 10,	/* mknod/mknodat: report a device node (not a FIFO or socket) */
	CW_WATCH_MPROTECT = 11,	/* as CW_WATCH_MMAP, for a mapping made executable later */
	CW_WATCH_SETID = 12,	/* set{,re,res}{u,g}id: report a refused call or one that
				 * changed an id, not a no-op (bpf/setid.bpf.h) */
	CW_WATCH_SETFSID = 13,	/* setfs{u,g}id: report one that asked for another id or
				 * changed one */
};

#define CW_MAX_SYSCALLS 1024
#define CW_CLONE_NS_FLAGS 0x7e020080ULL	/* every CLONE_NEW* bit, CLONE_NEWTIME included */
#define CW_CLONE_FILES	0x400ULL	/* share the fd table: with CLONE_THREAD, a thread */
#define CW_CLONE_THREAD	0x10000ULL

/* struct cw_cell.net_policy: network verdicts taken in the cgroup hooks. */
#define CW_NETPOL_DENY_EXTERNAL	(1U << 0)	/* refuse inet destinations but loopback */
#define CW_NETPOL_DENY_RAW	(1U << 1)	/* refuse raw inet sockets */

/* Value of the cells map, keyed by the cell's cgroup v2 id. */
struct cw_cell {
	__u32 policy;		/* id of the rule set in force (keys below carry it) */
	__u32 net_policy;	/* CW_NETPOL_* */
};

/*
 * Compiled rules.  Every key starts with the policy id, so cells on one
 * host run different rule sets from the same maps, and a reload compiles
 * under a new id before any cell switches to it.
 */

/* exec_inode_rules: a binary by identity. */
struct cw_inode_key {
	__u32 policy;
	__u32 __pad;
	__u64 dev;		/* kernel dev_t */
	__u64 ino;
};

/* exec_name_rules, open_name_rules: a binary or a file by basename, zero-padded. */
struct cw_name_key {
	__u32 policy;
	char name[CW_NAME_MAX];
};

/*
 * open_rules (LPM trie): a path prefix.  prefixlen counts bits from policy
 * on; an exact path includes its NUL.  Paths beyond CW_LPM_PATH - 1 bytes
 * are left to userspace.
 */
#define CW_LPM_PATH 128
struct cw_path_key {
	__u32 prefixlen;
	__u32 policy;
	char path[CW_LPM_PATH];
};

/*
 * glob_rules: a glob of an open rule, compiled to one pattern per path
 * component (userspace/lib/glob.c says which globs the kernel holds).  Each
 * component is a literal name, or a literal prefix and suffix around one
 * '*' ("*" alone, "id_*", "*.pem"), never crossing a '/' (fnmatch(3) with
 * FNM_PATHNAME).  A glob is found by its anchor: the literal component
 * nearest the end, with the path's depth, so an open costs one lookup per
 * component of its path and one for globs without any literal component.
 */
#define CW_GLOB_DEPTH	8	/* components of a glob (and of the paths it matches);
				 * a power of two */
#define CW_GLOB_CHAIN	8	/* globs of one policy under the same anchor */
#define CW_GLOB_ANY	0xff	/* cw_glob_key.anchor of a glob without a literal
				 * component */
#define CW_GLOB_MARK	0xfe	/* cw_glob_key.anchor (seq 0, no name) of the marker saying
				 * that the policy has globs of this depth */
#define CW_MAX_GLOB_KEYS 4096	/* entries of glob_rules */

struct cw_glob_key {
	__u32 policy;
	__u8 depth;		/* components of the glob, 1..CW_GLOB_DEPTH */
	__u8 anchor;		/* the literal's index, the last component being 0, or
				 * CW_GLOB_ANY */
	__u8 seq;		/* 0..CW_GLOB_CHAIN - 1: the globs sharing this anchor, in
				 * rule order */
	__u8 __pad;
	char name[CW_NAME_MAX];	/* the anchor's literal, zero-padded ("" for CW_GLOB_ANY) */
};

/* One component of a compiled glob. */
struct cw_glob_part {
	__u8 star;		/* 0: the component is name[0..len); 1: prefix '*' suffix */
	__u8 len;		/* bytes of the literal, or of the prefix */
	__u8 suffix_len;	/* star: bytes of the suffix, in name[] after the prefix */
	__u8 __pad;
	char name[CW_NAME_MAX];	/* literal, or prefix then suffix;
				 * len + suffix_len < CW_NAME_MAX */
};

/* Value of glob_rules: the rule and its whole pattern, the last component first. */
struct cw_glob_rule {
	struct cw_verdict v;
	__u32 depth;		/* components in parts[] */
	__u32 __pad;
	struct cw_glob_part parts[CW_GLOB_DEPTH];
};

/* net4_rules, net6_rules (LPM tries): a destination CIDR, checked in the cgroup hooks. */
struct cw_net4_key {
	__u32 prefixlen;	/* 32 (policy) + CIDR bits */
	__u32 policy;
	__u8 addr[4];
};

struct cw_net6_key {
	__u32 prefixlen;
	__u32 policy;
	__u8 addr[16];
};

#define CW_MAX_PORT_RANGES 4
struct cw_net_rule {
	struct cw_verdict v;
	__u32 nports;		/* 0: any port */
	__u16 port_lo[CW_MAX_PORT_RANGES];
	__u16 port_hi[CW_MAX_PORT_RANGES];
};

/* syscall_rules: a syscall by number, decided at its exit. */
struct cw_syscall_key {
	__u32 policy;
	__u32 nr;
};

/* syscall_rules key for signals sent out of the cell (event "signal" rules). */
#define CW_NR_SIGNAL_OUT 0xffffffffU
/* syscall_rules keys for a call of a foreign ABI, one per ABI (syscall rules by "abi"). */
#define CW_NR_ABI_I386	0xfffffffeU
#define CW_NR_ABI_X32	0xfffffffdU
#define CW_NR_ABI_ARM	0xfffffffcU
/* syscall_rules keys for an exec by how it was reached (exec rules by "exec_how"). */
#define CW_NR_EXEC_MEMFD	0xfffffffbU
#define CW_NR_EXEC_DELETED	0xfffffffaU
#define CW_NR_EXEC_FD		0xfffffff9U
#define CW_NR_EXEC_LOADER	0xfffffff8U
/* syscall_rules keys for an exec the kernel refused, by errno (exec rules by "error"). */
#define CW_NR_EXEC_REFUSED_BASE	0xffff0000U
#define CW_EXEC_REFUSED_ERRNO_MAX 4095
/* The AUDIT_ARCH_* values that tell them (linux/audit.h), and x32's syscall bit. */
#define CW_AUDIT_ARCH_I386	0x40000003U
#define CW_AUDIT_ARCH_X86_64	0xc000003eU
#define CW_AUDIT_ARCH_ARM	0x40000028U
#define CW_AUDIT_ARCH_AARCH64	0xc00000b7U
#define CW_X32_SYSCALL_BIT	0x40000000U

/* socket_rules: socket() by family, type and protocol; 0 in any is "any". */
struct cw_socket_key {
	__u32 policy;
	__u16 family;
	__u16 type;
	__u32 protocol;
};

/*
 * Two ring buffers: "events" carries the bulk (opens), "critical" carries
 * execs, connects and every record of a kernel verdict, so a flood of opens
 * can never crowd out what matters most.  In-kernel verdicts never depend
 * on either ring's state.
 */

/*
 * Losses of one cell: the value of the cell_loss map, keyed by the cell's
 * cgroup v2 id.  The rings are shared by every cell, so the global
 * counters below cannot say whose records were lost; these can.
 */
struct cw_cell_loss {
	__u64 bulk;		/* records of the cell the bulk ring refused, or its budget
				 * (CW_BULK_PER_SEC): opens that no rule of its policy could
				 * judge (telemetry; the run goes on) */
	__u64 critical;		/* records of the cell the critical ring refused: execs,
				 * lifecycle, network, watched syscalls, signals, verdicts and
				 * opens a userspace rule could judge.  The first one ends the
				 * run: the cell is doomed with CW_RULE_EVENTS_LOST */
};

/*
 * The rule id a cell is doomed with (map "doomed") when one of its
 * security-relevant records was lost: its verdict is unknown, so the run
 * ends (fail closed).  Never a real rule's id (those count from 1).
 */
#define CW_RULE_EVENTS_LOST 0xfffffffeU

/*
 * Which opens a userspace rule could judge, so that they travel in the
 * critical ring and their loss ends the run; plain opens stay in the bulk
 * ring, where a flood can only lose telemetry.
 *
 * open_watch (LPM trie, struct cw_path_key -> __u32, unused): per policy,
 * a prefix of every path a userspace-judged open rule could match (the
 * literal part of a glob up to its first wildcard, an exact path, a
 * prefix); an entry of prefixlen 32 (no path) covers every path.
 * Successful opens only: their path is the kernel's.
 *
 * policy_watch (hash, policy id -> __u32 CW_PW_*): what no path prefix
 * can say.
 */
#define CW_PW_FAILED_OPENS	(1U << 0)	/* the policy has open rules: a failed open's
						 * path is canonicalised and judged in
						 * userspace, so every failed open is critical */

/* Index of the per-CPU counters array, summed by userspace. */
enum cw_counter {
	CW_CNT_EVENTS = 0,	/* records submitted to either ring buffer */
	CW_CNT_DROPS = 1,	/* bulk records lost: the ring was full or the cell spent
				 * its budget */
	CW_CNT_KILLS = 2,	/* SIGKILLs sent by kernel rules */
	CW_CNT_DROPS_CRITICAL = 3, /* records lost because the critical ring was full */
	CW_CNT_FOLDED = 4,	/* plain opens folded into a struct cw_repeat_event */
	CW_CNT_MAX,
};

#endif /* CELLWATCH_H */
