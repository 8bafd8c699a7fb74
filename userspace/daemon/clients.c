// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The daemon's API clients: cellruns that register a cell, and subscribers (tail).
 */
#include "internal.h"

static int client_want_out(struct daemon *d, struct client *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };

	return epoll_ctl(d->ep, EPOLL_CTL_MOD, c->src.fd, &ev);
}

static int send_text(int fd, const char *text)
{
	ssize_t n = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);

	return n < 0 ? -errno : 0;
}

/* Send what waits, in order; false when the socket is full again. */
bool client_flush(struct daemon *d, struct client *c)
{
	while (c->len) {
		if (send_text(c->src.fd, c->queue[c->head]))
			return false;
		free(c->queue[c->head]);
		c->head = (c->head + 1) % QUEUE_CAP;
		c->len--;
	}
	if (c->dropped) {
		char notice[96];

		snprintf(notice, sizeof(notice), "{\"notice\":\"dropped\",\"count\":%llu}",
			 (unsigned long long)c->dropped);
		if (send_text(c->src.fd, notice))
			return false;
		c->dropped = 0;
	}
	client_want_out(d, c, false);
	return true;
}

/*
 * Hand @text to a client: sent at once when the socket takes it, else
 * queued.  An alert past QUEUE_LEN waiting is counted, and the client told
 * how many it missed once it catches up; a @reply (an acknowledgement, a
 * cell's end and its losses) has REPLY_RESERVE more places and is never
 * dropped: a client that leaves even those unread is closed.  Never blocks
 * the daemon.
 */
static void enqueue(struct daemon *d, struct client *c, const char *text, bool reply)
{
	char *copy;

	if (!c->len && !c->dropped && !send_text(c->src.fd, text))
		return;
	if (c->len >= (reply ? QUEUE_CAP : QUEUE_LEN) || !(copy = strdup(text))) {
		if (reply) {
			c->deaf = true;
			return;
		}
		c->dropped++;
		d->subscriber_drops++;
		return;
	}
	c->queue[(c->head + c->len) % QUEUE_CAP] = copy;
	c->len++;
	client_want_out(d, c, true);
}

void client_send(struct daemon *d, struct client *c, const char *text)
{
	enqueue(d, c, text, false);
}

void client_reply(struct daemon *d, struct client *c, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	if (text)
		enqueue(d, c, text, true);
	else
		c->deaf = true;
	free(text);
	json_decref(doc);
}

void client_close(struct daemon *d, struct client *c)
{
	struct client **pp;

	for (pp = &d->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	for (struct cell *cell = d->cells; cell; cell = cell->next) {
		if (cell->owner == c)
			cell->owner = NULL;
	}
	while (c->len) {
		free(c->queue[c->head]);
		c->head = (c->head + 1) % QUEUE_CAP;
		c->len--;
	}
	close(c->src.fd);
	free(c->run_id);
	json_decref(c->labels);
	free(c);
}

