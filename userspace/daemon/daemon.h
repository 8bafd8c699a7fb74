/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cellwatch daemon: one monitor for every cell of a host.  cellrun
 * registers its cell through the API socket (api.h) and runs the payload
 * only once acked; events go to the outputs (log file, stdout, syslog, tail
 * subscribers); programs, maps and hooks are pinned, so the kernel keeps
 * enforcing when the daemon dies and a restarted daemon takes over.
 */
#ifndef CW_DAEMON_H
#define CW_DAEMON_H

#define CW_STATE_DIR_DEFAULT	"/run/cellwatch"
#define CW_PIN_DIR_DEFAULT	"/sys/fs/bpf/cellwatch"

/* `cellwatch daemon [options]`: argv[0] is "daemon".  Returns the exit status. */
int cw_daemon_main(int argc, char **argv);

#endif /* CW_DAEMON_H */
