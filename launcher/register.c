// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cell registered with the cellwatch daemon instead of an embedded
 * monitor (--daemon): connect early, register the cell once it is set up,
 * and run the payload only on the daemon's ack.  Fail closed: no ack in
 * --daemon-timeout, no run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "api.h"
#include "cellrun.h"
#include "log.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The daemon's reply to @what, the first one it sends; 0 or negative errno with @err. */
static int await_reply(int fd, const struct cellrun_opts *o, const char *what, json_t **reply,
		       char *err, size_t errlen)
{
	long deadline = now_ms() + o->daemon_timeout_ms;
	const char *got;
	int ret;

	*reply = NULL;
	do {
		long left = deadline - now_ms();

		json_decref(*reply);
		ret = cw_api_recv(fd, reply, left > 0 ? left : 0);
		if (!ret && !*reply)
			ret = -ECONNRESET;
		if (ret) {
			*reply = NULL;
			return cw_fail(ret, err, errlen, "daemon %s: %s: no ack%s: %s", o->daemon, what,
				       ret == -ETIMEDOUT ? " within --daemon-timeout" : "",
				       ret == -ETIMEDOUT ? "timed out" : strerror(-ret));
		}
		got = json_string_value(json_object_get(*reply, "reply"));
	} while (!got || strcmp(got, what));
	return 0;
}

/*
 * Connect, and ask where the daemon takes cells: its --cgroup-parent, in
 * @parent ("" from a daemon that does not say).
 */
int daemon_connect(const struct cellrun_opts *o, char *parent, size_t len, char *err,
		   size_t errlen)
{
	json_t *req = json_pack("{s:s}", "op", "hello"), *reply = NULL;
	int fd = cw_api_connect(o->daemon), ret;
	const char *p;

	parent[0] = '\0';
	if (fd < 0) {
		json_decref(req);
		return cw_fail(fd, err, errlen, "daemon %s: %s", o->daemon, strerror(-fd));
	}
	ret = req ? cw_api_send(fd, req) : -ENOMEM;
	json_decref(req);
	if (ret)
		ret = cw_fail(ret, err, errlen, "daemon %s: hello: %s", o->daemon, strerror(-ret));
	else
		ret = await_reply(fd, o, "hello", &reply, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	p = json_string_value(json_object_get(reply, "cgroup_parent"));
	if (p)
		snprintf(parent, len, "%s", p);
	json_decref(reply);
	return fd;
}

static json_t *register_request(const struct cellrun_opts *o, const struct cell *c)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "op", "register", "cgroup", c->path,
				"policy", o->policy ?: "default");
	json_t *labels = json_object();

	for (int i = 0; req && labels && i < o->nlabels; i++) {
		const char *eq = strchr(o->labels[i], '=');
		char key[256];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->labels[i]), o->labels[i]);
		json_object_set_new(labels, key, json_string(eq + 1));
	}
	if (req && labels)
		json_object_set(req, "labels", labels);
	if (req && o->run_id)
		json_object_set_new(req, "run_id", json_string(o->run_id));
	json_decref(labels);
	return req;
}

int daemon_register(int fd, const struct cellrun_opts *o, const struct cell *c,
		    __u64 *cell_id, bool *lsm, char *err, size_t errlen)
{
	json_t *req = register_request(o, c), *reply = NULL;
	int ret;

	ret = req ? cw_api_send(fd, req) : -ENOMEM;
	json_decref(req);
	if (ret)
		return cw_fail(ret, err, errlen, "daemon %s: register: %s", o->daemon,
			       strerror(-ret));
	/* Only the reply counts: nothing else is sent before it. */
	ret = await_reply(fd, o, "register", &reply, err, errlen);
	if (ret)
		return ret;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		snprintf(err, errlen, "daemon %s: refused the cell: %s", o->daemon,
			 json_string_value(json_object_get(reply, "error")) ?: "no reason given");
		json_decref(reply);
		return -EPERM;
	}
	*cell_id = json_integer_value(json_object_get(reply, "cell_id"));
	*lsm = json_is_true(json_object_get(reply, "lsm"));
	json_decref(reply);
	return 0;
}

/*
 * The cell's end without the daemon waiting for cgroup.events, which the
 * kernel may hold back 12 ms after the notice of the cell's start.  Sent
 * after the run's own events (the proxy's, the bounds): the daemon logs
 * them before the cell's end.
 */
int daemon_say_empty(int fd, __u64 cell_id)
{
	json_t *req = json_pack("{s:s, s:I}", "op", "empty", "cell_id", (json_int_t)cell_id);
	int ret = req ? cw_api_send(fd, req) : -ENOMEM;

	json_decref(req);
	return ret;
}
