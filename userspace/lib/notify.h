/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Readiness, told to whoever started us: the service manager's
 * notification socket ($NOTIFY_SOCKET, the sd_notify(3) protocol:
 * "READY=1", "STOPPING=1" ... in one datagram), and a "ready" line on
 * stderr for a person or a script reading it.
 */
#ifndef CW_NOTIFY_H
#define CW_NOTIFY_H

/*
 * Say @state ("READY=1", "RELOADING=1", "STOPPING=1") to the notification
 * socket, if one was given.  The first call takes $NOTIFY_SOCKET out of
 * the environment, so that no child of ours speaks for us.  0 (also with
 * no socket) or negative errno.
 */
int cw_notify(const char *state);

/* Serving from now on: "ready" on stderr and READY=1. */
void cw_say_ready(void);

/*
 * The service manager's watchdog period in microseconds ($WATCHDOG_USEC,
 * when $WATCHDOG_PID is unset or ours), 0 when there is none; "WATCHDOG=1"
 * is then owed at least that often.  Taken out of the environment, as
 * $NOTIFY_SOCKET is.
 */
unsigned long long cw_watchdog_usec(void);

#endif /* CW_NOTIFY_H */
