/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The monitor: loads the BPF side, registers cells, installs the compiled
 * rules and delivers decoded events.  Used embedded by cellrun and by the
 * cellwatch command.
 */
#ifndef CW_MONITOR_H
#define CW_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "event.h"
#include "rules.h"

struct cw_monitor;

/*
 * Called for every decoded event from cw_monitor_poll(): the critical ring's first, each
 * ring in order.
 */
typedef void (*cw_event_fn)(void *ctx, const struct cw_event *ev);

#define CW_RINGBUF_MAX	(1ULL << 30)	/* bytes of either ring */

struct cw_monitor_opts {
	__u32 cell_level;		/* depth of cell cgroups below the v2 root */
	size_t ringbuf_bytes;		/* bulk ring: power of two, >= page size, at most
					 * CW_RINGBUF_MAX; 0: default */
	size_t critical_ringbuf_bytes;	/* critical ring, likewise; 0: default (2 MiB) */
	struct cw_ruleset *rules;	/* policy 1, compiled at load; may be NULL */
	cw_event_fn on_event;
	/* After each slice of records read: what on_event held can be written. */
	void (*on_slice_end)(void *ctx);
	void *ctx;
	bool verbose;			/* pass libbpf's messages through */
	bool generic_syscalls;		/* use the generic sys_exit program even
					 * with tracefs */
	bool no_lsm;			/* do not use BPF-LSM even where it works */
	/*
	 * A bpffs directory: maps, tracing links and each cell's hooks are
	 * pinned there, so the kernel keeps enforcing when the process dies,
	 * and a later monitor with the same directory takes them over.
	 */
	const char *pin_dir;
};

struct cw_stats {
	__u64 events;			/* records the kernel submitted */
	__u64 drops;			/* records the kernel lost: a ring buffer full */
	__u64 drops_critical;		/* of which from the critical ring (execs, verdicts) */
	__u64 folded;			/* plain opens counted in a repeat record, not sent */
	__u64 kills;			/* kills by rules: kernel SIGKILLs and
					 * userspace kills */
	__u64 decode_errors;		/* malformed records userspace refused */
};

/*
 * Load and attach the tracing programs.  On failure returns negative errno
 * and a message in @err; nothing stays loaded.
 */
int cw_monitor_open(struct cw_monitor **out, const struct cw_monitor_opts *opts,
		    char *err, size_t errlen);
void cw_monitor_close(struct cw_monitor *m);

/*
 * A rule set becomes a policy: compiled into the kernel under a new id
 * (opts.rules is policy 1).  @rs must outlive the policy.
 */
int cw_monitor_add_policy(struct cw_monitor *m, struct cw_ruleset *rs, __u32 *id,
			  char *err, size_t errlen);

/*
 * Reload: compile @rs as a new policy, switch every cell of @old to it, drop
 * @old.  On error the old rules stay in force and nothing changed.
 */
int cw_monitor_replace_policy(struct cw_monitor *m, __u32 old, struct cw_ruleset *rs,
			      __u32 *id, char *err, size_t errlen);

/* Move every cell of policy @old to policy @new, then drop @old. */
int cw_monitor_switch_policy(struct cw_monitor *m, __u32 old, __u32 new);

/* Drop a policy no cell runs (a reload that failed half way). */
void cw_monitor_drop_policy(struct cw_monitor *m, __u32 id);

/*
 * Start watching the cgroup open at @cgroup_fd as a cell running @policy
 * (0: none), with the network verdicts @net_policy (CW_NETPOL_*).
 */
int cw_monitor_add_cell(struct cw_monitor *m, int cgroup_fd, __u32 policy, __u32 net_policy,
			__u64 *cell_id);
/*
 * Keep every cell hook attached to the empty cgroup at @cgroup_fd while
 * the monitor lives.  The kernel switches a cgroup hook type on with its
 * first program and off with its last, patching its code on every CPU
 * each time: with one always attached, a cell's hooks come and go without
 * (0.3 ms of each registration on the development machine).
 */
int cw_monitor_hold_cell_hooks(struct cw_monitor *m, int cgroup_fd);

/*
 * Stop watching a cell: its hooks, pins and kernel entry go.  Also for a
 * cell only the kernel still knows (registered by an earlier monitor).
 */
int cw_monitor_remove_cell(struct cw_monitor *m, __u64 cell_id);

/*
 * Take over a cell an earlier monitor registered with the same pin
 * directory: its pinned hooks are kept, it runs @policy from now on.
 * -ENOENT when the kernel does not know the cell.
 */
int cw_monitor_adopt_cell(struct cw_monitor *m, int cgroup_fd, __u32 policy, __u64 *cell_id);

/* Cells in the kernel's map, ours or an earlier monitor's: up to @max ids, returns the count. */
int cw_monitor_kernel_cells(struct cw_monitor *m, __u64 *ids, int max);

/*
 * Drop the compiled rules of every policy an earlier monitor left (ids
 * below this monitor's first), once its cells were adopted or removed.
 */
void cw_monitor_purge_old_policies(struct cw_monitor *m);

/*
 * Links the kernel refused to pin (some kernels do, for tracing links):
 * the tracing ones for @cell_id 0, else the cell's hooks.  Their fds, for a
 * process that holds them so they outlive this one; returns the count.
 */
int cw_monitor_unpinned_links(struct cw_monitor *m, __u64 cell_id, int *fds, int max);

/*
 * Make this monitor's programs the ones that act, in one map update: until
 * then a pinning monitor's programs are attached but inert, and an earlier
 * monitor's (held by pins or the link keeper) still act.
 */
int cw_monitor_activate(struct cw_monitor *m);

/* Remove every pin: the kernel stops enforcing when this monitor closes. */
void cw_monitor_unpin(struct cw_monitor *m);

/*
 * The rings: bulk records (opens no rule judges) and critical ones (every
 * record a rule judges, hence every alert).
 */
enum cw_ring { CW_RING_BULK, CW_RING_CRITICAL, CW_RINGS };

/* Bytes waiting in the two rings (by enum cw_ring) and their sizes. */
void cw_monitor_ring_fill(struct cw_monitor *m, __u64 used[CW_RINGS], __u64 size[CW_RINGS]);

/* An fd that becomes readable when events are pending (for epoll). */
int cw_monitor_fd(struct cw_monitor *m);

/*
 * Deliver pending events, waiting up to @timeout_ms (at most
 * CW_MONITOR_TICK_MS for the bulk ring's sake).  Returns the count or
 * negative errno.
 */
int cw_monitor_poll(struct cw_monitor *m, int timeout_ms);

/* Deliver every event already in the ring buffer without waiting. */
int cw_monitor_drain(struct cw_monitor *m);

/*
 * Deliver a bounded slice of each ring (the critical one first) and return,
 * so a caller with other work (a daemon's clients) is never held by a
 * flood.  The fd of cw_monitor_fd() stays readable while records wait.
 */
int cw_monitor_consume(struct cw_monitor *m);

/*
 * The bulk ring wakes its reader only once a quarter of it is full
 * (batched wakeups): a consumer also reads the rings at least this often,
 * which bounds how late a plain open is logged.
 */
#define CW_MONITOR_TICK_MS	200

/* Where the rings' producers stand: every record reserved so far lies before it. */
struct cw_ring_mark {
	__u64 pos[CW_RINGS];
	bool known[CW_RINGS];
};

void cw_monitor_ring_mark(struct cw_monitor *m, struct cw_ring_mark *mark);

/* Has every record of @ring before @mark been delivered? */
bool cw_monitor_delivered(struct cw_monitor *m, const struct cw_ring_mark *mark,
			  enum cw_ring ring);

int cw_monitor_stats(struct cw_monitor *m, struct cw_stats *st);

/* Events lost since the last call (0: none); *total: lost since the start. */
__u64 cw_monitor_new_drops(struct cw_monitor *m, __u64 *total);

/*
 * Called for a cell whose records were lost since the last report: @fresh
 * since then, @total since the cell was registered.  total->critical != 0:
 * its run was ended (doomed in the kernel, cgroup.kill from here).
 */
typedef void (*cw_loss_fn)(void *ctx, __u64 cell_id, const struct cw_cell_loss *fresh,
			   const struct cw_cell_loss *total);

/*
 * Report the losses of cell @cell_id (0: of every cell) not reported yet,
 * and end each run that lost a security-relevant (critical) record.  Call
 * it before cw_monitor_remove_cell(), which forgets the cell's counts.
 */
void cw_monitor_cell_losses(struct cw_monitor *m, __u64 cell_id, cw_loss_fn fn, void *ctx);

/* The losses of cell @cell_id so far (zero when none): 0 or -errno. */
int cw_monitor_cell_loss(struct cw_monitor *m, __u64 cell_id, struct cw_cell_loss *loss);

/* With pinned counters: the losses an earlier monitor already reported. */
void cw_monitor_drops_reported(struct cw_monitor *m, __u64 total);

/* Is the BPF-LSM backend active?  If not, *why says why. */
bool cw_monitor_lsm(const struct cw_monitor *m, const char **why);

/* The syscall hooks in use: "syscall tracepoints" or "generic sys_exit". */
const char *cw_monitor_backend(const struct cw_monitor *m);

/* The tracing and LSM programs attached now. */
int cw_monitor_attached(const struct cw_monitor *m);

/*
 * The cgroup programs each cell gets, by name, space-separated in @buf;
 * how many.
 */
int cw_monitor_cell_hooks(const struct cw_monitor *m, char *buf, size_t len);

/* Wall-clock nanoseconds now, on the same clock as struct cw_event.realtime_ns. */
__u64 cw_realtime_ns(void);

#endif /* CW_MONITOR_H */
