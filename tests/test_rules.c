// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests: rule file loading and its error messages. */
#include <stdlib.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "compile.h"
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

UNIT_TEST(rules_default_loads)
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
UNIT_TEST(rules_lenient_is_default_killing_only_the_offender)
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

UNIT_TEST(rules_syntax_error_has_position)
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

/*
 * A rule file with one rule whose "match" and "action" are given, laid out
 * on known lines (match on line 8, action on 9), @extra keys after priority.
 */
static const char *one_rule_with(const char *event, const char *match, const char *action,
				 const char *extra)
{
	static char text[4096];

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
		 "      \"priority\": \"critical\"%s\n"
		 "    }\n"
		 "  ]\n"
		 "}\n", event, match, action, extra);
	return text;
}

static const char *one_rule(const char *event, const char *match, const char *action)
{
	return one_rule_with(event, match, action, "");
}

UNIT_TEST(rules_semantic_errors_have_position_and_rule)
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
		{ "open", "{\"glob\": [\"/etc/*.[ch]\"]}", "deny",
		  ":8:25: rule 'r1': deny needs a rule the kernel decides: \"glob\" '/etc/*.[ch]': "
		  "'[' in a component is judged in userspace" },
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

UNIT_TEST(rules_duplicate_and_missing)
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

UNIT_TEST(rules_match_semantics)
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

UNIT_TEST(rules_disabled_rule_not_kept)
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

UNIT_TEST(rules_check_command)
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

/*
 * A deny the kernel would not enforce, or a layer it cannot have, is refused where it is
 * written.
 */
UNIT_TEST(rules_refused_when_the_layer_is_out_of_reach)
{
	char long_path[256], match[512];
	static const struct {
		const char *event, *match, *action, *extra, *want;
	} cases[] = {
		{ "network", "{\"cidr\": [\"10.0.0.0/8\"], \"port\": [1, 2, 3, 4, 5]}", "deny", "",
		  ":8:49: rule 'r1': deny needs a rule the kernel decides: 5 port ranges, at most 4" },
		{ "network", "{\"cidr\": [\"0.0.0.0/0\"], \"not\": {\"cidr\": [\"127.0.0.0/8\"], "
		  "\"glob\": [\"/run/*\"]}}", "deny", "",
		  ":8:81: rule 'r1': deny needs a rule the kernel decides: \"glob\" inside \"not\" "
		  "is judged in userspace" },
		{ "network", "{\"cidr\": [\"10.1.0.0/16\"], \"not\": {\"cidr\": [\"10.0.0.0/8\"]}}",
		  "deny", "",
		  ":8:58: rule 'r1': deny needs a rule the kernel decides: \"not\" CIDR 10.0.0.0/8 "
		  "lies in none of the rule's CIDRs" },
		{ "network", "{\"family\": [\"unix\"], \"path\": [\"/run/x.sock\"]}", "deny", "",
		  ":9:17: rule 'r1': deny needs a rule the kernel decides: the kernel kills but "
		  "cannot refuse a unix socket by path; use \"kill\"" },
		{ "syscall", "{\"syscall\": [\"ptrace\"]}", "deny", "",
		  ":9:17: rule 'r1': deny needs a rule the kernel decides: the kernel kills but "
		  "cannot refuse a syscall" },
		{ "exec", "{\"binary\": [\"/opt/a-tool-whose-name-is-longer-than-31\"]}", "deny", "",
		  ":8:27: rule 'r1': deny needs a rule the kernel decides: \"binary\" value of 35 "
		  "bytes, at most 31" },
		{ "network", "{\"cidr\": [\"10.0.0.0/8\"]}", "deny",
		  ",\n      \"rate\": {\"count\": 2, \"seconds\": 1}",
		  ":11:15: rule 'r1': deny needs a rule the kernel decides: a rate is counted in "
		  "userspace" },
		{ "exec", "{\"binary\": [\"sh\"], \"argv_contains\": [\"-c\"]}", "kill",
		  ",\n      \"layer\": \"kernel\"",
		  ":8:52: rule 'r1': \"layer\": \"kernel\" needs a rule the kernel decides: "
		  "\"argv_contains\" is judged in userspace" },
		{ "fork", "{}", "kill", ",\n      \"layer\": \"kernel\"",
		  ":7:16: rule 'r1': \"layer\": \"kernel\" needs a rule the kernel decides: fork "
		  "events are judged in userspace" },
		{ "syscall", "{\"syscall\": [\"read\"]}", "kill", "",
		  ":8:28: rule 'r1': syscall 'read' is never observed: the monitor watches those of "
		  "bpf/syscalls.def" },
		{ "syscall", "{\"syscall\": [\"openat\"]}", "alert", "",
		  ":8:28: rule 'r1': syscall 'openat' is reported as an open event, never as a "
		  "syscall event" },
		{ "syscall", "{\"abi\": [\"i386\"]}", "deny", "",
		  ":9:17: rule 'r1': deny needs a rule the kernel decides: the kernel kills but "
		  "cannot refuse a syscall of a foreign ABI" },
	};

	memset(long_path, 'a', 200);
	long_path[200] = '\0';
	for (size_t i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
		const char *event = "open", *action = "deny", *extra = "", *want;
		struct cw_ruleset rs;
		char err[512] = "";
		const char *path;

		if (i < sizeof(cases) / sizeof(cases[0])) {
			event = cases[i].event;
			snprintf(match, sizeof(match), "%s", cases[i].match);
			action = cases[i].action;
			extra = cases[i].extra;
			want = cases[i].want;
		} else {
			/* An open path the kernel's LPM key cannot hold: 201 bytes. */
			snprintf(match, sizeof(match), "{\"path\": [\"/%s\"]}", long_path);
			want = ":8:25: rule 'r1': deny needs a rule the kernel decides: \"path\" value "
			       "of 201 bytes, at most 127";
		}
		path = write_file("layer.json", one_rule_with(event, match, action, extra));
		ASSERT_EQ(cw_rules_load(&rs, path, err, sizeof(err)), -EINVAL, want);
		ASSERT_HAS(err, want, "file:line:column: rule: why");
		ASSERT_HAS(err, path, "message names the file");
		ASSERT_NULL(rs.rules, "nothing half-loaded");
	}
}

/* The same rules within the kernel's limits load, and say how the kernel decides them. */
UNIT_TEST(rules_within_the_kernel_limits_load)
{
	static const struct {
		const char *event, *match, *action, *extra;
		enum cw_kernel_target kernel;
	} cases[] = {
		{ "network", "{\"cidr\": [\"10.0.0.0/8\"], \"port\": [1, 2, 3, \"5-9\"]}", "deny", "",
		  CW_KERNEL_NET },
		{ "network", "{\"cidr\": [\"0.0.0.0/0\"], \"not\": {\"cidr\": [\"127.0.0.0/8\"]}}",
		  "deny", "", CW_KERNEL_NET },
		{ "network", "{\"family\": [\"unix\"], \"path\": [\"/run/x.sock\"]}", "kill", "",
		  CW_KERNEL_UNIX },
		{ "network", "{\"op\": [\"socket\"], \"family\": [\"packet\"]}", "kill",
		  ",\n      \"layer\": \"kernel\"", CW_KERNEL_SOCKET },
		{ "exec", "{\"binary\": [\"sh\"]}", "kill", ",\n      \"layer\": \"kernel\"",
		  CW_KERNEL_EXEC },
		{ "exec", "{\"binary\": [\"/opt/a-tool-whose-name-is-longer-than-31\"]}", "kill", "",
		  CW_KERNEL_NONE },
		{ "open", "{\"basename\": [\".env\"]}", "deny", "", CW_KERNEL_OPEN_NAME },
		{ "open", "{\"path_prefix\": [\"/root/.ssh/\"]}", "deny", "", CW_KERNEL_OPEN_PATH },
		{ "open", "{\"glob\": [\"/etc/*\"]}", "deny", "", CW_KERNEL_OPEN_GLOB },
		{ "open", "{\"glob\": [\"/home/*/.ssh/id_*\", \"/proc/*/environ\"]}", "kill",
		  ",\n      \"layer\": \"kernel\"", CW_KERNEL_OPEN_GLOB },
		{ "open", "{\"glob\": [\"/etc/sha?ow\"]}", "kill", "", CW_KERNEL_NONE },
		{ "syscall", "{\"syscall\": [\"ptrace\", \"setuid\"]}", "kill", "", CW_KERNEL_SYSCALL },
		{ "signal", "{}", "deny", "", CW_KERNEL_SIGNAL },
		{ "syscall", "{\"abi\": [\"i386\", \"x32\"]}", "kill-run", "", CW_KERNEL_ABI },
		{ "syscall", "{\"abi\": [\"i386\"], \"syscall\": [\"ptrace\"]}", "kill", "",
		  CW_KERNEL_NONE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_ruleset rs;
		char err[512] = "";
		const char *path = write_file("ok.json", one_rule_with(cases[i].event,
			cases[i].match, cases[i].action, cases[i].extra));

		if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
			continue;
		ASSERT_EQ(rs.rules[0].kernel, cases[i].kernel, cases[i].match);
		cw_rules_free(&rs);
	}
}

struct entries {
	size_t n[CW_RULE_MAPS];
	size_t total, exceptions;
};

/* A map writer that counts what compile writes; "not" CIDRs are entries that decide nothing. */
static int count_entry(void *ctx, enum cw_rule_map map, const void *key, const void *val)
{
	struct entries *e = ctx;
	const struct cw_verdict *v = val;	/* first member of struct cw_net_rule too */

	(void)key;
	e->n[map]++;
	e->total++;
	e->exceptions += v->action == CW_ACTION_NONE;
	return 0;
}

static struct entries compiled(const struct cw_rule *r)
{
	struct entries e = {};

	ASSERT_OK(cw_rule_compile_entries(r, 7, count_entry, &e), r->name);
	return e;
}

/* The table and the compiler agree: a rule the table gives the kernel is written, deny included. */
UNIT_TEST(rules_kernel_target_agrees_with_compile)
{
	struct cw_ruleset rs;
	char path[4096], err[512] = "";
	const char *deny = write_file("deny.json",
		"{\"rules\": ["
		"{\"name\": \"egress\", \"description\": \"d\", \"event\": \"network\","
		" \"match\": {\"cidr\": [\"0.0.0.0/0\", \"::/0\"], \"not\": {\"cidr\": [\"127.0.0.0/8\","
		" \"::1/128\"]}}, \"action\": \"deny\", \"priority\": \"warning\"},"
		"{\"name\": \"ports\", \"description\": \"d\", \"event\": \"network\","
		" \"match\": {\"cidr\": [\"10.0.0.0/8\"], \"port\": [22, \"80-90\", 443, 8080]},"
		" \"action\": \"deny\", \"priority\": \"warning\"},"
		"{\"name\": \"shells\", \"description\": \"d\", \"event\": \"exec\","
		" \"match\": {\"binary\": [\"sh\", \"/usr/bin/dash\"]}, \"action\": \"deny\","
		" \"priority\": \"warning\"},"
		"{\"name\": \"keys\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"path\": [\"/etc/shadow\"]}, \"action\": \"deny\","
		" \"priority\": \"warning\"},"
		"{\"name\": \"env\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"basename\": [\".env\", \".netrc\"]}, \"action\": \"deny\","
		" \"priority\": \"warning\"},"
		"{\"name\": \"sig\", \"description\": \"d\", \"event\": \"signal\", \"action\": \"deny\","
		" \"priority\": \"warning\"},"
		"{\"name\": \"glob\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"glob\": [\"/proc/*/environ\"]}, \"action\": \"kill\","
		" \"priority\": \"warning\"}]}");
	struct entries e;

	if (!ASSERT_OK(cw_rules_load(&rs, deny, err, sizeof(err)), err))
		return;
	for (size_t i = 0; i < rs.nrules; i++) {
		const struct cw_rule *r = &rs.rules[i];

		e = compiled(r);
		if (r->action == CW_RULE_DENY)
			ASSERT_NEQ(r->kernel, CW_KERNEL_NONE, "an accepted deny is the kernel's");
		ASSERT_EQ(e.total > e.exceptions, r->kernel != CW_KERNEL_NONE, r->name);
	}
	e = compiled(&rs.rules[0]);
	ASSERT_EQ(e.n[CW_MAP_NET4], 2, "egress: 0.0.0.0/0 and its exception");
	ASSERT_EQ(e.n[CW_MAP_NET6], 2, "egress: ::/0 and its exception");
	ASSERT_EQ(e.exceptions, 2, "the \"not\" CIDRs decide nothing");
	e = compiled(&rs.rules[1]);
	ASSERT_EQ(e.n[CW_MAP_NET4], 1, "four port ranges: one entry");
	e = compiled(&rs.rules[2]);
	ASSERT_EQ(e.n[CW_MAP_EXEC_NAME], 2, "each binary by name");
	e = compiled(&rs.rules[4]);
	ASSERT_EQ(e.n[CW_MAP_OPEN_NAME], 2, "each basename");
	e = compiled(&rs.rules[5]);
	ASSERT_EQ(e.n[CW_MAP_SYSCALL], 1, "signals out of the cell");
	e = compiled(&rs.rules[6]);
	ASSERT_EQ(e.n[CW_MAP_GLOB], 2, "a glob, and the marker of its depth");
	ASSERT_EQ(e.exceptions, 1, "the marker decides nothing");
	cw_rules_free(&rs);

	/* The default policy: every rule the table gives the kernel is written. */
	snprintf(path, sizeof(path), "%s/rules/default.json", src_dir);
	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	for (size_t i = 0; i < rs.nrules; i++) {
		e = compiled(&rs.rules[i]);
		ASSERT_EQ(e.total > 0, rs.rules[i].kernel != CW_KERNEL_NONE, rs.rules[i].name);
	}
	cw_rules_free(&rs);
}

/* What the kernel judges, userspace does not judge again: from the rule's target. */
UNIT_TEST(rules_kernel_judged_by_target)
{
	static struct cw_event ev;
	struct cw_ruleset rs;
	char err[512] = "";
	const char *path = write_file("judged.json",
		"{\"rules\": ["
		"{\"name\": \"shadow\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"path\": [\"/etc/shadow\"]}, \"action\": \"kill\","
		" \"priority\": \"warning\"},"
		"{\"name\": \"shadow-glob\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"glob\": [\"/etc/shad*\"]}, \"action\": \"kill\","
		" \"priority\": \"warning\"},"
		"{\"name\": \"other-glob\", \"description\": \"d\", \"event\": \"open\","
		" \"match\": {\"glob\": [\"/etc/sha?ow\"]}, \"action\": \"kill\","
		" \"priority\": \"warning\"}]}");
	struct cw_rule *exact, *glob, *other;

	if (!ASSERT_OK(cw_rules_load(&rs, path, err, sizeof(err)), err))
		return;
	exact = &rs.rules[0];
	glob = &rs.rules[1];
	other = &rs.rules[2];
	/* As cw_rules_compile() marks what it wrote. */
	exact->in_kernel = exact->kernel != CW_KERNEL_NONE;
	glob->in_kernel = glob->kernel != CW_KERNEL_NONE;
	other->in_kernel = other->kernel != CW_KERNEL_NONE;
	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = CW_EVENT_OPEN;
	strcpy(ev.open.path, "/etc/shadow");
	ev.open.path_len = strlen(ev.open.path) + 1;
	ev.open.ret = 3;
	ASSERT_TRUE(cw_rule_kernel_judged(exact, &ev), "a successful open: the kernel's");
	ASSERT_TRUE(cw_rule_kernel_judged(glob, &ev), "a glob of literals and '*': the kernel's");
	ASSERT_FALSE(cw_rule_kernel_judged(other, &ev), "a glob with '?': userspace's");
	ev.open.ret = -EACCES;
	ASSERT_FALSE(cw_rule_kernel_judged(exact, &ev), "a failed open had no file to look up");
	ASSERT_FALSE(cw_rule_kernel_judged(glob, &ev), "nor for a glob");
	cw_rules_free(&rs);
}

/* rules/README.md states the limits the table enforces. */
UNIT_TEST(rules_readme_states_the_kernel_limits)
{
	static char text[65536];
	char path[4096], want[64];

	snprintf(path, sizeof(path), "%s/rules/README.md", src_dir);
	if (!ASSERT_TRUE(read_text(path, text, sizeof(text)) > 0, path))
		return;
	snprintf(want, sizeof(want), "up to %d bytes", CW_LPM_PATH - 1);
	ASSERT_HAS(text, want, "exact path limit");
	snprintf(want, sizeof(want), "up to %d bytes", CW_NAME_MAX - 1);
	ASSERT_HAS(text, want, "basename limit");
	snprintf(want, sizeof(want), "up to %d ranges", CW_MAX_PORT_RANGES);
	ASSERT_HAS(text, want, "port ranges");
	for (int t = CW_KERNEL_EXEC; t < CW_KERNEL_TARGETS; t++)
		ASSERT_HAS(text, cw_kernel_target_name(t), "each kernel target's maps");
}
