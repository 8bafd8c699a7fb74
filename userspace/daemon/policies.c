// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policies: the rule files cells name, loaded and reloaded.
 */
#include "internal.h"

static struct cw_ruleset *load_rules(const char *path, char *err, size_t errlen)
{
	struct cw_ruleset *rs = calloc(1, sizeof(*rs));

	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cw_rules_load(rs, path, err, errlen)) {
		free(rs);
		return NULL;
	}
	return rs;
}

void free_rules(struct cw_ruleset *rs)
{
	if (rs)
		cw_rules_free(rs);
	free(rs);
}

int load_policies(struct daemon *d, char *err, size_t errlen)
{
	for (int i = 0; i < d->npolicies; i++) {
		struct policy *p = &d->policies[i];
		int ret;

		p->rules = load_rules(p->path, err, errlen);
		if (!p->rules)
			return -EINVAL;
		ret = cw_monitor_add_policy(d->mon, p->rules, &p->id, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * SIGHUP: every policy file again, all or none.  Each is compiled under a
 * new id first; only when all compiled do the cells switch, one map
 * update each.  A bad file leaves every rule in force as it was.
 */
void reload(struct daemon *d)
{
	struct cw_ruleset *next[MAX_POLICIES] = {};
	__u32 ids[MAX_POLICIES] = {};
	char err[512] = "";
	int i, ret = 0;

	for (i = 0; i < d->npolicies && !ret; i++) {
		next[i] = load_rules(d->policies[i].path, err, sizeof(err));
		ret = next[i] ? cw_monitor_add_policy(d->mon, next[i], &ids[i], err, sizeof(err))
			      : -EINVAL;
	}
	if (ret) {
		for (i = 0; i < d->npolicies; i++) {
			if (ids[i])
				cw_monitor_drop_policy(d->mon, ids[i]);
			free_rules(next[i]);
		}
		cw_warn("reload refused, the rules in force stay: %s", err);
		emit_notice(d, "rules-reload", "configuration", "change", err);
		return;
	}
	for (i = 0; i < d->npolicies; i++) {
		struct policy *p = &d->policies[i];

		cw_monitor_switch_policy(d->mon, p->id, ids[i]);
		free_rules(p->rules);
		p->rules = next[i];
		p->id = ids[i];
	}
	cw_warn("reloaded %d policies", d->npolicies);
	emit_notice(d, "rules-reload", "configuration", "change", NULL);
}

