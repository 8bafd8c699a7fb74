// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static const char *program = "cellwatch";
static const char *where;

void cw_log_program(const char *name)
{
	program = name;
}

const char *cw_log_name(void)
{
	return program;
}

void cw_log_where(const char *place)
{
	where = place;
}

/* One write of the whole line, so lines of processes sharing stderr do not mix. */
static void vwarn(const char *fmt, va_list ap)
{
	char line[4096];
	int saved = errno, n;

	if (where)
		n = snprintf(line, sizeof(line), "%s: %s: ", program, where);
	else
		n = snprintf(line, sizeof(line), "%s: ", program);
	errno = saved;
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
	errno = saved;
}

void cw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int cw_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

noreturn void cw_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}
