// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The house style, checked rather than hoped for: the C sources follow
 * the kernel's (tabs, 100 columns, an SPDX line), and what a reviewer
 * would otherwise point out by hand fails here, by file and line.  There
 * is no .clang-format: no formatter reproduces this code as written, so
 * none is pretended to.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

#define MAX_COLUMNS	100
#define MAX_REPORTS	40

static int reports;

static void report(const char *path, int line, const char *what)
{
	if (reports++ < MAX_REPORTS)
		fprintf(stderr, "%s:%d: %s\n", path, line, what);
}

/* Columns of @s with tabs to the next multiple of 8. */
static int columns(const char *s)
{
	int col = 0;

	for (; *s && *s != '\n'; s++)
		col = *s == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return col;
}

static void check_line(const char *path, int n, const char *line)
{
	size_t len = strcspn(line, "\n");

	if (n == 1 && !strstr(line, "SPDX-License-Identifier:"))
		report(path, n, "no SPDX-License-Identifier on the first line");
	if (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		report(path, n, "trailing whitespace");
	if (!strncmp(line, "        ", 8))
		report(path, n, "indented with spaces, not tabs");
	/* A string literal may run long: splitting it hides it from grep. */
	if (columns(line) > MAX_COLUMNS && !strchr(line, '"'))
		report(path, n, "longer than 100 columns");
}

static int check_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);
	char line[4096];
	FILE *f;
	int n = 0;

	(void)st, (void)ftw;
	if (type != FTW_F || len < 2 ||
	    (strcmp(path + len - 2, ".c") && strcmp(path + len - 2, ".h")))
		return 0;
	f = fopen(path, "r");
	if (!ASSERT_OK_PTR(f, path))
		return 0;
	while (fgets(line, sizeof(line), f))
		check_line(path + strlen(src_dir) + 1, ++n, line);
	fclose(f);
	return 0;
}

UNIT_TEST(style_sources_follow_the_house_style)
{
	static const char *const dirs[] = { "bpf", "userspace", "launcher", "tests" };
	char dir[4096];

	reports = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", src_dir, dirs[i]);
		ASSERT_OK(nftw(dir, check_file, 16, FTW_PHYS), dir);
	}
	ASSERT_EQ(reports, 0, "style findings (the first 40 above)");
}
