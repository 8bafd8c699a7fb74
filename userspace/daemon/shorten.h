/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An ECS document made to fit a size, still valid JSON and still the same
 * schema: for an output with a limit (a syslog datagram) that would
 * otherwise cut a record into invalid JSON or drop it.
 */
#ifndef CW_SHORTEN_H
#define CW_SHORTEN_H

#include <stddef.h>
#include <jansson.h>

/*
 * A cut string keeps at least this many bytes, then "...": more than an
 * address or a timestamp takes (the index template's ip and date fields),
 * which cut would make Elasticsearch refuse the whole document.
 */
#define CW_SHORTEN_KEEP		64

/* The size @doc takes in an output (a datagram around its JSON); 0 on error. */
typedef size_t cw_shorten_measure(json_t *doc, void *ctx);

/*
 * Shorten @doc in place until @measure(@doc, @ctx) (NULL: the length of
 * json_dumps(@doc, @flags)) is at most @max: cut the longest string value
 * (at a UTF-8 character boundary, a prefix kept and "..." appended, so
 * that its JSON loses what is in excess), or, once no string is longer
 * than CW_SHORTEN_KEEP bytes and its "...", drop the second half of the
 * array with the most elements; again until it fits.  A shortened
 * document says so in cellwatch.truncated.<@output> (true) and
 * <@output>_bytes (how many bytes of JSON, dumped with @flags, the cut
 * values lost).
 *
 * 0 when it fits (untouched if it did already); -EMSGSIZE when nothing
 * is left to cut (the marks are then set, the cuts made); -ENOMEM.
 */
int cw_ecs_shorten(json_t *doc, size_t max, size_t flags, const char *output,
		   cw_shorten_measure *measure, void *ctx);

#endif /* CW_SHORTEN_H */
