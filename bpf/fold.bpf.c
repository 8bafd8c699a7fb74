// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Folding of repeated plain opens: see fold.bpf.h. */
#include "fold.bpf.h"

/*
 * Seeds the fold key, so that a payload cannot choose two paths that
 * fold into one: it never learns the seed.  Set by the loader.
 */
const volatile __u64 cw_fold_seed = 0;

static __always_inline __u64 fold_mix(__u64 h, __u64 word)
{
	h ^= word;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

struct fold_hash {
	struct cw_open_event *e;
	__u32 len;
	__u64 h;
};

/* One word of the path. */
static __always_inline long fold_path_word(__u64 i, struct fold_hash *c)
{
	__u32 off = i * 8;

	if (off >= c->len)
		return 1;
	/* Indexed as words, so the compiler knows each is aligned: one load, not eight. */
	c->h = fold_mix(c->h, ((const __u64 *)c->e->path)[(off & (CW_PATH_MAX - 8)) / 8]);
	return 0;
}

/* What makes two opens the same: every field userspace reports, the path whole. */
static __always_inline __u64 fold_key(struct cw_open_event *e)
{
	struct fold_hash c = { .e = e };
	__u32 len = e->path_len + e->base_len;

	/*
	 * The clamped length goes through the record and back (its key is
	 * written last): read from a map, it is one unknown to the verifier,
	 * which so walks the loops below once, not also for the clamped value.
	 */
	e->fold_key = len > CW_PATH_MAX ? CW_PATH_MAX : len;
	c.len = *(volatile __u64 *)&e->fold_key;
	/* The record ends at len: the stale bytes of its last word are zeroed. */
	for (__u32 k = 0; k < 7; k++) {
		__u32 i = c.len + k;

		if (!(i & 7))
			break;
		e->path[i & (CW_PATH_MAX - 1)] = '\0';
	}
	c.h = fold_mix(cw_fold_seed, e->dev);
	c.h = fold_mix(c.h, e->ino);
	c.h = fold_mix(c.h, (__u64)e->flags << 32 | (__u32)e->ret);
	c.h = fold_mix(c.h, (__u64)e->path_len << 32 | e->base_len);
	c.h = fold_mix(c.h, (__u64)e->hdr.flags << 32 | e->base);
	/* A bounded loop, not bpf_loop() (Linux 5.17): it also runs faster. */
	for (__u32 i = 0; i < CW_PATH_MAX / 8; i++) {
		if (fold_path_word(i, &c))
			break;
	}
	return c.h ?: 1;
}

/*
 * A fold ends after CW_FOLD_WINDOW_NS, so a loop that never stops still
 * reports twice a second.
 */
__noinline int cw_fold_open(void)
{
	struct cw_scratch_buf *buf = get_scratch();
	struct cw_open_event *e;
	struct fold_state *s;
	__u64 now;
	__u32 tid;

	if (!buf)
		return 0;
	e = &buf->ev.open;
	tid = e->hdr.tid;
	now = e->hdr.ts_boot_ns;
	e->fold_key = fold_key(e);
	s = bpf_map_lookup_elem(&folds, &tid);
	if (!s) {
		struct fold_state fresh = { .key = e->fold_key, .cell = e->hdr.cell_id };

		/* Full: this thread sends every open, as before folding. */
		bpf_map_update_elem(&folds, &tid, &fresh, BPF_NOEXIST);
		return 0;
	}
	if (s->key == e->fold_key && s->cell == e->hdr.cell_id &&
	    (!s->count || now - s->first_ns < CW_FOLD_WINDOW_NS)) {
		if (!s->count)
			s->first_ns = now;
		s->last_ns = now;
		s->count++;
		count(CW_CNT_FOLDED);
		return 1;
	}
	fold_flush(s, tid);
	s->key = e->fold_key;
	s->cell = e->hdr.cell_id;
	return 0;
}

