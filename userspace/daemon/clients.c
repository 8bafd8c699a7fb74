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
 * queued.  A message past QUEUE_LEN waiting is not queued: false, for the
 * caller to count.  A @reply (an acknowledgement, a cell's end and its
 * losses) has REPLY_RESERVE more places and is never dropped: a client
 * that leaves even those unread is closed.  Never blocks the daemon.
 */
static bool enqueue(struct daemon *d, struct client *c, const char *text, bool reply)
{
	char *copy;

	if (!c->len && !c->dropped && !send_text(c->src.fd, text))
		return true;
	if (c->len >= (reply ? QUEUE_CAP : QUEUE_LEN) || !(copy = strdup(text))) {
		if (reply)
			c->deaf = true;
		return false;
	}
	c->queue[(c->head + c->len) % QUEUE_CAP] = copy;
	c->len++;
	client_want_out(d, c, true);
	return true;
}

/* An event to a subscriber, which is told how many it missed once it catches up. */
void client_send(struct daemon *d, struct client *c, const char *text)
{
	if (enqueue(d, c, text, false))
		return;
	c->dropped++;
	d->subscriber_drops++;
}

/* The tally of @rule's alerts to @c; NULL when more rules than MAX_TALLIES alerted. */
static struct tally *tally_of(struct client *c, const char *rule)
{
	struct tally *t;

	for (unsigned int i = 0; i < c->ntally; i++)
		if (!strcmp(c->tally[i].rule, rule))
			return &c->tally[i];
	if (c->ntally == MAX_TALLIES)
		return NULL;
	t = &c->tally[c->ntally];
	t->rule = strdup(rule);
	if (!t->rule)
		return NULL;
	c->ntally++;
	return t;
}

/*
 * An alert of @c's cell to the cellrun that registered it.  cellrun shows
 * each rule's first CW_API_ALERTS_WHOLE and counts the rest, so past those
 * the daemon sends only their number (client_tell_untold()): a flood of
 * alerts costs no message each, on either side, and the count stays exact
 * when the cellrun falls behind.  Kills and the daemon's own records
 * (limits reached, losses, egress) always go whole: the cellrun reports
 * the rule that ended its run, and a limit's record is its acknowledgement.
 */
void client_alert(struct daemon *d, struct client *c, const struct cw_record *rec,
		  const char *text)
{
	const struct cw_event *ev = rec->ev;
	bool kill = ev && (ev->hdr.action == CW_ACTION_KILL ||
			   ev->hdr.action == CW_ACTION_KILL_RUN);
	struct tally *t = ev ? tally_of(c, rec->rule ?: CELL_POLICY) : NULL;

	if (t && !kill && t->sent >= CW_API_ALERTS_WHOLE) {
		t->untold++;
		c->untold = true;
	} else if (enqueue(d, c, text, false)) {
		if (t)
			t->sent++;
	} else if (t) {
		t->untold++;
		c->untold = true;
	} else {
		c->dropped++;
	}
}

/*
 * The alerts @c was not sent whole, by rule, once it has read what came
 * before them, and in any case @before_end of its cell: never dropped.
 */
void client_tell_untold(struct daemon *d, struct client *c, bool before_end)
{
	json_t *counts, *msg;
	char *text;

	if (!c->untold || (c->len && !before_end))
		return;
	counts = json_object();
	for (unsigned int i = 0; counts && i < c->ntally; i++) {
		struct tally *t = &c->tally[i];

		if (t->untold && json_object_set_new(counts, t->rule, json_integer(t->untold)))
			goto out;
	}
	msg = counts ? json_pack("{s:s, s:O}", "notice", "alerts", "untold", counts) : NULL;
	text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (!text)
		goto out;
	if (enqueue(d, c, text, true)) {
		for (unsigned int i = 0; i < c->ntally; i++)
			c->tally[i].untold = 0;
		c->untold = false;
	}
	free(text);
out:
	json_decref(counts);
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
	for (unsigned int i = 0; i < c->ntally; i++)
		free(c->tally[i].rule);
	close(c->src.fd);
	free(c->run_id);
	json_decref(c->labels);
	free(c);
}

