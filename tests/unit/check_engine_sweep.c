/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mass actions seen from the engine: a connection the kernel no longer
 * has leaves the model at its first "invalid token"; an address that goes
 * under many connections is told in one log line with counts, not one per
 * connection; a listener that goes withdraws announcements from live
 * connections only.  Real model, iface table and fullmesh; a fake kernel
 * records the commands.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <syslog.h>

#include "engine.h"
#include "fixture.h"
#include "genl.h"
#include "iface.h"
#include "log.h"
#include "model.h"
#include "strategies/registry.h"

#define PORT	8080
#define CONNS	50
#define SENT_MAX	1024

static struct {
	struct mptcpd_action sent[SENT_MAX];
	size_t n_sent;
	int send_error;
	uint64_t now;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	/* Log lines at info level or above, and the last one. */
	size_t n_lines;
	char last[512];
} F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	(void)arg;
	if (F.send_error)
		return F.send_error;
	ck_assert_uint_lt(F.n_sent, SENT_MAX);
	F.sent[F.n_sent++] = *a;
	return 0;
}

static uint64_t fake_now(void *arg)
{
	(void)arg;
	return F.now;
}

static void fake_change(void *arg, const struct mptcpd_local_addr *a, bool usable)
{
	(void)arg;
	if (F.engine)
		engine_on_local_addr(F.engine, a, usable);
}

static const struct engine_ops fake_ops = {
	.send = fake_send,
	.now_ms = fake_now,
};

static void sink(int level, enum log_subsys sub, const char *msg, void *arg)
{
	(void)sub;
	(void)arg;
	if (level > LOG_INFO)
		return;
	F.n_lines++;
	snprintf(F.last, sizeof(F.last), "%s", msg);
}

static void link_up(int ifindex, const char *name)
{
	struct iface_link_update l = { .ifindex = ifindex,
				  .flags = IFF_UP | IFF_RUNNING };

	snprintf(l.name, sizeof(l.name), "%s", name);
	l.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(F.ifaces, &l, &IFACE_SETTINGS_DEFAULT);
}

static void addr_set(int ifindex, const char *text, bool deleted)
{
	struct iface_addr_update a = { .ifindex = ifindex, .deleted = deleted };

	a.addr = fx_addr(text, 0);
	iface_on_addr(F.ifaces, &a);
}

static void route_add(int ifindex)
{
	struct iface_route_update r = { .ifindex = ifindex };

	r.dst = fx_addr("0.0.0.0", 0);
	r.family = r.dst.family;
	iface_on_route(F.ifaces, &r, F.now);
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	F.now = 1000;
	F.model = model_new();
	F.ifaces = iface_table_new(fake_change, &F);
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8,
			      &fake_ops, &F);
	link_up(2, "eth0");
	link_up(3, "eth1");
	addr_set(2, "192.0.2.2", false);
	addr_set(3, "198.51.100.2", false);
	route_add(2);
	route_add(3);
	log_set_sink(sink, NULL);
}

static void teardown(void)
{
	log_set_sink(NULL, NULL);
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
}

static void event(enum mptcpd_event_type type, uint32_t token,
		  const char *local, uint16_t lport, const char *remote,
		  uint16_t rport, uint8_t loc_id, bool server)
{
	struct mptcpd_event ev = { .type = type, .token = token };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr(local, lport);
	ev.remote = fx_addr(remote, rport);
	ev.local_id = loc_id;
	ev.server_side = server;
	engine_on_event(F.engine, &ev);
}

/* A client connection from 192.0.2.2 with its joined subflow from
 * 198.51.100.2 (ID 1) established. */
static void client_conn(uint32_t token)
{
	event(MPTCPD_EVENT_ESTABLISHED, token, "192.0.2.2", 40000,
	      "203.0.113.2", PORT, 0, false);
	event(MPTCPD_EVENT_SUB_ESTABLISHED, token, "198.51.100.2", 41000,
	      "203.0.113.2", PORT, 1, false);
}

START_TEST(test_genl_names_unknown_token)
{
	ck_assert_int_eq(genl_translate_error(-EINVAL, "invalid token"),
			 GENL_ERR_NO_CONN);
	ck_assert_int_eq(GENL_ERR_NO_CONN, ENGINE_ERR_NO_CONN);
	ck_assert_int_eq(genl_translate_error(-EINVAL, NULL), -EINVAL);
	ck_assert_int_eq(genl_translate_error(-EINVAL, "invalid addr id"),
			 -EINVAL);
	ck_assert_int_eq(genl_translate_error(0, NULL), 0);
}
END_TEST

START_TEST(test_unknown_token_forgets_connection)
{
	client_conn(7);
	F.n_sent = 0;
	addr_set(3, "198.51.100.2", true);	/* withdraw + close */
	ck_assert_uint_ge(F.n_sent, 2);
	engine_on_result(F.engine, &F.sent[0], ENGINE_ERR_NO_CONN,
			 "invalid token");
	ck_assert_ptr_null(model_conn_find(F.model, 7));
	ck_assert_uint_eq(engine_get_stats(F.engine)->conns_gone, 1);
	/* The other answers find nothing left to change. */
	for (size_t i = 1; i < F.n_sent; i++)
		engine_on_result(F.engine, &F.sent[i], ENGINE_ERR_NO_CONN,
				 "invalid token");
	ck_assert_uint_eq(engine_get_stats(F.engine)->conns_gone, 1);
	engine_on_idle(F.engine);
	ck_assert_msg(strstr(F.last, "1 gone from the kernel"),
		      "last line: %s", F.last);
}
END_TEST

START_TEST(test_unknown_token_outside_sweep)
{
	client_conn(8);
	event(MPTCPD_EVENT_ESTABLISHED, 9, "192.0.2.2", 40001, "203.0.113.2",
	      PORT, 0, false);			/* asks for a join */
	ck_assert_uint_ge(F.n_sent, 1);
	F.n_lines = 0;
	engine_on_result(F.engine, &F.sent[F.n_sent - 1], ENGINE_ERR_NO_CONN,
			 "invalid token");
	ck_assert_ptr_null(model_conn_find(F.model, 9));
	ck_assert_ptr_nonnull(model_conn_find(F.model, 8));
	ck_assert_uint_eq(F.n_lines, 1);
}
END_TEST

START_TEST(test_address_gone_one_line_per_sweep)
{
	size_t first, ok = 0, failed = 0, gone = 0;
	char want[64];

	for (uint32_t t = 1; t <= CONNS; t++)
		client_conn(t);
	F.n_sent = 0;
	F.n_lines = 0;
	addr_set(3, "198.51.100.2", true);
	ck_assert_uint_eq(F.n_sent, 2 * CONNS);	/* REMOVE, DESTROY each */
	first = F.n_lines;
	/* Answers: most fine, some refused, a few connections gone. */
	for (size_t i = 0; i < F.n_sent; i++) {
		const struct mptcpd_action *a = &F.sent[i];
		int err = 0;

		if (a->token % 10 == 0) {
			err = ENGINE_ERR_NO_CONN;
			gone += a->type == MPTCPD_ACTION_REMOVE;
		} else if (a->token % 7 == 0 &&
			   a->type == MPTCPD_ACTION_SUBFLOW_DESTROY) {
			err = -EINVAL;
			failed++;
		} else {
			ok++;
		}
		engine_on_result(F.engine, a, err, NULL);
	}
	ck_assert_uint_gt(failed, 0);
	ck_assert_uint_eq(F.n_lines, first);	/* nothing per command */
	F.now += 42;
	engine_on_idle(F.engine);
	ck_assert_uint_eq(F.n_lines, first + 1);
	ck_assert_msg(strstr(F.last, "eth1 198.51.100.2 gone: 50 connections"),
		      "line: %s", F.last);
	snprintf(want, sizeof(want), ", %zu failed", failed);
	ck_assert_msg(strstr(F.last, want), "line: %s", F.last);
	snprintf(want, sizeof(want), ", %zu gone from the kernel", gone);
	ck_assert_msg(strstr(F.last, want), "line: %s", F.last);
	ck_assert_msg(strstr(F.last, "(42 ms)"), "line: %s", F.last);
	ck_assert_uint_eq(model_conn_count(F.model), CONNS - gone);
	/* Closed: the next refusal is told on its own. */
	engine_on_idle(F.engine);
	ck_assert_uint_eq(F.n_lines, first + 1);
}
END_TEST


START_TEST(test_sweep_not_sent_told_at_once)
{
	for (uint32_t t = 1; t <= 3; t++)
		client_conn(t);
	F.n_lines = 0;
	F.send_error = -ENOBUFS;		/* the queue is full */
	addr_set(3, "198.51.100.2", true);
	/* No answer will come: the line is not left waiting for one. */
	ck_assert_uint_eq(F.n_lines, 2);	/* rtnl's, and the sweep's */
	ck_assert_msg(strstr(F.last, "198.51.100.2 gone: 0 connections, "
			     "0 failed, 6 not sent"), "line: %s", F.last);
	ck_assert(!engine_in_sweep(F.engine));
}
END_TEST

/* Server side: 198.51.100.2 announced to two connections, one of which
 * has no subflow left. */
static void server_conns_announced(void)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_LISTENER_CREATED };

	engine_set_announce(F.engine, true, NULL, 0);
	ev.local = fx_addr("0.0.0.0", PORT);
	engine_on_event(F.engine, &ev);
	for (uint32_t t = 1; t <= 2; t++)
		event(MPTCPD_EVENT_ESTABLISHED, t, "192.0.2.2", PORT,
		      "203.0.113.2", (uint16_t)(40000 + t), 0, true);
	ck_assert_uint_eq(F.n_sent, 2);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_ANNOUNCE);
	event(MPTCPD_EVENT_SUB_CLOSED, 2, "192.0.2.2", PORT, "203.0.113.2",
	      40002, 0, true);
	F.n_sent = 0;
}

START_TEST(test_address_gone_withdraws_from_live_only)
{
	server_conns_announced();
	addr_set(3, "198.51.100.2", true);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_REMOVE);
	ck_assert_uint_eq(F.sent[0].token, 1);
}
END_TEST

START_TEST(test_listener_closed_withdraws_from_live_only)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_LISTENER_CLOSED };
	size_t removes = 0;

	/* Connection 2's only subflow closed; its CLOSED never came. */
	server_conns_announced();
	ev.local = fx_addr("0.0.0.0", PORT);
	engine_on_event(F.engine, &ev);
	for (size_t i = 0; i < F.n_sent; i++) {
		ck_assert_uint_eq(F.sent[i].token, 1);
		removes += F.sent[i].type == MPTCPD_ACTION_REMOVE;
	}
	ck_assert_uint_eq(removes, 1);
}
END_TEST

static Suite *engine_sweep_suite(void)
{
	Suite *s = suite_create("engine_sweep");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_genl_names_unknown_token);
	tcase_add_test(tc, test_unknown_token_forgets_connection);
	tcase_add_test(tc, test_unknown_token_outside_sweep);
	tcase_add_test(tc, test_address_gone_one_line_per_sweep);
	tcase_add_test(tc, test_listener_closed_withdraws_from_live_only);
	tcase_add_test(tc, test_sweep_not_sent_told_at_once);
	tcase_add_test(tc, test_address_gone_withdraws_from_live_only);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(engine_sweep_suite)
