// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static int notify_fd = -1;

/* $NOTIFY_SOCKET: a path, or "@name" for an abstract socket; taken once. */
static int notify_open(void)
{
	static bool taken;
	const char *env;
	size_t len;

	if (taken)
		return notify_fd >= 0 ? 0 : -ENOTCONN;
	taken = true;
	env = getenv("NOTIFY_SOCKET");
	if (!env || !*env)
		return -ENOTCONN;
	len = strlen(env);
	if ((env[0] != '/' && env[0] != '@') || len >= sizeof(notify_addr.sun_path)) {
		cw_warn("NOTIFY_SOCKET=%s: not a socket address, ignored", env);
		unsetenv("NOTIFY_SOCKET");
		return -EINVAL;
	}
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, env, len);
	if (env[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_len = offsetof(struct sockaddr_un, sun_path) + len;
	unsetenv("NOTIFY_SOCKET");
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return notify_fd >= 0 ? 0 : -errno;
}

int cw_notify(const char *state)
{
	int ret = notify_open();

	if (ret == -ENOTCONN)
		return 0;
	if (ret)
		return ret;
	if (sendto(notify_fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&notify_addr, notify_len) < 0)
		return -errno;
	return 0;
}

void cw_say_ready(void)
{
	char state[64];
	int ret;

	snprintf(state, sizeof(state), "READY=1\nMAINPID=%d", getpid());
	ret = cw_notify(state);
	if (ret)
		cw_warn("notify the service manager: %s", strerror(-ret));
	cw_warn("ready");
}

unsigned long long cw_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v = 0;
	char *end;

	if (usec && (!pid || strtol(pid, NULL, 10) == getpid())) {
		errno = 0;
		v = strtoull(usec, &end, 10);
		if (errno || *end || end == usec)
			v = 0;
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return v;
}
