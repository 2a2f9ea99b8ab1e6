/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The word tables of ctl_proto.h: each enum value has exactly one word,
 * lookups round-trip and refuse what is not a word, and the CLI, the
 * request parser and the JSON builders all spell the words the same.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "ctl_json.h"
#include "ctl_proto.h"
#include "fixture.h"

/* Every value of each enum, written out here rather than taken from the
 * tables, so that a missing or doubled row shows. */
static const int iface_types[] = {
	MPTCPD_IFACE_OTHER, MPTCPD_IFACE_ETHERNET, MPTCPD_IFACE_WIFI,
	MPTCPD_IFACE_CELLULAR,
};
static const int metered[] = {
	MPTCPD_METERED_UNKNOWN, MPTCPD_METERED_NO, MPTCPD_METERED_YES,
};
static const int events[] = {
	MPTCPD_EVENT_CREATED, MPTCPD_EVENT_ESTABLISHED, MPTCPD_EVENT_CLOSED,
	MPTCPD_EVENT_ANNOUNCED, MPTCPD_EVENT_REMOVED,
	MPTCPD_EVENT_SUB_ESTABLISHED, MPTCPD_EVENT_SUB_CLOSED,
	MPTCPD_EVENT_SUB_PRIORITY, MPTCPD_EVENT_LISTENER_CREATED,
	MPTCPD_EVENT_LISTENER_CLOSED, MPTCPD_EVENT_ADOPTED,
	MPTCPD_EVENT_ADDR_ADDED, MPTCPD_EVENT_ADDR_REMOVED,
	MPTCPD_EVENT_ACTION_FAILED, MPTCPD_EVENT_SUB_STALLED,
	MPTCPD_EVENT_RETRY, MPTCPD_EVENT_RTT_UPDATED,
};
static const int actions[] = {
	MPTCPD_ACTION_ANNOUNCE, MPTCPD_ACTION_REMOVE,
	MPTCPD_ACTION_SUBFLOW_CREATE, MPTCPD_ACTION_SUBFLOW_DESTROY,
	MPTCPD_ACTION_SET_BACKUP,
};
static const int subflow_ops[] = { 0, 1 };

#define N(v) (sizeof(v) / sizeof(v[0]))

static const struct {
	const char *name;
	const struct ctl_word *t;
	const int *values;
	size_t n;
} tables[] = {
	{ "iface_type", ctl_words_iface_type, iface_types, N(iface_types) },
	{ "metered", ctl_words_metered, metered, N(metered) },
	{ "event", ctl_words_event, events, N(events) },
	{ "action", ctl_words_action, actions, N(actions) },
	{ "subflow_op", ctl_words_subflow_op, subflow_ops, N(subflow_ops) },
};

static size_t rows(const struct ctl_word *t)
{
	size_t n = 0;

	while (t[n].word)
		n++;
	return n;
}

START_TEST(test_one_word_per_value)
{
	const struct ctl_word *t = tables[_i].t;

	ck_assert_uint_eq(rows(t), tables[_i].n);
	for (size_t v = 0; v < tables[_i].n; v++) {
		size_t seen = 0;

		for (size_t r = 0; t[r].word; r++)
			seen += t[r].value == tables[_i].values[v];
		ck_assert_msg(seen == 1, "%s: value %d has %zu words",
			      tables[_i].name, tables[_i].values[v], seen);
	}
	for (size_t a = 0; t[a].word; a++)
		for (size_t b = a + 1; t[b].word; b++)
			ck_assert_str_ne(t[a].word, t[b].word);
}
END_TEST

START_TEST(test_round_trip)
{
	const struct ctl_word *t = tables[_i].t;

	for (size_t r = 0; t[r].word; r++) {
		int v = -1;

		ck_assert(ctl_word_to_value(t, t[r].word, &v));
		ck_assert_int_eq(v, t[r].value);
		ck_assert_str_eq(ctl_value_to_word(t, v, NULL), t[r].word);
	}
}
END_TEST

START_TEST(test_unknown_fails)
{
	static const char *const junk[] = {
		"", "bogus", "WIFI", "wifi ", " yes", "SET_FLAGS",
		"SUB_ESTABLISHED", "subflow_established", "add\n",
	};
	const struct ctl_word *t = tables[_i].t;

	for (size_t j = 0; j < N(junk); j++) {
		int v = 12345;

		ck_assert_msg(!ctl_word_to_value(t, junk[j], &v), "%s took '%s'",
			      tables[_i].name, junk[j]);
		ck_assert_int_eq(v, 12345);
	}
	ck_assert_ptr_null(ctl_value_to_word(t, 99, NULL));
	ck_assert_str_eq(ctl_value_to_word(t, -1, "none"), "none");
}
END_TEST

START_TEST(test_known_spellings)
{
	/* The wire words scripts already rely on. */
	ck_assert_str_eq(ctl_value_to_word(ctl_words_action,
					   MPTCPD_ACTION_SET_BACKUP, NULL),
			 "set-flags");
	ck_assert_str_eq(ctl_value_to_word(ctl_words_event,
					   MPTCPD_EVENT_SUB_ESTABLISHED, NULL),
			 "subflow-established");
	ck_assert_str_eq(ctl_value_to_word(ctl_words_iface_type,
					   MPTCPD_IFACE_CELLULAR, NULL),
			 "cellular");
	ck_assert_str_eq(ctl_value_to_word(ctl_words_metered,
					   MPTCPD_METERED_UNKNOWN, NULL),
			 "unknown");
}
END_TEST

/* What the daemon makes of the request the CLI builds from words. */
static int cli_to_daemon(int n, char *const words[], struct ctl_request *out)
{
	struct commands_request cli;
	struct json_object *line = json_object_new_object();
	const char *code, *text;
	char msg[256];
	int err;

	ck_assert_int_eq(commands_parse(n, words, &cli), 0);
	json_object_object_add(line, "version", json_object_new_int(CTL_PROTO_VERSION));
	json_object_object_add(line, "id", json_object_new_int(1));
	json_object_object_add(line, "command", json_object_new_string(cli.command));
	json_object_object_add(line, "args", json_object_get(cli.args));
	text = json_object_to_json_string(line);
	err = ctl_json_parse_request(text, strlen(text), out, &code, msg, sizeof(msg));
	ck_assert_msg(err == 0, "daemon refused %s: %s", text, msg);
	json_object_put(line);
	commands_request_release(&cli);
	return err;
}

START_TEST(test_cli_and_parser_agree)
{
	struct ctl_request req;

	for (size_t r = 0; ctl_words_iface_type[r].word; r++) {
		char *w[] = { "interface", "eth0", "type",
			      (char *)ctl_words_iface_type[r].word };

		cli_to_daemon(4, w, &req);
		ck_assert_int_eq(req.type, ctl_words_iface_type[r].value);
	}
	for (size_t r = 0; ctl_words_metered[r].word; r++) {
		char *w[] = { "interface", "eth0", "metered",
			      (char *)ctl_words_metered[r].word };

		cli_to_daemon(4, w, &req);
		ck_assert_int_eq(req.metered, ctl_words_metered[r].value);
	}
	for (size_t r = 0; ctl_words_subflow_op[r].word; r++) {
		char *w[] = { "subflow", (char *)ctl_words_subflow_op[r].word,
			      "token", "1a2b", "address", "192.0.2.1", "port", "1",
			      "remote", "198.51.100.1", "port", "2" };

		cli_to_daemon(12, w, &req);
		ck_assert_int_eq(req.add, ctl_words_subflow_op[r].value);
	}
}
END_TEST

START_TEST(test_cli_refuses_other_words)
{
	struct commands_request cli;
	char *w[] = { "interface", "eth0", "type", "WiFi" };

	ck_assert_int_lt(commands_parse(4, w, &cli), 0);
	ck_assert(strstr(cli.err, "wifi|cellular|ethernet|other"));
}
END_TEST

static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

START_TEST(test_builders_emit_the_words)
{
	struct mptcpd_event ev = { 0 };
	struct mptcpd_action a = { 0 };
	struct iface_info info = { .ifindex = 2, .name = "wwan0" };
	struct json_object *o;

	for (size_t r = 0; ctl_words_event[r].word; r++) {
		ev.type = (enum mptcpd_event_type)ctl_words_event[r].value;
		o = ctl_json_event(&ev, NULL, NULL);
		ck_assert_str_eq(member(o, "type"), ctl_words_event[r].word);
		json_object_put(o);
	}
	for (size_t r = 0; ctl_words_action[r].word; r++) {
		a.type = (enum mptcpd_action_type)ctl_words_action[r].value;
		o = ctl_json_action(&a, NULL, NULL);
		ck_assert_str_eq(member(o, "action"), ctl_words_action[r].word);
		json_object_put(o);
	}
	info.cls.type = MPTCPD_IFACE_CELLULAR;
	info.cls.metered = MPTCPD_METERED_YES;
	o = ctl_json_iface(&info, NULL, 0);
	ck_assert_str_eq(member(o, "type"), "cellular");
	ck_assert_str_eq(member(o, "metered"), "yes");
	json_object_put(o);
}
END_TEST

static Suite *words_suite(void)
{
	Suite *s = suite_create("words");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_one_word_per_value, 0, (int)N(tables));
	tcase_add_loop_test(tc, test_round_trip, 0, (int)N(tables));
	tcase_add_loop_test(tc, test_unknown_fails, 0, (int)N(tables));
	tcase_add_test(tc, test_known_spellings);
	tcase_add_test(tc, test_cli_and_parser_agree);
	tcase_add_test(tc, test_cli_refuses_other_words);
	tcase_add_test(tc, test_builders_emit_the_words);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(words_suite)
