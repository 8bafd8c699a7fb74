// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --allow-host: the run's only way out.  The cell keeps its empty network
 * namespace; its init listens on 127.0.0.1:EGRESS_PORT there and hands the
 * listening socket to cellrun, whose proxy (userspace/egress/) accepts the
 * cell's connections on it from the host's namespace and opens, itself,
 * only those to the run's allowed hosts.  No relay runs in the cell and no
 * host path is bound into it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <jansson.h>

#include "api.h"
#include "cellrun.h"
#include "monitor.h"
#include "ecs.h"

int egress_listen(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(EGRESS_PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 64)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int egress_send_fd(int sock, int fd)
{
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int egress_recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct proxy_log {
	int fd;			/* --log, or -1 */
	int daemon_fd;		/* --daemon: the registration's connection, or -1 */
	__u64 cell_id;
};

/* A proxy decision as an ECS line: category network, an alert when refused. */
static json_t *egress_to_ecs(const struct cw_egress_event *ev, __u64 cell_id)
{
	const char *type = ev->closed ? "end" : ev->allowed ? "allowed" : "denied";
	json_t *doc = cw_notice_to_ecs(cw_realtime_ns(), "egress", "network", type);

	if (!doc)
		return NULL;
	cw_json_set(doc, "event.kind", json_string(ev->allowed ? "event" : "alert"));
	cw_json_set(doc, "event.outcome", json_string(ev->allowed ? "success" : "failure"));
	cw_json_set(doc, "event.reason", json_string(ev->reason));
	cw_json_set(doc, "cellwatch.cell.id", json_integer(cell_id));
	cw_json_set(doc, "cellwatch.layer", json_string("egress-proxy"));
	if (!ev->allowed) {
		cw_json_set(doc, "cellwatch.action", json_string("deny"));
		cw_json_set(doc, "log.level", json_string("warning"));
	}
	if (*ev->method)
		cw_json_set(doc, "http.request.method", json_string(ev->method));
	if (*ev->host)
		cw_json_set(doc, "destination.domain", json_string(ev->host));
	if (ev->port)
		cw_json_set(doc, "destination.port", json_integer(ev->port));
	if (*ev->addr)
		cw_json_set(doc, "destination.ip", json_string(ev->addr));
	if (ev->closed) {
		cw_json_set(doc, "source.bytes", json_integer(ev->bytes_up));
		cw_json_set(doc, "destination.bytes", json_integer(ev->bytes_down));
	}
	return doc;
}

/* Called one at a time by the proxy's threads. */
static void log_decision(void *ctx, const struct cw_egress_event *ev)
{
	struct proxy_log *pl = ctx;
	json_t *doc;

	if (!ev->allowed)
		cw_warn("ALERT egress denied: %s %s:%u (%s)",
			*ev->method ? ev->method : "?", *ev->host ? ev->host : "?", ev->port,
			ev->reason);
	else if (ev->closed && strcmp(ev->reason, "closed"))
		cw_warn("egress %s:%u closed: %s", ev->host, ev->port,
			ev->reason);
	if (pl->fd < 0 && pl->daemon_fd < 0)
		return;
	doc = egress_to_ecs(ev, pl->cell_id);
	if (doc && pl->fd >= 0)
		cw_write_json_line(pl->fd, doc);
	if (doc && pl->daemon_fd >= 0) {
		json_t *msg = json_pack("{s:s, s:O}", "op", "event", "event", doc);

		/* One message each: whole, and never interleaved with cellrun's own. */
		if (!msg || cw_api_send(pl->daemon_fd, msg))
			cw_warn("egress: an event did not reach the daemon");
		json_decref(msg);
	}
	json_decref(doc);
}

pid_t egress_start(const struct cellrun_opts *o, int listen_fd, int log_fd, int daemon_fd,
		   __u64 cell_id, int *stop_fd)
{
	struct proxy_log pl = { .fd = log_fd, .daemon_fd = daemon_fd, .cell_id = cell_id };
	struct cw_egress_opts eo = {
		.allow = o->allow,
		.nallow = o->nallow,
		.private_ok = o->allow_private,
		.nprivate = o->nallow_private,
		.hosts_file = o->egress_hosts,
		.max_conns = o->egress_conns,
		.max_up = o->egress_bytes,
		.max_down = o->egress_bytes,
		.max_seconds = o->egress_seconds,
		.log = log_decision,
		.ctx = &pl,
	};
	int stop[2], ret;
	pid_t pid;

	if (pipe2(stop, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid != 0) {
		close(stop[0]);
		/* Never written: closing it (or cellrun's death) stops the proxy. */
		*stop_fd = stop[1];
		return pid < 0 ? -errno : pid;
	}
	close(stop[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	ret = cw_egress_serve(listen_fd, stop[0], &eo);
	if (ret)
		cw_warn("egress proxy: %s", strerror(-ret));
	_exit(ret ? 1 : 0);
}
