// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Start the payload.  clone3(CLONE_INTO_CGROUP) puts the child in the cell
 * atomically, so the monitor sees it from its first instruction; there is no
 * window in which it runs outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

#include "cellrun.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static pid_t clone_into_cgroup(int cgroup_fd, int *pidfd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP | CLONE_PIDFD,
		.pidfd = (uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd,
	};

	return syscall(SYS_clone3, &args, sizeof(args));
}

/* In the child: report errno through @fd and exit. */
static noreturn void child_fail(int fd, int err)
{
	ssize_t n = write(fd, &err, sizeof(err));

	(void)n;
	_exit(err == ENOENT ? CELLRUN_EXIT_NOT_FOUND : CELLRUN_EXIT_CANNOT_EXEC);
}

static noreturn void child_exec(char **argv, int err_fd, pid_t parent)
{
	sigset_t none;

	/* If cellrun dies, so does the payload (and cell_destroy() gets the rest). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		child_fail(err_fd, ESRCH);
	/* A new session: no controlling terminal to inject input into. */
	if (setsid() < 0)
		child_fail(err_fd, errno);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Nothing of cellrun's open files leaks into the cell. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) && errno != ENOSYS)
		child_fail(err_fd, errno);
	execvp(argv[0], argv);
	child_fail(err_fd, errno);
}

pid_t spawn_in_cell(const struct cell *c, char **argv, int *pidfd, int *exec_errno)
{
	pid_t parent = getpid(), pid;
	int pipefd[2], err = 0;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = clone_into_cgroup(c->dir_fd, pidfd);
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_exec(argv, pipefd[1], parent);
	}
	close(pipefd[1]);
	/* EOF means execve() succeeded and closed the pipe. */
	do {
		n = read(pipefd[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	*exec_errno = n == sizeof(err) ? err : 0;
	return pid;
}
