// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fuzz targets (tests/fuzz/) replayed on their committed seeds and on
 * every input a fuzzer once crashed on (tests/fuzz/regressions/<target>/):
 * each must return normally; under the ASan + UBSan build a memory error,
 * leak or undefined behaviour fails the test.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "event.h"
#include "cellrun.h"
#include "fuzz/fuzz.h"
#include "rules.h"
#include "test.h"

/* The file's bytes in an allocation of exactly their size, as libFuzzer passes them. */
static uint8_t *read_input(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf = NULL;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	if (!fstat(fileno(f), &st) && (buf = malloc(st.st_size ?: 1))) {
		*size = st.st_size;
		if (fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Run @fn on every file in tests/fuzz/@kind/@target; how many there were. */
static int replay(const char *kind, const char *target, int (*fn)(const uint8_t *, size_t))
{
	char dir[4096], path[8192];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", src_dir, kind, target);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		uint8_t *data;
		size_t size;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		data = read_input(path, &size);
		if (!ASSERT_OK_PTR(data, path))
			continue;
		/* Named first: a crash leaves the input's name as the last line. */
		fprintf(stderr, "replay %s\n", path);
		ASSERT_OK(fn(data, size), path);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

static void replay_target(const char *target, int (*fn)(const uint8_t *, size_t))
{
	ASSERT_TRUE(replay("corpus", target, fn) > 0, "seeds found and replayed");
	replay("regressions", target, fn);
}

UNIT_TEST(fuzz_rules_seeds_and_regressions)
{
	char path[4096];
	uint8_t *data;
	size_t size;

	replay_target("rules", cw_fuzz_rules);
	/* The shipped rule file is a seed too (tests/fuzz/run.sh). */
	snprintf(path, sizeof(path), "%s/rules/default.json", src_dir);
	data = read_input(path, &size);
	if (ASSERT_OK_PTR(data, path))
		ASSERT_OK(cw_fuzz_rules(data, size), path);
	free(data);
}

UNIT_TEST(fuzz_event_seeds_and_regressions)
{
	replay_target("event", cw_fuzz_event);
}

UNIT_TEST(fuzz_options_seeds_and_regressions)
{
	replay_target("options", cw_fuzz_options);
}

/* Every record of a seed decodes: the seeds start the fuzzer past the decoder's checks. */
static int decode_all(const uint8_t *data, size_t size)
{
	static struct cw_event rec, ev;

	while (size >= 2) {
		size_t len = data[0] | data[1] << 8;

		if (len > size - 2 || len > sizeof(rec))
			return -EINVAL;
		memcpy(&rec, data + 2, len);
		if (cw_event_decode(&ev, &rec, len))
			return -EINVAL;
		data += 2 + len;
		size -= 2 + len;
	}
	return size ? -EINVAL : 0;
}

UNIT_TEST(fuzz_event_seeds_decode)
{
	ASSERT_TRUE(replay("corpus", "event", decode_all) > 0, "seeds found");
}

/* Found reading the rules parser for its target: a CIDR too long for its buffer was cut short. */
UNIT_TEST(fuzz_rules_long_cidr_refused_not_cut)
{
	char text[512], err[512] = "";
	struct cw_ruleset rs;

	/* Cut after 53 bytes, "/000…08" read as "/0": a rule for 10/8 would match everything. */
	snprintf(text, sizeof(text),
		 "{\"rules\": [{\"name\": \"r\", \"description\": \"d\", \"priority\": \"notice\", "
		 "\"event\": \"network\", \"action\": \"alert\", "
		 "\"match\": {\"cidr\": [\"10.0.0.0/%0*d\"]}}]}", 52, 8);
	ASSERT_EQ(cw_rules_parse(&rs, "long.json", text, strlen(text), err, sizeof(err)), -EINVAL,
		  "refused");
	ASSERT_HAS(err, "is not an address or CIDR", err);
	snprintf(text, sizeof(text),
		 "{\"rules\": [{\"name\": \"r\", \"description\": \"d\", \"priority\": \"notice\", "
		 "\"event\": \"network\", \"action\": \"alert\", "
		 "\"match\": {\"cidr\": [\"10.0.0.0/%0*d\"]}}]}", 3, 8);
	if (ASSERT_OK(cw_rules_parse(&rs, "short.json", text, strlen(text), err, sizeof(err)), err)) {
		ASSERT_EQ(rs.rules[0].match.cidrs[0].prefix, 8, "leading zeros, same prefix");
		cw_rules_free(&rs);
	}
}

/*
 * Found refactoring the option parser for its target: each --profile's
 * numbers took slots of one fixed pool (overflowed past 31) and every
 * profile but the last leaked.  Now each document keeps its own.
 */
UNIT_TEST(fuzz_options_profiles_given_thrice)
{
	const char *path = test_path(0, "numbers.json");
	char *argv[] = { "cellrun", "--profile", (char *)path, "--profile", (char *)path,
			 "--profile", (char *)path, "--pids", "9", "true", NULL };
	struct cellrun_opts o;
	char err[512] = "";
	FILE *f = fopen(path, "w");

	if (!ASSERT_OK_PTR(f, path))
		return;
	fputs("{\"timeout\": 2.5, \"memory\": 67108864, \"pids\": 7, \"cpus\": 0.5, "
	      "\"tmp-size\": 4096, \"output-cap\": 1024, \"fsize\": 8192, \"nofile\": 99, "
	      "\"rootfs\": 1, \"input\": 2, \"output\": 3, \"result\": 4}\n", f);
	fclose(f);
	if (!ASSERT_OK(options_parse(&o, 10, argv, err, sizeof(err)), err))
		return;
	ASSERT_EQ(o.timeout_ms, 2500, "a number from the profile");
	ASSERT_EQ(o.memory_bytes, 64 << 20, "a size given as a number");
	ASSERT_EQ(o.pids, 9, "the command line overrides the profiles");
	ASSERT_STREQ(o.result_path, "4", "a number where a string goes, as text");
	ASSERT_STREQ(o.argv[0], "true", "the command");
	options_free(&o);
}
