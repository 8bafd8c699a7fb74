// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests: rule file loading and its error messages. */
#include <stdlib.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "event.h"
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
		ASSERT_EQ(r->action, CW_ACTION_KILL_RUN, "action: a shell ends the run");
		ASSERT_EQ(r->event, CW_EVENT_EXEC, "event");
		for (size_t i = 0; i < r->match.binary.n; i++) {
			has_sh |= !strcmp(r->match.binary.v[i], "sh");
			has_bash |= !strcmp(r->match.binary.v[i], "bash");
		}
		ASSERT_TRUE(has_sh && has_bash, "@shells expanded");
	}
	ASSERT_NULL(cw_rules_by_id(&rs, rs.nrules + 1), "no rule past the end");
	cw_rules_free(&rs);
}

/*
 * rules/lenient.json is the default policy where a run survives its
 * offender: the same lists and rules, each with the same action, except
 * that a kill-run of the default may be a kill there.
 */
TEST(rules_lenient_is_default_killing_only_the_offender)
{
	char path[4096];
	json_t *def, *len, *rd, *rl;
	size_t i, relaxed = 0;

	snprintf(path, sizeof(path), "%s/rules/default.json", src_dir);
	def = read_json(path);
	snprintf(path, sizeof(path), "%s/rules/lenient.json", src_dir);
	len = read_json(path);
	if (!ASSERT_OK_PTR(def, "default.json") || !ASSERT_OK_PTR(len, "lenient.json"))
		goto cleanup;
	ASSERT_TRUE(json_equal(json_object_get(def, "lists"), json_object_get(len, "lists")),
		    "the same lists");
	rd = json_object_get(def, "rules");
	rl = json_object_get(len, "rules");
	if (!ASSERT_EQ(json_array_size(rl), json_array_size(rd), "the same rules"))
		goto cleanup;
	for (i = 0; i < json_array_size(rd); i++) {
		json_t *a = json_deep_copy(json_array_get(rd, i));
		json_t *b = json_deep_copy(json_array_get(rl, i));
		const char *name = json_string_value(json_object_get(a, "name"));
		const char *act_a = json_string_value(json_object_get(a, "action"));
		const char *act_b = json_string_value(json_object_get(b, "action"));

		if (act_a && act_b && strcmp(act_a, act_b)) {
			ASSERT_STREQ(act_a, "kill-run", name);
			ASSERT_STREQ(act_b, "kill", name);
			relaxed++;
		}
		/* Descriptions say what the action does; everything else is the same. */
		json_object_del(a, "action");
		json_object_del(b, "action");
		json_object_del(a, "description");
		json_object_del(b, "description");
		ASSERT_TRUE(json_equal(a, b), name ?: "a rule");
		json_decref(a);
		json_decref(b);
	}
	ASSERT_TRUE(relaxed > 0, "lenient.json kills only the offender somewhere");
cleanup:
	json_decref(def);
	json_decref(len);
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

/* A rule file with one rule whose "match" and "action" are given, laid out on known lines. */
static const char *one_rule(const char *event, const char *match, const char *action)
{
	static char text[2048];

	snprintf(text, sizeof(text),
		 "{\n"
		 "  \"lists\": { \"l\": [\"x\"] },\n"
		 "  \"rules\": [\n"
		 "    {\n"
		 "      \"name\": \"r1\",\n"
		 "      \"description\": \"d\",\n"
		 "      \"event\": \"%s\",\n"
		 "      \"match\": %s,\n"
		 "      \"action\": \"%s\",\n"
		 "      \"priority\": \"critical\"\n"
		 "    }\n"
		 "  ]\n"
		 "}\n", event, match, action);
	return text;
}

TEST(rules_semantic_errors_have_position_and_rule)
{
	static const struct {
		const char *event, *match, *action, *want;
	} cases[] = {
		{ "exec", "{\"binary\": [\"sh\"]}", "explode",
		  ":9:17: rule 'r1': unknown action \"explode\"" },
		{ "exec", "{\"binary\": [\"@nolist\"]}", "kill",
		  ":8:28: rule 'r1': no list named 'nolist'" },
		{ "exec", "{\"cidr\": [\"10.0.0.0/8\"]}", "kill",
		  ":8:25: rule 'r1': \"cidr\" does not apply to exec events" },
		{ "network", "{\"cidr\": [\"10.0.0.0/33\"]}", "deny",
		  ":8:25: rule 'r1': '10.0.0.0/33' is not an address or CIDR" },
		{ "network", "{\"port\": [\"90-80\"]}", "alert",
		  ":8:26: rule 'r1': port range out of 0-65535" },
		{ "open", "{\"flags\": [\"exec\"]}", "alert",
		  ":8:26: rule 'r1': unknown flags 'exec' (read, write, create, truncate)" },
		{ "syscall", "{\"syscall\": [\"frobnicate\"]}", "kill",
		  ":8:28: rule 'r1': unknown syscall 'frobnicate'" },
		{ "open", "{\"glob\": [\"/etc/*\"]}", "deny",
		  ":9:17: rule 'r1': \"deny\" needs conditions the kernel decides" },
		{ "open", "{\"nope\": []}", "alert",
		  ":8:25: rule 'r1': unknown condition \"nope\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_ruleset rs;
		char err[512] = "";
		const char *path = write_file("sem.json", one_rule(cases[i].event, cases[i].match,
								   cases[i].action));

		ASSERT_EQ(cw_rules_load(&rs, path, err, sizeof(err)), -EINVAL, cases[i].want);
		ASSERT_HAS(err, cases[i].want, "file:line:column: rule: message");
		ASSERT_HAS(err, path, "message names the file");
		ASSERT_NULL(rs.rules, "nothing half-loaded");
	}
}

TEST(rules_duplicate_and_missing)
{
	struct cw_ruleset rs;
	char err[512] = "";
	const char *path = write_file("dup.json",
		"{\"rules\": [{\"name\": \"a\", \"description\": \"d\", \"event\": \"signal\","
		" \"action\": \"alert\", \"priority\": \"debug\"},\n"
		" {\"name\": \"a\", \"description\": \"d\", \"event\": \"signal\","
		" \"action\": \"alert\", \"priority\": \"debug\"}]}");

	ASSERT_EQ(cw_rules_load(&rs, path, err, sizeof(err)), -EINVAL, "duplicate");
	ASSERT_HAS(err, ":2:11: rule 'a': duplicate rule name", "duplicate named, with place");
	path = write_file("miss.json", "{\"rules\": [{\"name\": \"b\", \"event\": \"exec\"}]}");
	ASSERT_EQ(cw_rules_load(&rs, path, err, sizeof(err)), -EINVAL, "missing");
	ASSERT_HAS(err, "rule 'b': missing \"description\"", "missing field named");
}

TEST(rules_match_semantics)
{
	static struct cw_event ev;
	struct cw_ruleset rs;
	char err[512] = "";
	const char *path = write_file("m.json",
		"{\"rules\": ["
		"{\"name\": \"env\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"glob\": [\"/proc/*/environ\"], \"flags\": [\"read\"],"
		"  \"not\": {\"parent\": [\"sshd\"]}},"
		" \"action\": \"alert\", \"priority\": \"debug\"},"
		"{\"name\": \"net\", \"description\": \"d\", \"event\": \"network\","
		" \"match\": {\"cidr\": [\"10.0.0.0/8\"], \"port\": [\"1000-2000\", 53]},"
		" \"action\": \"alert\", \"priority\": \"debug\"}]}");
	const struct cw_rule *env, *net;

	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	env = cw_rules_by_id(&rs, 1);
	net = cw_rules_by_id(&rs, 2);
	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = CW_EVENT_OPEN;
	strcpy(ev.open.path, "/proc/42/environ");
	ev.open.path_len = strlen(ev.open.path) + 1;
	ev.open.flags = O_RDONLY;
	ASSERT_TRUE(cw_rule_matches(env, &ev), "glob and flags");
	ev.ancestry[0] = "/usr/sbin/sshd";
	ev.nancestry = 1;
	ASSERT_FALSE(cw_rule_matches(env, &ev), "\"not\" excludes the parent");
	ev.nancestry = 0;
	strcpy(ev.open.path, "/proc/42/task/42/environ");
	ASSERT_FALSE(cw_rule_matches(env, &ev), "* does not cross /");

	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = CW_EVENT_NET;
	ev.net.op = CW_NET_CONNECT;
	ev.net.family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", ev.net.addr);
	ev.net.port = 1500;
	ASSERT_TRUE(cw_rule_matches(net, &ev), "cidr and port range");
	ev.net.port = 53;
	ASSERT_TRUE(cw_rule_matches(net, &ev), "single port");
	ev.net.port = 80;
	ASSERT_FALSE(cw_rule_matches(net, &ev), "port outside");
	ev.net.port = 53;
	inet_pton(AF_INET, "11.1.2.3", ev.net.addr);
	ASSERT_FALSE(cw_rule_matches(net, &ev), "address outside");
	cw_rules_free(&rs);
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

TEST(rules_check_command)
{
	char bin[4096], good[4096];
	struct cmd_result res;
	const char *bad = write_file("bad.json", "{\"rules\": [{\"name\": \"r\", \"description\": \"d\","
					       " \"event\": \"exec\", \"action\": \"zap\","
					       " \"priority\": \"debug\"}]}");

	snprintf(bin, sizeof(bin), "%s/cellwatch", build_dir);
	ASSERT_OK(run_cmd((char *[]){ bin, "rules", "check", default_rules(good, sizeof(good)),
				      NULL }, 10, &res), "run");
	ASSERT_EQ(res.status, 0, "the default policy checks");
	ASSERT_HAS(res.out, "rules OK", "says so");
	ASSERT_OK(run_cmd((char *[]){ bin, "rules", "check", (char *)bad, NULL }, 10, &res), "run");
	ASSERT_EQ(res.status, 1, "a bad file fails the check");
	ASSERT_HAS(res.err, ":1:73: rule 'r': unknown action \"zap\"", "file:line:column and rule");
}
