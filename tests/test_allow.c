// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --allow-host, from inside the cell: an HTTP request to a granted name
 * goes through the run's proxy; other names, names that resolve to
 * metadata or loopback addresses, and direct connections do not.  The
 * origin server lives in a network namespace the test creates, reached
 * over a veth pair on a private range the run explicitly allows.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* A network namespace with an HTTP server on 10.201.N.2:8080, N from our pid. */
struct origin {
	char ns[32], veth[16], host_addr[32], addr[32], cidr[32], hosts[600];
	pid_t server;
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void origin_destroy(struct origin *o)
{
	if (o->server > 0) {
		kill(o->server, SIGTERM);
		waitpid(o->server, NULL, 0);
		o->server = 0;
	}
	/* The peer end goes with the namespace, and the pair with it. */
	if (o->ns[0])
		sh("ip netns del %s 2>/dev/null", o->ns);
	if (o->veth[0])
		sh("ip link del %s 2>/dev/null", o->veth);
}

static bool origin_create(struct origin *o)
{
	int n = getpid() % 250;
	char page[600];
	FILE *f;

	if (!require_tool("ip", "iproute2"))
		return false;
	snprintf(o->ns, sizeof(o->ns), "cwtest-%d", getpid());
	snprintf(o->veth, sizeof(o->veth), "cwh%d", getpid() % 100000);
	snprintf(o->host_addr, sizeof(o->host_addr), "10.201.%d.1", n);
	snprintf(o->addr, sizeof(o->addr), "10.201.%d.2", n);
	snprintf(o->cidr, sizeof(o->cidr), "10.201.%d.0/24", n);
	if (sh("ip netns add %s && ip link add %s type veth peer name cwn0 netns %s && "
	       "ip addr add %s/24 dev %s && ip link set %s up && "
	       "ip -n %s addr add %s/24 dev cwn0 && ip -n %s link set cwn0 up && "
	       "ip -n %s link set lo up", o->ns, o->veth, o->ns, o->host_addr, o->veth, o->veth,
	       o->ns, o->addr, o->ns, o->ns))
		return false;
	snprintf(page, sizeof(page), "%s/index.html", test_dir);
	f = fopen(page, "w");
	if (!f)
		return false;
	fputs("granted origin\n", f);
	fclose(f);
	snprintf(o->hosts, sizeof(o->hosts), "%s/hosts", test_dir);
	f = fopen(o->hosts, "w");
	if (!f)
		return false;
	fprintf(f, "%s api.granted.test\n169.254.169.254 metadata.granted.test\n"
		   "127.0.0.1 loop.granted.test\n%s other.test\n", o->addr, o->addr);
	fclose(f);
	o->server = fork();
	if (o->server == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (chdir(test_dir) || devnull < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			_exit(126);
		execl("/usr/bin/timeout", "timeout", "120", "ip", "netns", "exec", o->ns,
		      "python3", "-m", "http.server", "8080", "--bind", o->addr, NULL);
		_exit(127);
	}
	/* Ready when it answers from the host side. */
	for (int i = 0; i < 100; i++) {
		if (!sh("python3 -c 'import socket; socket.create_connection((\"%s\", 8080), 1)' "
			"2>/dev/null", o->addr))
			return true;
		usleep(50000);
	}
	return false;
}

static const char payload[] =
	"import socket, urllib.request\n"
	"def get(url):\n"
	"    try:\n"
	"        return urllib.request.urlopen(url, timeout=5).read().decode().strip()\n"
	"    except Exception as e:\n"
	"        return 'ERROR ' + str(e)\n"
	"print('granted:', get('http://api.granted.test:8080/index.html'))\n"
	"print('other:', get('http://other.test:8080/index.html'))\n"
	"print('metadata:', get('http://metadata.granted.test:8080/'))\n"
	"print('loopback:', get('http://loop.granted.test:8080/'))\n"
	"s = socket.socket()\n"
	"try:\n"
	"    s.connect(('%s', 8080))\n"
	"    print('direct: ALLOWED')\n"
	"except OSError as e:\n"
	"    print('direct:', e.strerror)\n";

static int count_egress(json_t *log, const char *type, const char *domain)
{
	size_t i;
	json_t *ev;
	int n = 0;

	json_array_foreach(log, i, ev) {
		const char *a = jstr(ev, "event.action"), *d = jstr(ev, "destination.domain");
		json_t *t = json_array_get(jget(ev, "event.type"), 0);

		n += a && !strcmp(a, "egress") && d && !strcmp(d, domain) &&
		     json_is_string(t) && !strcmp(json_string_value(t), type);
	}
	return n;
}

TEST(allow_host_reaches_only_granted_names)
{
	struct origin o = {};
	char script[2048], *argv[] = { "/usr/bin/python3", "-c", script, NULL };
	struct cmd_result res;
	json_t *log = NULL;

	if (!require_root())
		return;
	if (!ASSERT_TRUE(origin_create(&o), "origin server in its own namespace"))
		goto cleanup;
	snprintf(script, sizeof(script), payload, o.addr);
	cellrun_with("log.json", (char *[]){ "--allow-host", "api.granted.test:8080",
		     "--allow-host", "*.granted.test:8080", "--allow-private", o.cidr,
		     "--egress-hosts", o.hosts, NULL }, argv, &res);
	ASSERT_EQ(res.status, 0, "the run ends normally");
	ASSERT_HAS(res.out, "granted: granted origin", "the granted name answers through the proxy");
	ASSERT_HAS(res.out, "other: ERROR HTTP Error 403", "another name is refused by the proxy");
	ASSERT_HAS(res.out, "metadata: ERROR HTTP Error 403",
		   "a granted name resolving to the metadata address is refused");
	ASSERT_HAS(res.out, "loopback: ERROR HTTP Error 403",
		   "a granted name resolving to loopback is refused");
	ASSERT_HAS(res.out, "direct: Operation not permitted",
		   "a connection around the proxy is refused in the kernel");
	ASSERT_HAS(res.err, "ALERT egress denied: GET other.test:8080 (not on the allow list)",
		   "the refusal is an alert");
	log = read_log(test_path(0, "log.json"));
	ASSERT_EQ(count_egress(log, "allowed", "api.granted.test"), 1, "the allowed request is logged");
	ASSERT_EQ(count_egress(log, "end", "api.granted.test"), 1, "its end, with byte counts");
	ASSERT_TRUE(jint(find_event(log, "event.reason", "closed"), "destination.bytes") > 0,
		    "bytes down counted");
	ASSERT_EQ(count_egress(log, "denied", "other.test"), 1, "the refusal is logged");
	ASSERT_TRUE(find_event(log, "event.reason", "resolves to a metadata address") != NULL,
		    "why the metadata name was refused");
	ASSERT_TRUE(find_event(log, "event.reason", "loopback") != NULL,
		    "why the loopback name was refused");
	ASSERT_TRUE(find_event(log, "destination.ip", o.addr) != NULL, "the direct connect is logged");
cleanup:
	json_decref(log);
	origin_destroy(&o);
}

/* Under the daemon, the proxy's decisions reach the daemon's log with the run's metadata. */
TEST(allow_host_under_the_daemon)
{
	struct origin o = {};
	struct daemon_proc d = {};
	char script[2048], *argv[] = { "/usr/bin/python3", "-c", script, NULL };
	struct cmd_result res;
	json_t *log = NULL;

	if (!require_root())
		return;
	if (!ASSERT_TRUE(origin_create(&o), "origin server in its own namespace") ||
	    !ASSERT_TRUE(start_daemon(&d, NULL), "daemon starts"))
		goto cleanup;
	snprintf(script, sizeof(script), payload, o.addr);
	cellrun_daemon(&d, (char *[]){ "--run-id", "egress-run", "--allow-host",
		       "api.granted.test:8080", "--allow-private", o.cidr, "--egress-hosts", o.hosts,
		       NULL }, argv, &res);
	ASSERT_EQ(res.status, 0, "the run ends normally");
	ASSERT_HAS(res.out, "granted: granted origin", "the granted name answers");
	ASSERT_HAS(res.out, "other: ERROR HTTP Error 403", "another name is refused");
	/* The daemon's echo of the refusal names the destination, not "-". */
	ASSERT_HAS(res.err, "ALERT egress: other.test:8080 ", "the alert line names where");
	ASSERT_EQ(WEXITSTATUS(stop_daemon(&d, SIGTERM)), 0, "the daemon stops");
	log = read_log(d.log);
	ASSERT_EQ(count_egress(log, "allowed", "api.granted.test"), 1, "allowed, in the daemon's log");
	ASSERT_EQ(count_egress(log, "end", "api.granted.test"), 1, "and its end");
	ASSERT_EQ(count_egress(log, "denied", "other.test"), 1, "the refusal too");
	ASSERT_STREQ(jstr(find_event(log, "destination.domain", "other.test"), "cellwatch.run_id"),
		     "egress-run", "with the run's id");
cleanup:
	json_decref(log);
	daemon_cleanup(&d);
	origin_destroy(&o);
}

TEST(allow_host_absent_nothing_leaves)
{
	struct origin o = {};
	char script[2048], *argv[] = { "/usr/bin/python3", "-c", script, NULL };
	struct cmd_result res;

	if (!require_root())
		return;
	if (!ASSERT_TRUE(origin_create(&o), "origin server in its own namespace"))
		goto cleanup;
	snprintf(script, sizeof(script),
		 "import os, socket\n"
		 "print('proxy env:', os.environ.get('HTTP_PROXY'))\n"
		 "for port in (3128, 8080):\n"
		 "    for host in ('127.0.0.1', '%s'):\n"
		 "        s = socket.socket()\n"
		 "        try:\n"
		 "            s.connect((host, port)); print(host, port, 'ALLOWED')\n"
		 "        except OSError as e:\n"
		 "            print(host, port, e.strerror)\n", o.addr);
	cellrun_with("log.json", NULL, argv, &res);
	ASSERT_EQ(res.status, 0, "the run ends normally");
	ASSERT_HAS(res.out, "proxy env: None", "no proxy is offered");
	ASSERT_HAS(res.out, "127.0.0.1 3128 Connection refused", "nothing listens in the cell");
	ASSERT_FALSE(strstr(res.out, "ALLOWED"), "no connection is made");
cleanup:
	origin_destroy(&o);
}

UNIT_TEST(allow_host_bad_spec_refused)
{
	char *argv[] = { "/bin/true", NULL };
	struct cmd_result res;

	cellrun_with("log.json", (char *[]){ "--allow-host", "bad host:99999", NULL }, argv, &res);
	ASSERT_EQ(res.status, 125, "refused before anything is created");
	ASSERT_HAS(res.err, "--allow-host", "the option is named");
	cellrun_with("log.json", (char *[]){ "--allow-private", "10.0.0.0/8", NULL }, argv, &res);
	ASSERT_EQ(res.status, 125, "proxy settings without a host are refused");
	ASSERT_HAS(res.err, "go with --allow-host", "and say why");
}
