// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ready.h"

/* An abstract datagram socket named for this process and start: nothing on disk to clean. */
static int notify_socket(char *name, size_t len)
{
	static unsigned int starts;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t slen;
	int fd;

	snprintf(name, len, "@cellwatch-ready-%d-%u", getpid(), starts++);
	slen = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, slen)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Does one of the datagrams waiting on @fd say READY=1? */
static int read_ready(int fd)
{
	char msg[512];
	ssize_t n;

	while ((n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) >= 0) {
		msg[n] = '\0';
		if (!strncmp(msg, "READY=1", 7) || strstr(msg, "\nREADY=1"))
			return 1;
	}
	return errno == EAGAIN ? 0 : -errno;
}

pid_t spawn_ready(char *const argv[], int err_fd, int timeout_ms, int *status)
{
	long long deadline = now_ms() + timeout_ms;
	char name[64];
	int fd = notify_socket(name, sizeof(name)), ret = 0, st;
	pid_t pid;

	if (fd < 0)
		return fd;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (pid == 0) {
		if (err_fd >= 0 && dup2(err_fd, 2) < 0)
			_exit(126);
		setenv("NOTIFY_SOCKET", name, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	while (!ret) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();

		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		/* Short waits: a child that died is noticed without its word. */
		if (poll(&pfd, 1, left < 100 ? left : 100) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		ret = read_ready(fd);
		if (!ret && waitpid(pid, &st, WNOHANG) == pid) {
			if (status)
				*status = st;
			ret = -ECHILD;
		}
	}
	close(fd);
	if (ret > 0)
		return pid;
	if (ret != -ECHILD) {
		/* Not ready in time: nothing of it is left running. */
		kill(pid, SIGKILL);
		waitpid(pid, status ? status : &st, 0);
	}
	return ret;
}
