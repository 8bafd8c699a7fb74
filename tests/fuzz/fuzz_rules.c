// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rules target: a rule file's text.  Parsed as cellwatch loads it; when it
 * loads, every rule is matched against sample events of every kind and the
 * alerts it would raise are formatted, so names, lists, globs, CIDRs and
 * ports from the file meet the code that uses them.  Each rule is compiled
 * through a counting map writer: a rule the table of conditions gives the
 * kernel (a deny always, and a "layer": "kernel" claim) must be written
 * there, so an accepted deny is never one nothing enforces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "fuzz.h"
#include "ecs.h"
#include "rules.h"
#include "samples.h"

#define MAX_SAMPLES 32

/* The sample records, decoded once, with a process tree's ancestry. */
static struct cw_event *samples(size_t *n)
{
	static struct cw_event ev[MAX_SAMPLES];
	static size_t count;
	struct cw_event rec;
	size_t size;

	if (count)
		goto out;
	while (count < MAX_SAMPLES && (size = cw_fuzz_sample(count, &rec))) {
		FUZZ_CHECK(cw_event_decode(&ev[count], &rec, size) == 0);
		ev[count].ancestry[0] = "/usr/bin/python3";
		ev[count].ancestry[1] = NULL;
		ev[count].ancestry[2] = "/usr/bin/bash";
		ev[count].nancestry = 3;
		count++;
	}
out:
	*n = count;
	return ev;
}

static void raise_alert(struct cw_event *ev, const struct cw_rule *r)
{
	ev->rule = r;
	ev->layer = "userspace";
	cw_fuzz_emit(ev);
	ev->rule = NULL;
	ev->layer = NULL;
}

/* Counts the entries that decide something ("not" CIDRs are exceptions that decide nothing). */
static int count_deciding(void *ctx, enum cw_rule_map map, const void *key, const void *val)
{
	const struct cw_verdict *v = val;	/* first member of struct cw_net_rule too */

	FUZZ_CHECK(map < CW_RULE_MAPS && key);
	*(size_t *)ctx += v->action != CW_ACTION_NONE;
	return 0;
}

/* The invariant: the kernel decides what the table says it does, deny included. */
static void check_kernel_layer(const struct cw_rule *r)
{
	size_t deciding = 0;

	FUZZ_CHECK(cw_rule_compile_entries(r, 1, count_deciding, &deciding) == 0);
	if (r->action == CW_RULE_DENY)
		FUZZ_CHECK(r->kernel != CW_KERNEL_NONE);
	FUZZ_CHECK((r->kernel != CW_KERNEL_NONE) == (deciding > 0));
}

int cw_fuzz_rules(const uint8_t *data, size_t size)
{
	struct cw_ruleset rs;
	struct cw_event *ev;
	size_t nev;
	char err[512];

	ev = samples(&nev);
	if (cw_rules_parse(&rs, "fuzz.json", (const char *)data, size, err, sizeof(err))) {
		/* Whole or not at all, and said. */
		FUZZ_CHECK(!rs.rules && !rs.nrules && err[0]);
		return 0;
	}
	for (size_t i = 0; i < rs.nrules; i++) {
		const struct cw_rule *r = &rs.rules[i];

		FUZZ_CHECK(cw_rules_by_id(&rs, r->id) == r && r->name);
		check_kernel_layer(r);
		for (size_t j = 0; j < nev; j++) {
			/* As the monitor does: a rule only sees events of its kind. */
			if (r->event == ev[j].hdr.type && cw_rule_matches(r, &ev[j]))
				raise_alert(&ev[j], r);
		}
	}
	FUZZ_CHECK(!cw_rules_by_id(&rs, rs.nrules + 1));
	cw_rules_free(&rs);
	return 0;
}

CW_FUZZ_ENTRY(cw_fuzz_rules)
