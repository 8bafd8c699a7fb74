// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: an ECS document shortened to fit a syslog datagram stays
 * valid JSON of the same schema, says it was cut and by how much, and
 * keeps every field it did not have to cut.
 */
#include <stdlib.h>

#include "daemon/rfc5424.h"
#include "daemon/shorten.h"
#include "ecs.h"
#include "test.h"

/* The bytes json_dumps() gives @v (any value). */
static size_t jlen(json_t *v)
{
	return json_dumpb(v, NULL, 0, CW_SYSLOG_JSON | JSON_ENCODE_ANY);
}

/* @doc shortened to @max bytes of JSON, as syslog's copy would be. */
static int shorten(json_t *doc, size_t max)
{
	return cw_ecs_shorten(doc, max, CW_SYSLOG_JSON, "syslog", NULL, NULL);
}

/* @n bytes of @unit repeated (a whole number of units), NUL-terminated; freed by the caller. */
static char *repeat(const char *unit, size_t n)
{
	size_t ulen = strlen(unit);
	char *s = malloc(n + 1);

	for (size_t i = 0; s && i + ulen <= n; i += ulen)
		memcpy(s + i, unit, ulen);
	if (s)
		s[n / ulen * ulen] = '\0';
	return s;
}

/* An open alert as the daemon sends it, @path long. */
static json_t *open_alert(const char *path)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s, s:s, s:[s], s:[s]}, s:{s:s, s:s}, s:s,"
			 " s:{s:{s:i}, s:s, s:s, s:s}, s:{s:s}, s:{s:i, s:s, s:[s,s,s]}, s:[s,s]}",
			 "@timestamp", "2026-12-06T10:11:12.123456Z",
			 "log", "level", "error",
			 "event", "kind", "alert", "action", "open", "category", "file",
			 "type", "creation",
			 "rule", "name", "dotenv-read", "description", "A .env file opened.",
			 "message", "dotenv-read: open (kill-run, userspace)",
			 "cellwatch", "cell", "id", 31983, "action", "kill-run", "layer", "userspace",
			 "run_id", "job-42",
			 "file", "path", path,
			 "process", "pid", 4242, "name", "python3",
			 "args", "python3", "-c", "open('x/.env', 'w')",
			 "tags", "attack.credential_access", "attack.t1552.001");
}

/*
 * Compare @orig and @cut field by field: each leaf of @cut is @orig's, or
 * a string @orig had longer, cut to a prefix and "..." (counted in
 * *@cuts, the JSON they lost added to *@lost).
 */
static void compare(json_t *orig, json_t *cut, const char *where, int *cuts, size_t *lost)
{
	const char *key;
	json_t *v;

	if (json_is_object(orig)) {
		json_object_foreach(orig, key, v) {
			char path[256];

			snprintf(path, sizeof(path), "%s.%s", where, key);
			if (ASSERT_OK_PTR(json_object_get(cut, key), path))
				compare(v, json_object_get(cut, key), path, cuts, lost);
		}
	} else if (json_is_string(orig) && !json_equal(orig, cut)) {
		const char *o = json_string_value(orig), *c = json_string_value(cut);
		size_t clen = c ? strlen(c) : 0;

		if (!ASSERT_TRUE(c && clen >= 3 && !strcmp(c + clen - 3, "..."), where) ||
		    !ASSERT_TRUE(clen - 3 < strlen(o) && !strncmp(o, c, clen - 3),
				 "a cut string is a prefix of the original"))
			return;
		(*cuts)++;
		*lost += jlen(orig) - jlen(cut);
	} else {
		ASSERT_TRUE(json_equal(orig, cut), where);
	}
}

UNIT_TEST(shorten_70k_document_fits_8k)
{
	/* ASCII, then 'é' (two bytes, six in ASCII-escaped JSON). */
	char *ascii = repeat("/deep", 10000), *accents = repeat("\xc3\xa9", 8000), *path = NULL;
	json_t *doc = NULL, *orig = NULL, *back = NULL;
	size_t lost = 0, before;
	char *text = NULL;
	int cuts = 0;

	if (!ASSERT_OK_PTR(ascii, "alloc") || !ASSERT_OK_PTR(accents, "alloc") ||
	    asprintf(&path, "/tmp%s/%s/.env", ascii, accents) < 0)
		goto cleanup;
	doc = open_alert(path);
	/* The message names the path too, as the daemon's does, at full length. */
	if (!ASSERT_OK_PTR(doc, "doc") ||
	    !ASSERT_OK(cw_json_set(doc, "message", json_string(path)), "message"))
		goto cleanup;
	orig = json_deep_copy(doc);
	before = jlen(doc);
	ASSERT_GE(before, 68000, "a 70 KB document to start with");
	ASSERT_LE(before, 72000, "a 70 KB document to start with");

	ASSERT_OK(shorten(doc, 8192), "shortened");
	text = json_dumps(doc, CW_SYSLOG_JSON);
	if (!ASSERT_OK_PTR(text, "dump"))
		goto cleanup;
	ASSERT_LE(strlen(text), 8192, "it fits");
	ASSERT_GE(strlen(text), 8192 - 64, "and keeps what fits, not much less");
	back = json_loads(text, 0, NULL);
	if (!ASSERT_OK_PTR(back, "valid JSON"))
		goto cleanup;
	ASSERT_TRUE(json_is_true(jget(back, "cellwatch.truncated.syslog")), "marked");

	/* Every field as it was, but the two long ones, which lost what the count says. */
	json_object_del(json_object_get(back, "cellwatch"), "truncated");
	compare(orig, back, "doc", &cuts, &lost);
	ASSERT_EQ(cuts, 2, "file.path and message were cut");
	ASSERT_EQ(jint(doc, "cellwatch.truncated.syslog_bytes"), lost, "the bytes said cut");
	ASSERT_EQ(json_object_size(back), json_object_size(orig), "no field added or lost");
cleanup:
	free(text);
	free(path);
	free(ascii);
	free(accents);
	json_decref(back);
	json_decref(orig);
	json_decref(doc);
}

/* A document that fits is not touched, not even marked. */
UNIT_TEST(shorten_leaves_a_fitting_document_alone)
{
	json_t *doc = open_alert("/tmp/.env"), *orig = json_deep_copy(doc);

	if (ASSERT_OK_PTR(doc, "doc") && ASSERT_OK_PTR(orig, "copy")) {
		ASSERT_OK(shorten(doc, jlen(doc)), "fits exactly");
		ASSERT_TRUE(json_equal(doc, orig), "unchanged");
		ASSERT_NULL(jget(doc, "cellwatch.truncated"), "unmarked");
	}
	json_decref(orig);
	json_decref(doc);
}

/* A cut never splits a character: the JSON stays valid UTF-8 whatever the budget. */
UNIT_TEST(shorten_cuts_whole_characters)
{
	/* Three-byte characters: every budget lands inside one for some cut. */
	char *wide = repeat("\xe2\x80\xae", 3000);
	json_t *doc = NULL;

	if (!ASSERT_OK_PTR(wide, "alloc"))
		return;
	for (size_t max = 1000; max < 1006; max++) {
		const char *path;
		size_t keep;

		json_decref(doc);
		doc = open_alert(wide);
		if (!ASSERT_OK_PTR(doc, "doc") ||
		    !ASSERT_OK(shorten(doc, max), "shortened"))
			break;
		ASSERT_LE(jlen(doc), max, "fits");
		path = jstr(doc, "file.path");
		keep = path ? strlen(path) - 3 : 1;
		ASSERT_EQ(keep % 3, 0, "whole characters before the \"...\"");
		ASSERT_TRUE(path && !memcmp(path, wide, keep), "a prefix");
	}
	json_decref(doc);
	free(wide);
}

/* Many short strings: the longest array loses its second half, again until it fits. */
UNIT_TEST(shorten_halves_the_longest_array)
{
	json_t *doc = open_alert("/tmp/.env"), *args = json_array(), *cut;
	char arg[16];

	if (!ASSERT_OK_PTR(doc, "doc") || !ASSERT_OK_PTR(args, "args"))
		goto cleanup;
	for (int i = 0; i < 4000; i++) {
		snprintf(arg, sizeof(arg), "arg%d", i);
		json_array_append_new(args, json_string(arg));
	}
	cw_json_set(doc, "process.args", json_incref(args));
	ASSERT_OK(shorten(doc, 4096), "shortened");
	ASSERT_LE(jlen(doc), 4096, "fits");
	cut = jget(doc, "process.args");
	ASSERT_TRUE(json_array_size(cut) >= 1 && json_array_size(cut) < 4000, "fewer args");
	for (size_t i = 0; i < json_array_size(cut); i++) {
		if (!ASSERT_TRUE(json_equal(json_array_get(cut, i), json_array_get(args, i)),
				 "the first ones kept, in order"))
			break;
	}
	ASSERT_STREQ(jstr(doc, "rule.name"), "dotenv-read", "short strings untouched");
	ASSERT_TRUE(json_is_true(jget(doc, "cellwatch.truncated.syslog")), "marked");
	ASSERT_GE(jint(doc, "cellwatch.truncated.syslog_bytes"), 1, "bytes counted");
cleanup:
	json_decref(args);
	json_decref(doc);
}

/* The kernel's own truncation marks stay beside the syslog ones. */
UNIT_TEST(shorten_keeps_other_truncation_marks)
{
	char *long_path = repeat("/x", 8000);
	json_t *doc = long_path ? open_alert(long_path) : NULL;

	if (!ASSERT_OK_PTR(doc, "doc"))
		goto cleanup;
	cw_json_set(doc, "cellwatch.truncated.path", json_true());
	ASSERT_OK(shorten(doc, 2048), "shortened");
	ASSERT_TRUE(json_is_true(jget(doc, "cellwatch.truncated.path")), "path mark kept");
	ASSERT_TRUE(json_is_true(jget(doc, "cellwatch.truncated.syslog")), "syslog mark added");
cleanup:
	json_decref(doc);
	free(long_path);
}

/* Below what a minimal document takes: refused, not cut into something invalid. */
UNIT_TEST(shorten_refuses_an_impossible_size)
{
	json_t *doc = open_alert("/tmp/.env"), *back = NULL;
	char *text = NULL;

	if (!ASSERT_OK_PTR(doc, "doc"))
		return;
	ASSERT_EQ(shorten(doc, 100), -EMSGSIZE, "too small");
	text = json_dumps(doc, CW_SYSLOG_JSON);
	back = text ? json_loads(text, 0, NULL) : NULL;
	ASSERT_OK_PTR(back, "what is left is still JSON");
	json_decref(back);
	free(text);
	json_decref(doc);
}
