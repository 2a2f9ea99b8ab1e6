/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol: request validation, the JSON builders, and the
 * dispatch of requests against a small fabricated model. */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_json.h"
#include "ctl_server.h"
#include "engine.h"
#include "fixture.h"
#include "iface.h"
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
		"\"server_side\":false,\"age_s\":12,\"subflows\":["
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

static const struct engine_ops fab_ops = { fab_send, fab_now, NULL, NULL, NULL };

static void fab_setup(void)
{
	struct iface_link_update l = { .ifindex = 2, .name = "eth0",
				  .flags = IFF_UP | IFF_RUNNING };
	struct iface_addr_update a = { .ifindex = 2 };
	struct iface_route_update r = { .ifindex = 2, .family = AF_INET };
	struct ctl_server_env env = { .now_ms = fab_now, .started_ms = 20000,
				      .set_strategy = fab_set_strategy };
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

START_TEST(test_dispatch_reads)
{
	char want[384];
	const char *a;
	bool sub;

	a = ask("{\"version\":1,\"id\":3,\"command\":\"status\"}", &USER, NULL);
	snprintf(want, sizeof(want), "\"strategy\":\"fullmesh\",\"path_manager\":"
		 "\"userspace\",\"connections\":1,\"subflows\":1,\"interfaces\":1,"
		 "\"uptime_s\":30,\"pid\":%d,\"announcements_refused\":0,"
		 "\"local_connections\":0,\"joins_timed_out\":0}}", (int)getpid());
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
			     "[\"fullmesh\",\"backup-cellular\",\"metered-aware\"]}"),
		      "%s", a);

	a = ask("{\"version\":1,\"id\":8,\"command\":\"monitor\"}", &USER, &sub);
	ck_assert(sub);
	ck_assert_str_eq(a, "{\"version\":1,\"id\":8,\"ok\":true,\"result\":{}}");

	a = ask("{\"version\":2,\"id\":9,\"command\":\"status\"}", &USER, NULL);
	ck_assert_msg(strstr(a, "\"id\":9,\"ok\":false,\"error\":{\"code\":\"EPROTO\""),
		      "%s", a);
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

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl_server");
	TCase *p = tcase_create("parse");
	TCase *j = tcase_create("json");
	TCase *d = tcase_create("dispatch");

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
	tcase_add_test(d, test_dispatch_mutating);
	tcase_add_test(d, test_dispatch_verdicts);
	suite_add_tcase(s, d);
	return s;
}

FX_RUN(ctl_suite)
