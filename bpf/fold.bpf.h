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

/*
 * Seeds the fold key, so that a payload cannot choose two paths that
 * fold into one: it never learns the seed.  Set by the loader.
 */
const volatile __u64 cw_fold_seed __weak = 0;

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

static __always_inline __u64 fold_mix(__u64 h, __u64 word)
{
	h ^= word;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* What makes two opens the same: every field userspace reports, the path whole. */
static __always_inline __u64 fold_key(struct cw_open_event *e)
{
	__u32 len = (e->path_len + e->base_len) & (CW_PATH_MAX - 1);
	__u64 h = cw_fold_seed;

	/* The record ends at len: the stale bytes of its last word are zeroed. */
	for (__u32 i = len; i < ((len + 7) & ~7U); i++)
		e->path[i & (CW_PATH_MAX - 1)] = '\0';
	h = fold_mix(h, e->dev);
	h = fold_mix(h, e->ino);
	h = fold_mix(h, (__u64)e->flags << 32 | (__u32)e->ret);
	h = fold_mix(h, (__u64)e->path_len << 32 | e->base_len);
	h = fold_mix(h, (__u64)e->hdr.flags << 32 | e->base);
	for (__u32 off = 0; off < CW_PATH_MAX; off += 8) {
		if (off >= len)
			break;
		h = fold_mix(h, *(__u64 *)&e->path[off]);
	}
	return h ?: 1;
}

/* Send what @s has folded, if anything, as thread @tid's repeat record. */
static __always_inline void fold_flush(struct fold_state *s, __u32 tid)
{
	struct cw_repeat_event r;

	if (!s->count)
		return;
	fill_hdr(&r.hdr, CW_EVENT_REPEAT, s->cell);
	r.hdr.tid = tid;	/* an exec may have given the thread its leader's */
	r.hdr.ppid = BPF_CORE_READ(bpf_get_current_task_btf(), real_parent, tgid);
	r.fold_key = s->key;
	r.first_ns = s->first_ns;
	r.last_ns = s->last_ns;
	r.count = s->count;
	s->count = 0;
	/* One per record sent at most: outside the budget, never silent. */
	submit_bulk(&r, sizeof(r));
}

/*
 * Fold plain open @e if it repeats its thread's last one: true when it
 * need not be sent.  A fold ends after CW_FOLD_WINDOW_NS, so a loop that
 * never stops still reports twice a second.
 */
static __always_inline bool fold_repeat(struct cw_open_event *e)
{
	__u32 tid = e->hdr.tid;
	__u64 now = e->hdr.ts_boot_ns;
	struct fold_state *s;

	e->fold_key = fold_key(e);
	s = bpf_map_lookup_elem(&folds, &tid);
	if (!s) {
		struct fold_state fresh = { .key = e->fold_key, .cell = e->hdr.cell_id };

		/* Full: this thread sends every open, as before folding. */
		bpf_map_update_elem(&folds, &tid, &fresh, BPF_NOEXIST);
		return false;
	}
	if (s->key == e->fold_key && s->cell == e->hdr.cell_id &&
	    (!s->count || now - s->first_ns < CW_FOLD_WINDOW_NS)) {
		if (!s->count)
			s->first_ns = now;
		s->last_ns = now;
		s->count++;
		count(CW_CNT_FOLDED);
		return true;
	}
	fold_flush(s, tid);
	s->key = e->fold_key;
	s->cell = e->hdr.cell_id;
	return false;
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

#endif /* CW_FOLD_BPF_H */
