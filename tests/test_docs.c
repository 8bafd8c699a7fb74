// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What make install ships beside the binaries: man pages that render
 * without a warning, and that, with the bash completions, know every
 * option the binaries' --help prints.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

static const char *const man_pages[] = { "cellrun.1", "cellwatch.8", "cellwatch-rules.5" };

UNIT_TEST(docs_man_pages_render_without_warnings)
{
	const char *groff = require_tool("groff", "groff-base");
	struct cmd_result res;
	char page[4200];

	for (size_t i = 0; groff && i < sizeof(man_pages) / sizeof(man_pages[0]); i++) {
		snprintf(page, sizeof(page), "%s/man/%s", src_dir, man_pages[i]);
		run_cmd((char *[]){ (char *)groff, "-man", "-t", "-ww", "-z", page, NULL }, 60, &res);
		ASSERT_EQ(res.status, 0, man_pages[i]);
		ASSERT_STREQ(res.err, "", man_pages[i]);
	}
}

/* The source of @rel (under the source tree) in @buf; false when unreadable. */
static bool source_text(const char *rel, char *buf, size_t len)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", src_dir, rel);
	return ASSERT_TRUE(read_text(path, buf, len) > 0, rel);
}

/* Does @text have option @opt ("--rules") as @prefix + name, ending there? */
static bool mentions(const char *text, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);

	for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix)) {
		const char *end = p + plen + nlen;

		if (!strncmp(p + plen, name, nlen) && !isalnum((unsigned char)*end) &&
		    *end != '-')
			return true;
	}
	return false;
}

/*
 * Each long option in the option lines of @help (lines whose first
 * non-blank is '-') is in the man page @man as \-\-NAME and in the
 * completion file as --NAME.
 */
static void check_options(const char *help, const char *man, const char *completion,
			  const char *what)
{
	int seen = 0;

	for (const char *line = help; line && *line; line = strchr(line, '\n'), line += !!line) {
		const char *p = line + strspn(line, " "), *eol = strchrnul(line, '\n');

		if (*p != '-')
			continue;
		for (p = strstr(p, "--"); p && p < eol; p = strstr(p + 2, "--")) {
			char name[64], msg[160];
			size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");

			if (!n || n >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)n, p + 2);
			seen++;
			snprintf(msg, sizeof(msg), "%s: --%s in its man page", what, name);
			ASSERT_TRUE(mentions(man, "\\-\\-", name), msg);
			snprintf(msg, sizeof(msg), "%s: --%s in the completions", what, name);
			ASSERT_TRUE(mentions(completion, "--", name), msg);
		}
	}
	ASSERT_GE(seen, 5, what);
}

UNIT_TEST(docs_know_every_option)
{
	static const struct {
		const char *bin, *args[3], *man;
	} commands[] = {
		{ "cellrun", { "--help" }, "man/cellrun.1" },
		{ "cellwatch", { "--help" }, "man/cellwatch.8" },
		{ "cellwatch", { "daemon", "--help" }, "man/cellwatch.8" },
		{ "cellwatch", { "tail", "--help" }, "man/cellwatch.8" },
	};
	static char man[262144], completion[65536];
	struct cmd_result res;
	char bin[4200];

	if (!source_text("deploy/bash-completion/cellwatch", completion, sizeof(completion)))
		return;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char *argv[5] = { bin };

		snprintf(bin, sizeof(bin), "%s/%s", build_dir, commands[i].bin);
		for (int a = 0; commands[i].args[a]; a++)
			argv[a + 1] = (char *)commands[i].args[a];
		run_cmd(argv, 30, &res);
		if (!ASSERT_EQ(res.status, 0, "--help") ||
		    !source_text(commands[i].man, man, sizeof(man)))
			continue;
		check_options(res.out, man, completion, commands[i].man);
	}
}

/* `bash` completing @line (the cursor at its end) with the shipped completions: the offers. */
static void complete(const char *line, struct cmd_result *res)
{
	char script[8192];

	snprintf(script, sizeof(script),
		 "source '%s/deploy/bash-completion/cellwatch'\n"
		 "COMP_LINE='%s'; COMP_POINT=${#COMP_LINE}\n"
		 "read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
		 "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
		 "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
		 "fn=$(complete -p \"${COMP_WORDS[0]}\" | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')\n"
		 "$fn \"${COMP_WORDS[0]}\" \"${COMP_WORDS[COMP_CWORD]}\" "
		 "\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
		 "printf '%%s\\n' \"${COMPREPLY[@]}\"\n", src_dir, line);
	run_cmd((char *[]){ "/bin/bash", "--norc", "--noprofile", "-c", script, NULL }, 30, res);
}

UNIT_TEST(docs_completions_complete)
{
	static const struct {
		const char *line, *offer;
	} cases[] = {
		{ "cellrun --roo", "--rootfs\n" },
		{ "cellrun --time", "--timeout\n" },
		{ "cellwatch da", "daemon\n" },
		{ "cellwatch daemon --con", "--config\n" },
		{ "cellwatch tail --priority cr", "critical\n" },
		{ "cellwatch rules ", "check\n" },
		{ "cellwatch status --", "--json\n" },
	};
	struct cmd_result res;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		complete(cases[i].line, &res);
		ASSERT_EQ(res.status, 0, cases[i].line);
		ASSERT_HAS(res.out, cases[i].offer, cases[i].line);
	}
	complete("cellwatch tail --priority cr", &res);
	ASSERT_FALSE(strstr(res.out, "debug"), "only what matches");
}
