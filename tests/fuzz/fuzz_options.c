// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options target: cellrun's command line and its --profile JSON, parsed as
 * cellrun parses them, then released.
 *
 * Input: the profile's text up to the first NUL (none when empty), then
 * the arguments after argv[0], NUL-separated.  A profile is passed as
 * "--profile /proc/self/fd/N" before the arguments.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cellrun.h"
#include "fuzz.h"

#define MAX_ARGS 256

/* A profile naming /dev/stdin must not wait for input that never comes. */
static void stdin_from_dev_null(void)
{
	static bool done;
	int fd;

	if (done)
		return;
	done = true;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
}

static int profile_fd(const uint8_t *text, size_t len)
{
	int fd = memfd_create("profile", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, text, len) != (ssize_t)len) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Each argument in its own allocation of its own size: an overread is a report. */
static char *dup_arg(const uint8_t *s, size_t len)
{
	char *a = malloc(len + 1);

	if (a) {
		memcpy(a, s, len);
		a[len] = '\0';
	}
	return a;
}

/* What options_parse() promises about @o after it returned @ret. */
static void check_parsed(const struct cellrun_opts *o, int ret, const char *err, char **argv,
			 int argc)
{
	if (ret) {
		/* Nothing half-applied, and a reason unless getopt gave it. */
		FUZZ_CHECK(!o->profiles && !o->argv && !o->nenv && !o->nallow && !o->nlabels);
		FUZZ_CHECK(ret > 0 || err[0]);
		return;
	}
	FUZZ_CHECK(o->argv > argv && o->argv < argv + argc && o->argv[0]);
	FUZZ_CHECK(o->nenv <= MAX_ENV && o->nlabels <= MAX_LABELS);
	FUZZ_CHECK(o->nallow <= MAX_ALLOW && o->nallow_private <= MAX_ALLOW);
	FUZZ_CHECK(o->memory_bytes >= 4 << 20 && o->timeout_ms <= 86400 * 1000);
	FUZZ_CHECK(o->pids && o->nofile && o->cpu_millis && o->rules_path);
	/* The strings kept point into argv or a profile still held. */
	for (int i = 0; i < o->nenv; i++)
		FUZZ_CHECK(strchr(o->env[i], '='));
}

int cw_fuzz_options(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	char *argv[MAX_ARGS + 4] = { "cellrun" };
	char path[64], err[16384];
	struct cellrun_opts *o;
	int argc = 1, fd = -1, ret;

	stdin_from_dev_null();
	o = malloc(sizeof(*o));
	if (!o)
		return 0;
	if (plen) {
		fd = profile_fd(data, plen);
		if (fd < 0)
			goto out;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		argv[argc++] = "--profile";
		argv[argc++] = path;
	}
	/* The arguments: the pieces after the profile, the last one with or without its NUL. */
	for (size_t at = plen + 1; at < size && argc < MAX_ARGS + 3;) {
		const uint8_t *end = memchr(data + at, '\0', size - at);
		size_t len = end ? (size_t)(end - (data + at)) : size - at;

		argv[argc] = dup_arg(data + at, len);
		if (!argv[argc])
			goto out;
		argc++;
		at += len + 1;
	}
	argv[argc] = NULL;
	ret = options_parse(o, argc, argv, err, sizeof(err));
	check_parsed(o, ret, err, argv, argc);
	options_free(o);
out:
	for (int i = plen ? 3 : 1; i < argc; i++)
		free(argv[i]);
	if (fd >= 0)
		close(fd);
	free(o);
	return 0;
}

CW_FUZZ_ENTRY(cw_fuzz_options)
