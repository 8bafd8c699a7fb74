// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shortening a document value by value: the JSON stays valid, every field
 * keeps its type (the index template still maps it), and what was cut
 * says so.  The size that counts is the output's (a datagram holds more
 * than the JSON, some of it from the document's values), measured again
 * after each cut; each cut is sized by dumping the one value it changes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "shorten.h"

#define ELLIPSIS	"..."
#define ELLIPSIS_LEN	(sizeof(ELLIPSIS) - 1)

/* The bytes json_dumps() would give @v (nested or alone: a value dumps the same); 0 on error. */
static size_t jlen(json_t *v, size_t flags)
{
	return json_dumpb(v, NULL, 0, flags | JSON_ENCODE_ANY);
}

struct longest {
	json_t *str;		/* the longest string, in bytes */
	size_t len;
	json_t *arr;		/* the array with the most elements */
	size_t n;
};

static void find_longest(json_t *v, struct longest *l)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_string(v) && json_string_length(v) > l->len) {
		l->str = v;
		l->len = json_string_length(v);
	} else if (json_is_array(v)) {
		if (json_array_size(v) > l->n) {
			l->arr = v;
			l->n = json_array_size(v);
		}
		json_array_foreach(v, i, item)
			find_longest(item, l);
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, item)
			find_longest(item, l);
	}
}

/* Back from byte @keep of @s to the first byte of the character it is in. */
static size_t boundary(const char *s, size_t keep)
{
	while (keep && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	return keep;
}

/* The first @keep bytes of @s and "...", as a JSON string (NULL when out of memory). */
static json_t *prefix(const char *s, size_t keep)
{
	char *text = malloc(keep + sizeof(ELLIPSIS));
	json_t *v;

	if (!text)
		return NULL;
	memcpy(text, s, keep);
	memcpy(text + keep, ELLIPSIS, sizeof(ELLIPSIS));
	v = json_stringn(text, keep + ELLIPSIS_LEN);
	free(text);
	return v;
}

/* The JSON length of prefix(@s, @keep); SIZE_MAX when it cannot be made. */
static size_t prefix_len(const char *s, size_t keep, size_t flags)
{
	json_t *v = prefix(s, keep);
	size_t n = v ? jlen(v, flags) : SIZE_MAX;

	json_decref(v);
	return n ?: SIZE_MAX;
}

/*
 * Cut string @v so that its JSON loses @excess bytes, keeping as much as
 * that allows (escapes make a byte of text up to six of JSON, so the
 * prefix is searched for, not computed), or down to CW_SHORTEN_KEEP.
 * The result is shorter than @v, so cutting always ends.
 */
static int cut_string(json_t *v, size_t excess, size_t flags, size_t *saved)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), before = jlen(v, flags);
	size_t want = before > excess ? before - excess : 0;
	size_t lo = CW_SHORTEN_KEEP, hi = len - ELLIPSIS_LEN - 1, mid;
	json_t *cut;
	int ret;

	/* The longest prefix whose JSON fits @want: the length only grows with it. */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (prefix_len(s, boundary(s, mid), flags) <= want)
			lo = mid;
		else
			hi = mid - 1;
	}
	cut = prefix(s, boundary(s, lo));
	if (!cut)
		return -ENOMEM;
	ret = json_string_setn(v, json_string_value(cut), json_string_length(cut)) ? -ENOMEM : 0;
	json_decref(cut);
	*saved = before - jlen(v, flags);
	return ret;
}

/* Drop the second half of array @a (it keeps the first ceil(n/2) elements). */
static void halve(json_t *a, size_t flags, size_t *saved)
{
	size_t before = jlen(a, flags), n = json_array_size(a);

	for (size_t i = n; i > (n + 1) / 2; i--)
		json_array_remove(a, i - 1);
	*saved = before - jlen(a, flags);
}

/* One cut of @doc, meant to save @excess bytes; what it saved in *@saved. */
static int cut_once(json_t *doc, size_t excess, size_t flags, size_t *saved)
{
	struct longest l = { 0 };

	find_longest(doc, &l);
	if (l.str && l.len > CW_SHORTEN_KEEP + ELLIPSIS_LEN)
		return cut_string(l.str, excess, flags, saved);
	if (l.arr && l.n > 1) {
		halve(l.arr, flags, saved);
		return 0;
	}
	return -EMSGSIZE;
}

static size_t json_size(json_t *doc, void *flags)
{
	return jlen(doc, *(size_t *)flags);
}

int cw_ecs_shorten(json_t *doc, size_t max, size_t flags, const char *output,
		   cw_shorten_measure *measure, void *ctx)
{
	size_t size, full = jlen(doc, flags), cut = 0, saved;
	char flag[64], bytes[64];
	int ret = 0;

	if (!measure) {
		measure = json_size;
		ctx = &flags;
	}
	size = measure(doc, ctx);
	if (!size || !full)
		return -ENOMEM;
	if (size <= max)
		return 0;
	snprintf(flag, sizeof(flag), "cellwatch.truncated.%s", output);
	snprintf(bytes, sizeof(bytes), "cellwatch.truncated.%s_bytes", output);
	/*
	 * The marks take room too: set first, the count as the whole JSON's
	 * size, as many digits as the final count can need (the cuts cannot
	 * remove more than there is).
	 */
	if (cw_json_set(doc, flag, json_true()) || cw_json_set(doc, bytes, json_integer(full)))
		return -ENOMEM;
	/* Each cut aims at the whole excess: the output holds a value once, or more often. */
	while (!ret && (size = measure(doc, ctx)) > max) {
		saved = 0;
		ret = cut_once(doc, size - max, flags, &saved);
		cut += saved;
	}
	if (!size || cw_json_set(doc, bytes, json_integer(cut)))
		return -ENOMEM;
	if (ret)
		return ret;
	/* The count has at most the placeholder's digits: what fit still does. */
	return measure(doc, ctx) <= max ? 0 : -EMSGSIZE;
}
