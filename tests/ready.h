/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Start a cellwatch monitor (watch or daemon) and wait until it is ready:
 * the one way the tests, the benchmarks and the scorecard (through the
 * spawn-ready tool) start one.  Readiness is the daemon's READY=1 on a
 * notification socket made for this start ($NOTIFY_SOCKET), as a service
 * manager would see it.
 */
#ifndef CW_TEST_READY_H
#define CW_TEST_READY_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Run @argv (argv[0] a path) with its stderr on @err_fd (-1: ours) and
 * wait up to @timeout_ms for READY=1.  The pid of the ready process, or
 * negative errno with nothing left running: -ECHILD (it exited), -ETIMEDOUT
 * (killed after the wait); its wait status in *@status if not NULL.
 */
pid_t spawn_ready(char *const argv[], int err_fd, int timeout_ms, int *status);

#endif /* CW_TEST_READY_H */
