/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A record under construction and its JSON line, without a JSON library:
 * fields are set by dotted path ("process.parent.pid") into one flat list,
 * and written once, nested, as a line of compact ASCII JSON.  A document
 * is reused from record to record: once it has grown to the largest
 * record, building and writing one allocates nothing.
 *
 * Strings are bytes from the cell and need not be UTF-8: a byte that
 * starts no valid UTF-8 sequence is written as the four characters \xNN,
 * so a record is never lost to one such byte and the bytes stay readable.
 */
#ifndef CW_DOC_H
#define CW_DOC_H

#include <stdbool.h>
#include <stddef.h>

struct cw_doc_field;
struct cw_doc_node;

struct cw_doc {
	struct cw_doc_field *f;
	size_t n, cap;
	char *text;		/* paths and string values */
	size_t text_len, text_cap;
	char *line;		/* cw_doc_line()'s */
	size_t line_len, line_cap;
	unsigned int *index;	/* by path hash, open addressing: a member's field + 1, 0: free */
	size_t index_cap, members;	/* index_cap: a power of two, over twice the members */
	struct cw_doc_node *nodes;	/* the line's objects and members */
	size_t nnodes, nodes_cap;
	long array;		/* the array cw_doc_push_*() add to, or -1 */
	bool failed;		/* an allocation failed: no line */
};

void cw_doc_init(struct cw_doc *d);
void cw_doc_free(struct cw_doc *d);
/* Empty again, keeping the memory. */
void cw_doc_reset(struct cw_doc *d);

/*
 * Set @path to a value.  A path set before is replaced.  Paths are dotted
 * names of at most one segment per object; a key may be any bytes but '.'.
 */
void cw_doc_str(struct cw_doc *d, const char *path, const char *s);
void cw_doc_int(struct cw_doc *d, const char *path, long long v);
void cw_doc_bool(struct cw_doc *d, const char *path, bool v);
/* @path set to "@prefix.@key": a key of a caller's (a label). */
void cw_doc_str2(struct cw_doc *d, const char *prefix, const char *key, const char *s);

/* An empty array at @path; the pushes after it append to it. */
void cw_doc_array(struct cw_doc *d, const char *path);
void cw_doc_push_str(struct cw_doc *d, const char *s);
void cw_doc_push_null(struct cw_doc *d);

/* The string at @path, NUL-terminated; NULL if none. */
const char *cw_doc_get_str(const struct cw_doc *d, const char *path);
/* The integer at @path in *@v; false if none. */
bool cw_doc_get_int(const struct cw_doc *d, const char *path, long long *v);

/* @v in decimal, ending at @end (not terminated); where it starts. */
char *cw_decimal(char *end, unsigned long long v);

/*
 * The document as one line of compact ASCII JSON and its newline (in
 * *@len), NUL-terminated, valid until the document changes; NULL if an
 * allocation failed since the reset.
 */
const char *cw_doc_line(struct cw_doc *d, size_t *len);

#endif /* CW_DOC_H */
