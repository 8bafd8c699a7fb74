/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Each cell's process tree, kept from fork, exec and exit events, so every
 * event can name its process's ancestors' executables.
 */
#ifndef CW_PROCTREE_H
#define CW_PROCTREE_H

#include <linux/types.h>
#include "event.h"

struct cw_proctree;

struct cw_proctree *cw_proctree_new(void);
void cw_proctree_free(struct cw_proctree *t);

/* Apply @ev (fork, exec, exit) and fill its ancestry (ev->ancestry, ev->nancestry). */
void cw_proctree_update(struct cw_proctree *t, struct cw_event *ev);

#endif /* CW_PROCTREE_H */
