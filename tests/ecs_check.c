// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every record the tests read is checked against what Elasticsearch will
 * be told (deploy/elasticsearch/cellwatch-template.json) and what ECS 8.11
 * says of its fields (tests/ecs/ecs-8.11.tsv): each field mapped, of the
 * mapped type, an array where ECS wants one and only there, and one of the
 * allowed values where ECS lists them.  A record that would be rejected,
 * or quietly left unindexed, fails the test that read it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

struct ecs_field {
	char name[64];
	char type[24];
	bool array;
	char allowed[512];	/* ",a,b,c," or "" */
};

static struct ecs_field *ecs_fields;
static size_t necs_fields;
static json_t *template_props;	/* the template's mappings.properties */

static bool load_fields(char *why, size_t len)
{
	char path[4200], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/ecs/ecs-8.11.tsv", src_dir);
	f = fopen(path, "re");
	if (!f) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[64], type[24], array[8], allowed[500];
		struct ecs_field *grown;

		if (line[0] == '#' || sscanf(line, "%63s %23s %7s %499s", name, type, array,
					     allowed) != 4)
			continue;
		grown = realloc(ecs_fields, (necs_fields + 1) * sizeof(*grown));
		if (!grown)
			break;
		ecs_fields = grown;
		grown = &ecs_fields[necs_fields++];
		snprintf(grown->name, sizeof(grown->name), "%s", name);
		snprintf(grown->type, sizeof(grown->type), "%s", type);
		grown->array = !strcmp(array, "yes");
		if (strcmp(allowed, "-"))
			snprintf(grown->allowed, sizeof(grown->allowed), ",%s,", allowed);
		else
			grown->allowed[0] = '\0';
	}
	fclose(f);
	return true;
}

/* The template and the ECS table, loaded once for the whole run. */
static bool ecs_load(char *why, size_t len)
{
	char path[4200];
	json_error_t jerr;
	json_t *tpl;

	if (template_props)
		return true;
	snprintf(path, sizeof(path), "%s/deploy/elasticsearch/cellwatch-template.json", src_dir);
	tpl = json_load_file(path, 0, &jerr);
	if (!tpl) {
		snprintf(why, len, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return false;
	}
	template_props = json_incref(json_object_get(json_object_get(json_object_get(tpl,
							"template"), "mappings"), "properties"));
	json_decref(tpl);
	if (!template_props) {
		snprintf(why, len, "%s: no template.mappings.properties", path);
		return false;
	}
	return load_fields(why, len);
}

static const struct ecs_field *ecs_field(const char *name)
{
	for (size_t i = 0; i < necs_fields; i++) {
		if (!strcmp(ecs_fields[i].name, name))
			return &ecs_fields[i];
	}
	return NULL;
}

/* The template's mapping of dotted @name, or NULL. */
json_t *ecs_template_mapping(const char *name)
{
	char key[128];
	const char *dot;
	json_t *props = template_props, *m = NULL;

	while (props) {
		dot = strchr(name, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
		m = json_object_get(props, key);
		if (!dot || !m)
			break;
		props = json_object_get(m, "properties");
		name = dot + 1;
	}
	return dot ? NULL : m;
}

/* "2023-11-14T22:13:20.123456Z": what ES's default date format (ISO 8601) takes. */
static bool is_timestamp(const char *s)
{
	const char *shape = "dddd-dd-ddTdd:dd:dd";

	for (; *shape; shape++, s++) {
		if (*shape == 'd' ? !isdigit((unsigned char)*s) : *s != *shape)
			return false;
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++)
			;
	}
	return !strcmp(s, "Z");
}

/* One value of field @name against mapping type @type: NULL, or why not. */
static const char *check_value(const char *type, json_t *v, const struct ecs_field *ecs)
{
	unsigned char addr[16];
	const char *s = json_string_value(v);

	if (!strcmp(type, "keyword") || !strcmp(type, "match_only_text")) {
		if (!s)
			return "not a string";
		if (ecs && ecs->allowed[0]) {
			char item[256];

			snprintf(item, sizeof(item), ",%s,", s);
			if (!strstr(ecs->allowed, item))
				return "not a value ECS allows";
		}
		return NULL;
	}
	if (!strcmp(type, "long"))
		return json_is_integer(v) ? NULL : "not an integer";
	if (!strcmp(type, "boolean"))
		return json_is_boolean(v) ? NULL : "not a boolean";
	if (!strcmp(type, "date"))
		return s && is_timestamp(s) ? NULL : "not an ISO 8601 UTC time";
	if (!strcmp(type, "ip"))
		return s && (inet_pton(AF_INET, s, addr) == 1 ||
			     inet_pton(AF_INET6, s, addr) == 1) ? NULL : "not an IP address";
	return "a type this check does not know";
}

static bool check_field(const char *name, json_t *v, char *why, size_t len)
{
	const struct ecs_field *ecs = ecs_field(name);
	json_t *m = ecs_template_mapping(name), *item;
	const char *type = json_string_value(json_object_get(m, "type")), *bad = NULL;
	size_t i;

	if (!strncmp(name, "labels.", 7)) {
		if (!json_is_string(v))
			bad = "a label's value is not a string";
	} else if (!type) {
		bad = "not in the index template";
	} else if (ecs && strcmp(ecs->type, type)) {
		bad = "mapped otherwise than ECS 8.11 defines it";
	} else if (json_is_array(v)) {
		if (ecs && !ecs->array)
			bad = "an array where ECS wants one value";
		json_array_foreach(v, i, item) {
			/* Elasticsearch skips nulls in arrays (the ancestry's unknown images). */
			if (!bad && !json_is_null(item))
				bad = check_value(type, item, ecs);
		}
	} else if (ecs && ecs->array) {
		bad = "one value where ECS wants an array";
	} else {
		bad = check_value(type, v, ecs);
	}
	if (bad) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(why, len, "%s = %s: %s", name, text ?: "?", bad);
		free(text);
	}
	return !bad;
}

static bool check_object(json_t *obj, const char *prefix, char *why, size_t len)
{
	const char *key, *type;
	json_t *v;

	json_object_foreach(obj, key, v) {
		char name[256];

		snprintf(name, sizeof(name), "%s%s", prefix, key);
		type = json_string_value(json_object_get(ecs_template_mapping(name), "type"));
		/* A label is one keyword: an object there is refused, not walked. */
		if (json_is_object(v) && strncmp(name, "labels.", 7) &&
		    (!type || !strcmp(type, "object"))) {
			snprintf(name, sizeof(name), "%s%s.", prefix, key);
			if (!check_object(v, name, why, len))
				return false;
		} else if (!check_field(name, v, why, len)) {
			return false;
		}
	}
	return true;
}

bool ecs_check(json_t *doc, char *why, size_t len)
{
	if (!ecs_load(why, len))
		return false;
	return check_object(doc, "", why, len);
}

bool ecs_template_agrees(char *why, size_t len)
{
	const char *type;

	if (!ecs_load(why, len))
		return false;
	for (size_t i = 0; i < necs_fields; i++) {
		type = json_string_value(json_object_get(ecs_template_mapping(ecs_fields[i].name),
							 "type"));
		if (!type || strcmp(type, ecs_fields[i].type)) {
			snprintf(why, len, "%s: ECS 8.11 says %s, the template %s", ecs_fields[i].name,
				 ecs_fields[i].type, type ?: "nothing");
			return false;
		}
	}
	return necs_fields > 0;
}
