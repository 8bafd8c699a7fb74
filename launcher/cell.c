// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The cell's cgroup: one directory per run under <cgroup2>/cellwatch/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellrun.h"
#include "cgroup.h"

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

int cell_create(struct cell *c)
{
	char parent[sizeof(c->root) + 16];
	unsigned char rnd[6];
	int ret;

	c->dir_fd = -1;
	ret = cg2_mount_point(c->root, sizeof(c->root));
	if (ret)
		return ret;
	if ((size_t)snprintf(parent, sizeof(parent), "%s/%s", c->root, CELL_PARENT) >=
	    sizeof(parent) - 32)
		return -ENAMETOOLONG;
	if (mkdir(parent, 0755) && errno != EEXIST)
		return -errno;
	sweep_stale(parent);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	snprintf(c->path, sizeof(c->path), "%s/run-%d-%02x%02x%02x%02x%02x%02x", parent,
		 getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (mkdir(c->path, 0755))
		return -errno;
	c->dir_fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dir_fd < 0) {
		ret = -errno;
		rmdir(c->path);
		return ret;
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
