// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

struct entry {
	char *ptr;
	int line, col;
};

struct cw_jsonpos {
	struct entry *v;
	size_t n, cap;
};

struct scanner {
	const char *s, *end;
	int line, col;
	struct cw_jsonpos *out;
	int failed;
};

static void advance(struct scanner *sc)
{
	if (*sc->s == '\n') {
		sc->line++;
		sc->col = 1;
	} else {
		sc->col++;
	}
	sc->s++;
}

static void skip_ws(struct scanner *sc)
{
	while (sc->s < sc->end && strchr(" \t\r\n", *sc->s))
		advance(sc);
}

static void record(struct scanner *sc, const char *ptr)
{
	struct cw_jsonpos *p = sc->out;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct entry *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			sc->failed = 1;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n].ptr = strdup(ptr);
	if (!p->v[p->n].ptr) {
		sc->failed = 1;
		return;
	}
	p->v[p->n].line = sc->line;
	p->v[p->n].col = sc->col;
	p->n++;
}

/* A string's raw text into @buf (escapes kept as written; keys in rule files are plain). */
static void scan_string(struct scanner *sc, char *buf, size_t len)
{
	size_t n = 0;

	advance(sc);	/* opening quote */
	while (sc->s < sc->end && *sc->s != '"') {
		if (*sc->s == '\\') {
			if (buf && n + 1 < len)
				buf[n++] = *sc->s;
			advance(sc);
		}
		if (buf && n + 1 < len)
			buf[n++] = *sc->s;
		advance(sc);
	}
	if (sc->s < sc->end)
		advance(sc);
	if (buf)
		buf[n] = '\0';
}

static void scan_value(struct scanner *sc, char *ptr, size_t plen);

static void scan_container(struct scanner *sc, char *ptr, size_t plen, bool object)
{
	size_t base = strlen(ptr);
	int index = 0;

	advance(sc);
	for (;;) {
		skip_ws(sc);
		if (sc->s >= sc->end || *sc->s == (object ? '}' : ']'))
			break;
		if (object) {
			char key[256];

			scan_string(sc, key, sizeof(key));
			skip_ws(sc);
			if (sc->s < sc->end && *sc->s == ':')
				advance(sc);
			snprintf(ptr + base, plen - base, "/%s", key);
		} else {
			snprintf(ptr + base, plen - base, "/%d", index++);
		}
		skip_ws(sc);
		scan_value(sc, ptr, plen);
		ptr[base] = '\0';
		skip_ws(sc);
		if (sc->s < sc->end && *sc->s == ',')
			advance(sc);
	}
	if (sc->s < sc->end)
		advance(sc);
}

static void scan_value(struct scanner *sc, char *ptr, size_t plen)
{
	record(sc, ptr);
	if (sc->s >= sc->end)
		return;
	if (*sc->s == '{' || *sc->s == '[')
		scan_container(sc, ptr, plen, *sc->s == '{');
	else if (*sc->s == '"')
		scan_string(sc, NULL, 0);
	else
		while (sc->s < sc->end && !strchr(",]} \t\r\n", *sc->s))
			advance(sc);
}

struct cw_jsonpos *cw_jsonpos_index(const char *text, size_t len)
{
	struct cw_jsonpos *p = calloc(1, sizeof(*p));
	struct scanner sc = { .s = text, .end = text + len, .line = 1, .col = 1, .out = p };
	char ptr[4096] = "";

	if (!p)
		return NULL;
	skip_ws(&sc);
	scan_value(&sc, ptr, sizeof(ptr));
	if (sc.failed) {
		cw_jsonpos_free(p);
		return NULL;
	}
	return p;
}

void cw_jsonpos_free(struct cw_jsonpos *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].ptr);
	free(p->v);
	free(p);
}

void cw_jsonpos_find(const struct cw_jsonpos *p, const char *ptr, int *line, int *col)
{
	char want[4096];

	*line = *col = 0;
	if (!p)
		return;
	snprintf(want, sizeof(want), "%s", ptr);
	for (;;) {
		for (size_t i = 0; i < p->n; i++) {
			if (!strcmp(p->v[i].ptr, want)) {
				*line = p->v[i].line;
				*col = p->v[i].col;
				return;
			}
		}
		char *slash = strrchr(want, '/');

		if (!slash)
			return;
		*slash = '\0';
	}
}
