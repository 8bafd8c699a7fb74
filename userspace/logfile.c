// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfile.h"
#include "output.h"

struct cw_logfile {
	char *path;
	struct cw_logfile_opts opts;
	int fd;
	size_t size;		/* bytes in the current file */
};

static int open_current(struct cw_logfile *lf)
{
	struct stat st;

	lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (lf->fd < 0)
		return -errno;
	if (fstat(lf->fd, &st)) {
		int err = -errno;

		close(lf->fd);
		lf->fd = -1;
		return err;
	}
	lf->size = st.st_size;
	return 0;
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
	char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t len;
	int err;

	if (!text)
		return -ENOMEM;
	len = strlen(text) + 1;
	free(text);
	/* Rotate between lines, never inside one; a line longer than the limit gets a file. */
	if (lf->opts.max_bytes && lf->size && lf->size + len > lf->opts.max_bytes) {
		err = rotate(lf);
		if (err)
			return err;
	}
	err = cw_write_json_line(lf->fd, doc);
	if (err)
		return err;
	lf->size += len;
	if (lf->opts.fsync && fsync(lf->fd))
		return -errno;
	return 0;
}
