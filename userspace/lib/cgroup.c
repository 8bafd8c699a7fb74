// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"

static bool is_cgroup2(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int cg2_mount_point(char *buf, size_t len)
{
	static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char line[4096];
	FILE *f;

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (is_cgroup2(candidates[i])) {
			snprintf(buf, len, "%s", candidates[i]);
			return 0;
		}
	}
	/* Elsewhere: the first cgroup2 entry of mountinfo. */
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], *sep = strstr(line, " - cgroup2 ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		fclose(f);
		return 0;
	}
	fclose(f);
	return -ENOENT;
}

static bool is_delegated(const char *dir)
{
	static const char *const marks[] = { "trusted.delegate", "user.delegate" };
	char val[8];

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		ssize_t n = getxattr(dir, marks[i], val, sizeof(val) - 1);

		if (n > 0) {
			val[n] = '\0';
			if (!strcmp(val, "1"))
				return true;
		}
	}
	return false;
}

int cg2_delegated(const char *root, char *buf, size_t len)
{
	char line[4096], dir[PATH_MAX], *end;
	size_t rlen = strlen(root);
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	/* The v2 line is "0::/path"; v1 hierarchies have a controller list. */
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "0::/", 4);
	fclose(f);
	if (!found)
		return -ENOENT;
	line[strcspn(line, "\n")] = '\0';
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", root, line + 3) >= sizeof(dir))
		return -ENAMETOOLONG;
	/*
	 * The caller's own cgroup, or its parent: the unit's cgroup when the
	 * unit's processes live in a leaf of their own (DelegateSubgroup=).
	 * Further up, the delegated subtree is another manager's (a user's
	 * systemd, whose units live below its own delegated cgroup), not the
	 * caller's.  The root itself is never delegated.
	 */
	for (int up = 0; up < 2 && strlen(dir) > rlen; up++) {
		if (is_delegated(dir)) {
			if ((size_t)snprintf(buf, len, "%s", dir) >= len)
				return -ENAMETOOLONG;
			return 0;
		}
		end = strrchr(dir, '/');
		if (!end)
			break;
		*end = '\0';
	}
	return -ENOENT;
}

int cg2_id(int fd, __u64 *id)
{
	struct stat st;

	/* kernfs uses the cgroup id as the directory's inode number on 64-bit. */
	if (fstat(fd, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

int cg2_level(const char *root, const char *path)
{
	size_t rlen = strlen(root);
	int level = 0;

	if (strncmp(root, path, rlen) || (path[rlen] != '/' && path[rlen] != '\0'))
		return -EINVAL;
	for (const char *p = path + rlen; *p; p++) {
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	}
	return level;
}

int cw_write_at(int dirfd, const char *file, const char *val)
{
	ssize_t n, len = strlen(val);
	int fd, err = 0;

	fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n != len)
		err = n < 0 ? -errno : -EIO;
	close(fd);
	return err;
}

/* Kernels before 5.14 have no cgroup.kill: signal each pid, repeat until empty. */
static int kill_procs(int dirfd)
{
	char line[32];
	int fd, killed;
	FILE *f;

	do {
		killed = 0;
		fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		f = fdopen(fd, "r");
		if (!f) {
			close(fd);
			return -errno;
		}
		while (fgets(line, sizeof(line), f)) {
			pid_t pid = atoi(line);

			if (pid > 0 && kill(pid, SIGKILL) == 0)
				killed++;
		}
		fclose(f);
	} while (killed);
	return 0;
}

int cg2_kill(int fd)
{
	int err = cw_write_at(fd, "cgroup.kill", "1");

	if (err == -ENOENT)
		return kill_procs(fd);
	return err;
}

/* Parse "populated" from an open cgroup.events; re-reading it re-arms POLLPRI. */
static int events_populated(int fd)
{
	char buf[256], *p;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	if (!p)
		return -EIO;
	return p[strlen("populated ")] == '1';
}

int cg2_populated(int dirfd)
{
	int fd, ret;

	fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = events_populated(fd);
	close(fd);
	return ret;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * cgroup.events raises POLLPRI when "populated" changes, but at most once
 * per CGROUP_FILE_NOTIFY_MIN_INTV (12 ms at HZ=250): the change that
 * follows the notice of a cell's start within that waits for the kernel's
 * timer.  A killed cell's last tasks are gone in a moment, so "populated"
 * is read again after 1 ms, then 2, 4, ... and on every notice: never more
 * than the wait so far is added to it.
 */
int cg2_wait_empty(int dirfd, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms, step = 1;
	struct pollfd pfd = { .events = POLLPRI };
	int ret;

	pfd.fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (pfd.fd < 0)
		return -errno;
	for (;;) {
		long long left;

		ret = events_populated(pfd.fd);
		if (ret <= 0)
			break;
		left = deadline - now_ms();
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		poll(&pfd, 1, left < step ? left : step);
		step *= 2;
	}
	close(pfd.fd);
	return ret;
}
