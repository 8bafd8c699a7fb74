// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes the event target's seeds into DIR (make fuzz-seeds): each sample
 * record alone, and all of them in one input, as a process tree sees them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "samples.h"

static void put_record(FILE *f, const struct cw_event *r, size_t size)
{
	fputc(size & 0xff, f);
	fputc(size >> 8, f);
	fwrite(r, 1, size, f);
}

static int write_seed(const char *dir, const char *name, size_t first, size_t last)
{
	static struct cw_event r;
	char path[4096];
	size_t size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "seed_events: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = first; i <= last && (size = cw_fuzz_sample(i, &r)); i++)
		put_record(f, &r, size);
	return fclose(f);
}

int main(int argc, char **argv)
{
	static struct cw_event r;
	const char *kind[] = {
#define CW_KIND_NAME(name, value, tag, member, kind, ...) [value] = kind,
		CW_EVENT_TYPES(CW_KIND_NAME)
#undef CW_KIND_NAME
	};
	char name[64];
	size_t i;
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: seed_events DIR\n");
		return 2;
	}
	for (i = 0; cw_fuzz_sample(i, &r); i++) {
		snprintf(name, sizeof(name), "sample-%02zu-%s", i, kind[r.hdr.type]);
		ret |= write_seed(argv[1], name, i, i);
	}
	ret |= write_seed(argv[1], "all-samples-in-order", 0, i);
	return ret ? 1 : 0;
}
