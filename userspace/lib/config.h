/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A command's options from a file (the daemon's cellwatch.conf): one
 * "name = value" a line, the names being the command's long options, '#'
 * at the start of a line making it a comment.  Each value goes through the
 * code that takes it from the command line, so both are checked alike, and
 * a message about one names its file:line:column.
 */
#ifndef CW_CONFIG_H
#define CW_CONFIG_H

#include <getopt.h>

struct cw_config;

/* Take option @val with @arg (NULL for a flag): 0, or nonzero once refused and said. */
typedef int (*cw_config_take_fn)(void *ctx, int val, const char *arg);

/*
 * Read @path and hand each of its settings, in order, to @take; names are
 * looked up in @opts, and @refused (NULL-ended) lists the long options a
 * file may not set (--help, --config itself).  A flag's value is yes or
 * no (true/false, 1/0); no leaves its default.  The values point into *@out,
 * which stays until cw_config_free().
 *
 * 0; -ENOENT when @path does not exist (nothing said); else -EINVAL, said
 * on stderr as "FILE:LINE:COLUMN: ..." (or the error of reading it).
 */
int cw_config_read(struct cw_config **out, const char *path, const struct option *opts,
		   const char *const *refused, cw_config_take_fn take, void *ctx);
void cw_config_free(struct cw_config *c);

#endif /* CW_CONFIG_H */
