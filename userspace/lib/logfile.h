/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The JSON-lines log file: O_APPEND, whole lines held and written together
 * until the caller flushes, rotated by size (FILE -> FILE.1 -> ... ->
 * FILE.N, the oldest removed), optionally fsync'd after every write.
 */
#ifndef CW_LOGFILE_H
#define CW_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct cw_logfile;

#define CW_LOG_KEEP_MAX	1000	/* rotated files a log may keep */

struct cw_logfile_opts {
	size_t max_bytes;	/* rotate before a line would pass this; 0: never */
	unsigned int keep;	/* rotated files kept (FILE.1 .. FILE.keep) */
	bool fsync;		/* fsync after every write */
	/*
	 * The file is this writer's alone: a partial last line (a crash cut
	 * its write) is removed when it opens, saying so, rather than have
	 * the next line glued to it.
	 */
	bool sole_writer;
};

/* Open (create) @path for appending.  NULL with errno set on failure. */
struct cw_logfile *cw_logfile_open(const char *path, const struct cw_logfile_opts *opts);
void cw_logfile_close(struct cw_logfile *lf);

/*
 * Open @path again, for an outside rotation (logrotate moved the file):
 * new lines go to a new file of that name.  On failure the old file stays
 * in use.  0 or negative errno.
 */
int cw_logfile_reopen(struct cw_logfile *lf);

/*
 * Hold a line cw_json_line() made (@len counts its newline) for the next
 * write, rotating first if it would not fit in the file; a full batch is
 * written first.  The lines lost by a write that failed, 0 if none.
 */
unsigned int cw_logfile_write_line(struct cw_logfile *lf, const char *line, size_t len);

/* The same for @doc, as one line. */
unsigned int cw_logfile_write(struct cw_logfile *lf, json_t *doc);

/* Write every line held, whole lines only; the lines lost, 0 if none. */
unsigned int cw_logfile_flush(struct cw_logfile *lf);

#endif /* CW_LOGFILE_H */
