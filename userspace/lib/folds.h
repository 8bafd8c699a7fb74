/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The opens that repeat records (struct cw_repeat_event) refer to: the
 * kernel sends a thread's first open and then only a count, so the monitor
 * keeps each folding thread's last plain open to report the count with.
 */
#ifndef CW_FOLDS_H
#define CW_FOLDS_H

#include <stdbool.h>
#include "event.h"

struct cw_folds;

struct cw_folds *cw_folds_new(void);
void cw_folds_free(struct cw_folds *f);

/* Keep plain open @ev (open.fold_key set), which a repeat record may name later. */
void cw_folds_note(struct cw_folds *f, const struct cw_event *ev);

/*
 * Turn repeat record @ev into the open it repeats, standing for
 * ev->repeats of them.  False when that open is not known (lost, or
 * crowded out of the table): @ev stays the bare count.
 */
bool cw_folds_expand(struct cw_folds *f, struct cw_event *ev);

#endif /* CW_FOLDS_H */
