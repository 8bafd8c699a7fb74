/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small file helpers shared by the monitor and the daemon. */
#ifndef CW_FILES_H
#define CW_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p: missing parents 0755, @path itself @mode.  0 or negative errno. */
int cw_make_dirs(const char *path, mode_t mode);

/* Write @text to @path whole or not at all: a 0600 temporary, renamed over it. */
int cw_write_file(const char *path, const char *text);

/* The first line of @path, without its newline, in @buf; "" when unreadable. */
void cw_read_line(const char *path, char *buf, size_t len);

/*
 * The whole of @path, NUL-terminated, its length in *@len (free() it).
 * NULL with errno set: the open's, EFBIG past @max bytes, EIO.
 */
char *cw_read_text(const char *path, size_t max, size_t *len);

#endif /* CW_FILES_H */
