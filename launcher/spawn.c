// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Start the cell.  One clone3() creates every namespace and puts the child
 * in the cell's cgroup atomically (CLONE_INTO_CGROUP), so the monitor sees
 * it from its first instruction and there is no window in which it runs
 * outside.  The host side then maps uid/gid 65534, joins the v1 limit
 * cgroups on hybrid hosts, and lets the child go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

#include "cellrun.h"
#include "cgroup.h"

#define CELL_NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
		       CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

static pid_t clone_cell(int cgroup_fd, int *pidfd)
{
	struct clone_args args = {
		.flags = CELL_NS_FLAGS | CLONE_INTO_CGROUP | CLONE_PIDFD,
		.pidfd = (uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd,
	};

	return syscall(SYS_clone3, &args, sizeof(args));
}

static int write_proc(pid_t pid, const char *file, const char *val)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return cw_write_at(AT_FDCWD, path, val);
}

/*
 * Only uid and gid 65534 exist in the cell, mapped to the host's nobody:
 * a file the payload creates in /output belongs to nobody, and no id in the
 * cell is the host's root.
 */
static int map_ids(pid_t pid, char *err, size_t errlen)
{
	char map[64];
	int ret;

	snprintf(map, sizeof(map), "%d %d 1\n", CELL_UID, CELL_UID);
	ret = write_proc(pid, "uid_map", map);
	if (ret) {
		snprintf(err, errlen, "write uid_map: %s", strerror(-ret));
		return ret;
	}
	snprintf(map, sizeof(map), "%d %d 1\n", CELL_GID, CELL_GID);
	ret = write_proc(pid, "gid_map", map);
	if (ret)
		snprintf(err, errlen, "write gid_map: %s", strerror(-ret));
	return ret;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

static int open_pipes(struct cell_pipes *p, bool egress)
{
	int *all[] = { p->sync, p->ready, p->error, p->status, p->out, p->err };

	p->egress[0] = p->egress[1] = -1;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		all[i][0] = all[i][1] = -1;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (pipe2(all[i], O_CLOEXEC))
			return -errno;
	}
	/* A socket, not a pipe: the listener crosses it as a file descriptor. */
	if (egress && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->egress))
		return -errno;
	return 0;
}

/* Read the cell's report: nothing (EOF) once the payload was exec'd. */
static void read_error(struct spawn *s, int fd)
{
	ssize_t n, len = 0;

	do {
		n = read(fd, s->error + len, sizeof(s->error) - 1 - len);
		if (n > 0)
			len += n;
	} while ((n > 0 && len < (ssize_t)sizeof(s->error) - 1) || (n < 0 && errno == EINTR));
	s->error[len] = '\0';
	/* The first byte is the exit code the failure maps to. */
	if (len > 1) {
		s->exit_hint = (unsigned char)s->error[0];
		memmove(s->error, s->error + 1, len);
	} else {
		s->error[0] = '\0';
	}
}

/* Wait for the cell to be set up; false if it failed (its error pipe says why). */
static bool wait_ready(int fd)
{
	char byte;
	ssize_t n;

	do {
		n = read(fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1;
}

int spawn_cell(const struct cell *c, struct cellrun_opts *o, struct spawn *s,
	       int (*on_ready)(void *ctx), void *ctx)
{
	struct cell_pipes p;
	char go = 1;
	int ret;

	memset(s, 0, sizeof(*s));
	s->pidfd = s->out_fd = s->err_fd = s->status_fd = s->sync_fd = s->egress_fd = -1;
	ret = open_pipes(&p, o->nallow > 0);
	if (ret) {
		snprintf(s->error, sizeof(s->error), "pipe: %s", strerror(-ret));
		goto out;
	}
	s->pid = clone_cell(c->dir_fd, &s->pidfd);
	if (s->pid < 0) {
		ret = -errno;
		snprintf(s->error, sizeof(s->error), "clone3 into the cell: %s", strerror(-ret));
		goto out;
	}
	if (s->pid == 0)
		cell_init(o, &p);

	close(p.sync[0]);
	close(p.ready[1]);
	close(p.error[1]);
	close(p.status[1]);
	close(p.out[1]);
	close(p.err[1]);
	if (p.egress[1] >= 0)
		close(p.egress[1]);
	p.sync[0] = p.ready[1] = p.error[1] = p.status[1] = p.out[1] = p.err[1] = -1;
	p.egress[1] = -1;
	/* on_ready() receives the proxy's listener here. */
	s->egress_fd = p.egress[0];
	p.egress[0] = -1;

	ret = map_ids(s->pid, s->error, sizeof(s->error));
	if (!ret) {
		ret = limits_join_v1(c, s->pid);
		if (ret)
			snprintf(s->error, sizeof(s->error), "join v1 limit cgroups: %s",
				 strerror(-ret));
	}
	if (ret) {
		kill(s->pid, SIGKILL);
		goto out;
	}
	if (write(p.sync[1], &go, 1) != 1) {
		ret = -errno;
		snprintf(s->error, sizeof(s->error), "release the cell: %s", strerror(-ret));
		goto out;
	}
	if (wait_ready(p.ready[0])) {
		ret = on_ready(ctx);
		if (ret) {
			snprintf(s->error, sizeof(s->error), "cell ready, but: %s", strerror(-ret));
			kill(s->pid, SIGKILL);
			goto out;
		}
		if (write(p.sync[1], &go, 1) != 1) {
			ret = -errno;
			snprintf(s->error, sizeof(s->error), "start the payload: %s",
				 strerror(-ret));
			goto out;
		}
	}
	read_error(s, p.error[0]);
	s->sync_fd = p.sync[1];
	p.sync[1] = -1;
	s->out_fd = p.out[0];
	s->err_fd = p.err[0];
	s->status_fd = p.status[0];
	p.out[0] = p.err[0] = p.status[0] = -1;
	ret = s->error[0] ? -ECANCELED : 0;
out:
	close_pair(p.sync);
	close_pair(p.ready);
	close_pair(p.error);
	close_pair(p.status);
	close_pair(p.out);
	close_pair(p.err);
	close_pair(p.egress);
	return ret;
}
