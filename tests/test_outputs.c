// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests: the daemon's syslog (RFC 5424) and metrics (Prometheus) formats. */
#include <stdlib.h>
#include <syslog.h>

#include "prom.h"
#include "syslog5424.h"
#include "test.h"

TEST(outputs_syslog_rfc5424)
{
	json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:{s:i}, s:s, s:s}}",
				"@timestamp", "2026-11-22T10:11:12.123456Z",
				"log", "level", "critical",
				"event", "action", "exec",
				"rule", "name", "a\"b]c\\d",
				"cellwatch", "cell", "id", 42, "action", "kill", "layer", "kernel");
	char buf[4096], tiny[40];
	const char *msg;
	json_t *back;
	int n;

	if (!ASSERT_OK_PTR(doc, "doc"))
		return;
	ASSERT_EQ(cw_syslog_severity(doc), LOG_CRIT, "severity from log.level");
	n = cw_syslog_format(buf, sizeof(buf), LOG_AUTHPRIV, LOG_CRIT, "host", 7, doc);
	if (!ASSERT_TRUE(n > 0, "formatted"))
		goto out;
	ASSERT_HAS(buf, "<82>1 2026-11-22T10:11:12.123456Z host cellwatch 7 exec "
		   "[cellwatch@32473 cell=\"42\" rule=\"a\\\"b\\]c\\\\d\" action=\"kill\" "
		   "layer=\"kernel\"] {", "header and escaped structured data");
	msg = strstr(buf, "] {");
	back = msg ? json_loads(msg + 2, 0, NULL) : NULL;
	ASSERT_TRUE(back && json_equal(back, doc), "the message is the document");
	json_decref(back);
	ASSERT_EQ(cw_syslog_format(tiny, sizeof(tiny), LOG_AUTHPRIV, LOG_CRIT, "host", 7, doc),
		  -EMSGSIZE, "too long for the buffer: refused, never cut");
	json_object_del(doc, "log");
	ASSERT_EQ(cw_syslog_severity(doc), LOG_NOTICE, "no level: notice");
out:
	json_decref(doc);
}

TEST(outputs_metrics_exposition)
{
	struct cw_metrics_gauges g = { .drops = 5, .drops_critical = 2, .active_cells = 3,
				       .ring_used = { 10, 0 }, .ring_size = { 4096, 2048 } };
	struct cw_metrics *m = cw_metrics_new();
	char *text;

	if (!ASSERT_OK_PTR(m, "registry"))
		return;
	cw_metrics_alert(m, "quote\"back\\slash");
	cw_metrics_alert(m, "quote\"back\\slash");
	cw_metrics_kill(m, "kernel");
	cw_metrics_event(m, "exec");
	cw_metrics_eval(m, 500);	/* 0.5 us */
	cw_metrics_eval(m, 2000);	/* 2 us */
	cw_metrics_eval(m, 50000000);	/* 50 ms: past every bound */
	text = cw_metrics_render(m, &g);
	if (ASSERT_OK_PTR(text, "rendered")) {
		ASSERT_HAS(text, "cellwatch_alerts_total{rule=\"quote\\\"back\\\\slash\"} 2\n",
			   "label values escaped, counted");
		ASSERT_HAS(text, "# TYPE cellwatch_kills_total counter\n", "types declared");
		ASSERT_HAS(text, "cellwatch_events_dropped_total{ring=\"events\"} 3\n", "bulk drops");
		ASSERT_HAS(text, "cellwatch_events_dropped_total{ring=\"critical\"} 2\n",
			   "critical drops");
		ASSERT_HAS(text, "cellwatch_cells_active 3\n", "gauge");
		ASSERT_HAS(text, "cellwatch_rule_eval_seconds_bucket{le=\"1e-06\"} 1\n",
			   "first bucket");
		ASSERT_HAS(text, "cellwatch_rule_eval_seconds_bucket{le=\"5e-06\"} 2\n",
			   "buckets are cumulative");
		ASSERT_HAS(text, "cellwatch_rule_eval_seconds_bucket{le=\"0.01\"} 2\n",
			   "the slow one is past the last bound");
		ASSERT_HAS(text, "cellwatch_rule_eval_seconds_bucket{le=\"+Inf\"} 3\n", "+Inf");
		ASSERT_HAS(text, "cellwatch_rule_eval_seconds_count 3\n", "count");
	}
	free(text);
	cw_metrics_free(m);
}
