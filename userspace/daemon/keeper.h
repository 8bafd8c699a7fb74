/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The link keeper: a process that holds BPF link fds the kernel would not
 * pin, so they stay attached when the daemon dies (keeper.c).
 */
#ifndef CW_KEEPER_H
#define CW_KEEPER_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#define CW_KEEPER_MAX_FDS 64	/* per message */

/* Start a keeper (`cellwatch link-keeper`); returns the socket to it, or negative errno. */
int cw_keeper_start(pid_t *pid);
/* Have the keeper hold dups of @fds under @id (0: tracing links, else a cell). */
int cw_keeper_hold(int sock, __u64 id, const int *fds, int n);
/* Have it close what it holds under @id. */
int cw_keeper_drop(int sock, __u64 id);
/*
 * The live link keeper whose pid the file at @path holds, or 0: checked to
 * be a keeper, so a pid reused since is never signalled.
 */
pid_t cw_keeper_of_pidfile(const char *path);
/* The keeper's side, on fd 3; never returns. */
int cw_keeper_main(void);

#endif /* CW_KEEPER_H */
