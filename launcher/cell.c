// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cell's cgroup: one directory per run under the cells' parent,
 * <cgroup2>/cellwatch/ unless told or delegated otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellrun.h"
#include "cgroup.h"
#include "log.h"

#define CELL_PARENT "cellwatch"
#define CELL_EMPTY_TIMEOUT_MS 5000

/*
 * A cellrun killed with SIGKILL cannot remove its cell: its init died with
 * it (PR_SET_PDEATHSIG), leaving empty directories.  Remove those of dead
 * cellruns, here and in the v1 hierarchies.  A live or reused pid keeps its
 * directory; a populated cell is never touched.
 */
static void sweep_stale(const char *parent)
{
	static const char *const v1[] = { "memory", "pids", "cpu" };
	struct dirent *de;
	DIR *d = opendir(parent);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[600];
		int pid, fd;

		if (sscanf(de->d_name, "run-%d-", &pid) != 1 || pid <= 0 ||
		    !(kill(pid, 0) && errno == ESRCH))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (cg2_populated(fd) == 0 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0) {
			for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
				snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cellwatch/%s", v1[i],
					 de->d_name);
				rmdir(path);
			}
		}
		close(fd);
	}
	closedir(d);
}

/*
 * @path's real name in @real if it is a cgroup below the root (0); 1 if it
 * is missing but its parent is the root or a cgroup below it; -EXDEV if it
 * lies elsewhere, or negative errno.
 */
static int below_root(const struct cell *c, const char *path, char *real)
{
	char dir[PATH_MAX], *slash;

	if (realpath(path, real))
		return cg2_level(c->root, real) >= 1 ? 0 : -EXDEV;
	if (errno != ENOENT)
		return -errno;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (!slash)
		return -EXDEV;
	if (!realpath(slash == dir ? "/" : dir, real))
		return -errno;
	return cg2_level(c->root, real) >= 0 ? 1 : -EXDEV;
}

/*
 * Where the cells go: @want (--cgroup-parent, or the daemon's), else
 * cellwatch/ in the subtree a service manager delegated to cellrun, else
 * cellwatch/ at the root.  Created if missing; it must lie below the root.
 */
static int cell_parent(struct cell *c, const char *want, char *parent, size_t len,
		       char *err, size_t errlen)
{
	char path[PATH_MAX], real[PATH_MAX];
	int n, ret;

	if (want)
		n = snprintf(path, sizeof(path), "%s", want);
	else if (!cg2_delegated(c->root, real, sizeof(real)))
		n = snprintf(path, sizeof(path), "%s/" CELL_PARENT, real);
	else
		n = snprintf(path, sizeof(path), "%s/" CELL_PARENT, c->root);
	if ((size_t)n >= sizeof(path))
		return cw_fail(-ENAMETOOLONG, err, errlen, "%.200s...: too long", path);
	/* Where it is (or would be) first: never a directory outside the hierarchy. */
	ret = below_root(c, path, real);
	if (ret == 1) {
		if (mkdir(path, 0755) && errno != EEXIST)
			return cw_fail(-errno, err, errlen, "create %s: %s", path, strerror(errno));
		ret = below_root(c, path, real);
	}
	if (ret == -EXDEV)
		return cw_fail(-EINVAL, err, errlen, "%s: not a cgroup below %s", path, c->root);
	if (ret)
		return cw_fail(ret, err, errlen, "%s: %s", path, strerror(-ret));
	if ((size_t)snprintf(parent, len, "%s", real) >= len)
		return cw_fail(-ENAMETOOLONG, err, errlen, "%s: too long", real);
	return 0;
}

int cell_create(struct cell *c, const char *want, char *err, size_t errlen)
{
	char parent[sizeof(c->path) - 64];	/* room for "/run-PID-" and 12 hex digits */
	unsigned char rnd[6];
	int ret;

	c->dir_fd = -1;
	ret = cg2_mount_point(c->root, sizeof(c->root));
	if (ret)
		return cw_fail(ret, err, errlen, "no cgroup v2 hierarchy mounted");
	ret = cell_parent(c, want, parent, sizeof(parent), err, errlen);
	if (ret)
		return ret;
	sweep_stale(parent);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return cw_fail(-EIO, err, errlen, "getrandom: %s", strerror(EIO));
	snprintf(c->path, sizeof(c->path), "%s/run-%d-%02x%02x%02x%02x%02x%02x", parent,
		 getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (mkdir(c->path, 0755))
		return cw_fail(-errno, err, errlen, "create %s: %s", c->path, strerror(errno));
	c->dir_fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dir_fd < 0) {
		ret = -errno;
		rmdir(c->path);
		return cw_fail(ret, err, errlen, "open %s: %s", c->path, strerror(-ret));
	}
	c->level = cg2_level(c->root, c->path);
	return 0;
}

int cell_destroy(struct cell *c)
{
	int ret;

	if (c->dir_fd < 0)
		return 0;
	ret = cg2_kill(c->dir_fd);
	if (!ret)
		ret = cg2_wait_empty(c->dir_fd, CELL_EMPTY_TIMEOUT_MS);
	close(c->dir_fd);
	c->dir_fd = -1;
	if (rmdir(c->path) && !ret)
		ret = -errno;
	return ret;
}
