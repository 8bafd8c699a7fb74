// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests: rule file loading and its error messages. */
#include <stdlib.h>

#include "rules.h"
#include "test.h"

static const char *write_file(const char *name, const char *text)
{
	const char *path = test_path(1, name);
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

TEST(rules_default_loads)
{
	struct cw_ruleset rs;
	char path[4096], err[512] = "";
	const struct cw_rule *r;
	bool has_sh = false, has_bash = false;

	snprintf(path, sizeof(path), "%s/rules/default.json", src_dir);
	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	r = cw_rules_by_id(&rs, 1);
	if (ASSERT_OK_PTR(r, "rule 1")) {
		ASSERT_STREQ(r->name, "shell-spawn", "name");
		ASSERT_EQ(r->action, CW_ACTION_KILL, "action");
		ASSERT_EQ(r->event, CW_EVENT_EXEC, "event");
		for (size_t i = 0; i < r->nbinaries; i++) {
			has_sh |= !strcmp(r->binaries[i], "sh");
			has_bash |= !strcmp(r->binaries[i], "bash");
		}
		ASSERT_TRUE(has_sh && has_bash, "@shells expanded");
	}
	ASSERT_NULL(cw_rules_by_id(&rs, rs.nrules + 1), "no rule past the end");
	cw_rules_free(&rs);
}

TEST(rules_syntax_error_has_position)
{
	struct cw_ruleset rs;
	char err[512] = "";
	const char *path = write_file("bad.json", "{\n  \"rules\": [\n    {\"name\": }\n  ]\n}\n");
	char want[4200];

	ASSERT_EQ(cw_rules_load(&rs, path, err, sizeof(err)), -EINVAL, "rejected");
	snprintf(want, sizeof(want), "%s:3:", path);
	ASSERT_HAS(err, want, "file:line:column");
	ASSERT_NULL(rs.rules, "nothing half-loaded");
}

TEST(rules_semantic_errors_name_the_rule)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"rules\": [{\"name\": \"r1\", \"description\": \"d\", \"event\": \"exec\","
		  " \"action\": \"explode\", \"priority\": \"critical\","
		  " \"match\": {\"binary\": [\"sh\"]}}]}",
		  "rule 'r1': unknown action \"explode\"" },
		{ "{\"rules\": [{\"name\": \"r2\", \"description\": \"d\", \"event\": \"exec\","
		  " \"action\": \"kill\", \"priority\": \"critical\","
		  " \"match\": {\"binary\": [\"@nolist\"]}}]}",
		  "rule 'r2': \"match.binary\"[0]: no list named 'nolist'" },
		{ "{\"rules\": [{\"name\": \"r3\", \"description\": \"d\", \"event\": \"exec\","
		  " \"action\": \"kill\", \"priority\": \"loud\","
		  " \"match\": {\"binary\": [\"sh\"]}}]}",
		  "rule 'r3': unknown priority \"loud\"" },
		{ "{\"rules\": [{\"name\": \"r4\", \"event\": \"exec\"}]}",
		  "rule 'r4': missing \"description\"" },
		{ "{\"rules\": [{\"name\": \"r5\", \"description\": \"d\", \"event\": \"exec\","
		  " \"action\": \"kill\", \"priority\": \"critical\","
		  " \"match\": {\"binary\": [\"sh\"]}},"
		  " {\"name\": \"r5\", \"description\": \"d\", \"event\": \"exec\","
		  " \"action\": \"kill\", \"priority\": \"critical\","
		  " \"match\": {\"binary\": [\"sh\"]}}]}",
		  "rule 'r5': duplicate rule name" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_ruleset rs;
		char err[512] = "";
		const char *path = write_file("sem.json", cases[i].text);

		ASSERT_EQ(cw_rules_load(&rs, path, err, sizeof(err)), -EINVAL, cases[i].want);
		ASSERT_HAS(err, cases[i].want, "message");
		ASSERT_HAS(err, path, "message names the file");
	}
}

TEST(rules_disabled_rule_not_kept)
{
	struct cw_ruleset rs;
	char err[512] = "";
	const char *path = write_file("dis.json",
		"{\"rules\": [{\"name\": \"off\", \"description\": \"d\", \"event\": \"exec\","
		" \"action\": \"kill\", \"priority\": \"debug\", \"enabled\": false,"
		" \"match\": {\"binary\": [\"sh\"]}}]}");

	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	ASSERT_EQ(rs.nrules, 0, "disabled rule dropped");
	cw_rules_free(&rs);
}
