// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * spawn-ready ERRFILE COMMAND [ARG...]: start COMMAND (a cellwatch
 * monitor) with its stderr appended to ERRFILE, wait until it is ready, and
 * print its pid; for scripts (the scorecard) that start one as the tests
 * do.  Exit 0 once it is ready; 1, after ending it, when it does not get
 * there in 30 s.  The monitor outlives this tool, its stdout on /dev/null:
 * end it by its pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../ready.h"

int main(int argc, char **argv)
{
	int err_fd, out, null;
	pid_t pid;

	if (argc < 3 || argv[2][0] != '/') {
		fprintf(stderr, "usage: spawn-ready ERRFILE /PATH/TO/COMMAND [ARG...]\n");
		return 2;
	}
	err_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (err_fd < 0) {
		fprintf(stderr, "spawn-ready: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/*
	 * The monitor outlives us: it must not hold our stdout, or a caller
	 * reading that to its end (the pid) would wait for the monitor's.
	 */
	out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0) {
		fprintf(stderr, "spawn-ready: stdout: %s\n", strerror(errno));
		return 1;
	}
	pid = spawn_ready(argv + 2, err_fd, 30000, NULL);
	close(err_fd);
	if (pid < 0) {
		fprintf(stderr, "spawn-ready: %s did not get ready: %s\n", argv[2],
			strerror(-pid));
		return 1;
	}
	dprintf(out, "%d\n", pid);
	return 0;
}
