// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Globs compiled for the kernel's per-component matcher: see glob.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "glob.h"

__attribute__((format(printf, 3, 4)))
static int unfit(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One component, @n bytes at @s, into @p. */
static int compile_part(const char *s, size_t n, struct cw_glob_part *p, char *why, size_t len)
{
	const char *star = memchr(s, '*', n);

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '?' || s[i] == '[' || s[i] == '\\')
			return unfit(why, len, "'%c' in a component is judged in userspace "
				     "(the kernel holds literals and one '*' each)", s[i]);
	}
	if (star && memchr(star + 1, '*', n - (star + 1 - s)))
		return unfit(why, len, "component '%.*s' has two '*', at most one", (int)n, s);
	if (n - (star ? 1 : 0) > CW_NAME_MAX - 1)
		return unfit(why, len, "component '%.*s' has %zu literal bytes, at most %d",
			     (int)n, s, n - (star ? 1 : 0), CW_NAME_MAX - 1);
	if (!star) {
		p->len = n;
		memcpy(p->name, s, n);
		return 0;
	}
	p->star = 1;
	p->len = star - s;
	p->suffix_len = n - p->len - 1;
	memcpy(p->name, s, p->len);
	memcpy(p->name + p->len, star + 1, p->suffix_len);
	return 0;
}

int cw_glob_compile(const char *glob, struct cw_glob_rule *out, char *why, size_t len)
{
	const char *s = glob;

	memset(out, 0, sizeof(*out));
	if (*s != '/')
		return unfit(why, len, "the kernel matches absolute globs (paths start with '/')");
	while (*s == '/') {
		const char *end = strchrnul(s + 1, '/');
		int ret;

		if (end == s + 1)
			return unfit(why, len, "an empty component ('//' or a trailing '/') "
				     "never matches a resolved path in the kernel");
		if (out->depth == CW_GLOB_DEPTH)
			return unfit(why, len, "more than %d components", CW_GLOB_DEPTH);
		ret = compile_part(s + 1, end - s - 1, &out->parts[out->depth], why, len);
		if (ret)
			return ret;
		out->depth++;
		s = end;
	}
	/* The kernel counts components from the last. */
	for (__u32 i = 0; i < out->depth / 2; i++) {
		struct cw_glob_part t = out->parts[i];

		out->parts[i] = out->parts[out->depth - 1 - i];
		out->parts[out->depth - 1 - i] = t;
	}
	return 0;
}

__u8 cw_glob_anchor(const struct cw_glob_rule *g)
{
	for (__u32 i = 0; i < g->depth; i++) {
		if (!g->parts[i].star)
			return i;
	}
	return CW_GLOB_ANY;
}

static bool part_matches(const struct cw_glob_part *p, const char *s, size_t n)
{
	if (!p->star)
		return n == p->len && !memcmp(s, p->name, n);
	return n >= (size_t)p->len + p->suffix_len && !memcmp(s, p->name, p->len) &&
	       !memcmp(s + n - p->suffix_len, p->name + p->len, p->suffix_len);
}

bool cw_glob_rule_matches(const struct cw_glob_rule *g, const char *path)
{
	const char *s = path;
	__u32 i = 0;

	/* As in the kernel, the root is one empty component. */
	if (*s != '/')
		return false;
	for (; *s == '/'; i++) {
		const char *end = strchrnul(s + 1, '/');

		if (i >= g->depth || !part_matches(&g->parts[g->depth - 1 - i], s + 1, end - s - 1))
			return false;
		s = end;
	}
	return i == g->depth;
}
