/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Messages on stderr, one line each, "PROGRAM: message": the program's
 * name is set once by its main(), so library code (the monitor inside
 * cellrun, the log writer inside the daemon) speaks as the program it is in.
 */
#ifndef CW_LOG_H
#define CW_LOG_H

#include <stddef.h>
#include <stdnoreturn.h>

/* "cellwatch" until set. */
void cw_log_program(const char *name);
const char *cw_log_name(void);
/*
 * Say @place ("cellwatch.conf:3:9") after the program's name in every
 * message until it is set back to NULL: options read from a file reuse
 * the command line's checks, whose messages then name the line.
 */
void cw_log_where(const char *place);

/* The message and a newline; errno is as it was for "%m". */
void cw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, then exit(@status). */
noreturn void cw_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write the message into @err (NULL or 0 bytes: nowhere), then return @ret. */
int cw_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* CW_LOG_H */
