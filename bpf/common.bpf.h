/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * State shared by every program group.  Each bpf/<group>.bpf.c includes this
 * header; the maps and globals are __weak so that the static linker
 * (bpftool gen object) merges the identical definitions into one object.
 */
#ifndef CW_COMMON_BPF_H
#define CW_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "cellwatch.h"
#include "compat.bpf.h"

#define SIGKILL 9
#define CW_SIGSEGV	11
#define CW_SIGSYS	31

/* File types of i_mode (vmlinux.h has no macros). */
#define CW_S_IFMT	0170000
#define CW_S_IFSOCK	0140000
#define CW_S_IFBLK	0060000
#define CW_S_IFDIR	0040000
#define CW_S_IFCHR	0020000

/*
 * Depth of cell cgroups in the cgroup v2 hierarchy (root is 0).  All cells
 * are children of one parent, so "is this task in a cell?" is a single
 * ancestor lookup whatever the task's own depth.
 */
const volatile __u32 cw_cell_level __weak = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_CELLS);
	__type(key, __u64);			/* cgroup v2 id */
	__type(value, struct cw_cell);
} cells SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);		/* resized by the loader */
} events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
} critical SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps") __weak;

/*
 * Scratch space for records too large for the BPF stack.  Per CPU: a
 * program does not migrate while it runs.
 */
union cw_scratch {
	struct cw_event_hdr hdr;
	struct cw_exec_event exec;
	struct cw_open_event open;
	struct cw_net_event net;
};

/*
 * Where the last components of the path resolve_path() built lie, for the
 * glob matcher (glob.bpf.h), which so matches the string userspace sees.
 */
#define CW_PATH_PARTS	(CW_GLOB_DEPTH + 1)
struct cw_path_parts {
	__u32 n;			/* components, counted up to CW_PATH_PARTS; more
					 * (or a truncated path): CW_PATH_PARTS */
	__u32 base;			/* where the string starts in cw_scratch_buf.path */
	__u16 slash[CW_PATH_PARTS];	/* the '/' before each in cw_scratch_buf.path,
					 * the last component first */
};

/* The names an exec is judged by (cw_exec_name_flags(), exec.bpf.c). */
struct cw_exec_names {
	char file[CW_NAME_MAX];		/* the binary's dentry name */
	char path[16];			/* the start of the path the caller gave */
};

/*
 * A path walk in progress (path.bpf.h).  Kernel pointers are kept as
 * integers: the step reads them with probes.
 */
struct cw_path_walk {
	__u64 dentry;
	__u64 vfsmnt;
	__u32 off;		/* the string starts at path[off] */
	__u32 truncated;
};

struct cw_scratch_buf {
	union cw_scratch ev;
	struct cw_path_walk walk;	/* of the path being resolved */
	char path[2 * CW_PATH_MAX];	/* path built backwards from the middle */
	char args[2 * CW_ARGS_MAX];	/* a refused exec's argv, from the caller */
	struct cw_path_parts parts;	/* of the last path resolved */
	struct cw_exec_names names;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cw_scratch_buf);
} scratch SEC(".maps") __weak;

static __always_inline void count(enum cw_counter idx)
{
	__u32 key = idx;
	__u64 *val = bpf_map_lookup_elem(&counters, &key);

	if (val)
		*val += 1;
}

/*
 * Which loaded instance acts.  A restarted daemon loads its programs with
 * the next generation and attaches them while its predecessor's still run
 * (held by pins or the link keeper); they stay inert until it flips the
 * pinned generation, at once, so no event is seen twice and none missed.
 * A monitor that does not pin has its own map, at 0, and acts at once.
 */
const volatile __u32 cw_generation __weak = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} generation SEC(".maps") __weak;

static __always_inline bool active_instance(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&generation, &zero);

	return g && *g == cw_generation;
}

/*
 * Set by userspace where tracing programs may not call
 * bpf_get_current_ancestor_cgroup_id() (Linux 5.10 allows it only to
 * cgroup programs, which always may: cgroup.bpf.c defines CW_CGROUP_PROGS).
 */
const volatile bool cw_walk_cgroup __weak = false;

/* The id of the current task's cgroup at the cells' depth, 0 above it. */
static __always_inline __u64 current_cell_cgroup(void)
{
#ifndef CW_CGROUP_PROGS
	struct cgroup *cgrp;

	if (cw_walk_cgroup) {
		cgrp = BPF_CORE_READ(cw_current_task(), cgroups, dfl_cgrp);
		if (!cgrp || BPF_CORE_READ(cgrp, level) < (int)cw_cell_level)
			return 0;
		return cgroup_ancestor_id(cgrp, cw_cell_level & 0xff);
	}
#endif
	return bpf_get_current_ancestor_cgroup_id(cw_cell_level);
}

/* The current task's cell entry and id, or NULL. */
static __always_inline struct cw_cell *current_cell_entry(__u64 *id)
{
	*id = 0;
	if (!active_instance())
		return NULL;
	*id = current_cell_cgroup();
	return *id ? bpf_map_lookup_elem(&cells, id) : NULL;
}

/* The cell the current task runs in, or 0.  Must be the first check of every program. */
static __always_inline __u64 current_cell(void)
{
	__u64 id;

	return current_cell_entry(&id) ? id : 0;
}

/* The cell a task runs in (its cgroup's ancestor at the cells' depth), 0 if none. */
static __always_inline __u64 task_cell(struct task_struct *task)
{
	struct cgroup *cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	__u64 id;

	if (!cgrp || BPF_CORE_READ(cgrp, level) < (int)cw_cell_level || !active_instance())
		return 0;
	id = cgroup_ancestor_id(cgrp, cw_cell_level & 0xff);
	return bpf_map_lookup_elem(&cells, &id) ? id : 0;
}

static __always_inline struct cw_scratch_buf *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Fields of the header every hook can fill; ppid needs a task pointer. */
static __always_inline void fill_hdr(struct cw_event_hdr *hdr, __u32 type, __u64 cell)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	hdr->type = type;
	hdr->flags = 0;
	hdr->ts_boot_ns = bpf_ktime_get_boot_ns();
	hdr->cell_id = cell;
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->ppid = 0;
	hdr->uid = (__u32)uid_gid;
	hdr->gid = uid_gid >> 32;
	hdr->rule_id = 0;
	hdr->action = CW_ACTION_NONE;
	hdr->euid = BPF_CORE_READ(cw_current_task(), cred, euid.val);
	hdr->layer = CW_LAYER_NONE;
	hdr->start_ticks = BPF_CORE_READ(cw_current_task(), group_leader,
					 start_boottime) / (1000000000ULL / CW_USER_HZ);
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

/*
 * Cells a kill-run verdict has ended, and by which rule.  A run that reached
 * for a shell or a secret is compromised as a whole: until userspace's
 * cgroup.kill has emptied the cell, every task of it dies at the next hook
 * it passes (exec, fork, a watched syscall; refused at the LSM and cgroup
 * hooks), so none can act on what the offender set up.  Userspace dooms a
 * cell too when one of its own rules kills the run, and forgets the cell
 * when it goes; LRU, so a cell forgotten otherwise cannot crowd out a new one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CW_MAX_CELLS);
	__type(key, __u64);			/* cgroup v2 id */
	__type(value, __u32);			/* rule id that ended the run */
} doomed SEC(".maps") __weak;

/* Carry out a kernel rule's verdict on the current task of @cell: kill where it says so. */
static __always_inline void enforce(const struct cw_verdict *v, __u64 cell)
{
	if (v->action == CW_ACTION_KILL_RUN)
		bpf_map_update_elem(&doomed, &cell, &v->rule_id, BPF_NOEXIST);
	if (v->action == CW_ACTION_KILL || v->action == CW_ACTION_KILL_RUN) {
		bpf_send_signal(SIGKILL);
		count(CW_CNT_KILLS);
	}
}

/* Was @cell's run ended?  Then the current task, one of its own, dies too. */
static __always_inline bool reap_doomed(__u64 cell)
{
	if (!bpf_map_lookup_elem(&doomed, &cell))
		return false;
	bpf_send_signal(SIGKILL);
	count(CW_CNT_KILLS);
	return true;
}

/* Record a verdict in an event's header; an earlier LSM verdict stays. */
static __always_inline void mark(struct cw_event_hdr *hdr, const struct cw_verdict *v)
{
	if (hdr->layer == CW_LAYER_LSM)
		return;
	hdr->rule_id = v->rule_id;
	hdr->action = v->action;
	hdr->layer = CW_LAYER_TRACEPOINT;
}

/*
 * Verdicts the LSM programs took for the current task's syscall in
 * progress, so its exit event names the LSM as the deciding layer.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);			/* pid_tgid */
	__type(value, struct cw_verdict);
} lsm_verdicts SEC(".maps") __weak;

/* At a syscall's exit: did an LSM program decide it?  Marks @hdr if so. */
static __always_inline bool take_lsm_verdict(struct cw_event_hdr *hdr)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct cw_verdict *v = bpf_map_lookup_elem(&lsm_verdicts, &key);

	if (!v)
		return false;
	hdr->rule_id = v->rule_id;
	hdr->action = v->action;
	hdr->layer = CW_LAYER_LSM;
	bpf_map_delete_elem(&lsm_verdicts, &key);
	return true;
}

/* The struct file behind the current task's @fd, or NULL. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = cw_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if ((unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Records each cell lost (struct cw_cell_loss); userspace removes a cell's entry with it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_MAX_CELLS);
	__type(key, __u64);			/* cgroup v2 id */
	__type(value, struct cw_cell_loss);
} cell_loss SEC(".maps") __weak;

/* @cell's loss counters, created at its first loss; NULL only when the map is full. */
static __always_inline struct cw_cell_loss *cell_loss_entry(__u64 cell)
{
	static const struct cw_cell_loss zero;	/* read-only data, not the crowded stack */
	struct cw_cell_loss *loss = bpf_map_lookup_elem(&cell_loss, &cell);

	if (loss)
		return loss;
	bpf_map_update_elem(&cell_loss, &cell, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&cell_loss, &cell);
}

/*
 * A security-relevant record of @cell is lost: nobody will judge what it
 * reported, so the run ends as a kill-run would end it.  The current task
 * (almost always the one that caused the record) dies now; the others at
 * their next hook, and userspace empties the cell when it reads the loss.
 */
static __always_inline void doom_for_loss(__u64 cell)
{
	__u32 rule = CW_RULE_EVENTS_LOST;

	bpf_map_update_elem(&doomed, &cell, &rule, BPF_NOEXIST);
	if (current_cell_cgroup() == cell) {
		bpf_send_signal(SIGKILL);
		count(CW_CNT_KILLS);
	}
}

/*
 * A ring refused @ev: counted globally and for its cell (every record
 * starts with struct cw_event_hdr), never silent.  Losing a critical
 * record ends the cell's run.
 */
static __always_inline void lose(void *ev, bool critical)
{
	__u64 cell = ((struct cw_event_hdr *)ev)->cell_id;
	struct cw_cell_loss *loss;

	count(critical ? CW_CNT_DROPS_CRITICAL : CW_CNT_DROPS);
	if (!cell)
		return;
	loss = cell_loss_entry(cell);
	if (loss && critical)
		__sync_fetch_and_add(&loss->critical, 1);
	else if (loss)
		__sync_fetch_and_add(&loss->bulk, 1);
	if (critical)
		doom_for_loss(cell);
}

/* A cell's bulk records in the current second (CW_BULK_PER_SEC). */
struct bulk_window {
	__u64 second;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);			/* cell id */
	__type(value, struct bulk_window);
} bulk_budget SEC(".maps") __weak;

/*
 * Within @cell's budget for this second?  Racy across CPUs by a few
 * records at a window's turn, which a budget can afford.
 */
static __always_inline bool within_budget(__u64 cell)
{
	__u64 second = bpf_ktime_get_boot_ns() / 1000000000ULL;
	struct bulk_window *w = bpf_map_lookup_elem(&bulk_budget, &cell);

	if (!w) {
		struct bulk_window fresh = { .second = second, .count = 1 };

		bpf_map_update_elem(&bulk_budget, &cell, &fresh, BPF_ANY);
		return true;
	}
	if (w->second != second) {
		w->second = second;
		w->count = 0;
	}
	/* Add, then read: an atomic that returns the old value needs Linux 5.12. */
	__sync_fetch_and_add(&w->count, 1);
	return w->count <= CW_BULK_PER_SEC;
}

/* Bulk bytes waiting that make the kernel wake the consumer (the loader's: a quarter ring). */
const volatile __u64 cw_bulk_wakeup_bytes __weak = 0;

/*
 * Opens are telemetry: a wakeup per record (the ring's adaptive default
 * when the consumer keeps up) cost the traced process two thirds of its
 * speed.  The consumers read the bulk ring on a tick of their own; the
 * kernel wakes them early only once a quarter of the ring waits.
 */
static __always_inline __u64 bulk_wakeup(void)
{
	if (!cw_bulk_wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cw_bulk_wakeup_bytes ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Copy a record into the bulk ring buffer, or count its loss. */
static __always_inline void submit_bulk(void *ev, __u64 size)
{
	if (bpf_ringbuf_output(&events, ev, size, bulk_wakeup())) {
		lose(ev, false);
		return;
	}
	count(CW_CNT_EVENTS);
}

/* The same within the cell's budget: opens no rule could judge. */
static __always_inline void submit(void *ev, __u64 size)
{
	if (!within_budget(((struct cw_event_hdr *)ev)->cell_id)) {
		lose(ev, false);
		return;
	}
	submit_bulk(ev, size);
}

/*
 * The same into the ring that plain opens cannot fill: execs, connects,
 * verdicts, whatever a rule judges.  Its loss is fail-closed (lose()).
 */
static __always_inline void submit_critical(void *ev, __u64 size)
{
	if (bpf_ringbuf_output(&critical, ev, size, 0)) {
		lose(ev, true);
		return;
	}
	count(CW_CNT_EVENTS);
}

#endif /* CW_COMMON_BPF_H */
