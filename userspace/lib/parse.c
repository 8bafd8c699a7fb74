// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "parse.h"

/* Digits only: strtoull alone would take a sign, spaces and "0x". */
static int parse_digits(const char *s, unsigned long long *v, char **end)
{
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno ? -ERANGE : 0;
}

static int unit_shift(char c)
{
	switch (c) {
	case 'k': case 'K':
		return 10;
	case 'm': case 'M':
		return 20;
	case 'g': case 'G':
		return 30;
	default:
		return 0;
	}
}

int cw_parse_size(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;
	int shift, ret;

	ret = parse_digits(s, &v, &end);
	if (ret)
		return ret;
	shift = unit_shift(*end);
	if (shift) {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
	}
	if (*end)
		return -EINVAL;
	if (v == 0 || v > (max >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int cw_parse_count(const char *s, unsigned long long min, unsigned long long max,
		   unsigned long long *out)
{
	unsigned long long v;
	char *end;
	int ret;

	ret = parse_digits(s, &v, &end);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

bool cw_opt_size(const char *opt, const char *s, unsigned long long max, unsigned long long *out)
{
	if (!cw_parse_size(s, max, out))
		return true;
	cw_warn("%s: '%s' is not a size from 1 to %llu bytes (digits, then K, M or G)", opt, s,
		max);
	return false;
}

bool cw_opt_count(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *out)
{
	if (!cw_parse_count(s, min, max, out))
		return true;
	cw_warn("%s: '%s' is not a number from %llu to %llu", opt, s, min, max);
	return false;
}
