// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "files.h"
#include "log.h"

#define CONFIG_FILE_MAX	(1u << 20)

struct cw_config {
	char *text;		/* the file, each value NUL-terminated in place */
};

/* Where a message points: the file, then line and column (1-based). */
struct place {
	const char *path;
	int line;
	char text[4200];
};

static const char *at(struct place *p, const char *line_start, const char *c)
{
	snprintf(p->text, sizeof(p->text), "%s:%d:%d", p->path, p->line,
		 (int)(c - line_start) + 1);
	return p->text;
}

__attribute__((format(printf, 4, 5)))
static int refuse(struct place *p, const char *line_start, const char *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cw_warn("%s: %s", at(p, line_start, c), msg);
	return -EINVAL;
}

static const struct option *find_option(const struct option *opts, const char *name)
{
	for (; opts->name; opts++) {
		if (!strcmp(opts->name, name))
			return opts;
	}
	return NULL;
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++) {
		if (!strcmp(*names, name))
			return true;
	}
	return false;
}

/* A flag's value: 1 set, 0 left alone, -1 not a yes or no. */
static int flag_value(const char *v)
{
	static const char *const yes[] = { "yes", "true", "1", NULL };
	static const char *const no[] = { "no", "false", "0", NULL };

	if (listed(yes, v))
		return 1;
	if (listed(no, v))
		return 0;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line, NUL-terminated in place: a setting, a comment or nothing. */
static int take_line(struct place *p, char *line, const struct option *opts,
		     const char *const *refused, cw_config_take_fn take, void *ctx)
{
	char *name, *value, *end, *c = line;
	const struct option *o;
	size_t n;
	int set, ret;

	while (is_blank(*c))
		c++;
	if (!*c || *c == '#')
		return 0;
	name = c;
	n = strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-");
	if (!n)
		return refuse(p, line, c, "an option name expected (name = value)");
	c += n;
	end = c;
	while (is_blank(*c))
		c++;
	if (*c != '=')
		return refuse(p, line, c, "'=' expected after '%.*s'", (int)n, name);
	*end = '\0';
	c++;
	while (is_blank(*c))
		c++;
	value = c;
	end = value + strlen(value);
	while (end > value && is_blank(end[-1]))
		*--end = '\0';

	o = find_option(opts, name);
	if (!o)
		return refuse(p, line, name, "'%s' is not an option of this command", name);
	if (listed(refused, name))
		return refuse(p, line, name, "'%s' is for the command line only", name);
	if (!*value)
		return refuse(p, line, value, "'%s' wants a value", name);
	if (o->has_arg == no_argument) {
		set = flag_value(value);
		if (set < 0)
			return refuse(p, line, value, "'%s' is a flag: yes or no, not '%s'",
				      name, value);
		if (!set)
			return 0;
		value = NULL;
	}
	cw_log_where(at(p, line, value ?: name));
	ret = take(ctx, o->val, value);
	cw_log_where(NULL);
	return ret ? -EINVAL : 0;
}

int cw_config_read(struct cw_config **out, const char *path, const struct option *opts,
		   const char *const *refused, cw_config_take_fn take, void *ctx)
{
	struct place p = { .path = path };
	struct cw_config *c;
	char *line, *next;
	size_t len;
	int ret = 0;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->text = cw_read_text(path, CONFIG_FILE_MAX, &len);
	if (!c->text) {
		ret = -errno;
		free(c);
		if (ret == -ENOENT)
			return ret;
		cw_warn("%s: %s", path, strerror(-ret));
		return -EINVAL;
	}
	if (strlen(c->text) != len) {
		cw_warn("%s: a NUL byte: not a text file", path);
		ret = -EINVAL;
	}
	for (line = c->text; !ret && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		ret = take_line(&p, line, opts, refused, take, ctx);
	}
	if (ret) {
		cw_config_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void cw_config_free(struct cw_config *c)
{
	if (!c)
		return;
	free(c->text);
	free(c);
}
