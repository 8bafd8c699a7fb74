// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --output: what the run leaves behind, bounded.  Bound straight into the
 * cell, the host directory would take as much as the run writes (--fsize
 * bounds one file, not their number) until the host's disk is full.  So
 * cellrun covers the directory with a tmpfs of --output-size, in a mount
 * namespace of its own (gone with cellrun, whatever kills it), the cell
 * writes there, and the files are copied to the directory when the run has
 * ended and nothing of the cell can change them any more.  The tmpfs's
 * pages are charged to the cell's memory limit as they are written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellrun.h"

#define MAX_DEPTH 32

int output_cover(const struct cellrun_opts *o, int *dir_fd, char *err, size_t errlen)
{
	char data[128];
	int fd, ret;

	*dir_fd = -1;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		ret = -errno;
		snprintf(err, errlen, "--output: a mount namespace for the tmpfs: %s", strerror(-ret));
		return ret;
	}
	fd = open(o->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "--output %s: %s", o->output, strerror(-ret));
		return ret;
	}
	snprintf(data, sizeof(data), "size=%llu,mode=0755,uid=%d,gid=%d",
		 (unsigned long long)o->output_bytes, CELL_UID, CELL_GID);
	if (mount("tmpfs", o->output, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data)) {
		ret = -errno;
		snprintf(err, errlen, "--output %s: mount a tmpfs of --output-size: %s", o->output,
			 strerror(-ret));
		close(fd);
		return ret;
	}
	*dir_fd = fd;
	return 0;
}

/* One regular file, by fd on both sides: no path the cell made is followed. */
static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
	int in, out, ret = 0;
	off_t off = 0;

	in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 0777);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while (off < st->st_size) {
		ssize_t n = sendfile(out, in, &off, st->st_size - off);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
	}
	/* Owned as if the cell had written it there, as it would have. */
	if (!ret && fchown(out, CELL_UID, CELL_GID))
		ret = -errno;
	close(in);
	close(out);
	return ret;
}

static int copy_tree(int src_dir, int dst_dir, char *path, size_t len, int depth);

static int copy_dir(int src_dir, int dst_dir, const char *name, const struct stat *st,
		    char *path, size_t len, int depth)
{
	int in, out, ret;

	if (depth == MAX_DEPTH)
		return -ELOOP;
	if (mkdirat(dst_dir, name, st->st_mode & 0777) && errno != EEXIST)
		return -errno;
	in = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ret = out < 0 || fchown(out, CELL_UID, CELL_GID) ? -errno : 0;
	if (!ret)
		ret = copy_tree(in, out, path, len, depth + 1);
	close(in);
	if (out >= 0)
		close(out);
	return ret;
}

/*
 * Directories and regular files; anything else is named and left behind.
 * @path holds the entry's path in the cell: on an error, the one that failed.
 */
static int copy_tree(int src_dir, int dst_dir, char *path, size_t len, int depth)
{
	int fd = dup(src_dir), ret = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while (!ret && (errno = 0, de = readdir(d))) {
		size_t n = len + snprintf(path + len, PATH_MAX - len, "/%s", de->d_name);
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n >= PATH_MAX)
			ret = -ENAMETOOLONG;
		else if (fstatat(src_dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			ret = -errno;
		else if (S_ISDIR(st.st_mode))
			ret = copy_dir(src_dir, dst_dir, de->d_name, &st, path, n, depth);
		else if (S_ISREG(st.st_mode))
			ret = copy_file(src_dir, dst_dir, de->d_name, &st);
		else
			fprintf(stderr, "cellrun: %s: not a regular file or directory: not copied\n",
				path);
	}
	if (!ret && errno)
		ret = -errno;
	if (!ret)
		path[len] = '\0';
	closedir(d);
	return ret;
}

int output_collect(const struct cellrun_opts *o, int dir_fd, char *path)
{
	int src, ret;

	strcpy(path, "/output");
	src = open(o->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return -errno;
	ret = copy_tree(src, dir_fd, path, strlen(path), 0);
	close(src);
	return ret;
}
