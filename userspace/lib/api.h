/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's local API: a SOCK_SEQPACKET unix socket, one JSON document
 * per message (no newline), so a message arrives whole or not at all.
 *
 * Client to daemon:
 *   {"op":"register","cgroup":PATH,"run_id":ID,"labels":{K:V,...},"policy":NAME}
 *       -> {"reply":"register","ok":true,"cell_id":N}
 *        | {"reply":"register","ok":false,"error":TEXT}
 *       The connection then carries the cell's alerts: each rule's first
 *       CW_API_ALERTS_WHOLE as ECS documents, every kill, and past those
 *       {"notice":"alerts","untold":{RULE:N,...}}, how many alerts of each
 *       rule were not sent whole since the last such notice (a cell
 *       policy's alerts, which have no rule, under "cell-policy"); and,
 *       once the cell's cgroup has emptied and its events are out,
 *       {"reply":"end","cell_id":N,"events_lost":{"bulk":B,"critical":C}}
 *       (the cell's own lost records), after the last "alerts" notice.
 *       Registering needs uid 0.
 *   {"op":"event","event":ECS}   on a registered connection: an event cellrun
 *       saw for its cell (its egress proxy's decisions), logged under that cell.
 *   {"op":"empty","cell_id":N}   on the connection that registered cell N:
 *       its cellrun saw the cgroup empty.  The daemon checks "populated"
 *       itself and, when it is 0, ends the cell as for cgroup.events (whose
 *       notice the kernel may hold back 12 ms): the reply is the "end" above.
 *       -> {"reply":"empty","ok":false,"cell_id":N,"error":TEXT} otherwise
 *          (still populated: the cell stays watched; another connection's
 *          cell; an ended cell).
 *   {"op":"subscribe","since":N}
 *       -> {"reply":"subscribe","ok":true,"replayed":K}, the last K <= N
 *          events of the backlog, then every event as it is logged.
 *
 * Daemon to client, besides replies: ECS event documents (they have
 * "@timestamp"), and {"notice":"dropped","count":N} when a subscriber
 * too slow to keep up missed N events.
 */
#ifndef CW_API_H
#define CW_API_H

#include <jansson.h>

#define CW_SOCKET_DEFAULT	"/run/cellwatch/cellwatch.sock"
#define CW_MSG_MAX		65536
#define CW_API_ALERTS_WHOLE	10	/* a rule's alerts a cellrun is sent whole */

/* Connect to the daemon at @path.  A socket fd (close-on-exec) or negative errno. */
int cw_api_connect(const char *path);

/* Send @doc as one message; 0 or negative errno (-EAGAIN on a full non-blocking socket). */
int cw_api_send(int fd, json_t *doc);

/*
 * Receive one message, waiting up to @timeout_ms (-1: for ever).  0 with
 * *doc set; 0 with *doc NULL at end of stream; -ETIMEDOUT; -EBADMSG when
 * the message is not a JSON object; other negative errno.
 */
int cw_api_recv(int fd, json_t **doc, int timeout_ms);
/* The same, and the message as it came in *@text (*@len bytes, valid until the next call). */
int cw_api_recv_text(int fd, json_t **doc, const char **text, size_t *len, int timeout_ms);

#endif /* CW_API_H */
