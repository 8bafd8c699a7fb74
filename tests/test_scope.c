// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: only cells are watched.  cellwatch watches a cgroup the test
 * creates; a process outside it produces no event and may run a shell, the
 * same commands inside produce events and the shell dies.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "test.h"

struct watcher {
	pid_t pid;
	int err_fd;
};

/* Start `cellwatch watch` and wait for its "ready" line. */
static bool start_watcher(struct watcher *w, const char *cgroup, const char *log)
{
	char bin[4096], buf[4096] = "";
	size_t len = 0;
	int pipefd[2];

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	if (pipe2(pipefd, O_CLOEXEC))
		return false;
	w->pid = fork();
	if (w->pid == 0) {
		dup2(pipefd[1], 2);
		execl(bin, bin, "watch", "--cgroup", cgroup, "--log", log, NULL);
		_exit(127);
	}
	close(pipefd[1]);
	w->err_fd = pipefd[0];
	while (!strstr(buf, "cellwatch: ready\n")) {
		struct pollfd pfd = { .fd = w->err_fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 20000) <= 0)
			break;
		n = read(w->err_fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
	}
	if (!strstr(buf, "cellwatch: ready\n")) {
		fprintf(stderr, "cellwatch did not start:\n%s\n", buf);
		return false;
	}
	return true;
}

static int stop_watcher(struct watcher *w)
{
	int status = -1;

	if (w->pid <= 0)
		return -1;
	kill(w->pid, SIGTERM);
	waitpid(w->pid, &status, 0);
	close(w->err_fd);
	w->pid = 0;
	return status;
}

/* Run @argv, inside @cgroup_procs' cgroup when given; returns the exit status. */
static int run_in(const char *cgroup_procs, char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (cgroup_procs) {
			int fd = open(cgroup_procs, O_WRONLY);

			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(120);
			close(fd);
		}
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int distinct_pids(json_t *log)
{
	long long pids[64];
	int n = 0;
	size_t i;
	json_t *ev;

	json_array_foreach(log, i, ev) {
		long long pid = jint(ev, "process.pid");
		int j;

		for (j = 0; j < n && pids[j] != pid; j++)
			;
		if (j == n && n < 64)
			pids[n++] = pid;
	}
	return n;
}

TEST(scope_outside_cell_produces_no_event)
{
	const char *inside = test_path(0, "inside.txt");
	const char *outside = test_path(2, "outside.txt");
	const char *log_path = test_path(1, "log.json");
	char root[256], parent[512], cell[600], procs[700];
	struct watcher w = {};
	json_t *log = NULL;
	int fd;

	if (!require_root())
		return;
	if (!ASSERT_OK(cg2_mount_point(root, sizeof(root)), "cgroup v2 mounted"))
		return;
	snprintf(parent, sizeof(parent), "%s/cellwatch-test-%d", root, getpid());
	snprintf(cell, sizeof(cell), "%s/cell", parent);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cell);
	if (!ASSERT_OK(mkdir(parent, 0755), "mkdir parent cgroup"))
		return;
	if (!ASSERT_OK(mkdir(cell, 0755), "mkdir cell cgroup"))
		goto cleanup;
	fd = open(inside, O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open(outside, O_CREAT | O_WRONLY, 0644);
	close(fd);

	if (!ASSERT_TRUE(start_watcher(&w, cell, log_path), "cellwatch ready"))
		goto cleanup;
	/* Outside: a shell runs unharmed and nothing is logged. */
	ASSERT_EQ(run_in(NULL, (char *[]){ "/bin/sh", "-c", "exec cat \"$0\"", (char *)outside,
					   NULL }), 0, "shell outside the cell runs");
	ASSERT_EQ(run_in(NULL, (char *[]){ "/bin/cat", (char *)outside, NULL }), 0,
		  "cat outside the cell");
	/* Inside: the open is logged, the shell is killed. */
	ASSERT_EQ(run_in(procs, (char *[]){ "/bin/cat", (char *)inside, NULL }), 0,
		  "cat inside the cell");
	ASSERT_EQ(run_in(procs, (char *[]){ "/bin/sh", "-c", "true", NULL }), 128 + 9,
		  "shell inside the cell killed");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly on SIGTERM");

	log = read_log(log_path);
	ASSERT_EQ(count_events(log, "file.path", inside), 1, "inside open logged");
	ASSERT_EQ(count_events(log, "file.path", outside), 0, "outside open not logged");
	ASSERT_EQ(count_events(log, "rule.name", "shell-spawn"), 1, "one alert: the inside shell");
	ASSERT_EQ(distinct_pids(log), 2, "only the two inside processes were seen");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	rmdir(cell);
	rmdir(parent);
}
