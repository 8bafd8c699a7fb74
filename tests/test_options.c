// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The options every command shares, spelt alike: sizes and counts as every
 * command line and profile reads them (userspace/lib/parse.c), one set of
 * bounds, and --log's -o.
 */
#include <errno.h>
#include <linux/types.h>

#include "cellrun.h"
#include "parse.h"
#include "test.h"

UNIT_TEST(options_sizes)
{
	static const struct {
		const char *text;
		unsigned long long max, want;
		int ret;
	} cases[] = {
		{ "4096", 1ULL << 30, 4096, 0 },
		{ "8M", 1ULL << 30, 8ULL << 20, 0 },
		{ "64k", ~0ULL, 64ULL << 10, 0 },
		{ "2GiB", ~0ULL, 2ULL << 30, 0 },
		{ "3MB", ~0ULL, 3ULL << 20, 0 },
		{ "1G", 1ULL << 30, 1ULL << 30, 0 },
		{ "1025M", 1ULL << 30, 0, -ERANGE },	/* past the bound */
		{ "0", ~0ULL, 0, -ERANGE },
		{ "99999999999999999999", ~0ULL, 0, -ERANGE },
		{ "17179869184G", ~0ULL, 0, -ERANGE },	/* 2^64 bytes */
		{ "-1", ~0ULL, 0, -EINVAL },
		{ " 1", ~0ULL, 0, -EINVAL },
		{ "0x1000", ~0ULL, 0, -EINVAL },
		{ "1T", ~0ULL, 0, -EINVAL },
		{ "1Mx", ~0ULL, 0, -EINVAL },
		{ "", ~0ULL, 0, -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long v = 0;
		int ret = cw_parse_size(cases[i].text, cases[i].max, &v);

		ASSERT_EQ(ret, cases[i].ret, cases[i].text);
		if (!ret)
			ASSERT_EQ(v, cases[i].want, cases[i].text);
	}
}

UNIT_TEST(options_counts)
{
	unsigned long long v = 0;

	ASSERT_EQ(cw_parse_count("5", 1, 1000, &v), 0, "in range");
	ASSERT_EQ(v, 5, "its value");
	ASSERT_EQ(cw_parse_count("1000", 1, 1000, &v), 0, "the bound itself");
	ASSERT_EQ(cw_parse_count("1001", 1, 1000, &v), -ERANGE, "past the bound");
	ASSERT_EQ(cw_parse_count("0", 1, 1000, &v), -ERANGE, "under the least");
	ASSERT_EQ(cw_parse_count("5K", 1, 1000, &v), -EINVAL, "no units on a count");
	ASSERT_EQ(cw_parse_count("+5", 1, 1000, &v), -EINVAL, "no sign");
}

/* watch and daemon read --ringbuf alike: K/M/G, at most 1 GiB, and say so. */
TEST(options_watch_and_daemon_agree)
{
	char bin[4096];
	struct cmd_result res;
	char err[2][512];

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	for (int i = 0; i < 2; i++) {
		char *argv[] = { bin, i ? "daemon" : "watch", "--ringbuf", "2G", NULL };

		run_cmd(argv, 30, &res);
		ASSERT_EQ(res.status, 2, argv[1]);
		snprintf(err[i], sizeof(err[i]), "%.511s", res.err);
	}
	ASSERT_HAS(err[0], "--ringbuf: '2G' is not a size from 1 to 1073741824 bytes",
		   "watch names the bound");
	ASSERT_STREQ(err[1], err[0], "the daemon says the same");
}

/* cellrun reads -o as --log, as watch and the daemon do, and sizes with their units. */
UNIT_TEST(options_cellrun_log_spelled_alike)
{
	char *argv[] = { "cellrun", "-o", "/tmp/run.json", "--log-max-bytes", "8M", "--",
			 "true", NULL };
	struct cellrun_opts o = {};
	char err[512] = "";

	if (!ASSERT_OK(options_parse(&o, 7, argv, err, sizeof(err)), err))
		return;
	ASSERT_STREQ(o.log_path, "/tmp/run.json", "-o is --log");
	ASSERT_EQ(o.log_max_bytes, 8 << 20, "a size with its unit");
	options_free(&o);
}

/* --embedded is the opposite of a daemon, and of no monitor at all. */
UNIT_TEST(options_cellrun_embedded_contradictions)
{
	char *with[][6] = {
		{ "cellrun", "--embedded", "--daemon", "/run/x.sock", "--", "true" },
		{ "cellrun", "--embedded", "--no-monitor", "--", "true", NULL },
	};

	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		struct cellrun_opts o = {};
		char err[512] = "";
		int argc = with[i][5] ? 6 : 5;

		ASSERT_TRUE(options_parse(&o, argc, with[i], err, sizeof(err)) != 0, with[i][2]);
		ASSERT_HAS(err, "--embedded contradicts", "says which options");
		options_free(&o);
	}
}

/*
 * The options watch and the daemon share are one table: both take
 * "--log-max-bytes 0" (never rotate), both list them in their help alike,
 * and both refuse a bad value with the same words.
 */
TEST(options_session_options_shared)
{
	static const char *const shared[] = {
		"  -r, --rules FILE", "  -o, --log FILE", "      --log-max-bytes N",
		"      --log-keep K", "      --fsync", "  -b, --ringbuf BYTES",
		"      --critical-ringbuf BYTES", "  -v, --verbose",
	};
	char bin[4096], err[2][512];
	struct cmd_result res;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	for (int i = 0; i < 2; i++) {
		char *cmd = i ? "daemon" : "watch";
		char *help[] = { bin, cmd, "--log-max-bytes", "0", "--help", NULL };
		char *bad[] = { bin, cmd, "--log-keep", "0", NULL };

		run_cmd(help, 30, &res);
		ASSERT_EQ(res.status, 0, "--log-max-bytes 0 is taken");
		for (size_t j = 0; j < sizeof(shared) / sizeof(shared[0]); j++)
			ASSERT_HAS(res.out, shared[j], cmd);
		run_cmd(bad, 30, &res);
		ASSERT_EQ(res.status, 2, "--log-keep 0 is refused");
		snprintf(err[i], sizeof(err[i]), "%.511s", res.err);
	}
	ASSERT_HAS(err[0], "--log-keep: '0' is not", "watch names the option");
	ASSERT_STREQ(err[1], err[0], "the daemon says the same");
}
