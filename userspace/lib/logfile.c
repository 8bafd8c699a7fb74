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

/*
 * Lines are held and written together, up to this many bytes: the caller
 * flushes after each slice of records it read, so none waits for a later
 * one.
 */
#define CW_LOG_BATCH	(64 * 1024)
/*
 * The page cache copies a write a page at a time and stops between pages
 * when the writer is killed: a write that crosses one page boundary of the
 * file can be cut at that boundary only.  The smallest page a kernel uses.
 */
#define CW_LOG_PAGE	4096

struct cw_logfile {
	char *path;
	struct cw_logfile_opts opts;
	int fd;
	size_t size;		/* bytes in the current file */
	char *batch;		/* whole lines held for the next write */
	size_t batched;
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
	lf->batch = malloc(CW_LOG_BATCH);
	err = lf->path && lf->batch ? open_current(lf) : -ENOMEM;
	if (err) {
		free(lf->batch);
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
	cw_logfile_flush(lf);
	if (lf->fd >= 0)
		close(lf->fd);
	free(lf->batch);
	free(lf->path);
	free(lf);
}

int cw_logfile_reopen(struct cw_logfile *lf)
{
	struct cw_logfile next = { .path = lf->path, .opts = lf->opts };
	int err = open_current(&next);

	if (err)
		return err;
	/* What was held belongs to the file it was written for. */
	cw_logfile_flush(lf);
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

unsigned int cw_logfile_write(struct cw_logfile *lf, json_t *doc)
{
	size_t len;
	char *line = cw_json_line(doc, &len);
	unsigned int lost;

	if (!line)
		return 1;
	lost = cw_logfile_write_line(lf, line, len);
	free(line);
	return lost;
}

/* The lines in @len bytes of @buf. */
static unsigned int count_lines(const char *buf, size_t len)
{
	unsigned int n = 0;

	for (const char *p = buf; (p = memchr(p, '\n', buf + len - p)); p++)
		n++;
	return n;
}

/*
 * One write of @len bytes of whole lines; the lines lost.  A short write
 * (the disk full) keeps the lines it wrote whole and cuts the one it left
 * half done: appended, that line ends the file.
 */
static unsigned int write_lines(struct cw_logfile *lf, const char *buf, size_t len)
{
	ssize_t n = write(lf->fd, buf, len);
	struct stat st;
	size_t whole;

	if (n == (ssize_t)len) {
		lf->size += len;
		return 0;
	}
	whole = n > 0 ? n : 0;
	while (whole && buf[whole - 1] != '\n')
		whole--;
	/* Appended, the partial line ends the file: no fstat() is paid before every write. */
	if (n > 0 && whole < (size_t)n &&
	    (fstat(lf->fd, &st) || ftruncate(lf->fd, st.st_size - (n - whole))))
		whole = 0;	/* nothing more is known of the file's end */
	lf->size += whole;
	return count_lines(buf + whole, len - whole);
}

/*
 * Where the write of @buf's lines that starts at file offset @pos ends: at
 * the end of the line that reaches or crosses the next page boundary.  So
 * a writer killed mid-write cuts at most that line, as when every line had
 * a write of its own, and a crash leaves a torn line about as rarely.
 */
static size_t page_write_end(const char *buf, size_t len, size_t pos)
{
	size_t room = CW_LOG_PAGE - pos % CW_LOG_PAGE;
	const char *nl;

	if (len <= room)
		return len;
	nl = memchr(buf + room - 1, '\n', len - (room - 1));
	return nl ? (size_t)(nl - buf) + 1 : len;
}

unsigned int cw_logfile_flush(struct cw_logfile *lf)
{
	unsigned int lost = 0;
	size_t off, n;

	for (off = 0; off < lf->batched && !lost; off += n) {
		n = page_write_end(lf->batch + off, lf->batched - off, lf->size);
		lost = write_lines(lf, lf->batch + off, n);
	}
	/* What a failed write left unwritten is lost with it. */
	if (off < lf->batched)
		lost += count_lines(lf->batch + off, lf->batched - off);
	lf->batched = 0;
	if (lf->opts.fsync && fsync(lf->fd) && !lost)
		lost = 1;
	return lost;
}

unsigned int cw_logfile_write_line(struct cw_logfile *lf, const char *line, size_t len)
{
	size_t pending = lf->size + lf->batched;
	unsigned int lost = 0;

	/* Rotate between lines, never inside one; a line longer than the limit gets a file. */
	if (lf->opts.max_bytes && pending && pending + len > lf->opts.max_bytes) {
		struct stat st;

		lost += cw_logfile_flush(lf);
		/* Truncated behind our back (logrotate's copytruncate): the file's size counts. */
		if (!fstat(lf->fd, &st) && (size_t)st.st_size < lf->size)
			lf->size = st.st_size;
		if (lf->size && lf->size + len > lf->opts.max_bytes && rotate(lf))
			return lost + 1;
	}
	if (lf->batched + len > CW_LOG_BATCH)
		lost += cw_logfile_flush(lf);
	if (len > CW_LOG_BATCH)
		return lost + write_lines(lf, line, len);
	memcpy(lf->batch + lf->batched, line, len);
	lf->batched += len;
	return lost;
}
