// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Correlation groups: distinct signals of several rules, counted per cell within a window. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "event.h"
#include "rules.h"

struct seen {
	char name[CW_CORR_SIGNAL_LEN];
	__u64 last_ns;			/* boot-time clock of its latest match */
};

/* One group in one cell under one policy. */
struct group_state {
	__u32 policy;
	__u64 cell;
	char *group;			/* a copy: a reload frees the rules before
					 * the cells leave */
	__u64 quiet_until_ns;		/* fired: nothing counts until then */
	size_t n;
	struct seen seen[CW_CORR_SIGNALS_MAX];	/* first seen first */
	struct group_state *next;
};

struct cw_corr_table {
	struct group_state *head;
};

struct cw_corr_table *cw_corr_new(void)
{
	return calloc(1, sizeof(struct cw_corr_table));
}

void cw_corr_forget(struct cw_corr_table *t, __u32 policy, __u64 cell)
{
	struct group_state **pp = &t->head;

	while (*pp) {
		struct group_state *g = *pp;

		if ((!policy || g->policy == policy) && (!cell || g->cell == cell)) {
			*pp = g->next;
			free(g->group);
			free(g);
		} else {
			pp = &g->next;
		}
	}
}

void cw_corr_free(struct cw_corr_table *t)
{
	if (!t)
		return;
	cw_corr_forget(t, 0, 0);
	free(t);
}

/*
 * "/proc/2/status" and "/proc/17/status" are one probe made from two
 * processes: the pid component is folded so that they count once.
 */
static void fold_proc_pid(const char *path, char *buf, size_t len)
{
	const char *p = path + strlen("/proc/");
	size_t digits = 0;

	if (strncmp(path, "/proc/", 6)) {
		snprintf(buf, len, "%s", path);
		return;
	}
	while (isdigit((unsigned char)p[digits]))
		digits++;
	if (digits && (p[digits] == '/' || !p[digits]))
		snprintf(buf, len, "/proc/<pid>%s", p + digits);
	else
		snprintf(buf, len, "%s", path);
}

/* "connect 127.0.0.1:2375", "connect [::1]:22", "connect unix:/run/x.sock". */
static void net_signal(const struct cw_event *ev, char *buf, size_t len)
{
	const struct cw_net_event *n = &ev->net;
	const char *op = cw_name_of(cw_net_op_names, n->op) ?: "net";
	char addr[INET6_ADDRSTRLEN] = "?";

	if (n->family == AF_UNIX) {
		/* An abstract name starts with a NUL: shown from its second byte, as "@name". */
		snprintf(buf, len, "%s unix:%s%.*s", op, n->path[0] ? "" : "@",
			 (int)(n->path_len ? n->path_len - !n->path[0] : 0),
			 n->path + !n->path[0]);
		return;
	}
	inet_ntop(n->family, n->addr, addr, sizeof(addr));
	snprintf(buf, len, n->family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u", op, addr, n->port);
}

void cw_corr_signal(const struct cw_rule *r, const struct cw_event *ev, char *buf, size_t len)
{
	const char *path = cw_event_path(ev), *base;
	char folded[CW_CORR_SIGNAL_LEN];

	if (r->corr_signal) {
		snprintf(buf, len, "%s", r->corr_signal);
		return;
	}
	switch (ev->hdr.type) {
	case CW_EVENT_EXEC:
		/* The program by name: /usr/bin/id and /bin/id are the same question. */
		base = path ? strrchr(path, '/') : NULL;
		snprintf(buf, len, "exec %s", base ? base + 1 : path ? path : "?");
		return;
	case CW_EVENT_OPEN:
		fold_proc_pid(path ? path : "?", folded, sizeof(folded));
		snprintf(buf, len, "open %s", folded);
		return;
	case CW_EVENT_SYSCALL: {
		char *name = cw_syscall_name(ev);

		snprintf(buf, len, "syscall %s", name ? name : "?");
		free(name);
		return;
	}
	case CW_EVENT_NET:
		/* The destination: a scan is many of them. */
		net_signal(ev, buf, len);
		return;
	default:
		/* Other kinds have no one object: the rule is the signal. */
		snprintf(buf, len, "%s", r->name);
	}
}

static struct group_state *group_of(struct cw_corr_table *t, __u32 policy, __u64 cell,
				    const char *group)
{
	struct group_state *g;

	for (g = t->head; g; g = g->next) {
		if (g->policy == policy && g->cell == cell && !strcmp(g->group, group))
			return g;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->group = strdup(group);
	if (!g->group) {
		free(g);
		return NULL;
	}
	g->policy = policy;
	g->cell = cell;
	g->next = t->head;
	t->head = g;
	return g;
}

/* Drop the signals last seen before @since, keeping the others in order. */
static void expire(struct group_state *g, __u64 since)
{
	size_t kept = 0;

	for (size_t i = 0; i < g->n; i++) {
		if (g->seen[i].last_ns >= since)
			g->seen[kept++] = g->seen[i];
	}
	g->n = kept;
}

/* Note @name at @now: a new signal goes last; when full, the stalest goes. */
static void remember(struct group_state *g, const char *name, __u64 now)
{
	size_t i, stalest = 0;

	for (i = 0; i < g->n; i++) {
		if (!strcmp(g->seen[i].name, name)) {
			g->seen[i].last_ns = now;
			return;
		}
		if (g->seen[i].last_ns < g->seen[stalest].last_ns)
			stalest = i;
	}
	if (g->n == CW_CORR_SIGNALS_MAX) {
		memmove(&g->seen[stalest], &g->seen[stalest + 1],
			(g->n - stalest - 1) * sizeof(g->seen[0]));
		g->n--;
	}
	snprintf(g->seen[g->n].name, sizeof(g->seen[g->n].name), "%s", name);
	g->seen[g->n++].last_ns = now;
}

bool cw_corr_note(struct cw_corr_table *t, __u32 policy, const struct cw_rule *r,
		  const struct cw_event *ev, struct cw_correlation *out)
{
	__u64 now = ev->hdr.ts_boot_ns, window = r->corr_seconds * 1000000000ULL;
	char name[CW_CORR_SIGNAL_LEN];
	struct group_state *g;

	g = group_of(t, policy, ev->hdr.cell_id, r->corr_group);
	if (!g || now < g->quiet_until_ns)
		return false;
	expire(g, now > window ? now - window : 0);
	cw_corr_signal(r, ev, name, sizeof(name));
	remember(g, name, now);
	if (g->n < r->corr_distinct)
		return false;
	out->group = r->corr_group;
	out->seconds = r->corr_seconds;
	out->nsignals = g->n;
	for (size_t i = 0; i < g->n; i++)
		memcpy(out->signals[i], g->seen[i].name, sizeof(out->signals[i]));
	/* Once per window: the same burst is one alert, a later one another. */
	g->n = 0;
	g->quiet_until_ns = now + window;
	return true;
}
