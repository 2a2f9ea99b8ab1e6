/* SPDX-License-Identifier: BSD-3-Clause */
/* mptcpd-ctl without a daemon: the text layouts of fabricated results,
 * the argument parser (every command, every usage error) and the
 * completion candidates.  Links src/cli/output.c and src/cli/commands.c
 * only, like the CLI itself includes nothing of the daemon. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "ctl_proto.h"

#define MAX_WORDS 32

/* Splits on single spaces; "a b " gives "a", "b", "" (the empty word
 * being completed).  The words point into buf. */
static int split(char *buf, char *words[MAX_WORDS])
{
	int n = 0;

	if (!buf[0])
		return 0;
	for (char *p = buf; p && n < MAX_WORDS; n++)
		words[n] = strsep(&p, " ");
	return n;
}

static char *render(const char *command, const char *json, enum output_format fmt)
{
	struct json_object *o = json_tokener_parse(json);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_msg(o != NULL, "bad test JSON %s", json);
	ck_assert_int_eq(output_result(f, fmt, command, o), 0);
	fclose(f);
	json_object_put(o);
	return text;
}

static void check_text(const char *command, const char *json, const char *expect)
{
	char *text = render(command, json, OUTPUT_FORMAT_TEXT);

	ck_assert_str_eq(text, expect);
	free(text);
}

/* ---- output ---- */

#define ADDR(a, p) "{\"address\":\"" a "\",\"port\":" #p "}"

START_TEST(test_status)
{
	check_text("status",
		   "{\"version\":\"0.1.0\",\"strategy\":\"fullmesh\","
		   "\"path_manager\":\"userspace\",\"connections\":2,\"subflows\":3,"
		   "\"interfaces\":2,\"uptime_s\":3725,\"pid\":4242,"
		   "\"announcements_refused\":7,\"local_connections\":120,"
		   "\"joins_timed_out\":1,\"netlink_dropped\":2}",
		   "version        0.1.0\n"
		   "strategy       fullmesh\n"
		   "path manager   userspace\n"
		   "connections    2\n"
		   "subflows       3\n"
		   "interfaces     2\n"
		   "uptime         1h02m\n"
		   "pid            4242\n"
		   "refused adds   7\n"
		   "local conns    120\n"
		   "join timeouts  1\n"
		   "over caps      0\n"
		   "forged netlink 2\n"
		   "resyncs        0\n");
}
END_TEST

/* stats --openmetrics: families with HELP and TYPE, counters with
 * _total, the histogram cumulative in seconds, label values escaped,
 * "# EOF" last. */
START_TEST(test_stats_openmetrics)
{
	char *text = render("stats",
		"{\"uptime_ms\":1500,\"connections\":3,"
		"\"subflows\":{\"requested\":3,\"established\":6,"
		"\"failed_by\":[{\"errno\":\"ETIMEDOUT\",\"count\":2}],"
		"\"closed_by\":[{\"reason\":\"error\",\"reset_reason\":"
		"\"unspecified\",\"count\":3}]},"
		"\"handovers\":{\"promotions\":2,\"demotions\":0,\"latency\":"
		"{\"buckets\":[{\"le_ms\":1,\"count\":1},{\"le_ms\":5,\"count\":2},"
		"{\"le_ms\":null,\"count\":2}],\"count\":2,\"sum_ms\":4}},"
		"\"interfaces\":[{\"dev\":\"we\\\"ird\",\"subflows\":1,"
		"\"bytes_sent\":10,\"bytes_received\":20,\"active_ms\":2500}],"
		"\"metered\":{\"bytes_sent\":5,\"bytes_received\":6},"
		"\"bytes_fresh\":true}", OUTPUT_FORMAT_OPENMETRICS);

	ck_assert_ptr_nonnull(strstr(text, "# TYPE mptcpd_promotions_total counter\n"
				     "mptcpd_promotions_total 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "# UNIT mptcpd_handover_latency_seconds seconds\n"));
	ck_assert_ptr_nonnull(strstr(text,
		"mptcpd_handover_latency_seconds_bucket{le=\"0.001\"} 1\n"
		"mptcpd_handover_latency_seconds_bucket{le=\"0.005\"} 2\n"
		"mptcpd_handover_latency_seconds_bucket{le=\"+Inf\"} 2\n"
		"mptcpd_handover_latency_seconds_sum 0.004\n"
		"mptcpd_handover_latency_seconds_count 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "mptcpd_subflows_failed_total{errno=\"ETIMEDOUT\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "mptcpd_subflows_closed_total{reason=\"error\","
				     "reset_reason=\"unspecified\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "mptcpd_interface_active_seconds_total{dev=\"we\\\"ird\"} 2.500\n"));
	ck_assert_ptr_nonnull(strstr(text, "mptcpd_bytes_fresh 1\n"));
	ck_assert_str_eq(text + strlen(text) - 6, "# EOF\n");
	free(text);
}
END_TEST

START_TEST(test_status_durations)
{
	static const struct { const char *s, *shown; } T[] = {
		{ "0", "0s" }, { "59", "59s" }, { "61", "1m01s" },
		{ "3600", "1h00m" }, { "90061", "1d01h" },
	};

	for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++) {
		char json[128], *text;

		snprintf(json, sizeof(json), "{\"uptime_s\":%s}", T[i].s);
		text = render("status", json, OUTPUT_FORMAT_TEXT);
		ck_assert_msg(strstr(text, "uptime       ") &&
			      strstr(strstr(text, "uptime"), T[i].shown),
			      "%s s shown as:\n%s", T[i].s, text);
		free(text);
	}
}
END_TEST

#define SUBFLOW(l, r, id, backup, dev, state, stalled) \
	"{\"local\":" l ",\"remote\":" r ",\"id\":" #id ",\"remote_id\":0," \
	"\"backup\":" #backup ",\"dev\":\"" dev "\",\"state\":\"" state "\"," \
	"\"stalled\":" #stalled "}"

static const char CONN1[] =
	"{\"token\":\"1a2b3c4d\",\"local\":" ADDR("192.0.2.2", 40000) ","
	"\"remote\":" ADDR("203.0.113.2", 443) ",\"server_side\":false,\"age_s\":12,"
	"\"subflows\":["
	SUBFLOW(ADDR("192.0.2.2", 40000), ADDR("203.0.113.2", 443), 0, false,
		"eth0", "established", false) ","
	SUBFLOW(ADDR("198.51.100.2", 41000), ADDR("203.0.113.2", 443), 1, true,
		"eth1", "established", false) "],"
	"\"remote_addresses\":[{\"id\":2,\"address\":\"203.0.113.3\",\"port\":443}],"
	"\"announced\":[{\"id\":1,\"address\":\"198.51.100.2\"}]}";

static const char CONN2[] =
	"{\"token\":\"5e6f7a8b\",\"local\":" ADDR("2001:db8::2", 50000) ","
	"\"remote\":" ADDR("2001:db8:1::2", 8080) ",\"server_side\":true,"
	"\"age_s\":125,\"subflows\":["
	SUBFLOW(ADDR("2001:db8::2", 50000), ADDR("2001:db8:1::2", 8080), 0, false,
		"", "pending", true) "],\"remote_addresses\":[],\"announced\":[]}";

START_TEST(test_connection)
{
	check_text("connection", CONN1,
		   "token 1a2b3c4d 192.0.2.2:40000 -> 203.0.113.2:443 client age 12s\n"
		   "  subflow id 0 192.0.2.2:40000    -> 203.0.113.2:443 dev eth0 established\n"
		   "  subflow id 1 198.51.100.2:41000 -> 203.0.113.2:443 dev eth1 backup established\n"
		   "  remote    id 2 203.0.113.3:443\n"
		   "  announced id 1 198.51.100.2\n");
}
END_TEST

START_TEST(test_connections_aligned)
{
	char json[4096];

	snprintf(json, sizeof(json), "{\"connections\":[%s,%s]}", CONN1, CONN2);
	check_text("connections", json,
		   "token 1a2b3c4d 192.0.2.2:40000     -> 203.0.113.2:443      client age 12s\n"
		   "  subflow id 0 192.0.2.2:40000     -> 203.0.113.2:443      dev eth0 established\n"
		   "  subflow id 1 198.51.100.2:41000  -> 203.0.113.2:443      dev eth1 backup established\n"
		   "  remote    id 2 203.0.113.3:443\n"
		   "  announced id 1 198.51.100.2\n"
		   "token 5e6f7a8b [2001:db8::2]:50000 -> [2001:db8:1::2]:8080 server age 2m05s\n"
		   "  subflow id 0 [2001:db8::2]:50000 -> [2001:db8:1::2]:8080 dev -    stalled pending\n");
}
END_TEST

START_TEST(test_connections_empty)
{
	check_text("connections", "{\"connections\":[]}", "");
}
END_TEST

/* A daemon that leaves members out still gets a readable line. */
START_TEST(test_connection_missing_members)
{
	check_text("connection", "{\"token\":\"00000001\"}",
		   "token 00000001 ? -> ? client age 0s\n");
}
END_TEST

#define IFACE(dev, idx, type, tsrc, met, msrc, up, excl, addrs) \
	"{\"dev\":\"" dev "\",\"index\":" #idx ",\"type\":\"" type "\"," \
	"\"type_source\":\"" tsrc "\",\"metered\":\"" met "\"," \
	"\"metered_source\":\"" msrc "\",\"up\":" #up ",\"excluded\":" #excl "," \
	"\"addresses\":[" addrs "]}"

START_TEST(test_interfaces)
{
	check_text("interfaces", "{\"interfaces\":["
		   IFACE("eth0", 2, "ethernet", "auto", "no", "auto", true, false,
			 "\"192.0.2.2\",\"2001:db8::2\"") ","
		   IFACE("wwan0", 5, "cellular", "config", "yes", "runtime", true, true,
			 "\"198.51.100.2\"") ","
		   IFACE("wlan0", 3, "wifi", "auto", "unknown", "auto", false, false, "")
		   "]}",
		   "eth0  index 2 up   type ethernet (auto)   metered no (auto)               192.0.2.2 2001:db8::2\n"
		   "wwan0 index 5 up   type cellular (config) metered yes (runtime)  excluded 198.51.100.2\n"
		   "wlan0 index 3 down type wifi (auto)       metered unknown (auto)\n");
}
END_TEST

START_TEST(test_policy)
{
	check_text("policy", "{\"default\":\"fullmesh\",\"policies\":["
		   "{\"name\":\"ssh\",\"line\":12,\"match\":\"remote-port 22\","
		   "\"actions\":\"\",\"strategy\":\"backup-cellular\",\"connections\":1},"
		   "{\"name\":\"bulk\",\"line\":15,\"match\":\"user backup\","
		   "\"actions\":\"metered never\",\"strategy\":\"fullmesh\",\"connections\":0},"
		   "{\"name\":\"all\",\"line\":19,\"match\":\"\","
		   "\"actions\":\"max-subflows 2\",\"strategy\":\"fullmesh\",\"connections\":3}]}",
		   "policy ssh  line 12 remote-port 22     -> backup-cellular         1 connection\n"
		   "policy bulk line 15 user backup        -> fullmesh metered never  0 connections\n"
		   "policy all  line 19 (every connection) -> fullmesh max-subflows 2 3 connections\n"
		   "otherwise fullmesh\n");
}
END_TEST

START_TEST(test_interface_one)
{
	check_text("interface",
		   IFACE("wlan0", 3, "wifi", "runtime", "yes", "runtime", true, false,
			 "\"192.0.2.9\""),
		   "wlan0 index 3 up type wifi (runtime) metered yes (runtime) 192.0.2.9\n");
}
END_TEST

START_TEST(test_small_results)
{
	check_text("strategy", "{\"strategy\":\"fullmesh\",\"available\":"
		   "[\"fullmesh\",\"backup-cellular\",\"metered-aware\"]}",
		   "strategy fullmesh\navailable fullmesh backup-cellular metered-aware\n");
	check_text("reload", "{\"strategy\":\"metered-aware\"}", "strategy metered-aware\n");
	check_text("announce", "{\"id\":3}", "id 3\n");
	check_text("events", "{\"events\":[{\"seq\":7,\"time\":"
		   "\"2026-12-02T02:18:18.200Z\",\"mono_ms\":5,\"kind\":\"action\","
		   "\"token\":\"1a2b3c4d\",\"action\":\"set-flags\",\"outcome\":"
		   "\"refused\",\"error\":\"ENOENT\",\"reason\":\"promote wwan0 "
		   "subflow: no working non-cellular subflow (address-removed "
		   "192.0.2.2 wlan0)\",\"cause\":\"address-removed 192.0.2.2 wlan0 "
		   "(backup-cellular)\"},{\"seq\":8,\"time\":\"2026-12-02T02:18:19."
		   "000Z\",\"kind\":\"reload\",\"reason\":\"configuration "
		   "reloaded\"}]}",
		   "02:18:18.200 action              token 1a2b3c4d promote wwan0 "
		   "subflow: no working non-cellular subflow (address-removed "
		   "192.0.2.2 wlan0) -> refused ENOENT\n"
		   "             cause: address-removed 192.0.2.2 wlan0 "
		   "(backup-cellular)\n"
		   "02:18:19.000 reload              configuration reloaded\n");
	check_text("events", "{\"events\":[]}",
		   "no decisions recorded in that time\n");
	check_text("subflow", "{}", "");
	check_text("remove", "{}", "");
	check_text("future", "{\"answer\":42,\"flag\":true,\"off\":false,\"s\":\"x\"}",
		   " answer 42 flag s x\n");
}
END_TEST

START_TEST(test_json_is_the_result)
{
	const char *json = "{\"connections\":[{\"token\":\"1a2b3c4d\",\"dev\":\"a/b\"}]}";
	char *text = render("connections", json, OUTPUT_FORMAT_JSON);

	ck_assert_str_eq(text, "{\"connections\":[{\"token\":\"1a2b3c4d\",\"dev\":\"a/b\"}]}\n");
	free(text);
}
END_TEST

static char *render_event(const char *json, enum output_format fmt)
{
	struct json_object *o = json_tokener_parse(json);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(output_event(f, fmt, o), 0);
	fclose(f);
	json_object_put(o);
	return text;
}

START_TEST(test_events)
{
	const char *ev = "{\"type\":\"subflow-established\",\"token\":\"1a2b3c4d\","
			 "\"id\":1,\"local\":" ADDR("198.51.100.2", 41000) ","
			 "\"remote\":" ADDR("2001:db8::1", 443) ",\"dev\":\"eth1\","
			 "\"backup\":true,\"error\":null}";
	char *text = render_event(ev, OUTPUT_FORMAT_TEXT);

	ck_assert_str_eq(text, "subflow-established token 1a2b3c4d id 1 local "
			 "198.51.100.2:41000 remote [2001:db8::1]:443 dev eth1 backup\n");
	free(text);
	text = render_event("{\"type\":\"created\",\"token\":\"1\"}", OUTPUT_FORMAT_JSON);
	ck_assert_str_eq(text, "{\"type\":\"created\",\"token\":\"1\"}\n");
	free(text);
	/* An action says "action" once, then what it does. */
	text = render_event("{\"type\":\"action\",\"action\":\"subflow-destroy\","
			    "\"token\":\"1a2b3c4d\",\"id\":1}", OUTPUT_FORMAT_TEXT);
	ck_assert_str_eq(text, "action              subflow-destroy token 1a2b3c4d id 1\n");
	free(text);
	/* Stamped by the daemon: the time of day first, the stamps not
	 * repeated among the members. */
	text = render_event("{\"type\":\"created\",\"token\":\"1\","
			    "\"time\":\"2026-12-02T02:18:18.200Z\",\"mono_ms\":5}",
			    OUTPUT_FORMAT_TEXT);
	ck_assert_str_eq(text, "02:18:18.200 created             token 1\n");
	free(text);
}
END_TEST

/* The connection's state, and an adopted one's unknown age. */
START_TEST(test_connection_state_and_adopted)
{
	check_text("connection", "{\"token\":\"00000001\",\"state\":\"pending\","
		   "\"age_s\":null,\"adopted_s\":75}",
		   "token 00000001 ? -> ? client pending age unknown (adopted 1m15s ago)\n");
}
END_TEST

/* "connection TOKEN": the kernel's figures after each subflow. */
START_TEST(test_connection_subflow_figures)
{
	check_text("connection", "{\"token\":\"00000001\",\"state\":\"established\","
		   "\"age_s\":5,\"subflows\":[{\"id\":0,\"local\":" ADDR("192.0.2.2", 40000) ","
		   "\"remote\":" ADDR("203.0.113.2", 443) ",\"state\":\"established\","
		   "\"rtt_us\":1234,\"bytes_sent\":5000,\"bytes_received\":70,"
		   "\"retransmits\":2,\"unacked\":0}]}",
		   "token 00000001 ? -> ? client established age 5s\n"
		   "  subflow id 0 192.0.2.2:40000 -> 203.0.113.2:443 dev - established "
		   "rtt 1.2ms sent 5000 recv 70 retrans 2\n");
}
END_TEST

/* What the daemon waits for: a pair backing off, and when it may go. */
START_TEST(test_connection_waiting)
{
	check_text("connection", "{\"token\":\"00000001\",\"state\":\"established\","
		   "\"age_s\":5,\"waiting\":[{\"local\":" ADDR("198.51.100.2", 0) ","
		   "\"remote\":" ADDR("203.0.113.2", 443) ",\"why\":\"backing off\","
		   "\"failures\":3,\"retry_in_ms\":3500}]}",
		   "token 00000001 ? -> ? client established age 5s\n"
		   "  waiting 198.51.100.2 -> 203.0.113.2:443 backing off after 3 failures, next try in 4s\n");
}
END_TEST

/* Strings from the daemon reach a terminal: control characters, bytes
 * outside ASCII, quotes and backslashes are escaped in the text output
 * (an interface name may hold ESC [ 2 J), and nothing else is. */
START_TEST(test_escaped)
{
	char buf[16];

	check_text("interface",
		   IFACE("e\\u001b[2J\\n0", 3, "wifi", "auto", "no", "auto", true, false, ""),
		   "e\\x1b[2J\\x0a0 index 3 up type wifi (auto) metered no (auto)\n");
	check_text("strategy", "{\"strategy\":\"a\\\"b\\\\c\\u007f\",\"available\":"
		   "[\"x\\ty\",\"caf\\u00e9\"]}",
		   "strategy a\\\"b\\\\c\\x7f\navailable x\\x09y caf\\xc3\\xa9\n");
	check_text("future", "{\"k\\ry\":\"v\\u0007\"}", " k\\x0dy v\\x07\n");
	{
		char *text = render_event("{\"type\":\"x\\u001b\",\"dev\":\"a\\nb\"}",
					  OUTPUT_FORMAT_TEXT);

		ck_assert_str_eq(text, "x\\x1b               dev a\\x0ab\n");
		free(text);
	}
	/* Like snprintf, and never half an escape. */
	ck_assert_uint_eq(ctl_escape(buf, sizeof(buf), "ab\x01"), 6);
	ck_assert_str_eq(buf, "ab\\x01");
	ck_assert_uint_eq(ctl_escape(buf, 5, "ab\x01"), 6);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(ctl_escape(NULL, 0, "\"\\"), 4);
	ck_assert_uint_eq(ctl_escape(buf, sizeof(buf), "plain-1.2:3"), 11);
	ck_assert_str_eq(buf, "plain-1.2:3");
}
END_TEST

START_TEST(test_write_error)
{
	struct json_object *o = json_tokener_parse("{\"id\":3}");
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_result(f, OUTPUT_FORMAT_TEXT, "announce", o), -ENOSPC);
	fclose(f);
	json_object_put(o);
}
END_TEST

/* ---- the parser ---- */

static const struct {
	const char *line;
	const char *command;
	const char *args;	/* NULL: no args member */
} GOOD[] = {
	{ "status", "status", NULL },
	{ "connections", "connections", NULL },
	{ "connection 1A2B3C4D", "connection", "{\"token\":\"1a2b3c4d\"}" },
	{ "connection 7", "connection", "{\"token\":\"00000007\"}" },
	{ "interfaces", "interfaces", NULL },
	{ "strategy", "strategy", NULL },
	{ "strategy backup-cellular", "strategy", "{\"name\":\"backup-cellular\"}" },
	{ "interface wlan0 type wifi", "interface", "{\"dev\":\"wlan0\",\"type\":\"wifi\"}" },
	{ "interface wwan0 metered yes", "interface",
	  "{\"dev\":\"wwan0\",\"metered\":\"yes\"}" },
	{ "interface eth1 exclude", "interface", "{\"dev\":\"eth1\",\"exclude\":true}" },
	{ "interface wwan0 metered auto", "interface",
	  "{\"dev\":\"wwan0\",\"metered\":\"auto\"}" },
	{ "interface wwan0 type auto", "interface", "{\"dev\":\"wwan0\",\"type\":\"auto\"}" },
	{ "interface eth1 include", "interface", "{\"dev\":\"eth1\",\"exclude\":false}" },
	{ "subflow add token 1a2b3c4d address 198.51.100.2 remote 203.0.113.2 port 443 backup",
	  "subflow", "{\"token\":\"1a2b3c4d\",\"op\":\"add\","
	  "\"local\":{\"address\":\"198.51.100.2\",\"port\":0},"
	  "\"remote\":{\"address\":\"203.0.113.2\",\"port\":443},\"backup\":true}" },
	{ "subflow del remote 2001:db8::1 port 80 address 2001:db8::2 port 4000 token ff",
	  "subflow", "{\"token\":\"000000ff\",\"op\":\"del\","
	  "\"local\":{\"address\":\"2001:db8::2\",\"port\":4000},"
	  "\"remote\":{\"address\":\"2001:db8::1\",\"port\":80},\"backup\":false}" },
	{ "subflow del token 1a2b3c4d id 3", "subflow",
	  "{\"token\":\"1a2b3c4d\",\"op\":\"del\",\"id\":3}" },
	{ "announce token 1a2b3c4d address 192.0.2.7", "announce",
	  "{\"token\":\"1a2b3c4d\",\"address\":\"192.0.2.7\"}" },
	{ "remove id 255 token 1a2b3c4d", "remove", "{\"token\":\"1a2b3c4d\",\"id\":255}" },
	{ "monitor", "monitor", NULL },
	{ "reload", "reload", NULL },
	{ "events", "events", NULL },
	{ "events --since 10m", "events", "{\"since_ms\":600000}" },
	{ "events since 30s --token 1A2B", "events",
	  "{\"since_ms\":30000,\"token\":\"00001a2b\"}" },
	{ "events --since 2h", "events", "{\"since_ms\":7200000}" },
	{ "events --since 2000-01-01T00:00:00.5Z", "events",
	  "{\"since_ms\":31622400000}" },
};

START_TEST(test_parse_good)
{
	char buf[256], *w[MAX_WORDS];
	struct commands_request req;
	int n;

	snprintf(buf, sizeof(buf), "%s", GOOD[_i].line);
	n = split(buf, w);
	ck_assert_msg(commands_parse(n, w, &req) == 0, "%s: %s", GOOD[_i].line, req.err);
	ck_assert_str_eq(req.command, GOOD[_i].command);
	ck_assert_int_eq(req.monitor, !strcmp(req.command, "monitor"));
	if (GOOD[_i].args)
		ck_assert_str_eq(json_object_to_json_string_ext(req.args,
				 JSON_C_TO_STRING_PLAIN), GOOD[_i].args);
	else
		ck_assert_ptr_null(req.args);
	commands_request_release(&req);
}
END_TEST

static const struct {
	const char *line;
	const char *err;	/* the message, exactly */
	bool has_usage;		/* known command: its synopsis is the hint */
} BAD[] = {
	{ "", "missing command", false },
	{ "frobnicate", "unknown command 'frobnicate'", false },
	{ "complete", "unknown command 'complete'", false },
	{ "status now", "'status' takes no arguments, got 'now'", true },
	{ "connections 1", "'connections' takes no arguments, got '1'", true },
	{ "interfaces x", "'interfaces' takes no arguments, got 'x'", true },
	{ "monitor x", "'monitor' takes no arguments, got 'x'", true },
	{ "reload x", "'reload' takes no arguments, got 'x'", true },
	{ "connection", "missing TOKEN", true },
	{ "events --since", "'--since' needs a value", true },
	{ "events --since soon", "--since takes a duration (30s, 10m, 1h, 2d) "
	  "or a time (2026-12-02T02:18:18Z, 02:18:18), not 'soon'", true },
	{ "events --until 1m", "unknown argument '--until'", true },
	{ "connection 1 2", "too many arguments", true },
	{ "connection 123456789", "token must be 1 to 8 hex digits, not '123456789'", true },
	{ "connection 0x12", "token must be 1 to 8 hex digits, not '0x12'", true },
	{ "strategy a b", "too many arguments", true },
	{ "strategy a/b", "'a/b' is not a valid strategy name", true },
	{ "interface", "missing IFACE", true },
	{ "interface eth0", "missing what to set", true },
	{ "interface a/b type wifi", "'a/b' is not a valid interface name", true },
	{ "interface abcdefghijklmnop type wifi",
	  "'abcdefghijklmnop' is not a valid interface name", true },
	{ "interface eth0 speed 10",
	  "setting must be type|metered|exclude|include, not 'speed'", true },
	{ "interface eth0 type", "'type' needs a value", true },
	{ "interface eth0 type lte",
	  "type must be wifi|cellular|ethernet|other, not 'lte'", true },
	{ "interface eth0 metered maybe", "metered must be yes|no|unknown, not 'maybe'", true },
	{ "interface eth0 type wifi x", "too many arguments after 'type'", true },
	{ "interface eth0 exclude now", "too many arguments after 'exclude'", true },
	{ "subflow", "missing add|del", true },
	{ "subflow change", "operation must be add|del, not 'change'", true },
	{ "subflow add", "missing 'token TOKEN'", true },
	{ "subflow add token 1", "missing 'address ADDR'", true },
	{ "subflow add token 1 address 192.0.2.1", "missing 'remote ADDR'", true },
	{ "subflow add token 1 address 192.0.2.1 remote 203.0.113.1",
	  "missing 'port P'", true },
	{ "subflow add token 1 address 192.0.2.1 remote 2001:db8::1 port 1",
	  "local and remote addresses are of different families", true },
	{ "subflow del token 1 address 192.0.2.1 remote 203.0.113.1 port 1",
	  "'subflow del' needs the local 'port P'", true },
	{ "subflow add token 1 id 2", "'id' only applies to 'subflow del'", true },
	{ "subflow del token 1 id 2 address 192.0.2.1",
	  "'subflow del id N' takes no 'address'", true },
	{ "subflow del token 1 address 192.0.2.1 port 2 remote 203.0.113.1 port 1 backup",
	  "'backup' only applies to 'subflow add'", true },
	{ "subflow add token 1 port 80", "'port' must follow 'address ADDR' or 'remote ADDR'", true },
	{ "subflow add token", "'token' needs a value", true },
	{ "subflow add token 1 token 2", "'token' given twice", true },
	{ "subflow add address 192.0.2.300", "'192.0.2.300' is not an IPv4 or IPv6 address", true },
	{ "subflow add remote 203.0.113.1 port 0", "port must be 1..65535, not '0'", true },
	{ "subflow add remote 203.0.113.1 port 65536", "port must be 1..65535, not '65536'", true },
	{ "subflow add remote 203.0.113.1 port -1", "port must be 1..65535, not '-1'", true },
	{ "subflow add remote 203.0.113.1 port 80x", "port must be 1..65535, not '80x'", true },
	{ "subflow add dev eth0", "unexpected 'dev'", true },
	{ "announce", "missing 'token TOKEN'", true },
	{ "announce token 1", "missing 'address ADDR'", true },
	{ "announce token 1 address example.org",
	  "'example.org' is not an IPv4 or IPv6 address", true },
	{ "announce token 1 address 192.0.2.1 port 80", "unexpected 'port'", true },
	{ "remove token 1", "missing 'id ID'", true },
	{ "remove id 1", "missing 'token TOKEN'", true },
	{ "remove token 1 id 0", "id must be 1..255, not '0'", true },
	{ "remove token 1 id 256", "id must be 1..255, not '256'", true },
};

START_TEST(test_parse_bad)
{
	char buf[256], *w[MAX_WORDS];
	struct commands_request req;
	int n;

	snprintf(buf, sizeof(buf), "%s", BAD[_i].line);
	n = split(buf, w);
	ck_assert_int_eq(commands_parse(n, w, &req), -EINVAL);
	ck_assert_ptr_null(req.args);
	ck_assert_str_eq(req.err, BAD[_i].err);
	if (BAD[_i].has_usage)
		ck_assert_ptr_nonnull(req.usage);
	else
		ck_assert_ptr_null(req.usage);
}
END_TEST

START_TEST(test_usage_lists_visible_commands)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	commands_print_usage(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "  subflow add|del token TOKEN address ADDR "
				     "[port P] remote ADDR port P [backup] | subflow del token TOKEN "
		"id N\n"));
	ck_assert_ptr_nonnull(strstr(text, "  interface IFACE exclude|include\n"));
	ck_assert_ptr_null(strstr(text, "complete"));
	free(text);
}
END_TEST

/* ---- completion ---- */

static const struct {
	const char *line;
	const char *expect;	/* candidates, space separated */
	enum commands_dynamic dynamic;
} COMPLETE[] = {
	{ "", "status connections connection interfaces policy stats strategy "
	  "interface subflow announce remove monitor reload events",
	  COMMANDS_DYNAMIC_NONE },
	{ "st", "status stats strategy", COMMANDS_DYNAMIC_NONE },
	{ "stats ", "--openmetrics", COMMANDS_DYNAMIC_NONE },
	{ "co", "connections connection", COMMANDS_DYNAMIC_NONE },
	{ "comp", "", COMMANDS_DYNAMIC_NONE },
	{ "-", "--json --socket --help --version", COMMANDS_DYNAMIC_NONE },
	{ "--s", "--socket", COMMANDS_DYNAMIC_NONE },
	{ "-j mon", "monitor", COMMANDS_DYNAMIC_NONE },
	{ "-s ", "", COMMANDS_DYNAMIC_FILE },
	{ "-s /run/x re", "remove reload", COMMANDS_DYNAMIC_NONE },
	{ "--socket=/run/x -j i", "interfaces interface", COMMANDS_DYNAMIC_NONE },
	{ "status ", "", COMMANDS_DYNAMIC_NONE },
	{ "connection ", "", COMMANDS_DYNAMIC_TOKEN },
	{ "connection 1 ", "", COMMANDS_DYNAMIC_NONE },
	{ "strategy f", "", COMMANDS_DYNAMIC_STRATEGY },
	{ "interface ", "", COMMANDS_DYNAMIC_DEV },
	{ "interface eth0 ", "type metered exclude include", COMMANDS_DYNAMIC_NONE },
	{ "interface eth0 e", "exclude", COMMANDS_DYNAMIC_NONE },
	{ "interface eth0 type ", "wifi cellular ethernet other auto", COMMANDS_DYNAMIC_NONE },
	{ "interface eth0 metered ", "yes no unknown auto", COMMANDS_DYNAMIC_NONE },
	{ "interface eth0 exclude ", "", COMMANDS_DYNAMIC_NONE },
	{ "subflow ", "add del", COMMANDS_DYNAMIC_NONE },
	{ "subflow add ", "token address remote backup", COMMANDS_DYNAMIC_NONE },
	{ "subflow del ", "token address remote id", COMMANDS_DYNAMIC_NONE },
	{ "subflow add token ", "", COMMANDS_DYNAMIC_TOKEN },
	{ "subflow add token 1 ", "address remote backup", COMMANDS_DYNAMIC_NONE },
	{ "subflow add token 1 address 192.0.2.1 ", "port remote backup", COMMANDS_DYNAMIC_NONE },
	{ "subflow add token 1 address 192.0.2.1 remote 2001:db8::1 ", "port backup",
	  COMMANDS_DYNAMIC_NONE },
	{ "subflow add address ", "", COMMANDS_DYNAMIC_NONE },
	{ "subflow add bogus ", "", COMMANDS_DYNAMIC_NONE },
	{ "subflow bogus ", "", COMMANDS_DYNAMIC_NONE },
	{ "announce ", "token address", COMMANDS_DYNAMIC_NONE },
	{ "announce token 1 a", "address", COMMANDS_DYNAMIC_NONE },
	{ "remove token ", "", COMMANDS_DYNAMIC_TOKEN },
	{ "remove token 1 ", "id", COMMANDS_DYNAMIC_NONE },
	{ "remove token 1 id ", "", COMMANDS_DYNAMIC_NONE },
	{ "monitor ", "", COMMANDS_DYNAMIC_NONE },
	{ "frobnicate ", "", COMMANDS_DYNAMIC_NONE },
};

START_TEST(test_complete)
{
	char buf[256], *w[MAX_WORDS], got[512] = "";
	struct commands_candidates c;
	int n;

	snprintf(buf, sizeof(buf), "%s", COMPLETE[_i].line);
	n = split(buf, w);
	commands_complete(n, w, &c);
	for (size_t i = 0; i < c.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? " " : "", c.word[i]);
	ck_assert_msg(!strcmp(got, COMPLETE[_i].expect), "'%s': got '%s', want '%s'",
		      COMPLETE[_i].line, got, COMPLETE[_i].expect);
	ck_assert_int_eq(c.dynamic, COMPLETE[_i].dynamic);
}
END_TEST

START_TEST(test_complete_prefix_filter)
{
	char *w[] = { "strategy", "me" };
	struct commands_candidates c;

	commands_complete(2, w, &c);
	ck_assert(commands_candidate_matches(&c, "metered-aware"));
	ck_assert(!commands_candidate_matches(&c, "fullmesh"));
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *ctl_output_suite(void)
{
	Suite *s = suite_create("ctl_output");
	TCase *out = tcase_create("output");
	TCase *parse = tcase_create("parse");
	TCase *comp = tcase_create("complete");

	tcase_add_test(out, test_status);
	tcase_add_test(out, test_stats_openmetrics);
	tcase_add_test(out, test_status_durations);
	tcase_add_test(out, test_connection);
	tcase_add_test(out, test_connection_waiting);
	tcase_add_test(out, test_connection_subflow_figures);
	tcase_add_test(out, test_connections_aligned);
	tcase_add_test(out, test_connections_empty);
	tcase_add_test(out, test_connection_missing_members);
	tcase_add_test(out, test_connection_state_and_adopted);
	tcase_add_test(out, test_interfaces);
	tcase_add_test(out, test_policy);
	tcase_add_test(out, test_interface_one);
	tcase_add_test(out, test_small_results);
	tcase_add_test(out, test_json_is_the_result);
	tcase_add_test(out, test_events);
	tcase_add_test(out, test_write_error);
	tcase_add_test(out, test_escaped);
	tcase_add_loop_test(parse, test_parse_good, 0, N(GOOD));
	tcase_add_loop_test(parse, test_parse_bad, 0, N(BAD));
	tcase_add_test(parse, test_usage_lists_visible_commands);
	tcase_add_loop_test(comp, test_complete, 0, N(COMPLETE));
	tcase_add_test(comp, test_complete_prefix_filter);
	suite_add_tcase(s, out);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, comp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctl_output_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
