/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Folding of repeated plain opens (struct cw_repeat_event): a thread that
 * opens the same thing in a loop sends its first open and then a count.
 * A thread's opens are sequential, so its fold state, keyed by its tid,
 * is never updated from two CPUs at once: no repeat is miscounted.
 */
#ifndef CW_FOLD_BPF_H
#define CW_FOLD_BPF_H

#include "common.bpf.h"

struct fold_state {
	__u64 key;		/* fold key of the thread's last plain open */
	__u64 cell;
	__u64 first_ns;		/* of the first repeat not sent */
	__u64 last_ns;
	__u64 count;		/* repeats not sent yet */
};

/* Deleted when the thread execs or exits; never evicted, so no count is lost. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CW_FOLD_THREADS);
	__type(key, __u32);			/* thread id */
	__type(value, struct fold_state);
} folds SEC(".maps") __weak;

/* Send what @s has folded, if anything, as thread @tid's repeat record. */
static __always_inline void fold_flush(struct fold_state *s, __u32 tid)
{
	struct cw_repeat_event r;

	if (!s->count)
		return;
	fill_hdr(&r.hdr, CW_EVENT_REPEAT, s->cell);
	r.hdr.tid = tid;	/* an exec may have given the thread its leader's */
	r.hdr.ppid = BPF_CORE_READ(cw_current_task(), real_parent, tgid);
	r.fold_key = s->key;
	r.first_ns = s->first_ns;
	r.last_ns = s->last_ns;
	r.count = s->count;
	s->count = 0;
	/* One per record sent at most: outside the budget, never silent. */
	submit_bulk(&r, sizeof(r));
}

/* Thread @tid execs or exits: its repeats are sent, its state goes. */
static __always_inline void fold_end(__u32 tid)
{
	struct fold_state *s = bpf_map_lookup_elem(&folds, &tid);

	if (!s)
		return;
	fold_flush(s, tid);
	bpf_map_delete_elem(&folds, &tid);
}

/*
 * Fold the plain open in the scratch buffer if it repeats its thread's
 * last one: 1 when it need not be sent.  A global function (fold.bpf.c),
 * verified once rather than on every path of the open handler.
 */
extern int cw_fold_open(void);

#endif /* CW_FOLD_BPF_H */
