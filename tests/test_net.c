// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Integration: connects from a cell show up with their destination. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

/* A listening socket on loopback; returns the fd and its port. */
static int listen_loopback(int family, const char *addr, int *port)
{
	struct sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &in->sin_addr);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		len = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void check_connect(int family, const char *addr)
{
	struct cmd_result res;
	char script[512], want[64];
	json_t *log, *ev;
	int fd, port;

	fd = listen_loopback(family, addr, &port);
	if (fd < 0) {
		test__skip("no %s loopback address on this host", addr);
		return;
	}
	snprintf(script, sizeof(script),
		 "import socket\n"
		 "s = socket.socket(socket.%s)\n"
		 "s.settimeout(5)\n"
		 "s.connect(('%s', %d))\n"
		 "print('connected')\n",
		 family == AF_INET ? "AF_INET" : "AF_INET6", addr, port);
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c", script, NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_STREQ(res.out, "connected\n", "stdout");

	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "event.action", "connect");
	if (ASSERT_OK_PTR(ev, "connect event")) {
		ASSERT_STREQ(jstr(ev, "destination.ip"), addr, "destination.ip");
		ASSERT_EQ(jint(ev, "destination.port"), port, "destination.port");
		ASSERT_STREQ(jstr(ev, "network.transport"), "tcp", "network.transport");
		snprintf(want, sizeof(want), "ipv%d", family == AF_INET ? 4 : 6);
		ASSERT_STREQ(jstr(ev, "network.type"), want, "network.type");
	}
	json_decref(log);
	close(fd);
}

TEST(net_connect_loopback_v4)
{
	if (require_root())
		check_connect(AF_INET, "127.0.0.1");
}

TEST(net_connect_loopback_v6)
{
	if (require_root())
		check_connect(AF_INET6, "::1");
}
