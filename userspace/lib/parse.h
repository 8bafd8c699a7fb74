/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Numbers as every command line and profile of the project spells them,
 * so that "--ringbuf 8M" means one thing to cellwatch, its daemon and
 * cellrun.
 */
#ifndef CW_PARSE_H
#define CW_PARSE_H

#include <stdbool.h>

/*
 * A size in bytes: decimal digits, then K, M or G (powers of 1024; "KiB",
 * "MB" are read alike).  In [1, @max].  0, or -EINVAL (not a size) or
 * -ERANGE (0 or past @max).
 */
int cw_parse_size(const char *s, unsigned long long max, unsigned long long *out);

/* A count: decimal digits alone, in [@min, @max].  0, -EINVAL or -ERANGE. */
int cw_parse_count(const char *s, unsigned long long min, unsigned long long max,
		   unsigned long long *out);

/*
 * The same for option @opt of a command line: false, said on stderr with
 * the option and its bounds, when @s is not one.
 */
bool cw_opt_size(const char *opt, const char *s, unsigned long long max, unsigned long long *out);
bool cw_opt_count(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *out);

/*
 * What every command's parse_args() returns: 0 to run, CW_ARGS_HELPED
 * after --help was printed (the command exits 0), else the exit status (2:
 * a malformed command line, said on stderr).
 */
#define CW_ARGS_HELPED	(-1)

#endif /* CW_PARSE_H */
