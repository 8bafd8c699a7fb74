// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The deployment examples carry copies of files kept elsewhere in the
 * tree (the Kubernetes ConfigMaps: the default policy, Vector's
 * configuration).  A copy left behind ships an older policy to a cluster:
 * each must say what its source says.
 */
#include "test.h"

/*
 * The block of @yaml under the line "  KEY: |", up to the next document
 * ("---"), with its four spaces of indentation taken off.  Freed by the
 * caller; NULL when missing.
 */
static char *configmap_block(const char *yaml, const char *key)
{
	char head[256], *out, *o;
	const char *p, *end;

	snprintf(head, sizeof(head), "\n  %s: |\n", key);
	p = strstr(yaml, head);
	if (!p)
		return NULL;
	p += strlen(head);
	end = strstr(p, "\n---");
	if (!end)
		end = p + strlen(p);
	out = o = malloc(end - p + 2);
	if (!out)
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = (nl ? nl : end) - p;

		if (len >= 4 && !strncmp(p, "    ", 4)) {
			memcpy(o, p + 4, len - 4);
			o += len - 4;
		} else if (len) {
			free(out);
			return NULL;	/* not the block's indentation: not a literal block */
		}
		*o++ = '\n';
		p += len + (nl != NULL);
	}
	*o = '\0';
	return out;
}

/* A file of the tree, whole (up to 1 MiB); NULL when it cannot be read. */
static char *source_file(const char *rel)
{
	size_t len = 1 << 20;
	char path[4096], *text = malloc(len);

	snprintf(path, sizeof(path), "%s/%s", src_dir, rel);
	if (text && read_text(path, text, len) > 0)
		return text;
	free(text);
	return NULL;
}

UNIT_TEST(deploy_kubernetes_configmaps_are_current)
{
	char *yaml = source_file("deploy/kubernetes/cellwatch-daemonset.yaml");
	char *rules_copy = NULL, *vector_copy = NULL, *vector = NULL, *rules_text = NULL;
	json_t *rules = NULL, *copy = NULL;

	if (!ASSERT_OK_PTR(yaml, "the DaemonSet"))
		return;
	rules_copy = configmap_block(yaml, "default.json");
	vector_copy = configmap_block(yaml, "vector.toml");
	if (!ASSERT_OK_PTR(rules_copy, "its default.json") ||
	    !ASSERT_OK_PTR(vector_copy, "its vector.toml"))
		goto cleanup;
	rules_text = source_file("rules/default.json");
	vector = source_file("deploy/vector/vector.toml");
	if (!ASSERT_OK_PTR(rules_text, "rules/default.json") ||
	    !ASSERT_OK_PTR(vector, "deploy/vector/vector.toml"))
		goto cleanup;
	rules = json_loads(rules_text, 0, NULL);
	copy = json_loads(rules_copy, 0, NULL);
	ASSERT_TRUE(copy && rules && json_equal(copy, rules),
		    "the ConfigMap's default.json is rules/default.json");
	ASSERT_STREQ(vector_copy, vector, "the ConfigMap's vector.toml is deploy/vector/vector.toml");
cleanup:
	json_decref(rules);
	json_decref(copy);
	free(rules_text);
	free(vector);
	free(rules_copy);
	free(vector_copy);
	free(yaml);
}
