/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol: request validation, the JSON builders, and the
 * dispatch of requests against a small fabricated model. */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl_json.h"
#include "ctl_priv.h"	/* clients with made-up credentials, idle_ms */
#include "ctl_server.h"
#include "engine.h"
#include "fixture.h"
#include "history.h"
#include "iface.h"
#include "log.h"
#include "loop.h"
#include "model.h"
#include "strategies/registry.h"

static struct ctl_request R;
static const char *code;
static char msg[256];

static int parse(const char *line)
{
	code = NULL;
	msg[0] = 0;
	return ctl_json_parse_request(line, strlen(line), &R, &code, msg,
				      sizeof(msg));
}

static void parse_fails(const char *line, const char *want_code)
{
	ck_assert_msg(parse(line) < 0, "accepted: %s", line);
	ck_assert_msg(code && strcmp(code, want_code) == 0, "%s: code %s, not %s "
		      "(%s)", line, code, want_code, msg);
	ck_assert_msg(msg[0], "no message for %s", line);
}

START_TEST(test_parse_valid)
{
	ck_assert_int_eq(parse("{\"version\":1,\"id\":7,\"command\":\"status\"}\n"), 0);
	ck_assert(R.has_id);
	ck_assert_int_eq(R.id, 7);
	ck_assert_int_eq(R.cmd, CTL_CMD_STATUS);
	ck_assert_int_eq(R.has, 0);

	ck_assert_int_eq(parse("{\"version\":1,\"id\":1,\"command\":\"subflow\","
			       "\"args\":{\"token\":\"1a2b3c4d\",\"op\":\"del\","
			       "\"local\":{\"address\":\"192.0.2.2\",\"port\":40000},"
			       "\"remote\":{\"address\":\"203.0.113.2\",\"port\":443}}}"), 0);
	ck_assert_int_eq(R.cmd, CTL_CMD_SUBFLOW);
	ck_assert_uint_eq(R.token, 0x1a2b3c4d);
	ck_assert(!R.add);
	ck_assert_int_eq(R.local.port, 40000);
	ck_assert_int_eq(R.remote.port, 443);
	ck_assert(R.has & CTL_REQ_LOCAL && R.has & CTL_REQ_REMOTE);

	ck_assert_int_eq(parse("{\"version\":1,\"id\":2,\"command\":\"interface\","
			       "\"args\":{\"dev\":\"wlan0\",\"type\":\"cellular\","
			       "\"metered\":\"yes\",\"exclude\":true}}"), 0);
	ck_assert_str_eq(R.dev, "wlan0");
	ck_assert_int_eq(R.type, MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(R.metered, MPTCPD_METERED_YES);
	ck_assert(R.exclude);
	ck_assert(!R.type_auto && !R.metered_auto);
	ck_assert_int_eq(parse("{\"version\":1,\"id\":2,\"command\":\"interface\","
			       "\"args\":{\"dev\":\"wlan0\",\"type\":\"auto\","
			       "\"metered\":\"auto\"}}"), 0);
	ck_assert(R.type_auto && R.metered_auto);
	ck_assert(R.has & CTL_REQ_TYPE && R.has & CTL_REQ_METERED);

	ck_assert_int_eq(parse("{\"version\":1,\"id\":3,\"command\":\"remove\","
			       "\"args\":{\"token\":\"ff\",\"id\":255}}"), 0);
	ck_assert_int_eq(R.addr_id, 255);
	ck_assert_int_eq(parse("{\"version\":1,\"id\":4,\"command\":\"announce\","
			       "\"args\":{\"token\":\"1\",\"address\":\"2001:db8::2\"}}"), 0);
	ck_assert_int_eq(R.address.family, AF_INET6);
	/* strategy: read without a name, a switch with one. */
	ck_assert_int_eq(parse("{\"version\":1,\"id\":5,\"command\":\"strategy\",\"args\":{}}"), 0);
	ck_assert_int_eq(R.has, 0);
	ck_assert_int_eq(parse("{\"version\":1,\"id\":5,\"command\":\"strategy\","
			       "\"args\":{\"name\":\"fullmesh\"}}"), 0);
	ck_assert_str_eq(R.name, "fullmesh");
}
END_TEST

START_TEST(test_parse_malformed)
{
	parse_fails("", CTL_ERR_BAD_REQUEST);
	parse_fails("\n", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7,\"command\":\"status\"", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7,\"command\":\"status\"}}", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7,\"command\":\"status\"} x", CTL_ERR_BAD_REQUEST);
	parse_fails("[1,2]", CTL_ERR_BAD_REQUEST);
	parse_fails("42", CTL_ERR_BAD_REQUEST);
	parse_fails("\"status\"", CTL_ERR_BAD_REQUEST);
	parse_fails("not json at all", CTL_ERR_BAD_REQUEST);
	/* Deep nesting is refused by the tokenizer, not by the stack. */
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"status\",\"args\":"
		    "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}}",
		    CTL_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(test_parse_oversized)
{
	size_t len = CTL_MSG_MAX + 10;
	char *line = malloc(len + 1);

	ck_assert_ptr_nonnull(line);
	memset(line, ' ', len);
	memcpy(line, "{\"version\":1,\"id\":1,\"command\":\"status\"}", 39);
	line[len] = 0;
	ck_assert_int_eq(ctl_json_parse_request(line, len, &R, &code, msg,
						sizeof(msg)), -EMSGSIZE);
	ck_assert_str_eq(code, CTL_ERR_TOO_BIG);
	/* Exactly at the limit (newline included) is fine. */
	line[CTL_MSG_MAX - 1] = '\n';
	ck_assert_int_eq(ctl_json_parse_request(line, CTL_MSG_MAX, &R, &code, msg,
						sizeof(msg)), 0);
	free(line);
}
END_TEST

START_TEST(test_parse_version)
{
	parse_fails("{\"version\":2,\"id\":9,\"command\":\"status\"}", CTL_ERR_VERSION);
	/* The id is still echoed. */
	ck_assert(R.has_id);
	ck_assert_int_eq(R.id, 9);
	parse_fails("{\"id\":9,\"command\":\"status\"}", CTL_ERR_VERSION);
	parse_fails("{\"version\":\"1\",\"id\":9,\"command\":\"status\"}", CTL_ERR_VERSION);
	parse_fails("{\"version\":1.0,\"id\":9,\"command\":\"status\"}", CTL_ERR_VERSION);
}
END_TEST

START_TEST(test_parse_envelope)
{
	parse_fails("{\"version\":1,\"command\":\"status\"}", CTL_ERR_BAD_REQUEST);
	ck_assert(!R.has_id);
	parse_fails("{\"version\":1,\"id\":\"7\",\"command\":\"status\"}", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7.5,\"command\":\"status\"}", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7}", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7,\"command\":5}", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7,\"command\":\"shutdown\"}", CTL_ERR_BAD_REQUEST);
	ck_assert(strstr(msg, "shutdown"));
	parse_fails("{\"version\":1,\"id\":7,\"command\":\"status\",\"extra\":1}",
		    CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":7,\"command\":\"status\",\"args\":[]}",
		    CTL_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(test_parse_arg_types)
{
	static const char *const bad[] = {
		"\"connection\",\"args\":{\"token\":12345}",
		"\"connection\",\"args\":{\"token\":\"xyz\"}",
		"\"connection\",\"args\":{\"token\":\"123456789\"}",
		"\"connection\",\"args\":{\"token\":\"\"}",
		"\"strategy\",\"args\":{\"name\":7}",
		"\"strategy\",\"args\":{\"name\":\"\"}",
		"\"interface\",\"args\":{\"dev\":\"eth0\",\"type\":\"radio\"}",
		"\"interface\",\"args\":{\"dev\":\"eth0\",\"metered\":true}",
		"\"interface\",\"args\":{\"dev\":\"eth0\",\"exclude\":\"yes\"}",
		"\"interface\",\"args\":{\"dev\":\"a-name-far-too-long-for-linux\",\"exclude\":true}",
		"\"interface\",\"args\":{\"dev\":5,\"exclude\":true}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"move\",\"local\":{\"address\":\"192.0.2.2\"},\"remote\":{\"address\":\"203.0.113.2\",\"port\":1}}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"add\",\"local\":\"192.0.2.2\",\"remote\":{\"address\":\"203.0.113.2\",\"port\":1}}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"add\",\"local\":{\"address\":\"192.0.2.300\"},\"remote\":{\"address\":\"203.0.113.2\",\"port\":1}}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"add\",\"local\":{\"address\":\"192.0.2.2\"},\"remote\":{\"address\":\"203.0.113.2\",\"port\":70000}}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"add\",\"local\":{\"address\":\"192.0.2.2\",\"ttl\":1},\"remote\":{\"address\":\"203.0.113.2\",\"port\":1}}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"add\",\"local\":{\"address\":\"192.0.2.2\"},\"remote\":{\"address\":\"2001:db8::1\",\"port\":1}}",
		"\"subflow\",\"args\":{\"token\":\"1\",\"op\":\"add\",\"local\":{\"address\":\"192.0.2.2\"},\"remote\":{\"address\":\"203.0.113.2\",\"port\":1},\"backup\":1}",
		"\"announce\",\"args\":{\"token\":\"1\",\"address\":{\"address\":\"192.0.2.2\"}}",
		"\"remove\",\"args\":{\"token\":\"1\",\"id\":0}",
		"\"remove\",\"args\":{\"token\":\"1\",\"id\":256}",
		"\"remove\",\"args\":{\"token\":\"1\",\"id\":\"3\"}",
	};
	char line[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"version\":1,\"id\":1,\"command\":%s}",
			 bad[i]);
		parse_fails(line, CTL_ERR_BAD_REQUEST);
		ck_assert(R.has_id);
	}
}
END_TEST

START_TEST(test_parse_unknown_and_missing_args)
{
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"status\",\"args\":{\"all\":true}}",
		    CTL_ERR_BAD_REQUEST);
	ck_assert(strstr(msg, "all"));
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"connection\"}", CTL_ERR_BAD_REQUEST);
	ck_assert(strstr(msg, "token"));
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"interface\",\"args\":{\"dev\":\"eth0\"}}",
		    CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"announce\",\"args\":{\"token\":\"1\"}}",
		    CTL_ERR_BAD_REQUEST);
	/* del needs both ports: the kernel matches the full 4-tuple. */
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"subflow\",\"args\":{\"token\":\"1\","
		    "\"op\":\"del\",\"local\":{\"address\":\"192.0.2.2\"},"
		    "\"remote\":{\"address\":\"203.0.113.2\",\"port\":1}}}", CTL_ERR_BAD_REQUEST);
	parse_fails("{\"version\":1,\"id\":1,\"command\":\"subflow\",\"args\":{\"token\":\"1\","
		    "\"op\":\"add\",\"local\":{\"port\":5},"
		    "\"remote\":{\"address\":\"203.0.113.2\",\"port\":1}}}", CTL_ERR_BAD_REQUEST);
}
END_TEST

static const char *fake_ifname(void *arg, int ifindex)
{
	return ifindex == 3 ? "eth1" : NULL;
}

static const char *text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

START_TEST(test_json_conn)
{
	struct mptcpd_subflow subs[2];
	struct mptcpd_remote_addr rem = { .id = 1 };
	struct mptcpd_conn c = { .token = 0xab, .n_subflows = 2, .subflows = subs,
				 .n_remotes = 1, .remotes = &rem };
	struct json_object *o;

	subs[0] = fx_subflow("192.0.2.2", 40000, "203.0.113.2", 443);
	subs[1] = fx_subflow("198.51.100.2", 0, "203.0.113.2", 443);
	subs[1].local_id = 1;
	subs[1].ifindex = 3;
	subs[1].backup = true;
	subs[1].state = MPTCPD_SUBFLOW_PENDING;
	c.local = subs[0].local;
	c.remote = subs[0].remote;
	rem.addr = fx_addr("203.0.113.9", 0);
	o = ctl_json_conn(&c, 12, fake_ifname, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(text(o),
		"{\"token\":\"000000ab\","
		"\"local\":{\"address\":\"192.0.2.2\",\"port\":40000},"
		"\"remote\":{\"address\":\"203.0.113.2\",\"port\":443},"
		"\"server_side\":false,\"state\":\"pending\",\"age_s\":12,\"subflows\":["
		"{\"local\":{\"address\":\"192.0.2.2\",\"port\":40000},"
		"\"remote\":{\"address\":\"203.0.113.2\",\"port\":443},\"id\":0,"
		"\"remote_id\":0,\"backup\":false,\"dev\":null,\"state\":\"established\","
		"\"stalled\":false},"
		"{\"local\":{\"address\":\"198.51.100.2\",\"port\":0},"
		"\"remote\":{\"address\":\"203.0.113.2\",\"port\":443},\"id\":1,"
		"\"remote_id\":0,\"backup\":true,\"dev\":\"eth1\",\"state\":\"pending\","
		"\"stalled\":false}],"
		"\"remote_addresses\":[{\"id\":1,\"address\":\"203.0.113.9\",\"port\":0}],"
		"\"announced\":[]}");
	json_object_put(o);
}
END_TEST

START_TEST(test_json_iface)
{
	struct iface_info i = { .ifindex = 4, .name = "wlan0", .up = true,
				.cls = { MPTCPD_IFACE_WIFI, IFACE_SOURCE_AUTO,
					 MPTCPD_METERED_YES, IFACE_SOURCE_RUNTIME } };
	struct mptcpd_addr a[2] = { fx_addr("192.0.2.2", 0), fx_addr("2001:db8::2", 0) };
	struct json_object *o = ctl_json_iface(&i, a, 2);

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(text(o),
		"{\"dev\":\"wlan0\",\"index\":4,\"type\":\"wifi\",\"type_source\":\"auto\","
		"\"metered\":\"yes\",\"metered_source\":\"runtime\",\"up\":true,"
		"\"excluded\":false,\"addresses\":[\"192.0.2.2\",\"2001:db8::2\"]}");
	json_object_put(o);
}
END_TEST

START_TEST(test_json_events)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_ESTABLISHED,
				   .fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL |
					     MPTCPD_FIELD_IFINDEX,
				   .token = 0x1a2b3c4d, .ifindex = 3 };
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SET_BACKUP, .token = 1,
				   .backup = true };
	struct json_object *o;

	ev.local = fx_addr("198.51.100.2", 1234);
	o = ctl_json_event_line(ctl_json_event(&ev, fake_ifname, NULL));
	ck_assert_str_eq(text(o), "{\"version\":1,\"event\":{\"type\":"
			 "\"subflow-established\",\"token\":\"1a2b3c4d\",\"local\":"
			 "{\"address\":\"198.51.100.2\",\"port\":1234},\"dev\":\"eth1\"}}");
	json_object_put(o);
	a.local = fx_addr("192.0.2.2", 1);
	a.remote = fx_addr("203.0.113.2", 2);
	o = ctl_json_action(&a, NULL, NULL);
	ck_assert(strstr(text(o), "\"type\":\"action\",\"action\":\"set-flags\""));
	json_object_put(o);
	o = ctl_json_error(false, 0, CTL_ERR_PERM, "no");
	ck_assert_str_eq(text(o), "{\"version\":1,\"id\":null,\"ok\":false,"
			 "\"error\":{\"code\":\"EPERM\",\"message\":\"no\"}}");
	json_object_put(o);
}
END_TEST

/* ---- Dispatch against a fabricated daemon ---- */

struct fab {
	struct model *m;
	struct iface_table *t;
	struct engine *e;
	struct ctl_server *s;
	int sent;
	int send_error;
	struct mptcpd_action last;
	const char *strategy_set;
};

static struct fab F;

static int fab_send(void *arg, const struct mptcpd_action *a)
{
	if (F.send_error)
		return F.send_error;
	F.sent++;
	F.last = *a;
	return 0;
}

static uint64_t fab_now(void *arg)
{
	return 50000;
}

static int fab_set_strategy(void *arg, const char *name)
{
	const struct mptcpd_strategy *s = strategy_find(name);

	if (!s)
		return -ENOENT;
	engine_set_strategy(F.e, s);
	return 0;
}

static const struct engine_ops fab_ops = { .send = fab_send, .now_ms = fab_now };

static void fab_setup_loop(struct loop *loop)
{
	struct iface_link_update l = { .ifindex = 2, .name = "eth0",
				  .flags = IFF_UP | IFF_RUNNING };
	struct iface_addr_update a = { .ifindex = 2 };
	struct iface_route_update r = { .ifindex = 2, .family = AF_INET };
	struct ctl_server_env env = { .now_ms = fab_now, .started_ms = 20000,
				      .set_strategy = fab_set_strategy, .loop = loop };
	struct model_conn *c;
	struct mptcpd_subflow s = fx_subflow("192.0.2.2", 40000, "203.0.113.2", 443);

	memset(&F, 0, sizeof(F));
	F.m = model_new();
	F.t = iface_table_new(NULL, NULL);
	l.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(F.t, &l, &IFACE_SETTINGS_DEFAULT);
	a.addr = fx_addr("192.0.2.2", 0);
	iface_on_addr(F.t, &a);
	r.dst = fx_addr("0.0.0.0", 0);
	iface_on_route(F.t, &r, 1);
	F.e = engine_new(F.m, F.t, &strategy_fullmesh, 8, &fab_ops, NULL);
	c = model_conn_get(F.m, 0x1a2b3c4d);
	c->pub.local = s.local;
	c->pub.remote = s.remote;
	c->pub.established = true;
	c->created_ms = 40000;
	model_subflow_add(c, &s);
	env.model = F.m;
	env.ifaces = F.t;
	env.engine = F.e;
	ck_assert_int_eq(ctl_server_new(&F.s, NULL, &env), 0);
}

static void fab_setup(void)
{
	fab_setup_loop(NULL);
}

static void fab_teardown(void)
{
	ctl_server_free(F.s);
	engine_free(F.e);
	iface_table_free(F.t);
	model_free(F.m);
}

static const struct ucred ROOT = { .pid = 1, .uid = 0, .gid = 0 };
static const struct ucred USER = { .pid = 2, .uid = 1000, .gid = 1000 };

/* The answer to line, as text (static buffer). */
static const char *ask(const char *line, const struct ucred *cred, bool *sub)
{
	static char buf[8192];
	bool dummy;
	struct json_object *o = ctl_server_answer(F.s, line, strlen(line), cred,
						  sub ? sub : &dummy);

	ck_assert_ptr_nonnull(o);
	snprintf(buf, sizeof(buf), "%s", text(o));
	json_object_put(o);
	return buf;
}

/* "events": the whole history, from since_ms ago, of one token; each
 * entry with its reason and outcome. */
START_TEST(test_events)
{
	struct history *h = history_new(8);
	struct history_entry *e;
	const char *a;

	e = history_add(h, HISTORY_ACTION, 10000, 1764642000000LL);
	e->token = 0x1a2b3c4d;
	e->action = MPTCPD_ACTION_SET_BACKUP;
	e->local = fx_addr("198.51.100.2", 41000);
	e->remote = fx_addr("203.0.113.2", 443);
	e->outcome = HISTORY_OUTCOME_REFUSED;
	e->err = -ENOENT;
	HISTORY_SET(e->strategy, "backup-cellular");
	HISTORY_SET(e->reason, "promote wwan0 subflow: no working non-cellular "
		    "subflow (address-removed 192.0.2.2 wlan0)");
	e = history_add(h, HISTORY_ACTION, 45000, 1764642035000LL);
	e->token = 0x99;
	e = history_add(h, HISTORY_RELOAD, 49000, 1764642039000LL);
	HISTORY_SET(e->reason, "configuration reloaded");
	F.s->env.history = h;

	a = ask("{\"version\":1,\"id\":1,\"command\":\"events\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "{\"events\":[{\"seq\":1,\"time\":"
			     "\"2025-12-02T02:20:00.000Z\",\"mono_ms\":10000,"
			     "\"kind\":\"action\",\"token\":\"1a2b3c4d\","
			     "\"action\":\"set-flags\""), "%s", a);
	ck_assert_msg(strstr(a, "\"outcome\":\"refused\",\"error\":\"ENOENT\","
			     "\"strategy\":\"backup-cellular\",\"reason\":"
			     "\"promote wwan0 subflow: no working non-cellular "
			     "subflow (address-removed 192.0.2.2 wlan0)\"}"), "%s", a);
	ck_assert_msg(strstr(a, "\"seq\":3,") && strstr(a, "\"kind\":\"reload\""),
		      "%s", a);
	/* now is 50000: the last 10 s are seqs 2 and 3 */
	a = ask("{\"version\":1,\"id\":2,\"command\":\"events\",\"args\":"
		"{\"since_ms\":10000}}", &USER, NULL);
	ck_assert_msg(!strstr(a, "\"seq\":1,") && strstr(a, "\"seq\":2,") &&
		      strstr(a, "\"seq\":3,"), "%s", a);
	a = ask("{\"version\":1,\"id\":3,\"command\":\"events\",\"args\":"
		"{\"since_ms\":60000,\"token\":\"1a2b3c4d\"}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"seq\":1,") && !strstr(a, "\"seq\":2,") &&
		      !strstr(a, "\"seq\":3,"), "%s", a);
	a = ask("{\"version\":1,\"id\":4,\"command\":\"events\",\"args\":"
		"{\"since_ms\":-1}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"EINVAL\""), "%s", a);
	/* without a history: an empty list */
	F.s->env.history = NULL;
	a = ask("{\"version\":1,\"id\":5,\"command\":\"events\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"result\":{\"events\":[]}"), "%s", a);
	history_free(h);
}
END_TEST

/* What the daemon waits for, in its words: a join held for a route on
 * the interface, a stalled subflow on the connection. */
START_TEST(test_waiting_texts)
{
	struct mptcpd_addr v6 = fx_addr("2001:db8::9", 0);
	struct mptcpd_addr l = fx_addr("192.0.2.2", 40000);
	struct mptcpd_addr r = fx_addr("203.0.113.2", 443);
	const char *a;

	a = ask("{\"version\":1,\"id\":1,\"command\":\"interfaces\"}", &USER, NULL);
	ck_assert_msg(!strstr(a, "waiting"), "%s", a);
	/* eth0 has an IPv4 default route only */
	iface_note_no_route(F.t, 2, &v6, 45000);
	a = ask("{\"version\":1,\"id\":2,\"command\":\"interfaces\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"waiting\":[{\"why\":\"no route\",\"text\":"
			     "\"no route to 2001:db8::9 yet\""), "%s", a);
	a = ask("{\"version\":1,\"id\":3,\"command\":\"connection\",\"args\":"
		"{\"token\":\"1a2b3c4d\"}}", &USER, NULL);
	ck_assert_msg(!strstr(a, "waiting"), "%s", a);
	engine_on_stalled(F.e, 0x1a2b3c4d, &l, &r);
	a = ask("{\"version\":1,\"id\":4,\"command\":\"connection\",\"args\":"
		"{\"token\":\"1a2b3c4d\"}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"why\":\"stalled\",\"text\":\"stalled since "),
		      "%s", a);
	/* the list of every connection stays short: no stall detail there */
	a = ask("{\"version\":1,\"id\":5,\"command\":\"connections\"}", &USER, NULL);
	ck_assert_msg(!strstr(a, "stalled since"), "%s", a);
	/* a flag change the kernel refused twice, asked again in 200 ms */
	{
		struct model_pair *p = model_pair_get(model_conn_find(F.m,
						      0x1a2b3c4d), &l, &r);

		ck_assert_ptr_nonnull(p);
		p->flag_failures = 2;
		p->flag_retry_ms = fab_now(NULL) + 200;
	}
	a = ask("{\"version\":1,\"id\":6,\"command\":\"connection\",\"args\":"
		"{\"token\":\"1a2b3c4d\"}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"why\":\"flag refused\",\"text\":\"flag change "
			     "refused 2 time(s), next try in 200 ms\""), "%s", a);
}
END_TEST

START_TEST(test_dispatch_reads)
{
	char want[384];
	const char *a;
	bool sub;

	a = ask("{\"version\":1,\"id\":3,\"command\":\"status\"}", &USER, NULL);
	snprintf(want, sizeof(want), "\"strategy\":\"fullmesh\",\"path_manager\":"
		 "\"userspace\",\"connections\":1,\"subflows\":1,\"interfaces\":1,"
		 "\"uptime_s\":30,\"pid\":%d,\"announcements_refused\":0,"
		 "\"local_connections\":0,\"joins_timed_out\":0,\"subflows_over_cap\":0,"
		 "\"netlink_dropped\":0,\"resyncs\":0}}", (int)getpid());
	ck_assert_msg(strstr(a, want), "status: %s", a);
	ck_assert(strncmp(a, "{\"version\":1,\"id\":3,\"ok\":true,", 30) == 0);

	a = ask("{\"version\":1,\"id\":4,\"command\":\"connections\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"connections\":[{\"token\":\"1a2b3c4d\""), "%s", a);
	ck_assert_msg(strstr(a, "\"age_s\":10"), "%s", a);

	a = ask("{\"version\":1,\"id\":5,\"command\":\"connection\",\"args\":"
		"{\"token\":\"00000001\"}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"ok\":false,\"error\":{\"code\":\"ENOENT\""), "%s", a);

	a = ask("{\"version\":1,\"id\":6,\"command\":\"interfaces\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "{\"interfaces\":[{\"dev\":\"eth0\",\"index\":2,"
			     "\"type\":\"ethernet\""), "%s", a);
	ck_assert_msg(strstr(a, "\"addresses\":[\"192.0.2.2\"]"), "%s", a);

	a = ask("{\"version\":1,\"id\":7,\"command\":\"strategy\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "{\"strategy\":\"fullmesh\",\"available\":"
			     "[\"fullmesh\",\"backup-cellular\",\"metered-aware\","
			     "\"interactive\"]}"),
		      "%s", a);

	a = ask("{\"version\":1,\"id\":8,\"command\":\"monitor\"}", &USER, &sub);
	ck_assert(sub);
	ck_assert_str_eq(a, "{\"version\":1,\"id\":8,\"ok\":true,\"result\":{}}");

	a = ask("{\"version\":2,\"id\":9,\"command\":\"status\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"id\":9,\"ok\":false,\"error\":{\"code\":\"EPROTO\""),
		      "%s", a);
}
END_TEST

static char logged[1024];

static void keep_log(int level, enum log_subsys sub, const char *line, void *arg)
{
	if (strstr(line, "refused request"))
		snprintf(logged, sizeof(logged), "%s", line);
}

/* What a client sent reaches the log escaped: no fake lines, no terminal
 * sequences, no unbalanced quotes. */
START_TEST(test_log_escaped)
{
	log_set_level(LOG_DEBUG);
	log_set_debug_mask(~0u);
	log_set_sink(keep_log, NULL);
	ask("{\"version\":1,\"id\":1,\"command\":\"st\\u001b[2J\\nfake: \\\"x\"}", &USER, NULL);
	log_set_sink(NULL, NULL);
	ck_assert_msg(strstr(logged, "unknown command \\\"st\\x1b[2J\\x0afake: \\\"x\\\""),
		      "%s", logged);
	ck_assert(!strchr(logged, '\n') && !strchr(logged, '\x1b'));
}
END_TEST

START_TEST(test_dispatch_mutating)
{
	const char *a;
	size_t n;

	/* Refused before anything is done. */
	a = ask("{\"version\":1,\"id\":1,\"command\":\"interface\",\"args\":"
		"{\"dev\":\"eth0\",\"exclude\":true}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"EPERM\""), "%s", a);
	iface_usable(F.t, &n);
	ck_assert_int_eq(n, 1);
	a = ask("{\"version\":1,\"id\":1,\"command\":\"strategy\",\"args\":"
		"{\"name\":\"metered-aware\"}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"EPERM\""), "%s", a);
	ck_assert_str_eq(engine_strategy(F.e)->name, "fullmesh");

	/* The control group may. */
	ctl_server_set_group(F.s, 1000);
	a = ask("{\"version\":1,\"id\":2,\"command\":\"strategy\",\"args\":"
		"{\"name\":\"metered-aware\"}}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"result\":{\"strategy\":\"metered-aware\""), "%s", a);
	a = ask("{\"version\":1,\"id\":2,\"command\":\"strategy\",\"args\":"
		"{\"name\":\"nope\"}}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"ENOENT\""), "%s", a);

	/* Exclusion makes the address unusable, and usable again. */
	a = ask("{\"version\":1,\"id\":3,\"command\":\"interface\",\"args\":"
		"{\"dev\":\"eth0\",\"exclude\":true,\"type\":\"cellular\"}}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"type\":\"cellular\",\"type_source\":\"runtime\"") &&
		      strstr(a, "\"excluded\":true"), "%s", a);
	iface_usable(F.t, &n);
	ck_assert_int_eq(n, 0);
	a = ask("{\"version\":1,\"id\":4,\"command\":\"interface\",\"args\":"
		"{\"dev\":\"eth0\",\"exclude\":false}}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"excluded\":false"), "%s", a);
	iface_usable(F.t, &n);
	ck_assert_int_eq(n, 1);
	a = ask("{\"version\":1,\"id\":5,\"command\":\"interface\",\"args\":"
		"{\"dev\":\"wwan9\",\"exclude\":false}}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"ENOENT\""), "%s", a);

	/* A manual subflow removal goes to the engine as SUBFLOW_DESTROY. */
	F.sent = 0;
	a = ask("{\"version\":1,\"id\":6,\"command\":\"subflow\",\"args\":{\"token\":"
		"\"1a2b3c4d\",\"op\":\"del\",\"local\":{\"address\":\"192.0.2.2\","
		"\"port\":40000},\"remote\":{\"address\":\"203.0.113.2\",\"port\":443}}}",
		&ROOT, NULL);
	ck_assert_msg(strstr(a, "\"ok\":true"), "%s", a);
	ck_assert_int_eq(F.sent, 1);
	ck_assert_int_eq(F.last.type, MPTCPD_ACTION_SUBFLOW_DESTROY);
	ck_assert_int_eq(F.last.local.port, 40000);
	/* Adding one from an address that is not ours is refused. */
	a = ask("{\"version\":1,\"id\":7,\"command\":\"subflow\",\"args\":{\"token\":"
		"\"1a2b3c4d\",\"op\":\"add\",\"local\":{\"address\":\"198.51.100.7\"},"
		"\"remote\":{\"address\":\"203.0.113.2\",\"port\":443}}}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"ENOENT\""), "%s", a);
	/* Unknown token. */
	a = ask("{\"version\":1,\"id\":8,\"command\":\"remove\",\"args\":{\"token\":"
		"\"99\",\"id\":1}}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"ENOENT\""), "%s", a);
	/* reload without a daemon behind it fails cleanly. */
	a = ask("{\"version\":1,\"id\":9,\"command\":\"reload\"}", &ROOT, NULL);
	ck_assert_msg(strstr(a, "\"code\":\"EIO\""), "%s", a);
}
END_TEST

static const char *ask_add(const char *local, const char *remote)
{
	char line[512];

	snprintf(line, sizeof(line), "{\"version\":1,\"id\":1,\"command\":"
		 "\"subflow\",\"args\":{\"token\":\"1a2b3c4d\",\"op\":\"add\","
		 "\"local\":{\"address\":\"%s\"},\"remote\":{\"address\":"
		 "\"%s\",\"port\":443}}}", local, remote);
	return ask(line, &ROOT, NULL);
}

static const char *ask_announce(const char *token, const char *address)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"version\":1,\"id\":2,\"command\":"
		 "\"announce\",\"args\":{\"token\":\"%s\",\"address\":"
		 "\"%s\"}}", token, address);
	return ask(line, &ROOT, NULL);
}

#define ck_answer(a, want) ck_assert_msg(strstr((a), (want)), "%s", (a))

/* Each of the engine's verdicts on a manual action is one exact answer. */
START_TEST(test_dispatch_verdicts)
{
	struct iface_link_update l = { .ifindex = 3, .name = "eth1",
				  .flags = IFF_UP | IFF_RUNNING };
	struct iface_addr_update ad = { .ifindex = 3 };
	struct model_conn *m = model_conn_find(F.m, 0x1a2b3c4d);
	const char *a;

	/* eth1 has an address but no route yet */
	iface_on_link(F.t, &l, &IFACE_SETTINGS_DEFAULT);
	ad.addr = fx_addr("198.51.100.2", 0);
	iface_on_addr(F.t, &ad);

	a = ask_add("192.0.2.2", "203.0.113.2");
	ck_answer(a, "\"code\":\"EEXIST\",\"message\":\"the connection "
		  "already has this subflow\"");
	a = ask_add("198.51.100.2", "203.0.113.2");
	ck_answer(a, "\"code\":\"EAGAIN\",\"message\":\"not sent: no route "
		  "through eth1");
	ck_assert_int_eq(F.sent, 0);
	a = ask_add("192.0.2.2", "203.0.113.9");
	ck_answer(a, "\"ok\":true,\"result\":{}");
	ck_assert_int_eq(F.sent, 1);
	ck_assert_int_eq(F.last.type, MPTCPD_ACTION_SUBFLOW_CREATE);
	engine_on_result(F.e, &F.last, -EHOSTUNREACH, NULL);
	a = ask_add("192.0.2.2", "203.0.113.9");
	ck_answer(a, "\"code\":\"EAGAIN\",\"message\":\"not sent: the pair "
		  "failed lately and is backing off");
	ck_assert_int_eq(F.sent, 1);

	a = ask_announce("1a2b3c4d", "192.0.2.2");
	ck_answer(a, "\"code\":\"EINVAL\",\"message\":\"the connection's "
		  "initial address (ID 0) cannot be announced\"");
	a = ask_announce("1a2b3c4d", "198.51.100.2");
	ck_answer(a, "\"ok\":true,\"result\":{\"id\":1}");
	a = ask_announce("1a2b3c4d", "198.51.100.2");
	ck_answer(a, "\"code\":\"EEXIST\",\"message\":\"already announced "
		  "on this connection, with id 1\"");
	a = ask_announce("00000099", "198.51.100.2");
	ck_answer(a, "\"code\":\"ENOENT\",\"message\":\"no connection with "
		  "token 00000099\"");

	/* Not sent at all: an error, and the model keeps no trace of it. */
	a = ask("{\"version\":1,\"id\":3,\"command\":\"remove\",\"args\":"
		"{\"token\":\"1a2b3c4d\",\"id\":1}}", &ROOT, NULL);
	ck_answer(a, "\"ok\":true");
	engine_on_result(F.e, &F.last, 0, NULL);
	ck_assert_uint_eq(m->pub.n_announced, 0);
	F.send_error = -ENOBUFS;
	a = ask_announce("1a2b3c4d", "198.51.100.2");
	ck_answer(a, "\"code\":\"EIO\",\"message\":\"not sent");
	ck_assert_uint_eq(m->pub.n_announced, 0);
}
END_TEST

/* ---- Clients on a real loop: limits ---- */

static struct loop *L;

static void sock_setup(void)
{
	L = loop_new();
	ck_assert_ptr_nonnull(L);
	fab_setup_loop(L);
}

static void sock_teardown(void)
{
	fab_teardown();
	loop_free(L);
}

static void stop_cb(void *arg)
{
	loop_stop(arg);
}

/* Runs the daemon's side for about s seconds. */
static void spin(double s)
{
	struct loop_timer *t = loop_timer_add(L, s, 0, stop_cb, L);

	ck_assert_ptr_nonnull(t);
	loop_run(L);
	loop_timer_del(L, t);
}

/* A client with these credentials: the test's end of its socket, and
 * what ctl_server_add_peer said in *err. */
static int join(const struct ucred *cred, const gid_t *groups, size_t n, int *err)
{
	struct ctl_peer p = { .cred = cred, .groups = groups, .n_groups = n };
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv), 0);
	*err = ctl_server_add_peer(F.s, sv[0], &p);
	return sv[1];
}

static void say(int fd, const char *line)
{
	ck_assert_int_eq(send(fd, line, strlen(line), MSG_NOSIGNAL), (ssize_t)strlen(line));
}

/* Bytes waiting at the test's end: >0 read into buf, 0 EOF, -1 nothing. */
static ssize_t hear(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Lines waiting at the test's end (the rest is thrown away). */
static int count_lines(int fd)
{
	char buf[65536];
	int n = 0;

	for (ssize_t got; (got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0;)
		for (ssize_t i = 0; i < got; i++)
			n += buf[i] == '\n';
	return n;
}

#define STATUS "{\"version\":1,\"id\":1,\"command\":\"status\"}\n"

START_TEST(test_idle_timeout)
{
	char buf[512];
	int err, idle, mon, busy;

	/* Margins of 250 ms on each side: the suite runs beside other work,
	 * and a loop turn can come that late. */
	F.s->idle_ms = 1000;
	idle = join(&USER, NULL, 0, &err);
	mon = join(&USER, NULL, 0, &err);
	busy = join(&USER, NULL, 0, &err);
	say(mon, "{\"version\":1,\"id\":1,\"command\":\"monitor\"}\n");
	spin(0.5);
	say(busy, STATUS);
	spin(0.75);
	/* 1250 ms: the silent one is closed, the monitor and the one that
	 * asked 750 ms ago are not. */
	ck_assert_int_eq(hear(idle, buf, sizeof(buf)), 0);
	ck_assert_int_eq(ctl_server_clients(F.s), 2);
	ck_assert_int_gt(hear(busy, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "\"ok\":true"), "%s", buf);
	spin(1.0);
	ck_assert_int_eq(hear(busy, buf, sizeof(buf)), 0);
	ck_assert_int_eq(ctl_server_clients(F.s), 1);
	ck_assert_int_gt(hear(mon, buf, sizeof(buf)), 0);	/* its "ok" */
	ck_assert_int_eq(hear(mon, buf, sizeof(buf)), -1);	/* still open */
	close(idle);
	close(mon);
	close(busy);
}
END_TEST

/* Fills the slots with clients of cred until one is refused; returns how
 * many got in (their ends in fds). */
static size_t fill(const struct ucred *cred, const gid_t *groups, size_t n,
		   int *fds, size_t *used)
{
	size_t in = 0;
	char buf[512];
	int err;

	for (;;) {
		int fd = join(cred, groups, n, &err);

		if (err) {
			ck_assert_int_eq(err, -EUSERS);
			ck_assert_int_gt(hear(fd, buf, sizeof(buf)), 0);
			ck_assert_msg(strstr(buf, "\"code\":\"EBUSY\""), "%s", buf);
			ck_assert_int_eq(hear(fd, buf, sizeof(buf)), 0);
			close(fd);
			return in;
		}
		fds[(*used)++] = fd;
		in++;
	}
}

START_TEST(test_reserved_slots)
{
	static const struct ucred OTHER = { .pid = 3, .uid = 2000, .gid = 2000 };
	static const struct ucred SUPP = { .pid = 4, .uid = 3000, .gid = 3000 };
	const gid_t supp_groups[] = { 5, 1000 };
	int fds[CTL_SERVER_CLIENTS_MAX];
	size_t used = 0;
	char buf[512];

	ctl_server_set_group(F.s, 1000);
	ck_assert_uint_eq(fill(&OTHER, NULL, 0, fds, &used),
			  CTL_SERVER_CLIENTS_MAX - CTL_SERVER_RESERVED);
	/* A member (by a supplementary group here) gets all but root's. */
	ck_assert_uint_eq(fill(&SUPP, supp_groups, 2, fds, &used),
			  CTL_SERVER_RESERVED - CTL_SERVER_RESERVED_ROOT);
	ck_assert_uint_eq(fill(&USER, NULL, 0, fds, &used), 0);
	ck_assert_uint_eq(fill(&ROOT, NULL, 0, fds, &used), CTL_SERVER_RESERVED_ROOT);
	ck_assert_uint_eq(ctl_server_clients(F.s), CTL_SERVER_CLIENTS_MAX);
	/* Root's own request is answered. */
	say(fds[used - 1], STATUS);
	spin(0.02);
	ck_assert_int_gt(hear(fds[used - 1], buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "\"ok\":true"), "%s", buf);
	/* A slot freed by an outsider is still not the outsider's. */
	close(fds[0]);
	spin(0.02);
	ck_assert_uint_eq(ctl_server_clients(F.s), CTL_SERVER_CLIENTS_MAX - 1);
	ck_assert_uint_eq(fill(&OTHER, NULL, 0, fds, &used), 0);
	for (size_t i = 1; i < used; i++)
		close(fds[i]);
}
END_TEST

START_TEST(test_answer_cap)
{
	char buf[4096];
	size_t got = 0;
	int err, fd;

	/* About 370 bytes each here: the "connections" answer passes 16 MiB. */
	for (uint32_t t = 1; t <= 60000; t++) {
		struct model_conn *c = model_conn_get(F.m, 0x10000000 + t);
		struct mptcpd_subflow s = fx_subflow("192.0.2.2", 40000, "203.0.113.2", 443);

		c->pub.local = s.local;
		c->pub.remote = s.remote;
		model_subflow_add(c, &s);
	}
	fd = join(&USER, NULL, 0, &err);
	say(fd, "{\"version\":1,\"id\":5,\"command\":\"connections\"}\n");
	/* Up to 15 s: 60,000 connections are walked before the refusal,
	 * which takes seconds under the sanitizers on a loaded machine. */
	for (int i = 0; i < 1500 && !memchr(buf, '\n', got) && got < 200; i++) {
		ssize_t n;

		spin(0.01);
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		got += n > 0 ? (size_t)n : 0;
		buf[got] = 0;
	}
	ck_assert_msg(strncmp(buf, "{\"version\":1,\"id\":5,\"ok\":false,\"error\":"
			      "{\"code\":\"EMSGSIZE\"", 55) == 0, "%.200s", buf);
	ck_assert_msg(strstr(buf, "one connection at a time"), "%s", buf);
	/* The client is still served. */
	say(fd, STATUS);
	spin(0.02);
	ck_assert_int_gt(hear(fd, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "\"ok\":true"), "%s", buf);
	close(fd);
}
END_TEST

/* Ten thousand connections: the "connections" answer is made a slice per
 * turn of the loop, not in one callback.  A connection closed between two
 * slices is left out, and the line is the same as the one made in one go
 * (ctl_server_answer) after that close. */
static void fill_conns(uint32_t n)
{
	for (uint32_t t = 1; t <= n; t++) {
		struct model_conn *c = model_conn_get(F.m, 0x20000000 + t);
		struct mptcpd_subflow s = fx_subflow("192.0.2.2", 40000, "203.0.113.2", 443);

		c->pub.local = s.local;
		c->pub.remote = s.remote;
		model_subflow_add(c, &s);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_connections_in_slices)
{
	static const char REQ[] = "{\"version\":1,\"id\":9,\"command\":\"connections\"}\n";
	static char got[8 * 1024 * 1024];
	size_t len = 0;
	int err, fd = join(&USER, NULL, 0, &err), turns = 0;
	double worst = 0;
	struct json_object *one, *list;
	const char *want;

	fill_conns(10000);
	say(fd, REQ);
	spin(0);		/* one turn: the request and the first slice */
	model_conn_del(F.m, 0x20000000 + 10000);	/* last in token order */
	while (!memchr(got, '\n', len) && turns < 10000) {
		double t0 = now_s();
		ssize_t n;

		spin(0);
		turns++;
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
		n = recv(fd, got + len, sizeof(got) - 1 - len, MSG_DONTWAIT);
		len += n > 0 ? (size_t)n : 0;
		got[len] = 0;
	}
	printf("connections: 10001 in %d more turns, the longest %.1f ms\n",
	       turns, worst * 1e3);
	ck_assert_int_gt(turns, 1);
	ck_assert_ptr_nonnull(memchr(got, '\n', len));
	one = ctl_server_answer(F.s, REQ, sizeof(REQ) - 1, &USER, &(bool){ 0 });
	ck_assert_ptr_nonnull(one);
	want = text(one);
	ck_assert_uint_eq(len, strlen(want) + 1);
	ck_assert(memcmp(got, want, len - 1) == 0);
	ck_assert(json_object_object_get_ex(json_object_object_get(one, "result"),
					    "connections", &list));
	ck_assert_uint_eq(json_object_array_length(list), 10000);	/* +1 -1 */
	json_object_put(one);
	/* The client is served as before. */
	say(fd, STATUS);
	spin(0.02);
	ck_assert_int_gt(hear(fd, got, sizeof(got)), 0);
	ck_assert_msg(strstr(got, "\"ok\":true"), "%s", got);
	close(fd);
}
END_TEST

/* A fake sock_diag dump for "stats": 2 ms a datagram, 20 datagrams; one
 * at a time. */
static int dump_steps, dumps_open;

static void *fake_bytes_begin(void *arg)
{
	(void)arg;
	if (dumps_open)
		return NULL;
	dumps_open++;
	dump_steps = 0;
	return &dump_steps;
}

static int fake_bytes_step(void *arg, void *dump)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	return ++*(int *)dump >= 20;
}

static void fake_bytes_end(void *arg, void *dump)
{
	(void)arg;
	(void)dump;
	dumps_open--;
}

/* "stats" reads its dump a slice per turn (40 ms of datagrams never hold
 * the loop 40 ms), a second client asking meanwhile is answered at once
 * with the last readings, and the dump ends with the answer. */
START_TEST(test_stats_in_slices)
{
	static const char REQ[] = "{\"version\":1,\"id\":9,\"command\":\"stats\"}\n";
	char got[64 * 1024] = "", other[64 * 1024];
	size_t len = 0;
	int err, fd = join(&USER, NULL, 0, &err), fd2, turns = 0;
	double worst = 0;

	F.s->env.bytes_begin = fake_bytes_begin;
	F.s->env.bytes_step = fake_bytes_step;
	F.s->env.bytes_end = fake_bytes_end;
	say(fd, REQ);
	spin(0);
	ck_assert_int_eq(dumps_open, 1);
	fd2 = join(&ROOT, NULL, 0, &err);
	say(fd2, REQ);
	while (!memchr(got, '\n', len) && turns < 1000) {
		double t0 = now_s();
		ssize_t n;

		spin(0);
		turns++;
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
		n = recv(fd, got + len, sizeof(got) - 1 - len, MSG_DONTWAIT);
		len += n > 0 ? (size_t)n : 0;
		got[len] = 0;
	}
	printf("stats: a 40 ms dump in %d more turns, the longest %.1f ms\n",
	       turns, worst * 1e3);
	ck_assert_int_gt(turns, 1);
	ck_assert_double_lt(worst, 0.02);
	ck_assert_msg(strstr(got, "\"ok\":true") && strstr(got, "\"handovers\"") &&
		      strstr(got, "\"bytes_fresh\":true"), "%s", got);
	ck_assert_int_eq(dump_steps, 20);
	ck_assert_int_eq(dumps_open, 0);
	ck_assert_int_gt(hear(fd2, other, sizeof(other)), 0);
	ck_assert_msg(strstr(other, "\"bytes_fresh\":false"), "%s", other);
	close(fd);
	close(fd2);
}
END_TEST

/* A client that closes its side right after asking still gets the whole
 * answer, and then is closed. */
START_TEST(test_connections_half_closed)
{
	static const char REQ[] = "{\"version\":1,\"id\":3,\"command\":\"connections\"}\n";
	static char got[8 * 1024 * 1024];
	size_t len = 0;
	int err, fd = join(&USER, NULL, 0, &err);

	fill_conns(3000);
	say(fd, REQ);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 500; i++) {
		ssize_t n;

		spin(0.002);
		n = recv(fd, got + len, sizeof(got) - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;		/* closed by the daemon */
		len += n > 0 ? (size_t)n : 0;
	}
	got[len] = 0;
	ck_assert_msg(len > 3000 * 100 && got[len - 1] == '\n', "%zu bytes", len);
	ck_assert_uint_eq(ctl_server_clients(F.s), 0);
	close(fd);
}
END_TEST

/* 200 pipelined requests are answered a batch per turn of the loop, not
 * all in the turn they arrive. */
START_TEST(test_batch_per_turn)
{
	struct loop_io *io;
	char all[200 * sizeof(STATUS)] = "";
	int err, fd = join(&USER, NULL, 0, &err), n;

	for (int i = 0; i < 200; i++)
		strcat(all, STATUS);
	say(fd, all);
	io = loop_io_add(L, fd, stop_cb, L);	/* until the first answer */
	loop_run(L);
	loop_io_del(L, io);
	n = count_lines(fd);
	ck_assert_msg(n >= 1 && n <= 2 * CTL_SERVER_BATCH && n < 200, "%d answers in the "
		      "first turns", n);
	for (int i = 0; i < 200 && n < 200; i++) {
		spin(0.005);
		n += count_lines(fd);
	}
	ck_assert_int_eq(n, 200);
	close(fd);
}
END_TEST

/* A client that sends thousands of requests and reads nothing is paused,
 * not dropped, and everything is answered once it reads. */
START_TEST(test_slow_reader)
{
	static const char REQ[] = "{\"version\":1,\"id\":1,\"command\":\"connections\"}\n";
	const int total = 4000;
	int err, fd = join(&USER, NULL, 0, &err), sent = 0, answered = 0, stuck = 0;

	/* Write what the socket takes until the daemon stops reading. */
	while (sent < total && stuck < 20) {
		ssize_t n = send(fd, REQ, sizeof(REQ) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n == (ssize_t)sizeof(REQ) - 1) {
			sent++;
			stuck = 0;
			continue;
		}
		ck_assert_int_lt(n, 0);	/* whole lines: they are short */
		spin(0.005);
		stuck++;
	}
	ck_assert_int_lt(sent, total);	/* it was paused */
	ck_assert_uint_eq(ctl_server_clients(F.s), 1);
	for (int i = 0; i < 4000 && answered < total; i++) {
		while (sent < total &&
		       send(fd, REQ, sizeof(REQ) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			sent++;
		spin(0.002);
		answered += count_lines(fd);
	}
	ck_assert_int_eq(answered, total);
	ck_assert_uint_eq(ctl_server_clients(F.s), 1);
	close(fd);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl_server");
	TCase *p = tcase_create("parse");
	TCase *j = tcase_create("json");
	TCase *d = tcase_create("dispatch");
	TCase *l = tcase_create("limits");

	tcase_add_test(p, test_parse_valid);
	tcase_add_test(p, test_parse_malformed);
	tcase_add_test(p, test_parse_oversized);
	tcase_add_test(p, test_parse_version);
	tcase_add_test(p, test_parse_envelope);
	tcase_add_test(p, test_parse_arg_types);
	tcase_add_test(p, test_parse_unknown_and_missing_args);
	suite_add_tcase(s, p);
	tcase_add_test(j, test_json_conn);
	tcase_add_test(j, test_json_iface);
	tcase_add_test(j, test_json_events);
	suite_add_tcase(s, j);
	tcase_add_checked_fixture(d, fab_setup, fab_teardown);
	tcase_add_test(d, test_dispatch_reads);
	tcase_add_test(d, test_events);
	tcase_add_test(d, test_waiting_texts);
	tcase_add_test(d, test_dispatch_mutating);
	tcase_add_test(d, test_dispatch_verdicts);
	tcase_add_test(d, test_log_escaped);
	suite_add_tcase(s, d);
	tcase_add_checked_fixture(l, sock_setup, sock_teardown);
	tcase_set_timeout(l, 30);
	tcase_add_test(l, test_idle_timeout);
	tcase_add_test(l, test_reserved_slots);
	tcase_add_test(l, test_answer_cap);
	tcase_add_test(l, test_batch_per_turn);
	tcase_add_test(l, test_slow_reader);
	tcase_add_test(l, test_connections_in_slices);
	tcase_add_test(l, test_stats_in_slices);
	tcase_add_test(l, test_connections_half_closed);
	suite_add_tcase(s, l);
	return s;
}

FX_RUN(ctl_suite)
