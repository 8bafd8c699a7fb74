// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Canonical paths for failed opens: a component at a time, as the kernel's
 * lookup walks them, so "/proc/self/root/../etc" ends where the kernel
 * would (root's ".." is root) and not where a textual fold would.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "paths.h"

/* The path built so far: "" is the root, else "/a/b"; a relative one starts "/.." or "/a". */
struct canon {
	char *out;
	size_t size;
	size_t len;		/* bytes of out, its NUL not counted */
	size_t floor;		/* ".." never goes above out[0..floor) */
	bool relative;		/* no base known for a relative name: ".." beyond it is kept */
	bool overflow;
	const struct cw_path_in *in;
};

static bool is_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

static bool equals(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && !memcmp(s, word, n);
}

static void push(struct canon *c, const char *s, size_t n)
{
	if (c->overflow || c->len + 1 + n + 1 > c->size) {
		c->overflow = true;
		return;
	}
	c->out[c->len++] = '/';
	memcpy(c->out + c->len, s, n);
	c->len += n;
	c->out[c->len] = '\0';
}

static void push_number(struct canon *c, __u32 nr)
{
	char buf[16];

	push(c, buf, snprintf(buf, sizeof(buf), "%u", nr));
}

static void pop(struct canon *c)
{
	if (c->len > c->floor) {
		while (c->len > c->floor && c->out[c->len - 1] != '/')
			c->len--;
		c->len--;	/* the component's slash */
		c->out[c->len] = '\0';
	} else if (c->relative) {
		/* Above an unknown base: nothing to fold it with. */
		push(c, "..", 2);
		c->floor = c->len;
	}
}

/* Is the path so far exactly "/proc"?  (Not beneath a RESOLVE_IN_ROOT base: floor is 0.) */
static bool at_proc(const struct canon *c)
{
	return !c->relative && c->floor == 0 && c->len == 5 && !memcmp(c->out, "/proc", 5);
}

/*
 * Is the path so far a process's or a thread's procfs directory
 * (/proc/<pid>, /proc/<pid>/task/<tid>), whose "root" is the cell's root?
 */
static bool at_task_dir(const struct canon *c)
{
	const char *p = c->out + 6, *end = c->out + c->len, *slash;

	if (c->relative || c->floor || c->len < 7 || memcmp(c->out, "/proc/", 6))
		return false;
	slash = memchr(p, '/', end - p);
	if (!is_digits(p, (slash ?: end) - p) && !equals(p, (slash ?: end) - p, "self") &&
	    !equals(p, (slash ?: end) - p, "thread-self"))
		return false;
	if (!slash)
		return true;
	p = slash + 1;
	return end - p > 5 && !memcmp(p, "task/", 5) && is_digits(p + 5, end - p - 5);
}

static void step(struct canon *c, const char *s, size_t n)
{
	if (n == 0 || equals(s, n, "."))
		return;
	if (equals(s, n, "..")) {
		pop(c);
		return;
	}
	if (at_proc(c) && c->in->pid && equals(s, n, "self")) {
		push_number(c, c->in->pid);
		return;
	}
	if (at_proc(c) && c->in->pid && c->in->tid && equals(s, n, "thread-self")) {
		push_number(c, c->in->pid);
		push(c, "task", 4);
		push_number(c, c->in->tid);
		return;
	}
	/* A magic link to the task's root: inside a cell, the cell's own root. */
	if (equals(s, n, "root") && at_task_dir(c)) {
		c->len = 0;
		c->out[0] = '\0';
		return;
	}
	push(c, s, n);
}

static void walk(struct canon *c, const char *path)
{
	/* Past the buffer, a ".." would fold what was never kept: stop. */
	while (*path && !c->overflow) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);

		step(c, path, n);
		path += n;
		if (*path)
			path++;
	}
}

int cw_path_canonical(const struct cw_path_in *in, char *out, size_t size)
{
	struct canon c = { .out = out, .size = size, .in = in };
	bool absolute = in->name[0] == '/';

	if (size < 2)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (in->base && (!absolute || in->base_is_root)) {
		walk(&c, in->base);
		if (in->base_is_root)
			c.floor = c.len;
	} else {
		c.relative = !absolute;
	}
	walk(&c, in->name);
	if (c.len == 0) {
		/* The root, or a relative name that folded to nothing. */
		strcpy(out, c.relative ? "." : "/");
		c.len = 1;
	} else if (c.relative) {
		/* Built with a leading slash; a relative name has none. */
		memmove(out, out + 1, c.len--);
	}
	return c.overflow ? -ENAMETOOLONG : (int)c.len;
}
