// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Event target: ring buffer records are what the kernel side writes on
 * behalf of the cell, with paths, arguments and names the payload chose.
 * Each record goes through what the monitor does with it short of BPF:
 * decode, process tree, the default rules, and every output format.
 *
 * Input: records, each after its length (2 bytes, little-endian); a
 * length past the end takes what is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile.h"
#include "event.h"
#include "fuzz.h"
#include "proctree.h"
#include "rules.h"

static const struct cw_ruleset *default_rules(void)
{
	static struct cw_ruleset rs;
	static bool loaded;
	char err[512];

	if (!loaded) {
		if (cw_rules_load(&rs, CW_SOURCE_DIR "/rules/default.json", err, sizeof(err)))
			cw_fuzz_fail(__FILE__, __LINE__, err);
		loaded = true;
	}
	return &rs;
}

/* What cw_event_decode() promises: every string ends inside its buffer. */
static void check_decoded(const struct cw_event *ev)
{
	const struct cw_exec_event *e = &ev->exec;
	const struct cw_net_event *n = &ev->net;
	const char *nul;

	FUZZ_CHECK(memchr(ev->hdr.comm, '\0', CW_COMM_LEN));
	switch (ev->hdr.type) {
	case CW_EVENT_EXEC:
		FUZZ_CHECK(e->path_len && strlen(e->data) == e->path_len - 1);
		nul = memchr(e->data + e->path_len, '\0', sizeof(e->data) - e->path_len);
		FUZZ_CHECK(nul && nul <= e->data + e->path_len + e->args_len);
		FUZZ_CHECK(cw_event_path(ev) == e->data);
		for (const char *a = NULL; (a = cw_exec_next_arg(ev, a));)
			FUZZ_CHECK(a >= e->data + e->path_len &&
				   a + strlen(a) <= e->data + e->path_len + e->args_len);
		break;
	case CW_EVENT_OPEN:
		FUZZ_CHECK(ev->open.path_len &&
			   strlen(ev->open.path) == ev->open.path_len - 1);
		/* A failed open's string is kept beside its canonical path, a string too. */
		if (cw_event_requested(ev))
			FUZZ_CHECK(memchr(cw_event_requested(ev), '\0', sizeof(ev->requested)));
		else
			FUZZ_CHECK(!(ev->hdr.flags & CW_F_UNRESOLVED));
		break;
	case CW_EVENT_NET:
		/* Rules compare a unix socket's path name as a string. */
		if (n->family == AF_UNIX && n->path_len && n->path[0])
			FUZZ_CHECK(memchr(n->path, '\0', sizeof(n->path)));
		break;
	}
}

/* Judged as the monitor does: the kernel's verdict names its rule, else the first match. */
static void judge(const struct cw_ruleset *rs, struct cw_event *ev)
{
	/* As the monitor's judge(): what an earlier event was told does not carry over. */
	ev->layer = NULL;
	ev->correlation = NULL;
	ev->rule = cw_rules_by_id(rs, ev->hdr.rule_id);
	if (ev->hdr.action != CW_ACTION_NONE) {
		ev->layer = ev->hdr.layer == CW_LAYER_LSM ? "lsm" : "kernel";
		return;
	}
	/* Every rule, not only up to the first match: each is code that reads the event. */
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct cw_rule *r = &rs->rules[i];

		if (r->event != ev->hdr.type || cw_rule_kernel_judged(r, ev) ||
		    !cw_rule_matches(r, ev) || ev->rule)
			continue;
		ev->rule = r;
		ev->layer = "userspace";
		ev->hdr.action = r->action;
	}
}

static void consume(struct cw_proctree *tree, const uint8_t *data, size_t size)
{
	static struct cw_event ev;
	/* Its own allocation, as aligned as a ring buffer record, its size exactly. */
	void *rec = malloc(size ?: 1);

	if (!rec)
		return;
	memcpy(rec, data, size);
	/* What an earlier, larger record left behind in the monitor's buffer. */
	memset(&ev, 0xa5, sizeof(ev));
	if (cw_event_decode(&ev, rec, size) == 0) {
		check_decoded(&ev);
		ev.realtime_ns = ev.hdr.ts_boot_ns;
		cw_proctree_update(tree, &ev);
		judge(default_rules(), &ev);
		cw_fuzz_emit(&ev);
	}
	free(rec);
}

int cw_fuzz_event(const uint8_t *data, size_t size)
{
	struct cw_proctree *tree = cw_proctree_new();

	if (!tree)
		return 0;
	while (size >= 2) {
		size_t len = data[0] | data[1] << 8;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		consume(tree, data, len);
		data += len;
		size -= len;
	}
	cw_proctree_free(tree);
	return 0;
}

CW_FUZZ_ENTRY(cw_fuzz_event)
