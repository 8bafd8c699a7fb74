// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "doc.h"

enum field_type { F_DEAD, F_STR, F_INT, F_BOOL, F_ARRAY, F_ELEM_STR, F_ELEM_NULL };

/* Offsets into the document's text, which moves as it grows. */
struct cw_doc_field {
	enum field_type type;
	size_t path, path_len;		/* F_ELEM_*: none */
	unsigned int hash;		/* of the path: most lookups end at a differing one */
	size_t str, str_len;		/* F_STR, F_ELEM_STR */
	long long v;			/* F_INT, F_BOOL; F_ARRAY: its elements, which follow it */
};

void cw_doc_init(struct cw_doc *d)
{
	memset(d, 0, sizeof(*d));
	d->array = -1;
}

void cw_doc_free(struct cw_doc *d)
{
	free(d->f);
	free(d->text);
	free(d->line);
	free(d->nodes);
	free(d->index);
	cw_doc_init(d);
}

void cw_doc_reset(struct cw_doc *d)
{
	d->n = 0;
	d->text_len = 0;
	if (d->members)
		memset(d->index, 0, d->index_cap * sizeof(*d->index));
	d->members = 0;
	d->array = -1;
	d->failed = false;
}

/*
 * Room in *@buf (*@cap elements of @size bytes) for @more past the first
 * @n; false, and the document failed, if none.
 */
static bool grow_array(struct cw_doc *d, void *buf, size_t *cap, size_t n, size_t more,
		       size_t size)
{
	size_t want = n + more;
	void *p;

	if (want <= *cap)
		return true;
	want = want > 2 * *cap ? want : 2 * *cap;
	want = want > 64 ? want : 64;
	p = realloc(*(void **)buf, want * size);
	if (!p) {
		d->failed = true;
		return false;
	}
	*(void **)buf = p;
	*cap = want;
	return true;
}

/* The same for bytes. */
static bool grow(struct cw_doc *d, char **buf, size_t *cap, size_t len, size_t more)
{
	return grow_array(d, buf, cap, len, more, 1);
}

/* @len bytes of @s into the text, NUL-terminated; its offset, or -1. */
static long keep(struct cw_doc *d, const char *s, size_t len)
{
	size_t at = d->text_len;

	if (!grow(d, &d->text, &d->text_cap, d->text_len, len + 1))
		return -1;
	memcpy(d->text + at, s, len);
	d->text[at + len] = '\0';
	d->text_len += len + 1;
	return at;
}

static struct cw_doc_field *append(struct cw_doc *d, enum field_type type)
{
	struct cw_doc_field *f;

	if (d->failed || !grow_array(d, &d->f, &d->cap, d->n, 1, sizeof(*f)))
		return NULL;
	f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	f->type = type;
	return f;
}

static bool is_member(const struct cw_doc_field *f)
{
	return f->type == F_STR || f->type == F_INT || f->type == F_BOOL || f->type == F_ARRAY;
}

/* FNV-1a. */
static unsigned int path_hash(const char *path, size_t len)
{
	unsigned int h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)path[i]) * 16777619u;
	return h;
}

/* Where @path is in the index, or the free slot it would take. */
static size_t slot_of(const struct cw_doc *d, const char *path, size_t len, unsigned int hash)
{
	size_t mask = d->index_cap - 1, i;

	for (i = hash & mask; d->index[i]; i = (i + 1) & mask) {
		const struct cw_doc_field *f = &d->f[d->index[i] - 1];

		if (f->hash == hash && f->path_len == len && !memcmp(d->text + f->path, path, len))
			break;
	}
	return i;
}

static const struct cw_doc_field *find(const struct cw_doc *d, const char *path, size_t len,
				       unsigned int hash)
{
	size_t i;

	if (!d->index_cap)
		return NULL;
	i = slot_of(d, path, len, hash);
	return d->index[i] ? &d->f[d->index[i] - 1] : NULL;
}

/* An index with room for one more member, at most half full. */
static bool reserve_index(struct cw_doc *d)
{
	size_t cap = d->index_cap ? 2 * d->index_cap : 64;
	unsigned int *old = d->index;

	if (2 * (d->members + 1) <= d->index_cap)
		return true;
	d->index = calloc(cap, sizeof(*d->index));
	if (!d->index) {
		d->index = old;
		d->failed = true;
		return false;
	}
	d->index_cap = cap;
	for (size_t i = 0; i < d->n; i++) {
		const struct cw_doc_field *f = &d->f[i];

		if (is_member(f))
			d->index[slot_of(d, d->text + f->path, f->path_len, f->hash)] = i + 1;
	}
	free(old);
	return true;
}

/* A new member at @path (of @len bytes), replacing one already there. */
static struct cw_doc_field *member(struct cw_doc *d, enum field_type type, const char *path,
				   size_t len)
{
	unsigned int hash = path_hash(path, len);
	struct cw_doc_field *f;
	size_t slot;
	long at;

	d->array = -1;
	if (d->failed || !reserve_index(d))
		return NULL;
	slot = slot_of(d, path, len, hash);
	if (d->index[slot])
		d->f[d->index[slot] - 1].type = F_DEAD;	/* an array's elements die with it */
	else
		d->members++;
	at = keep(d, path, len);
	f = at < 0 ? NULL : append(d, type);
	if (!f)
		return NULL;
	f->path = at;
	f->path_len = len;
	f->hash = hash;
	d->index[slot] = d->n;
	return f;
}

static void set_str(struct cw_doc *d, const char *path, size_t path_len, const char *s,
		    size_t len)
{
	struct cw_doc_field *f = member(d, F_STR, path, path_len);
	long at = f ? keep(d, s, len) : -1;

	if (at < 0) {
		d->failed = true;
		return;
	}
	f->str = at;
	f->str_len = len;
}

void cw_doc_str(struct cw_doc *d, const char *path, const char *s)
{
	if (!s) {
		d->failed = true;
		return;
	}
	set_str(d, path, strlen(path), s, strlen(s));
}

void cw_doc_str2(struct cw_doc *d, const char *prefix, const char *key, const char *s)
{
	size_t plen = strlen(prefix), klen = strlen(key);
	char buf[256], *path;

	path = !s ? NULL : plen + 1 + klen <= sizeof(buf) ? buf : malloc(plen + 1 + klen);
	if (!path) {
		d->failed = true;
		return;
	}
	memcpy(path, prefix, plen);
	path[plen] = '.';
	memcpy(path + plen + 1, key, klen);
	set_str(d, path, plen + 1 + klen, s, strlen(s));
	if (path != buf)
		free(path);
}

void cw_doc_int(struct cw_doc *d, const char *path, long long v)
{
	struct cw_doc_field *f = member(d, F_INT, path, strlen(path));

	if (f)
		f->v = v;
}

void cw_doc_bool(struct cw_doc *d, const char *path, bool v)
{
	struct cw_doc_field *f = member(d, F_BOOL, path, strlen(path));

	if (f)
		f->v = v;
}

void cw_doc_array(struct cw_doc *d, const char *path)
{
	if (member(d, F_ARRAY, path, strlen(path)))
		d->array = d->n - 1;
}

static struct cw_doc_field *element(struct cw_doc *d, enum field_type type)
{
	long array = d->array;
	struct cw_doc_field *f;

	if (array < 0) {
		d->failed = true;
		return NULL;
	}
	f = append(d, type);
	if (f)
		d->f[array].v++;
	return f;
}

void cw_doc_push_str(struct cw_doc *d, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	long at = s ? keep(d, s, len) : -1;
	struct cw_doc_field *f = at < 0 ? NULL : element(d, F_ELEM_STR);

	if (!f) {
		d->failed = true;
		return;
	}
	f->str = at;
	f->str_len = len;
}

void cw_doc_push_null(struct cw_doc *d)
{
	element(d, F_ELEM_NULL);
}

/* The member at NUL-terminated @path, or NULL. */
static const struct cw_doc_field *find_path(const struct cw_doc *d, const char *path)
{
	size_t len = strlen(path);

	return find(d, path, len, path_hash(path, len));
}

const char *cw_doc_get_str(const struct cw_doc *d, const char *path)
{
	const struct cw_doc_field *f = find_path(d, path);

	return f && f->type == F_STR ? d->text + f->str : NULL;
}

bool cw_doc_get_int(const struct cw_doc *d, const char *path, long long *v)
{
	const struct cw_doc_field *f = find_path(d, path);

	if (!f || f->type != F_INT)
		return false;
	*v = f->v;
	return true;
}

/* Writing the line. */

static bool put(struct cw_doc *d, const char *s, size_t len)
{
	if (!grow(d, &d->line, &d->line_cap, d->line_len, len))
		return false;
	memcpy(d->line + d->line_len, s, len);
	d->line_len += len;
	return true;
}

static void put_char(struct cw_doc *d, char c)
{
	put(d, &c, 1);
}

/* Length of the UTF-8 sequence at @s (at most @left bytes), 0 if invalid; *@cp its code point. */
static size_t utf8_sequence(const unsigned char *s, size_t left, unsigned int *cp)
{
	size_t need;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, *cp = s[0] & 0x07;
	else
		return 0;
	if (left < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if ((need == 3 && *cp < 0x800) || (need == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return need;
}

static const char hex[] = "0123456789abcdef";

/* \uXXXX at @out, in capitals as jansson wrote them: the log reads the same as before. */
static char *put_u16(char *out, unsigned int u)
{
	static const char upper[] = "0123456789ABCDEF";

	*out++ = '\\';
	*out++ = 'u';
	for (int shift = 12; shift >= 0; shift -= 4)
		*out++ = upper[(u >> shift) & 0xf];
	return out;
}

/* What one byte of ASCII is written as in a JSON string. */
static char *put_ascii(char *out, unsigned char c)
{
	static const char short_escape[32] = {
		['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	};

	if (c == '"' || c == '\\') {
		*out++ = '\\';
		*out++ = c;
	} else if (c < 0x20 && short_escape[c]) {
		*out++ = '\\';
		*out++ = short_escape[c];
	} else if (c < 0x20) {
		out = put_u16(out, c);
	} else {
		*out++ = c;
	}
	return out;
}

/* The bytes a JSON string of ASCII holds as they are: printable ASCII but '"' and backslash. */
static const bool as_is[256] = {
	[' ' ... '!'] = true, ['#' ... '['] = true, [']' ... 0x7f] = true,
};

#define BYTES(b)	(0x0101010101010101ULL * (b))

/* Whether a byte of @w is 0 (the classic word trick: only a zero byte borrows its top bit). */
static bool has_zero_byte(unsigned long long w)
{
	return (w - BYTES(0x01)) & ~w & BYTES(0x80);
}

/* Where the bytes written as they are, from @i of @s's @len, end: eight at a time first. */
static size_t as_is_run(const unsigned char *s, size_t i, size_t len)
{
	for (; i + 8 <= len; i += 8) {
		unsigned long long w;

		memcpy(&w, s + i, 8);
		/* Any byte past ASCII, below ' ', a quote or a backslash ends the run. */
		if ((w | ~((w & BYTES(0x7f)) + BYTES(0x60))) & BYTES(0x80) ||
		    has_zero_byte(w ^ BYTES('"')) || has_zero_byte(w ^ BYTES('\\')))
			break;
	}
	while (i < len && as_is[s[i]])
		i++;
	return i;
}

/* @s as a JSON string of ASCII: \uXXXX for the rest of Unicode, \\xNN for what is not UTF-8. */
static void put_string(struct cw_doc *d, size_t at, size_t len)
{
	const unsigned char *s;
	char *out;
	size_t i = 0;

	/* At most 6 bytes out for one in (a control character), and the quotes. */
	if (!grow(d, &d->line, &d->line_cap, d->line_len, 6 * len + 2))
		return;
	s = (const unsigned char *)d->text + at;
	out = d->line + d->line_len;
	*out++ = '"';
	while (i < len) {
		unsigned int cp;
		size_t seq, run;

		/* Most of a path or a name is printable ASCII, written as it is. */
		run = as_is_run(s, i, len);
		memcpy(out, s + i, run - i);
		out += run - i;
		i = run;
		if (i == len)
			break;
		if (s[i] < 0x80) {
			out = put_ascii(out, s[i++]);
			continue;
		}
		seq = utf8_sequence(s + i, len - i, &cp);
		if (!seq) {
			/* The four characters \xNN, the backslash escaped. */
			memcpy(out, "\\\\x", 3);
			out[3] = hex[s[i] >> 4];
			out[4] = hex[s[i] & 0xf];
			out += 5;
			i++;
			continue;
		}
		if (cp < 0x10000) {
			out = put_u16(out, cp);
		} else {
			cp -= 0x10000;
			out = put_u16(out, 0xd800 | cp >> 10);
			out = put_u16(out, 0xdc00 | (cp & 0x3ff));
		}
		i += seq;
	}
	*out++ = '"';
	d->line_len = out - d->line;
}

char *cw_decimal(char *end, unsigned long long v)
{
	do
		*--end = '0' + v % 10;
	while (v /= 10);
	return end;
}

static void put_int(struct cw_doc *d, long long v)
{
	char buf[24], *end = buf + sizeof(buf);
	char *p = cw_decimal(end, v < 0 ? -(unsigned long long)v : (unsigned long long)v);

	if (v < 0)
		*--p = '-';
	put(d, p, end - p);
}

/* Field @i's value: an array's are the fields after it. */
static void put_value(struct cw_doc *d, size_t i)
{
	const struct cw_doc_field *f = &d->f[i];

	switch (f->type) {
	case F_STR:
	case F_ELEM_STR:
		put_string(d, f->str, f->str_len);
		break;
	case F_INT:
		put_int(d, f->v);
		break;
	case F_BOOL:
		if (f->v)
			put(d, "true", 4);
		else
			put(d, "false", 5);
		break;
	case F_ELEM_NULL:
		put(d, "null", 4);
		break;
	case F_ARRAY:
		put_char(d, '[');
		for (size_t e = 1; e <= (size_t)f->v; e++) {
			if (e > 1)
				put_char(d, ',');
			put_value(d, i + e);
		}
		put_char(d, ']');
		break;
	default:
		break;
	}
}

/*
 * The line's tree: a node per object and per member, its children in the
 * order their first member was set.  Built once a line, in one pass over
 * the fields, so that writing an object never searches the fields again.
 */
struct cw_doc_node {
	size_t seg, seg_len;		/* its key, in the text */
	unsigned int hash;
	long field;			/* a member's field; -1: an object */
	long child, last, next;		/* first and last child, next sibling; -1: none */
};

static long new_node(struct cw_doc *d, long parent, size_t seg, size_t len, unsigned int hash,
		     long field)
{
	long i;

	if (!grow_array(d, &d->nodes, &d->nodes_cap, d->nnodes, 1, sizeof(*d->nodes)))
		return -1;
	i = d->nnodes++;
	d->nodes[i] = (struct cw_doc_node){ seg, len, hash, field, -1, -1, -1 };
	if (parent >= 0) {
		struct cw_doc_node *p = &d->nodes[parent];

		if (p->last >= 0)
			d->nodes[p->last].next = i;
		else
			p->child = i;
		p->last = i;
	}
	return i;
}

/* The object child of @parent named by @len bytes at @seg, made if new; -1 on error. */
static long object_child(struct cw_doc *d, long parent, size_t seg, size_t len)
{
	unsigned int hash = path_hash(d->text + seg, len);

	for (long c = d->nodes[parent].child; c >= 0; c = d->nodes[c].next) {
		const struct cw_doc_node *n = &d->nodes[c];

		if (n->hash == hash && n->seg_len == len && n->field < 0 &&
		    !memcmp(d->text + n->seg, d->text + seg, len))
			return c;
	}
	return new_node(d, parent, seg, len, hash, -1);
}

static void build_tree(struct cw_doc *d)
{
	d->nnodes = 0;
	new_node(d, -1, 0, 0, 0, -1);
	for (size_t i = 0; i < d->n && !d->failed; i++) {
		const struct cw_doc_field *f = &d->f[i];
		size_t at = f->path, end = f->path + f->path_len;
		long node = 0;
		const char *dot;

		if (!is_member(f))
			continue;
		while (node >= 0 && (dot = memchr(d->text + at, '.', end - at))) {
			node = object_child(d, node, at, dot - (d->text + at));
			at = dot - d->text + 1;
		}
		if (node >= 0)
			new_node(d, node, at, end - at, 0, i);
	}
}

static void put_node(struct cw_doc *d, long node)
{
	const struct cw_doc_node *n = &d->nodes[node];

	if (n->field >= 0) {
		put_value(d, n->field);
		return;
	}
	put_char(d, '{');
	for (long c = n->child; c >= 0; c = d->nodes[c].next) {
		if (c != n->child)
			put_char(d, ',');
		put_string(d, d->nodes[c].seg, d->nodes[c].seg_len);
		put_char(d, ':');
		put_node(d, c);
	}
	put_char(d, '}');
}

const char *cw_doc_line(struct cw_doc *d, size_t *len)
{
	d->line_len = 0;
	build_tree(d);
	if (!d->failed)
		put_node(d, 0);
	put(d, "\n", 2);
	if (d->failed)
		return NULL;
	*len = d->line_len - 1;
	return d->line;
}
