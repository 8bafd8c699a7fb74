/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decoding of ring buffer records into validated, self-contained events. */
#ifndef CW_EVENT_H
#define CW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "cellwatch.h"

struct cw_rule;
struct cw_correlation;

#define CW_ANCESTRY_MAX 4	/* parent, grandparent, ... reported per event */

/*
 * A record copied out of the ring buffer and checked: every string is
 * NUL-terminated inside its buffer and every length is within bounds.
 */
struct cw_event {
	union {
		struct cw_event_hdr hdr;
		struct cw_exec_event exec;
		struct cw_open_event open;
		struct cw_net_event net;
		struct cw_proc_event proc;
		struct cw_syscall_event sys;
		struct cw_signal_event sig;
		struct cw_repeat_event rep;	/* whose open the monitor no longer knows */
	};
	__u64 realtime_ns;		/* hdr.ts_boot_ns on the wall clock */
	/*
	 * An open that stands for its repeats (struct cw_repeat_event): how
	 * many, and the wall-clock time of the first; hdr.ts_boot_ns is the last.
	 */
	__u64 repeats;
	__u64 repeat_first_ns;
	const struct cw_rule *rule;	/* rule that fired, NULL if none */
	const char *layer;		/* who decided: "kernel", "userspace", NULL */
	/* The rule's correlation group and the signals it saw, when a "correlate" fired. */
	const struct cw_correlation *correlation;
	__u64 kill_latency_ns;		/* syscall to kill, when a rule killed */
	__u64 eval_ns;			/* time the rule engine spent on it */
	/*
	 * Executables of the parent, grandparent, ... (NULL where unknown), from
	 * the process tree.
	 */
	const char *ancestry[CW_ANCESTRY_MAX];
	int nancestry;
	/*
	 * A failed open: the record's path[] as the kernel sent it, the
	 * caller's string (then the base directory, open.base_len bytes),
	 * while open.path holds the canonical path (userspace/lib/paths.h) that
	 * rules match.  Empty for every other event.
	 */
	char requested[CW_PATH_MAX];
};

/*
 * Validate and copy @size bytes at @data into @ev.  0 or -EINVAL.  A failed
 * open's path is made canonical here, once, for the rules and every output.
 */
int cw_event_decode(struct cw_event *ev, const void *data, size_t size);

/* The path of an exec or open event; a failed open's is canonical (userspace/lib/paths.h). */
const char *cw_event_path(const struct cw_event *ev);

/* The string a failed open's caller passed, NULL for any other event. */
const char *cw_event_requested(const struct cw_event *ev);

/*
 * Iterate over the NUL-separated argv of an exec event:
 *	for (const char *a = NULL; (a = cw_exec_next_arg(ev, a)); )
 */
const char *cw_exec_next_arg(const struct cw_event *ev, const char *prev);

/*
 * Values as the log and the rules name them.  A table ends with a NULL name;
 * for the bit sets (open flags, how a binary was executed) value is the bit.
 */
struct cw_name {
	int value;
	const char *name;
};

extern const struct cw_name cw_net_family_names[];	/* AF_* */
extern const struct cw_name cw_socket_type_names[];	/* SOCK_* */
extern const struct cw_name cw_ip_protocol_names[];	/* IPPROTO_* (inet families) */
extern const struct cw_name cw_net_op_names[];		/* enum cw_net_op */
extern const struct cw_name cw_open_flag_names[];	/* bits of cw_open_access() */
extern const struct cw_name cw_exec_how_names[];	/* bits of cw_exec_how() */
extern const struct cw_name cw_abi_names[];		/* bits of cw_syscall_abi() */
extern const struct cw_name cw_outcome_names[];

/*
 * The errno name of a failed syscall's return value ("ENOENT"), NULL when
 * @ret is no error number (the kernel's are -4095..-1).
 */
const char *cw_errno_name(long long ret);
/* The errno an E* name stands for (1..255), or -ENOENT. */
int cw_errno_number(const char *name);

/* The name of @value in @t, NULL when it has none. */
const char *cw_name_of(const struct cw_name *t, int value);
/* The value named @name in @t: 0, or -ENOENT. */
int cw_value_of(const struct cw_name *t, const char *name, int *value);

#define CW_OPEN_READ	(1U << 0)
#define CW_OPEN_WRITE	(1U << 1)
#define CW_OPEN_CREATE	(1U << 2)
#define CW_OPEN_TRUNC	(1U << 3)
/* What an open asks for, from its O_* flags. */
unsigned int cw_open_access(__u32 open_flags);

#define CW_HOW_MEMFD	(1U << 0)
#define CW_HOW_DELETED	(1U << 1)
#define CW_HOW_FD	(1U << 2)
#define CW_HOW_LOADER	(1U << 3)
#define CW_HOW_MAPPED	(1U << 4)
/*
 * How an exec event's binary was reached: the kernel's flags, and the
 * dynamic loader run as a program ("ld-linux-x86-64.so.2 ./tool"), which
 * executes a file exec never saw.
 */
unsigned int cw_exec_how(const struct cw_event *ev);

#define CW_ABI_I386	(1U << 0)	/* int 0x80 or sysenter from an x86-64 process */
#define CW_ABI_X32	(1U << 1)
#define CW_ABI_ARM	(1U << 2)	/* AArch32 from an arm64 process */
/* The foreign ABI of a syscall event's call (0: the native one). */
unsigned int cw_syscall_abi(const struct cw_event *ev);
/* A syscall event's syscall name, in its ABI's table (free it), or NULL. */
char *cw_syscall_name(const struct cw_event *ev);

#endif /* CW_EVENT_H */
