// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "ecs.h"

struct cw_logfile {
	char *path;
	struct cw_logfile_opts opts;
	int fd;
	size_t size;		/* bytes in the current file */
};

/* Where the last whole line of @fd ends (0: none), looking back from @size. */
static off_t last_line_end(int fd, off_t size)
{
	char buf[4096];

	while (size > 0) {
		size_t n = size < (off_t)sizeof(buf) ? (size_t)size : sizeof(buf);

		if (pread(fd, buf, n, size - n) != (ssize_t)n)
			return -1;
		for (size_t i = n; i > 0; i--) {
			if (buf[i - 1] == '\n')
				return size - n + i;
		}
		size -= n;
	}
	return 0;
}

/* Cut a partial last line, the trace of a write a crash interrupted. */
static int drop_partial_line(struct cw_logfile *lf)
{
	off_t end;
	char last;

	if (!lf->size || pread(lf->fd, &last, 1, lf->size - 1) != 1 || last == '\n')
		return 0;
	end = last_line_end(lf->fd, lf->size);
	if (end < 0 || ftruncate(lf->fd, end))
		return -errno;
	cw_warn("%s: removed a partial last line (%zu bytes) that a crash "
		"left", lf->path, lf->size - (size_t)end);
	lf->size = end;
	return 0;
}

static int open_current(struct cw_logfile *lf)
{
	int err = 0;
	struct stat st;

	lf->fd = open(lf->path, (lf->opts.sole_writer ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND |
		      O_CLOEXEC, 0640);
	if (lf->fd < 0)
		return -errno;
	if (fstat(lf->fd, &st))
		err = -errno;
	else
		lf->size = st.st_size;
	if (!err && lf->opts.sole_writer)
		err = drop_partial_line(lf);
	if (err) {
		close(lf->fd);
		lf->fd = -1;
	}
	return err;
}

struct cw_logfile *cw_logfile_open(const char *path, const struct cw_logfile_opts *opts)
{
	struct cw_logfile *lf = calloc(1, sizeof(*lf));
	int err;

	if (!lf)
		return NULL;
	lf->opts = *opts;
	lf->path = strdup(path);
	if (!lf->path) {
		free(lf);
		errno = ENOMEM;
		return NULL;
	}
	err = open_current(lf);
	if (err) {
		free(lf->path);
		free(lf);
		errno = -err;
		return NULL;
	}
	return lf;
}

void cw_logfile_close(struct cw_logfile *lf)
{
	if (!lf)
		return;
	if (lf->fd >= 0)
		close(lf->fd);
	free(lf->path);
	free(lf);
}

int cw_logfile_reopen(struct cw_logfile *lf)
{
	struct cw_logfile next = { .path = lf->path, .opts = lf->opts };
	int err = open_current(&next);

	if (err)
		return err;
	close(lf->fd);
	lf->fd = next.fd;
	lf->size = next.size;
	return 0;
}

/* FILE.keep is dropped, every other FILE.i moves up one, FILE becomes FILE.1. */
static int rotate(struct cw_logfile *lf)
{
	size_t len = strlen(lf->path) + 16;
	char *from = malloc(len), *to = malloc(len);
	int err = 0;

	if (!from || !to) {
		err = -ENOMEM;
		goto out;
	}
	if (lf->opts.keep == 0) {
		if (unlink(lf->path) && errno != ENOENT)
			err = -errno;
	} else {
		for (unsigned int i = lf->opts.keep; i >= 1 && !err; i--) {
			if (i == 1)
				snprintf(from, len, "%s", lf->path);
			else
				snprintf(from, len, "%s.%u", lf->path, i - 1);
			snprintf(to, len, "%s.%u", lf->path, i);
			if (rename(from, to) && errno != ENOENT)
				err = -errno;
		}
	}
	if (!err) {
		close(lf->fd);
		err = open_current(lf);
	}
out:
	free(from);
	free(to);
	return err;
}

int cw_logfile_write(struct cw_logfile *lf, json_t *doc)
{
	size_t len;
	char *line = cw_json_line(doc, &len);
	int err;

	if (!line)
		return -ENOMEM;
	err = cw_logfile_write_line(lf, line, len);
	free(line);
	return err;
}

int cw_logfile_write_line(struct cw_logfile *lf, const char *line, size_t len)
{
	int err;

	/* Rotate between lines, never inside one; a line longer than the limit gets a file. */
	if (lf->opts.max_bytes && lf->size && lf->size + len > lf->opts.max_bytes) {
		struct stat st;

		/* Truncated behind our back (logrotate's copytruncate): the file's size counts. */
		if (!fstat(lf->fd, &st) && (size_t)st.st_size < lf->size)
			lf->size = st.st_size;
	}
	if (lf->opts.max_bytes && lf->size && lf->size + len > lf->opts.max_bytes) {
		err = rotate(lf);
		if (err)
			return err;
	}
	err = cw_write_line(lf->fd, line, len);
	if (err)
		return err;
	lf->size += len;
	if (lf->opts.fsync && fsync(lf->fd))
		return -errno;
	return 0;
}
