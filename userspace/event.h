/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decoding of ring buffer records into validated, self-contained events. */
#ifndef CW_EVENT_H
#define CW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "cellwatch.h"

struct cw_rule;

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
	};
	__u64 realtime_ns;		/* hdr.ts_boot_ns on the wall clock */
	const struct cw_rule *rule;	/* rule that fired, NULL if none */
	const char *layer;		/* who decided: "kernel", "userspace", NULL */
	__u64 kill_latency_ns;		/* syscall to kill, when a rule killed */
	/* Executables of the parent, grandparent, ... (NULL where unknown), from the process tree. */
	const char *ancestry[CW_ANCESTRY_MAX];
	int nancestry;
};

/* Validate and copy @size bytes at @data into @ev.  0 or -EINVAL. */
int cw_event_decode(struct cw_event *ev, const void *data, size_t size);

/* The path of an exec or open event. */
const char *cw_event_path(const struct cw_event *ev);

/*
 * Iterate over the NUL-separated argv of an exec event:
 *	for (const char *a = NULL; (a = cw_exec_next_arg(ev, a)); )
 */
const char *cw_exec_next_arg(const struct cw_event *ev, const char *prev);

#endif /* CW_EVENT_H */
