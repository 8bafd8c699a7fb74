/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where each value of a JSON document is: jansson parses but keeps no
 * positions, so error messages about a value ("rules/3/action") need this
 * index to say file:line:column.
 */
#ifndef CW_JSONPOS_H
#define CW_JSONPOS_H

#include <stddef.h>

struct cw_jsonpos;

/* Index @text (valid JSON, as jansson accepted it).  NULL on allocation failure. */
struct cw_jsonpos *cw_jsonpos_index(const char *text, size_t len);
void cw_jsonpos_free(struct cw_jsonpos *p);

/*
 * Line and column (1-based) of the value at JSON pointer @ptr ("/rules/3/action");
 * of its nearest indexed ancestor when @ptr itself is absent.
 */
void cw_jsonpos_find(const struct cw_jsonpos *p, const char *ptr, int *line, int *col);

#endif /* CW_JSONPOS_H */
