/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cellrun: run one command in a fresh cell, watched by an embedded monitor. */
#ifndef CELLRUN_H
#define CELLRUN_H

#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>
#include <linux/types.h>

/* Exit codes of cellrun itself; anything else is the command's status. */
enum {
	CELLRUN_EXIT_NO_MONITOR = 123,	/* the monitor could not attach: refused to run */
	CELLRUN_EXIT_TIMEOUT = 124,	/* the cell outlived --timeout and was killed */
	CELLRUN_EXIT_LAUNCHER = 125,	/* cellrun failed before or around the command */
	CELLRUN_EXIT_CANNOT_EXEC = 126,	/* the command exists but could not be executed */
	CELLRUN_EXIT_NOT_FOUND = 127,	/* the command was not found */
};

struct cellrun_opts {
	char **argv;			/* the command */
	const char *rules_path;
	const char *log_path;		/* JSON lines, or NULL */
	unsigned int timeout_ms;
	bool no_monitor;
	bool verbose;
};

/* A cell: its cgroup v2 directory. */
struct cell {
	char root[256];			/* the cgroup v2 mount it lives in */
	char path[512];
	int dir_fd;
	int level;			/* depth below the root */
};

int cell_create(struct cell *c);
/* Kill what is left in the cell, wait for it to empty, remove it. */
int cell_destroy(struct cell *c);

/*
 * Start @argv in @c.  Returns the child's pid and a pidfd in @pidfd.
 * Exec failures are reported back through a close-on-exec pipe: the
 * returned *exec_errno is 0 once the command is running.
 */
pid_t spawn_in_cell(const struct cell *c, char **argv, int *pidfd, int *exec_errno);

noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CELLRUN_H */
