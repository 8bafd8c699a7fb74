// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Start the cell.  One clone3() creates every namespace and puts the child
 * in the cell's cgroup atomically (CLONE_INTO_CGROUP), so the monitor sees
 * it from its first instruction and there is no window in which it runs
 * outside.  It is made under the cell's host uid, which so owns the user
 * namespace (hostuid.c).  The host side then maps uid/gid 65534 to that
 * uid, makes memfds non-executable in the cell and lets the child go on.
 * On hybrid hosts the cell is born in its v1 limit cgroups too: cellrun's
 * thread clones it from inside them (limits_enter_v1()).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>
#include <linux/securebits.h>

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

/*
 * clone3 with @uid as this thread's effective uid, which makes it the new
 * user namespace's owner.  The file system uid stays 0, so the cell's init
 * opens its bind sources as before (rootfs_open_sources()), and
 * SECBIT_NO_SETUID_FIXUP keeps the capabilities CLONE_INTO_CGROUP needs.
 * Raw syscalls: this thread only, not glibc's every-thread setxid.  Both
 * are back as they were before anything else runs here; if they cannot
 * be, cellrun cannot go on as itself.
 */
static pid_t clone_cell_as(uid_t uid, int cgroup_fd, int *pidfd)
{
	int bits = prctl(PR_GET_SECUREBITS), err;
	pid_t pid;

	if (bits < 0 || prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP))
		return -1;
	if (syscall(SYS_setresuid, -1, uid, -1)) {
		err = errno;
		prctl(PR_SET_SECUREBITS, bits);
		errno = err;
		return -1;
	}
	syscall(SYS_setfsuid, 0);
	pid = clone_cell(cgroup_fd, pidfd);
	if (pid == 0)
		return 0;
	err = errno;
	if (syscall(SYS_setresuid, -1, 0, -1) || prctl(PR_SET_SECUREBITS, bits))
		die("restore uid 0 after clone3: %m");
	errno = err;
	return pid;
}

static int write_proc(pid_t pid, const char *file, const char *val)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return cw_write_at(AT_FDCWD, path, val);
}

/*
 * Only uid and gid 65534 exist in the cell, mapped to the cell's host uid
 * (and the same number as its gid): a file the payload creates in /output
 * belongs to it, and no id in the cell is the host's root.
 */
static int map_ids(pid_t pid, uid_t host, char *err, size_t errlen)
{
	char map[64];
	int ret;

	snprintf(map, sizeof(map), "%d %u 1\n", CELL_UID, (unsigned int)host);
	ret = write_proc(pid, "uid_map", map);
	if (ret) {
		snprintf(err, errlen, "write uid_map: %s", strerror(-ret));
		return ret;
	}
	snprintf(map, sizeof(map), "%d %u 1\n", CELL_GID, (unsigned int)host);
	ret = write_proc(pid, "gid_map", map);
	if (ret)
		snprintf(err, errlen, "write gid_map: %s", strerror(-ret));
	return ret;
}

/*
 * As the host's root, in the cell's pid namespace: the sysctls below act
 * on their writer's pid namespace, and procfs lets only uid 0 write them,
 * which the cell's init is not.
 */
static int write_cell_sysctls(void *arg)
{
	int ret;

	(void)arg;
	ret = cw_write_at(AT_FDCWD, "/proc/sys/vm/memfd_noexec", "2");
	if (ret && ret != -ENOENT)
		return -ret;
	/*
	 * This writer was pid 2: the next one is 2 again, the payload, as in
	 * any fresh namespace (without CONFIG_CHECKPOINT_RESTORE it is 3).
	 */
	ret = cw_write_at(AT_FDCWD, "/proc/sys/kernel/ns_last_pid", "1");
	return ret == -ENOENT ? 0 : -ret;
}

/*
 * A memfd is a file no mount option governs: written and executed, it would
 * run any binary despite the noexec /tmp.  vm.memfd_noexec=2 (Linux 6.3,
 * per pid namespace, only ever tightened, inherited by pid namespaces made
 * below) makes every memfd in the cell non-executable.  Older kernels lack
 * it; the monitor still flags memfd execs.  The writer shares cellrun's
 * memory and cellrun waits for it (vfork): no page tables to copy, where
 * the two forks this took before cost 3.5 ms of a 12 ms spawn.
 */
static int memfd_noexec(int cell_pidfd)
{
	static char stack[16384] __attribute__((aligned(16)));
	int own, status, ret = 0;
	pid_t writer;

	own = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return -errno;
	if (setns(cell_pidfd, CLONE_NEWPID)) {
		ret = -errno;
		goto out;
	}
	writer = clone(write_cell_sysctls, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
		       NULL);
	if (writer < 0)
		ret = -errno;
	if (setns(own, CLONE_NEWPID))
		die("back to cellrun's own pid namespace: %m");
	if (writer > 0) {
		if (waitpid(writer, &status, 0) < 0)
			ret = -errno;
		else
			ret = WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
	}
out:
	close(own);
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
	struct v1_home home;
	char go = 1;
	int ret, clone_err;

	memset(s, 0, sizeof(*s));
	s->pidfd = s->out_fd = s->err_fd = s->status_fd = s->sync_fd = s->egress_fd = -1;
	ret = open_pipes(&p, o->nallow > 0);
	if (ret) {
		snprintf(s->error, sizeof(s->error), "pipe: %s", strerror(-ret));
		goto out;
	}
	ret = limits_enter_v1(c, &home);
	if (ret) {
		snprintf(s->error, sizeof(s->error), "enter the v1 limit cgroups: %s",
			 strerror(-ret));
		goto out;
	}
	s->pid = clone_cell_as(c->host_uid, c->dir_fd, &s->pidfd);
	if (s->pid == 0)
		cell_init(o, &p);
	clone_err = s->pid < 0 ? -errno : 0;
	ret = limits_leave_v1(c, &home);
	if (clone_err) {
		ret = clone_err;
		snprintf(s->error, sizeof(s->error), "clone3 into the cell: %s", strerror(-ret));
		goto out;
	}
	if (ret) {
		snprintf(s->error, sizeof(s->error), "leave the v1 limit cgroups: %s",
			 strerror(-ret));
		kill(s->pid, SIGKILL);
		goto out;
	}

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

	ret = map_ids(s->pid, c->host_uid, s->error, sizeof(s->error));
	if (!ret) {
		ret = memfd_noexec(s->pidfd);
		if (ret)
			snprintf(s->error, sizeof(s->error), "vm.memfd_noexec in the cell: %s",
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
