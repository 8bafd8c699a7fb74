// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests: the record writer (userspace/lib/doc.c).  Every line it
 * writes is read back with jansson, which is strict JSON: what parses and
 * compares equal is what a SIEM gets.
 */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "test.h"

/* @doc's line, parsed; NULL (and said) if it is no single line of ASCII JSON. */
static json_t *parse_line(struct cw_doc *doc)
{
	size_t len = 0;
	const char *line = cw_doc_line(doc, &len);
	json_error_t err;
	json_t *v;

	if (!ASSERT_OK_PTR(line, "a line"))
		return NULL;
	ASSERT_EQ(strlen(line), len, "NUL-terminated after its newline");
	ASSERT_TRUE(len && line[len - 1] == '\n' && !memchr(line, '\n', len - 1),
		    "one line, its newline last");
	for (size_t i = 0; i < len; i++) {
		if (!ASSERT_TRUE((unsigned char)line[i] < 0x80, "ASCII only"))
			break;
	}
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!v)
		fprintf(stderr, "  %s: %s\n", err.text, line);
	ASSERT_OK_PTR(v, "strict JSON, no key twice");
	return v;
}

UNIT_TEST(doc_paths_nest_each_object_once)
{
	struct cw_doc doc;
	json_t *v = NULL, *want;

	cw_doc_init(&doc);
	/* Objects interleaved, as the encoders set them. */
	cw_doc_str(&doc, "@timestamp", "t");
	cw_doc_int(&doc, "process.pid", 7);
	cw_doc_str(&doc, "event.kind", "alert");
	cw_doc_int(&doc, "process.parent.pid", -1);
	cw_doc_array(&doc, "event.category");
	cw_doc_push_str(&doc, "process");
	cw_doc_bool(&doc, "cellwatch.truncated.args", true);
	cw_doc_array(&doc, "cellwatch.ancestry");
	cw_doc_push_str(&doc, "/bin/a");
	cw_doc_push_null(&doc);
	cw_doc_bool(&doc, "cellwatch.ok", false);
	cw_doc_array(&doc, "cellwatch.none");
	cw_doc_int(&doc, "process.thread.id", 9223372036854775807LL);
	cw_doc_int(&doc, "event.sequence", -9223372036854775807LL - 1);
	v = parse_line(&doc);
	want = json_pack("{s:s, s:{s:I, s:{s:i}, s:{s:I}}, s:{s:s, s:[s], s:I},"
			 " s:{s:{s:b}, s:[s,n], s:b, s:[]}}",
			 "@timestamp", "t",
			 "process", "pid", (json_int_t)7, "parent", "pid", -1,
			 "thread", "id", (json_int_t)9223372036854775807LL,
			 "event", "kind", "alert", "category", "process",
			 "sequence", (json_int_t)(-9223372036854775807LL - 1),
			 "cellwatch", "truncated", "args", 1, "ancestry", "/bin/a", "ok", 0,
			 "none");
	if (v && !ASSERT_TRUE(json_equal(v, want), "the document as set"))
		fprintf(stderr, "  got %s\n", cw_doc_line(&doc, &(size_t){ 0 }));
	json_decref(want);
	json_decref(v);
	cw_doc_free(&doc);
}

UNIT_TEST(doc_set_twice_replaces)
{
	struct cw_doc doc;
	json_t *v;

	cw_doc_init(&doc);
	cw_doc_str(&doc, "process.name", "python3");
	cw_doc_array(&doc, "process.args");
	cw_doc_push_str(&doc, "old");
	cw_doc_int(&doc, "process.pid", 1);
	cw_doc_str(&doc, "process.name", "dash");
	cw_doc_array(&doc, "process.args");
	cw_doc_push_str(&doc, "sh");
	cw_doc_push_str(&doc, "-c");
	ASSERT_STREQ(cw_doc_get_str(&doc, "process.name"), "dash", "the last value is read");
	ASSERT_NULL(cw_doc_get_str(&doc, "process.pid"), "a number is no string");
	ASSERT_NULL(cw_doc_get_str(&doc, "process"), "an object is no string");
	v = parse_line(&doc);
	ASSERT_STREQ(jstr(v, "process.name"), "dash", "the last value is written");
	ASSERT_EQ(json_array_size(jget(v, "process.args")), 2, "the last array, whole");
	ASSERT_STREQ(json_string_value(json_array_get(jget(v, "process.args"), 0)), "sh",
		     "its first element");
	json_decref(v);

	/* Reused: nothing of the last record stays. */
	cw_doc_reset(&doc);
	cw_doc_int(&doc, "a.b", 2);
	v = parse_line(&doc);
	ASSERT_EQ(json_object_size(v), 1, "one member after a reset");
	ASSERT_EQ(jint(v, "a.b"), 2, "the new one");
	json_decref(v);
	cw_doc_free(&doc);
}

/*
 * Every byte a cell can put in a path or an argument: JSON's escapes,
 * Unicode as \u escapes (a pair past the BMP), and each byte that starts
 * no valid UTF-8 sequence as the text \xNN.
 */
UNIT_TEST(doc_strings_escaped_ascii_never_lost)
{
	static const struct { const char *in, *want, *what; } cases[] = {
		{ "a\"b\\c/d", "a\"b\\c/d", "quote, backslash, slash" },
		{ "\b\f\n\r\t\x01\x1f\x7f", "\b\f\n\r\t\x01\x1f\x7f", "control characters" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		  "2, 3 and 4-byte UTF-8" },
		{ "\xff\xfe", "\\xff\\xfe", "bytes UTF-8 never uses" },
		{ "\xc0\xaf", "\\xc0\\xaf", "an overlong '/'" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80", "a surrogate" },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "past U+10FFFF" },
		{ "x\xe2\x82", "x\\xe2\\x82", "a sequence cut short at the end" },
		{ "\xe2(\xa1", "\\xe2(\\xa1", "a sequence broken in the middle" },
		{ "\\xff", "\\xff", "the text \\xff, as it was" },
	};
	struct cw_doc doc;

	cw_doc_init(&doc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v;

		cw_doc_reset(&doc);
		cw_doc_str(&doc, "file.path", cases[i].in);
		cw_doc_array(&doc, "process.args");
		cw_doc_push_str(&doc, cases[i].in);
		/* A label's key is the caller's too. */
		cw_doc_str2(&doc, "labels", cases[i].in, "v");
		v = parse_line(&doc);
		ASSERT_STREQ(jstr(v, "file.path"), cases[i].want, cases[i].what);
		ASSERT_STREQ(json_string_value(json_array_get(jget(v, "process.args"), 0)),
			     cases[i].want, cases[i].what);
		ASSERT_OK_PTR(json_object_get(json_object_get(v, "labels"), cases[i].want),
			      cases[i].what);
		json_decref(v);
	}
	cw_doc_free(&doc);
}

/*
 * Plain runs are scanned a word at a time: every byte value, at every
 * offset of a word and past its end, comes back as it went in (a byte
 * UTF-8 never starts a sequence with as the text \xNN).
 */
UNIT_TEST(doc_every_byte_at_every_offset)
{
	struct cw_doc doc;
	int bad = 0;

	cw_doc_init(&doc);
	for (int b = 1; b < 256; b++) {
		for (int at = 0; at < 20; at++) {
			char in[24], want[32];
			json_t *v;

			memset(in, 'a', sizeof(in) - 1);
			in[sizeof(in) - 1] = '\0';
			in[at] = (char)b;
			snprintf(want, sizeof(want), "%.*s%s%s", at, in,
				 b < 0x80 ? (char[]){ (char)b, 0 } : "", in + at + 1);
			if (b >= 0x80)
				snprintf(want, sizeof(want), "%.*s\\x%02x%s", at, in, b, in + at + 1);
			cw_doc_reset(&doc);
			cw_doc_str(&doc, "s", in);
			v = parse_line(&doc);
			if (!jstr(v, "s") || strcmp(jstr(v, "s"), want))
				bad++;
			json_decref(v);
		}
	}
	ASSERT_EQ(bad, 0, "strings that did not come back as they went in");
	cw_doc_free(&doc);
}

/* The escapes as jansson wrote them before: a log's lines read the same across the change. */
UNIT_TEST(doc_line_as_jansson_wrote_it)
{
	static const char *const values[] = {
		"plain", "q\"b\\s/", "\x01\x1f\b\t\n\r\f\x7f", "\xc3\xa9\xe2\x82\xac",
		"\xf0\x9f\x98\x80", "\\xff",
	};
	struct cw_doc doc;

	cw_doc_init(&doc);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		json_t *want = json_pack("{s:{s:s}, s:I}", "a", "b", values[i], "n",
					 (json_int_t)-42);
		char *text = json_dumps(want, JSON_COMPACT | JSON_ENSURE_ASCII);
		size_t len = 0;
		const char *line;

		cw_doc_reset(&doc);
		cw_doc_str(&doc, "a.b", values[i]);
		cw_doc_int(&doc, "n", -42);
		line = cw_doc_line(&doc, &len);
		if (ASSERT_OK_PTR(line, "a line") && ASSERT_OK_PTR(text, "jansson's"))
			ASSERT_TRUE(len == strlen(text) + 1 && !strncmp(line, text, len - 1),
				    "the same bytes as json_dumps()");
		if (line && text && strncmp(line, text, strlen(text)))
			fprintf(stderr, "  got  %s  want %s\n", line, text);
		free(text);
		json_decref(want);
	}
	cw_doc_free(&doc);
}
