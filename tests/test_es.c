// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Elasticsearch index template (deploy/elasticsearch): every ECS field
 * mapped as ECS 8.11 defines it, every documented field mapped, nothing
 * guessed from a first value; and the check every read log goes through
 * (tests/ecs_check.c) refuses what Elasticsearch would.
 */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

static json_t *load_template(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/deploy/elasticsearch/cellwatch-template.json", src_dir);
	return read_json(path);
}

UNIT_TEST(es_template_maps_what_cellwatch_writes)
{
	json_t *tpl = load_template(), *mappings, *label;
	char path[4200], line[1024], name[128], why[512];
	int documented = 0;
	FILE *f;

	if (!ASSERT_OK_PTR(tpl, "the template"))
		return;
	mappings = json_object_get(json_object_get(tpl, "template"), "mappings");
	/* A date-like run id or label must not turn a field into a date for every later run. */
	ASSERT_TRUE(json_is_false(json_object_get(mappings, "date_detection")), "no date detection");
	ASSERT_TRUE(json_is_false(json_object_get(mappings, "dynamic")),
		    "unmapped fields kept in _source, not guessed");
	ASSERT_TRUE(json_is_object(json_object_get(tpl, "data_stream")), "a data stream");
	ASSERT_STREQ(json_string_value(json_array_get(json_object_get(tpl, "index_patterns"), 0)),
		     "logs-cellwatch-*", "the stream the shippers write");
	label = json_pack("{s:{s:s}}", "labels", "run", "2026-01-01");
	ASSERT_TRUE(ecs_check(label, why, sizeof(why)), "a label is a keyword whatever it looks like");
	json_decref(label);
	ASSERT_TRUE(ecs_template_agrees(why, sizeof(why)), why);

	/* Each field the event reference documents (its tables' first column) is mapped. */
	snprintf(path, sizeof(path), "%s/docs/events.md", src_dir);
	f = fopen(path, "re");
	if (!ASSERT_OK_PTR(f, "docs/events.md"))
		goto out;
	while (fgets(line, sizeof(line), f)) {
		char *cell_end = strchr(line + 1, '|'), *p = line;

		if (strncmp(line, "| `", 3) || !cell_end)
			continue;
		/* Every `field` of the first column ("`a.b`, `a.c`"); a field has a dot. */
		while ((p = strchr(p, '`')) && p < cell_end &&
		       sscanf(p, "`%127[a-z0-9_.@]`", name) == 1) {
			p = strchr(p + 1, '`') + 1;
			if (!strchr(name, '.') && strcmp(name, "@timestamp") &&
			    strcmp(name, "message") && strcmp(name, "tags"))
				continue;
			documented++;
			ASSERT_OK_PTR(ecs_template_mapping(name), name);
		}
	}
	fclose(f);
	ASSERT_GE(documented, 90, "the reference's fields were read");
out:
	json_decref(tpl);
}

/* The check refuses each way a record could go wrong in Elasticsearch. */
UNIT_TEST(es_check_refuses_what_elasticsearch_would)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "{\"event\":{\"kind\":\"alarm\"}}", "not a value ECS allows" },
		{ "{\"event\":{\"category\":\"process\"}}", "one value where ECS wants an array" },
		{ "{\"event\":{\"type\":[\"creation\",\"launch\"]}}", "not a value ECS allows" },
		{ "{\"rule\":{\"id\":7}}", "not a string" },
		{ "{\"process\":{\"pid\":\"7\"}}", "not an integer" },
		{ "{\"process\":{\"name\":[\"a\"]}}", "an array where ECS wants one value" },
		{ "{\"destination\":{\"ip\":\"metadata\"}}", "not an IP address" },
		{ "{\"@timestamp\":\"2026-12-06 10:00:00\"}", "not an ISO 8601 UTC time" },
		{ "{\"labels\":{\"app\":{\"name\":\"x\"}}}", "a label's value is not a string" },
		{ "{\"cellwatch\":{\"no_such_field\":1}}", "not in the index template" },
		{ "{\"file\":{\"path\":{\"x\":1}}}", "not a string" },
	};
	char why[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = json_loads(bad[i].doc, 0, NULL);

		if (!ASSERT_OK_PTR(doc, bad[i].doc))
			continue;
		why[0] = '\0';
		ASSERT_FALSE(ecs_check(doc, why, sizeof(why)), bad[i].doc);
		ASSERT_HAS(why, bad[i].why, bad[i].doc);
		json_decref(doc);
	}
	json_t *good = json_loads("{\"@timestamp\":\"2026-12-06T10:00:00.123456Z\","
				  "\"event\":{\"kind\":\"alert\",\"category\":[\"process\"],"
				  "\"type\":[\"start\"],\"sequence\":3},\"labels\":{\"app\":\"x\"},"
				  "\"destination\":{\"ip\":\"fd00::1\"},\"rule\":{\"id\":\"7\"},"
				  "\"cellwatch\":{\"ancestry\":[\"/usr/bin/python3\",null]}}", 0, NULL);

	ASSERT_TRUE(ecs_check(good, why, sizeof(why)), why);
	json_decref(good);
}
