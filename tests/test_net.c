// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Integration: connects from a cell show up with their destination.  The
 * cell has its own network namespace, so the payload serves itself on its
 * own loopback.
 */
#include <stdlib.h>

#include "test.h"

static void check_connect(const char *family, const char *addr, const char *type)
{
	struct cmd_result res;
	char script[1024];
	json_t *log, *ev;
	int port;

	snprintf(script, sizeof(script),
		 "import socket\n"
		 "srv = socket.socket(socket.%s)\n"
		 "srv.bind(('%s', 0)); srv.listen()\n"
		 "port = srv.getsockname()[1]\n"
		 "c = socket.socket(socket.%s); c.settimeout(5)\n"
		 "c.connect(('%s', port))\n"
		 "print(port)\n", family, addr, family, addr);
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c", script, NULL }, &res),
		  "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	port = atoi(res.out);
	ASSERT_TRUE(port > 0, "the payload connected and printed its port");

	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "event.action", "connect");
	if (ASSERT_OK_PTR(ev, "connect event")) {
		ASSERT_STREQ(jstr(ev, "destination.ip"), addr, "destination.ip");
		ASSERT_EQ(jint(ev, "destination.port"), port, "destination.port");
		ASSERT_STREQ(jstr(ev, "network.transport"), "tcp", "network.transport");
		ASSERT_STREQ(jstr(ev, "network.type"), type, "network.type");
	}
	json_decref(log);
}

TEST(net_connect_loopback_v4)
{
	if (require_root())
		check_connect("AF_INET", "127.0.0.1", "ipv4");
}

TEST(net_connect_loopback_v6)
{
	if (require_root())
		check_connect("AF_INET6", "::1", "ipv6");
}

TEST(net_no_route_out_of_the_cell)
{
	static const char *const script =
		"import urllib.request\n"
		"for url in ['http://192.0.2.1/', 'http://169.254.169.254/latest/meta-data/']:\n"
		"    try:\n"
		"        urllib.request.urlopen(url, timeout=3)\n"
		"        print(url, 'REACHED')\n"
		"    except Exception as e:\n"
		"        print(url, 'failed', getattr(e, 'reason', e))\n";
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	/* Two layers: the kernel refuses the connect (EPERM) ... */
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c", (char *)script, NULL },
			  &res), "cellrun");
	ASSERT_EQ(res.status, 0, "exit status");
	ASSERT_HAS(res.out, "http://192.0.2.1/ failed [Errno 1] Operation not permitted\n",
		   "an external address is refused");
	ASSERT_HAS(res.out, "http://169.254.169.254/latest/meta-data/ failed [Errno 1]",
		   "the metadata service is refused");
	ASSERT_FALSE(strstr(res.out, "REACHED"), "nothing reached");
	log = read_log(test_path(1, "log.json"));
	ev = find_event(log, "destination.ip", "169.254.169.254");
	if (ASSERT_OK_PTR(ev, "the attempt on the metadata service is logged")) {
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "deny", "denied in the kernel");
		ASSERT_STREQ(jstr(ev, "event.kind"), "alert", "an alert");
		ASSERT_STREQ(jstr(ev, "error.code"), "EPERM", "the caller saw EPERM");
	}
	json_decref(log);

	/* ... and without the monitor, the empty network namespace has no route. */
	ASSERT_OK(cellrun_with("log2.json", (char *[]){ "--no-monitor", NULL },
			       (char *[]){ "/usr/bin/python3", "-c", (char *)script, NULL }, &res),
		  "cellrun --no-monitor");
	ASSERT_HAS(res.out, "http://192.0.2.1/ failed [Errno 101] Network is unreachable\n",
		   "no route to an external address");
	ASSERT_HAS(res.out, "http://169.254.169.254/latest/meta-data/ failed [Errno 101]",
		   "no route to the metadata service");
}

static json_t *find_net(json_t *log, const char *action, const char *field, const char *value)
{
	size_t i;
	json_t *ev;

	json_array_foreach(log, i, ev) {
		const char *a = jstr(ev, "event.action"), *v = jstr(ev, field);

		if (a && v && !strcmp(a, action) && !strcmp(v, value))
			return ev;
	}
	return NULL;
}

TEST(net_every_family_with_its_result)
{
	struct cmd_result res;
	json_t *log, *ev;

	if (!require_root())
		return;
	ASSERT_OK(cellrun("log.json", (char *[]){ "/usr/bin/python3", "-c",
			"import socket\n"
			"def attempt(f):\n"
			"    try:\n"
			"        f()\n"
			"    except OSError:\n"
			"        pass\n"
			"srv = socket.socket(socket.AF_UNIX); srv.bind('/tmp/s.sock'); srv.listen()\n"
			"socket.socket(socket.AF_UNIX).connect('/tmp/s.sock')\n"
			"abst = socket.socket(socket.AF_UNIX); abst.bind('\\0cw-abstract'); abst.listen()\n"
			"socket.socket(socket.AF_UNIX).connect('\\0cw-abstract')\n"
			"attempt(lambda: socket.socket(socket.AF_UNIX).connect('/tmp/none.sock'))\n"
			"attempt(lambda: socket.socket().connect(('127.0.0.1', 1)))\n"
			"socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'q', ('127.0.0.1', 53))\n"
			"attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))\n"
			"attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1))\n"
			"attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))\n"
			"print('done')\n", NULL }, &res), "cellrun");
	ASSERT_STREQ(res.out, "done\n", "payload");
	log = read_log(test_path(1, "log.json"));

	ev = find_net(log, "connect", "destination.address", "/tmp/s.sock");
	if (ASSERT_OK_PTR(ev, "unix connect: the peer's bound path"))
		ASSERT_STREQ(jstr(ev, "event.outcome"), "success", "unix connect outcome");
	ASSERT_OK_PTR(find_net(log, "connect", "destination.address", "@cw-abstract"),
		      "abstract unix name");
	ev = find_net(log, "connect", "destination.address", "/tmp/none.sock");
	if (ASSERT_OK_PTR(ev, "failed unix connect")) {
		ASSERT_STREQ(jstr(ev, "error.code"), "ENOENT", "its errno");
		ASSERT_TRUE(json_is_false(jget(ev, "cellwatch.path_resolved")),
			    "the caller's string, flagged");
	}
	ev = find_net(log, "connect", "destination.ip", "127.0.0.1");
	if (ASSERT_OK_PTR(ev, "tcp connect to a closed port")) {
		ASSERT_STREQ(jstr(ev, "event.outcome"), "failure", "refused");
		ASSERT_STREQ(jstr(ev, "error.code"), "ECONNREFUSED", "its errno");
		ASSERT_EQ(jint(ev, "destination.port"), 1, "port");
	}
	ev = find_net(log, "sendto", "destination.ip", "127.0.0.1");
	if (ASSERT_OK_PTR(ev, "a DNS-like datagram")) {
		ASSERT_EQ(jint(ev, "destination.port"), 53, "port");
		ASSERT_STREQ(jstr(ev, "network.transport"), "udp", "transport");
	}
	ev = find_net(log, "socket", "network.type", "packet");
	if (ASSERT_OK_PTR(ev, "packet socket attempt"))
		ASSERT_STREQ(jstr(ev, "error.code"), "EAFNOSUPPORT", "the filter's refusal");
	ASSERT_OK_PTR(find_net(log, "socket", "network.type", "ipv4"), "raw inet socket attempt");
	ev = find_net(log, "socket", "network.type", "netlink");
	if (ASSERT_OK_PTR(ev, "netlink socket attempt"))
		ASSERT_STREQ(jstr(ev, "error.code"), "EAFNOSUPPORT", "the filter's refusal");
	json_decref(log);
}

/* The cgroup hooks refuse in the kernel: here as root, so only the hooks stand in the way. */
TEST(net_policy_denies_in_the_kernel)
{
	const char *log_path = test_path(1, "log.json");
	struct test_cgroup tc = {};
	struct watcher w = {};
	json_t *log = NULL, *ev;

	if (!require_root() || !test_cgroup_create(&tc))
		return;
	if (!ASSERT_TRUE(start_watcher(&w, tc.cell, log_path, "--deny-network"), "cellwatch ready"))
		goto cleanup;
	/* 192.0.2.1 is TEST-NET-1: refused before routing, nothing is sent. */
	ASSERT_EQ(run_in(tc.procs, (char *[]){ "/usr/bin/python3", "-c",
			"import socket, sys\n"
			"def err(f):\n"
			"    try:\n"
			"        f()\n"
			"        return 'ALLOWED'\n"
			"    except OSError as e:\n"
			"        return e.errno\n"
			"out = [err(lambda: socket.socket().connect(('192.0.2.1', 80))),\n"
			"       err(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
			".sendto(b'q', ('192.0.2.1', 53))),\n"
			"       err(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)),\n"
			"       err(lambda: socket.socket().connect(('127.0.0.1', 1)))]\n"
			"sys.exit(0 if out == [1, 1, 1, 111] else 1)\n", NULL }), 0,
		  "external connect, external sendto and raw socket refused (EPERM); "
		  "loopback allowed (ECONNREFUSED)");
	ASSERT_EQ(stop_watcher(&w), 0, "cellwatch exits cleanly");
	log = read_log(log_path);
	ev = find_event(log, "event.action", "connect");
	if (ASSERT_OK_PTR(ev, "connect event")) {
		ASSERT_STREQ(jstr(ev, "destination.ip"), "192.0.2.1", "destination");
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "deny", "the kernel's verdict");
		ASSERT_KERNEL_LAYER(jstr(ev, "cellwatch.layer"), "layer");
	}
	ev = find_event(log, "event.action", "sendto");
	if (ASSERT_OK_PTR(ev, "sendto event"))
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "deny", "sendto refused");
	ev = find_event(log, "event.action", "socket");
	if (ASSERT_OK_PTR(ev, "raw socket event"))
		ASSERT_STREQ(jstr(ev, "cellwatch.action"), "deny", "raw socket refused");
	ASSERT_EQ(count_events(log, "cellwatch.action", "deny"), 3, "the loopback connect was not");
cleanup:
	stop_watcher(&w);
	json_decref(log);
	test_cgroup_destroy(&tc);
}
