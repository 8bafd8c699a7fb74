// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The daemon's configuration file: one "name = value" a line, checked as
 * the command line is, errors naming file:line:column before anything
 * starts; the command line overrides it.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "test.h"

/* `cellwatch daemon --config FILE` with a socket in test_dir: the result. */
static void daemon_with_config(const char *text, struct cmd_result *res)
{
	const char *conf = test_path(0, "cellwatch.conf");
	const char *sock = test_path(1, "never.sock");
	char bin[4096];

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	if (!ASSERT_OK(write_text(conf, text), "the configuration file"))
		return;
	run_cmd((char *[]){ bin, "daemon", "--socket", (char *)sock, "--config", (char *)conf,
			    NULL }, 30, res);
	ASSERT_EQ(res->status, 2, "refused as a command line is");
	ASSERT_TRUE(access(sock, F_OK) && errno == ENOENT, "and nothing started");
}

/* The message names the file, the line and the column of what is wrong. */
static void refused_at(const char *text, const char *place, const char *why)
{
	char want[4400];
	struct cmd_result res;

	daemon_with_config(text, &res);
	snprintf(want, sizeof(want), "cellwatch: %s:%s", test_path(0, "cellwatch.conf"), place);
	ASSERT_HAS(res.err, want, "the place");
	ASSERT_HAS(res.err, why, "the reason");
}

UNIT_TEST(config_errors_name_file_line_column)
{
	/* The value goes through the command line's check, which names the option. */
	refused_at("backlog = lots\n", "1:11: --backlog: 'lots' is not a number", "from 1 to");
	refused_at("# comments and blank lines count\n\n  socket = /x\nbogus = 1\n",
		   "4:1: ", "'bogus' is not an option of this command");
	refused_at("stdout yes\n", "1:8: ", "'=' expected after 'stdout'");
	refused_at("syslog = perhaps\n", "1:10: ", "'syslog' is a flag: yes or no");
	refused_at("help = yes\n", "1:1: ", "'help' is for the command line only");
	refused_at("config = /etc/other.conf\n", "1:1: ", "for the command line only");
	refused_at("rules =   \t\n", "1:12: ", "'rules' wants a value");	/* at the line's end */
	refused_at("Log = /tmp/x\n", "1:1: ", "an option name expected");
	refused_at("policy = a=/x\npolicy = a=/y\n", "2:10: ", "policy 'a' given twice");
	refused_at("log-max-bytes = 1T\n", "1:17: --log-max-bytes", "");
}

UNIT_TEST(config_named_must_exist_default_may_not)
{
	const char *none = test_path(0, "none.conf");
	char bin[4096];
	struct cmd_result res;

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	run_cmd((char *[]){ bin, "daemon", "--config", (char *)none, "--help", NULL }, 30, &res);
	ASSERT_EQ(res.status, 2, "a named file that is missing is an error");
	ASSERT_HAS(res.err, "No such file or directory", "said");
	/* The last of --config and --no-config wins. */
	run_cmd((char *[]){ bin, "daemon", "--config", (char *)none, "--no-config", "--help", NULL },
		30, &res);
	ASSERT_EQ(res.status, 0, "--no-config after it: none read");
	ASSERT_HAS(res.out, "--config FILE", "and the help says what the file is");
}

/*
 * A daemon started from a file: its policies serve cells, and the command
 * line wins over it (--log, and a --policy of the same name).
 */
TEST(config_file_starts_daemon_command_line_wins)
{
	const char *conf = test_path(0, "cellwatch.conf");
	const char *kill_rules = test_path(1, "kill.json"), *alert_rules = test_path(2, "alert.json");
	const char *file_log = test_path(3, "from-file.json");
	char text[8192], replaced[4200], *sh[] = { "/bin/sh", "-c", "echo ran", NULL };
	char *opts[] = { "--policy", "named", "--keep-shells", NULL };
	char *from_file[] = { "--config", (char *)conf, NULL };
	char *overridden[] = { "--config", (char *)conf, "--policy", replaced, NULL };
	struct daemon_proc d = {};
	struct cmd_result res;

	if (!require_root())
		return;
	snprintf(text, sizeof(text),
		 "# what a host would have in /etc/cellwatch/cellwatch.conf\n"
		 "policy = named=%s\n"
		 "log = %s\n"
		 "backlog = 64\n"
		 "fsync = yes\n"
		 "stdout = no\n", kill_rules, file_log);
	snprintf(replaced, sizeof(replaced), "named=%s", alert_rules);
	if (!ASSERT_OK(write_text(kill_rules, SHELL_RULE("kill")), "kill rules") ||
	    !ASSERT_OK(write_text(alert_rules, SHELL_RULE("alert")), "alert rules") ||
	    !ASSERT_OK(write_text(conf, text), "the file"))
		return;

	if (!ASSERT_TRUE(start_daemon(&d, from_file), "the daemon starts from the file"))
		goto cleanup;
	cellrun_daemon(&d, opts, sh, &res);
	ASSERT_EQ(res.status, 128 + SIGKILL, "the file's policy kills the shell");
	stop_daemon(&d, SIGTERM);
	ASSERT_TRUE(access(d.log, F_OK) == 0, "events went to the command line's --log");
	ASSERT_TRUE(access(file_log, F_OK) && errno == ENOENT, "not to the file's log");

	if (!ASSERT_TRUE(start_daemon(&d, overridden), "again, --policy on the command line"))
		goto cleanup;
	cellrun_daemon(&d, opts, sh, &res);
	ASSERT_EQ(res.status, 0, "the command line's policy of that name is in force");
	ASSERT_HAS(res.err, "ALERT shell", "it only alerts");
cleanup:
	daemon_cleanup(&d);
}
