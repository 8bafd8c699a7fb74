// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The link keeper.  A BPF link stays attached while an fd or a pin holds
 * it.  Where the kernel refuses to pin tracing links (this project's build
 * hosts do, EPERM), the daemon hands their fds to this small process, so
 * the in-kernel kill and deny rules outlive a crashed daemon exactly as
 * pins would.  It holds fds and nothing else: no BPF, no socket but its
 * own, a new session so a terminal's ^C does not reach it.  SIGTERM from
 * the daemon (a later one, once it holds links of its own) ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keeper.h"

#define KEEPER_FD	3
#define MAX_HELD	4096

struct keeper_msg {
	char op;		/* 'A': hold the fds under id; 'D': close those of id */
	__u64 id;
};

struct held {
	__u64 id;
	int fd;
};

int cw_keeper_start(pid_t *pid)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (*pid == 0) {
		sigset_t none;

		/* The daemon blocks its signals for a signalfd; exec would keep them blocked. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (dup2(sv[1], KEEPER_FD) == KEEPER_FD) {
			syscall(SYS_close_range, KEEPER_FD + 1, ~0U, 0);
			execl("/proc/self/exe", "cellwatch", "link-keeper", NULL);
		}
		_exit(127);
	}
	close(sv[1]);
	return sv[0];
}

static int send_msg(int sock, char op, __u64 id, const int *fds, int n)
{
	struct keeper_msg msg = { .op = op, .id = id };
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	char cbuf[CMSG_SPACE(sizeof(int) * CW_KEEPER_MAX_FDS)] = {};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (n > CW_KEEPER_MAX_FDS)
		return -E2BIG;
	if (n) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int cw_keeper_hold(int sock, __u64 id, const int *fds, int n)
{
	for (int off = 0; off < n; off += CW_KEEPER_MAX_FDS) {
		int chunk = n - off < CW_KEEPER_MAX_FDS ? n - off : CW_KEEPER_MAX_FDS;
		int ret = send_msg(sock, 'A', id, fds + off, chunk);

		if (ret)
			return ret;
	}
	return 0;
}

int cw_keeper_drop(int sock, __u64 id)
{
	return send_msg(sock, 'D', id, NULL, 0);
}

static bool is_keeper(pid_t pid)
{
	char path[64], cmd[64] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	/* argv is "cellwatch\0link-keeper\0". */
	return n > 10 && !strcmp(cmd, "cellwatch") && !strcmp(cmd + 10, "link-keeper");
}

pid_t cw_keeper_of_pidfile(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid <= 0 || !is_keeper(pid))
		pid = 0;
	fclose(f);
	return pid;
}

static void hold(struct held *h, int *n, __u64 id, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		int nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(cm);

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (int i = 0; i < nfds; i++) {
			if (*n < MAX_HELD)
				h[(*n)++] = (struct held){ id, fds[i] };
			else
				close(fds[i]);	/* cannot happen: 64 cells * 5 + tracing */
		}
	}
}

static void drop(struct held *h, int *n, __u64 id)
{
	for (int i = 0; i < *n;) {
		if (h[i].id == id) {
			close(h[i].fd);
			h[i] = h[--*n];
		} else {
			i++;
		}
	}
}

int cw_keeper_main(void)
{
	static struct held held[MAX_HELD];
	int n = 0;

	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int) * CW_KEEPER_MAX_FDS)];
		struct keeper_msg msg;
		struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t got = recvmsg(KEEPER_FD, &mh, MSG_CMSG_CLOEXEC);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (got == sizeof(msg) && msg.op == 'A')
			hold(held, &n, msg.id, &mh);
		else if (got == sizeof(msg) && msg.op == 'D')
			drop(held, &n, msg.id);
	}
	/* The daemon is gone: what we hold is what keeps its rules in force. */
	close(KEEPER_FD);
	for (;;)
		pause();
}
