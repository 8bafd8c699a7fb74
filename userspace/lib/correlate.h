/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Correlation groups (the rule key "correlate", rules/README.md): rules
 * that name the same group count together, per cell, as distinct
 * signals; the group fires when it has seen "distinct" of them within
 * "seconds", once per window.  One signal is what a match acted on (the
 * program run, the file opened, the syscall), or the rule's "signal"
 * label for all its matches.
 */
#ifndef CW_CORRELATE_H
#define CW_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct cw_event;
struct cw_rule;

#define CW_CORR_SIGNALS_MAX	16	/* distinct signals a group counts to (the limit of "distinct") */
#define CW_CORR_SIGNAL_LEN	96	/* bytes kept of a signal's name */

/* A group that fired: the signals seen in its window, first seen first. */
struct cw_correlation {
	const char *group;
	__u32 seconds;
	size_t nsignals;
	char signals[CW_CORR_SIGNALS_MAX][CW_CORR_SIGNAL_LEN];
};

struct cw_corr_table;

struct cw_corr_table *cw_corr_new(void);
void cw_corr_free(struct cw_corr_table *t);

/* Forget the groups of one cell (0: of every cell) of @policy (0: any policy). */
void cw_corr_forget(struct cw_corr_table *t, __u32 policy, __u64 cell);

/* The signal a match of @r on @ev counts as: its label, else "exec id", "open /proc/<pid>/x" */
void cw_corr_signal(const struct cw_rule *r, const struct cw_event *ev, char *buf, size_t len);

/*
 * Record a match of @r (which has a "correlate") on @ev in its cell.
 * True when this match completes the group's distinct signals within its
 * window: @out then says which, and the group starts a quiet window.
 */
bool cw_corr_note(struct cw_corr_table *t, __u32 policy, const struct cw_rule *r,
		  const struct cw_event *ev, struct cw_correlation *out);

#endif /* CW_CORRELATE_H */
