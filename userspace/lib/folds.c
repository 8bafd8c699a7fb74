// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "folds.h"

/*
 * One slot per thread, by tid: bounded, whatever the cells do.  A thread
 * whose slot another took gets its count reported without the path.
 */
#define FOLD_SLOTS 1024

#define OPEN_FIXED offsetof(struct cw_open_event, path)

struct fold_slot {
	__u64 cell;
	__u32 tid;
	__u64 key;
	unsigned char open[OPEN_FIXED];	/* the open's record up to its path */
	char *text;			/* its path, NUL, and its requested string */
	size_t cap;
};

struct cw_folds {
	struct fold_slot slot[FOLD_SLOTS];
};

struct cw_folds *cw_folds_new(void)
{
	return calloc(1, sizeof(struct cw_folds));
}

void cw_folds_free(struct cw_folds *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < FOLD_SLOTS; i++)
		free(f->slot[i].text);
	free(f);
}

static struct fold_slot *slot_of(struct cw_folds *f, __u32 tid)
{
	return &f->slot[(tid * 2654435761U) % FOLD_SLOTS];
}

void cw_folds_note(struct cw_folds *f, const struct cw_event *ev)
{
	struct fold_slot *s = slot_of(f, ev->hdr.tid);
	size_t path = strlen(ev->open.path) + 1, req = strlen(ev->requested) + 1;

	if (path + req > s->cap) {
		char *text = realloc(s->text, path + req);

		if (!text) {
			s->key = 0;	/* its repeats go without the path */
			return;
		}
		s->text = text;
		s->cap = path + req;
	}
	memcpy(s->text, ev->open.path, path);
	memcpy(s->text + path, ev->requested, req);
	memcpy(s->open, &ev->open, OPEN_FIXED);
	s->cell = ev->hdr.cell_id;
	s->tid = ev->hdr.tid;
	s->key = ev->open.fold_key;
}

bool cw_folds_expand(struct cw_folds *f, struct cw_event *ev)
{
	const struct cw_repeat_event rep = ev->rep;
	struct fold_slot *s = slot_of(f, rep.hdr.tid);
	size_t path;

	ev->repeats = rep.count;
	ev->repeat_first_ns = rep.first_ns;
	if (!s->key || s->key != rep.fold_key || s->tid != rep.hdr.tid ||
	    s->cell != rep.hdr.cell_id)
		return false;
	memcpy(&ev->open, s->open, OPEN_FIXED);
	path = strlen(s->text) + 1;
	memcpy(ev->open.path, s->text, path);
	strcpy(ev->requested, s->text + path);
	ev->hdr.ts_boot_ns = rep.last_ns;
	return true;
}
