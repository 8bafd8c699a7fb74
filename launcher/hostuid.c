// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cell's uid on the host.  The kernel charges the per-user quotas a
 * cell spends (inotify instances, queued signals, POSIX message queues,
 * locked memory, processes, namespaces) to the owner of its user namespace
 * at the host's level.  Owned by root, every cell would spend root's, and
 * one cell holding them all would starve root and every other cell.  So
 * each cell's user namespace is created by a host uid of its own, from a
 * range no account uses, and the cell's uid 65534 maps to it.  A uid is
 * claimed with a lock on a file of its own, held for the run: no two
 * running cells share one, and a killed cellrun frees its uid.
 *
 * The range: --uid-range FIRST:COUNT, else the "cellwatch" entry of
 * /etc/subuid, else HOST_UID_FIRST:HOST_UID_COUNT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellrun.h"
#include "files.h"

#define SUBUID		"/etc/subuid"
#define UID_LOCKS	"/run/cellwatch/uids"

/* The "cellwatch" line of /etc/subuid: 1 found, 0 none, negative errno with @err. */
static int subuid_range(struct cellrun_opts *o, char *err, size_t errlen)
{
	char line[256];
	int n = 0, ret = 0;
	FILE *f = fopen(SUBUID, "re");

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, SUBUID ": %s", strerror(errno));
		return -errno;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		unsigned long first, count;
		char name[64], rest;

		n++;
		if (strncmp(line, "cellwatch:", 10))
			continue;
		if (sscanf(line, "%63[^:]:%lu:%lu %c", name, &first, &count, &rest) != 3) {
			snprintf(err, errlen, SUBUID ":%d: not NAME:FIRST:COUNT", n);
			ret = -EINVAL;
			break;
		}
		o->uid_first = first;
		o->uid_count = count;
		ret = host_uid_range_check(first, count, err, errlen);
		if (ret) {
			size_t len = strlen(err);

			snprintf(err + len, errlen - len, " (" SUBUID ":%d)", n);
		} else {
			ret = 1;
		}
	}
	fclose(f);
	return ret;
}

int host_uid_range(struct cellrun_opts *o, char *err, size_t errlen)
{
	int ret;

	if (o->uid_count)
		return 0;
	ret = subuid_range(o, err, errlen);
	if (ret)
		return ret < 0 ? ret : 0;
	o->uid_first = HOST_UID_FIRST;
	o->uid_count = HOST_UID_COUNT;
	return 0;
}

/* Hold @uid's lock file: its fd, -EWOULDBLOCK when a running cell has it, or negative errno. */
static int try_uid(unsigned long uid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), UID_LOCKS "/%lu", uid);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int host_uid_claim(const struct cellrun_opts *o, struct cell *c, char *err, size_t errlen)
{
	/* Spread over the range, so a claim rarely meets a held lock first. */
	unsigned long start = ((unsigned long)getpid() * 2654435761UL) % o->uid_count;
	int ret = cw_make_dirs(UID_LOCKS, 0700);

	c->uid_lock_fd = -1;
	if (ret) {
		snprintf(err, errlen, "%s: %s", UID_LOCKS, strerror(-ret));
		return ret;
	}
	for (unsigned long i = 0; i < o->uid_count; i++) {
		unsigned long uid = o->uid_first + (start + i) % o->uid_count;
		int fd = try_uid(uid);

		if (fd >= 0) {
			c->host_uid = uid;
			c->uid_lock_fd = fd;
			return 0;
		}
		if (fd != -EWOULDBLOCK) {
			snprintf(err, errlen, UID_LOCKS "/%lu: %s", uid, strerror(-fd));
			return fd;
		}
	}
	snprintf(err, errlen, "every uid of the range %u:%u is a running cell's",
		 o->uid_first, o->uid_count);
	return -EAGAIN;
}

void host_uid_release(struct cell *c)
{
	if (c->uid_lock_fd >= 0)
		close(c->uid_lock_fd);
	c->uid_lock_fd = -1;
}
