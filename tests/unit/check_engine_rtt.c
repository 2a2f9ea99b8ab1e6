/* SPDX-License-Identifier: BSD-3-Clause */
/* RTT readings in the engine: only connections whose strategy asks, with
 * more than one established subflow, are watched; the least recently read
 * comes first, each about every 200 ms; a reading lands in the view and
 * the strategy hears of it; nothing at all is watched under the other
 * strategies. */
#include <check.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "fixture.h"
#include "iface.h"
#include "model.h"
#include "policy.h"
#include "strategies/registry.h"

#define WIFI "192.0.2.2"
#define CELL "198.51.100.2"
#define SERVER "203.0.113.2"

struct fake {
	struct mptcpd_action sent[256];
	size_t n_sent;
	uint64_t now;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	struct config cfg;
};

static struct fake F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	struct fake *f = arg;

	ck_assert_uint_lt(f->n_sent, 256);
	f->sent[f->n_sent++] = *a;
	return 0;
}

static uint64_t fake_now(void *arg)
{
	return ((struct fake *)arg)->now;
}

static void fake_change(void *arg, const struct mptcpd_local_addr *a,
			bool usable)
{
	struct fake *f = arg;

	if (f->engine)
		engine_on_local_addr(f->engine, a, usable);
}

static const struct engine_ops fake_ops = {
	.send = fake_send, .now_ms = fake_now,
};

static void uplink(int ifindex, const char *name, const char *ip,
		   enum mptcpd_iface_type type)
{
	struct iface_link_update l = { .ifindex = ifindex,
				       .flags = IFF_UP | IFF_RUNNING };
	struct iface_settings s = { .allowed = true, .has_type = true,
				    .type = type, .has_metered = true,
				    .metered = MPTCPD_METERED_NO };
	struct iface_addr_update a = { .ifindex = ifindex };
	struct iface_route_update r = { .ifindex = ifindex };

	snprintf(l.name, sizeof(l.name), "%s", name);
	iface_on_link(F.ifaces, &l, &s);
	a.addr = fx_addr(ip, 0);
	iface_on_addr(F.ifaces, &a);
	r.dst = fx_addr("0.0.0.0", 0);
	r.family = r.dst.family;
	iface_on_route(F.ifaces, &r, F.now);
}

static void setup_with(const struct mptcpd_strategy *def)
{
	memset(&F, 0, sizeof(F));
	F.now = 100000;
	config_init(&F.cfg);
	F.model = model_new();
	F.ifaces = iface_table_new(fake_change, &F);
	F.engine = engine_new(F.model, F.ifaces, def, 8, &fake_ops, &F);
	uplink(2, "wlan0", WIFI, MPTCPD_IFACE_WIFI);
	uplink(3, "wwan0", CELL, MPTCPD_IFACE_CELLULAR);
}

static void setup(void)
{
	setup_with(&strategy_interactive);
}

static void teardown(void)
{
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
	config_free(&F.cfg);
}

static void event(enum mptcpd_event_type type, uint32_t token,
		  const char *local, uint16_t lport, uint16_t rport)
{
	struct mptcpd_event ev = { .type = type, .token = token };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL |
		    MPTCPD_FIELD_REMOTE | MPTCPD_FIELD_LOCAL_ID |
		    MPTCPD_FIELD_REMOTE_ID;
	ev.local = fx_addr(local, lport);
	ev.remote = fx_addr(SERVER, rport);
	ev.local_id = type == MPTCPD_EVENT_SUB_ESTABLISHED ? 1 : 0;
	engine_on_event(F.engine, &ev);
}

/* A client connection with its Wi-Fi initial subflow and, with two, its
 * cellular join established. */
static struct model_conn *conn(uint32_t token, uint16_t port, bool two)
{
	event(MPTCPD_EVENT_CREATED, token, WIFI, 40000 + token, port);
	event(MPTCPD_EVENT_ESTABLISHED, token, WIFI, 40000 + token, port);
	if (two)
		event(MPTCPD_EVENT_SUB_ESTABLISHED, token, CELL, 41000 + token,
		      port);
	return model_conn_find(F.model, token);
}

START_TEST(test_only_multi_subflow_interactive_watched)
{
	const struct mptcpd_strategy *s[1] = { &strategy_fullmesh };

	ck_assert_int_eq(config_load_string(&F.cfg, "[policy web]\nremote-port = 80\n"
					    "strategy = fullmesh\n", "t.conf"), 0);
	ck_assert_int_eq(engine_set_policies(F.engine, F.cfg.policies.v, s, 1), 0);
	conn(1, 443, false);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 0);	/* one subflow */
	conn(2, 443, true);
	conn(3, 80, true);				/* fullmesh by policy */
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 1);
	ck_assert_uint_eq(engine_rtt_next(F.engine)->token, 2);
	ck_assert_ptr_null(engine_rtt_next(F.engine));
}
END_TEST

START_TEST(test_round_robin_each_every_200ms)
{
	conn(1, 443, true);
	conn(2, 443, true);
	conn(3, 443, true);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 3);
	/* newest first, then in order of reading */
	ck_assert_uint_eq(engine_rtt_next(F.engine)->token, 3);
	ck_assert_uint_eq(engine_rtt_next(F.engine)->token, 2);
	F.now += 100;
	ck_assert_uint_eq(engine_rtt_next(F.engine)->token, 1);
	ck_assert_ptr_null(engine_rtt_next(F.engine));
	F.now += 60;			/* 160 ms after 3 and 2: due (slack) */
	ck_assert_uint_eq(engine_rtt_next(F.engine)->token, 3);
	ck_assert_uint_eq(engine_rtt_next(F.engine)->token, 2);
	ck_assert_ptr_null(engine_rtt_next(F.engine));	/* 1: 60 ms ago */
}
END_TEST

START_TEST(test_leaves_the_list)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_CLOSED, .token = 2,
				   .fields = MPTCPD_FIELD_TOKEN };

	conn(1, 443, true);
	conn(2, 443, true);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 2);
	event(MPTCPD_EVENT_SUB_CLOSED, 1, CELL, 41001, 443);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 1);
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 0);
	ck_assert_ptr_null(engine_rtt_next(F.engine));
	/* another default strategy: nothing watched */
	conn(3, 443, true);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 1);
	engine_set_strategy(F.engine, &strategy_backup_cellular);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 0);
}
END_TEST

START_TEST(test_backup_cellular_costs_nothing)
{
	teardown();
	setup_with(&strategy_backup_cellular);
	for (uint32_t t = 1; t <= 100; t++)
		conn(t, 443, true);
	ck_assert_uint_eq(engine_rtt_watched(F.engine), 0);
	ck_assert_ptr_null(engine_rtt_next(F.engine));
}
END_TEST

static size_t flags_sent(const char *local, bool backup)
{
	struct mptcpd_addr l = fx_addr(local, 0);
	size_t n = 0;

	for (size_t i = 0; i < F.n_sent; i++)
		if (F.sent[i].type == MPTCPD_ACTION_SET_BACKUP &&
		    F.sent[i].backup == backup &&
		    mptcpd_addr_same_ip(&F.sent[i].local, &l))
			n++;
	return n;
}

/* One reading as the daemon does it: Wi-Fi and cellular RTTs (ms). */
static void reading(uint32_t token, uint32_t wifi_ms, uint32_t cell_ms)
{
	const struct mptcpd_conn *c = engine_rtt_next(F.engine);
	struct mptcpd_addr w = fx_addr(WIFI, 40000 + token);
	struct mptcpd_addr l = fx_addr(CELL, 41000 + token);
	struct mptcpd_addr r = fx_addr(SERVER, 443);

	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->token, token);
	engine_on_rtt(F.engine, token, &w, &r, wifi_ms * 1000, 0);
	engine_on_rtt(F.engine, token, &l, &r, cell_ms * 1000, 5000);
	engine_rtt_done(F.engine, token);
}

START_TEST(test_reading_reaches_the_view_and_the_strategy)
{
	struct model_conn *c = conn(7, 443, true);

	reading(7, 10, 40);
	ck_assert_uint_eq(c->pub.subflows[0].srtt_us, 10000);
	ck_assert_uint_eq(c->pub.subflows[0].rtt_at_ms, F.now);
	ck_assert_uint_eq(c->pub.subflows[1].srtt_us, 40000);
	ck_assert_uint_eq(c->pub.subflows[1].rtt_at_ms, F.now - 5000);
	/* Wi-Fi's queue fills: cellular carries after the hold time */
	for (int i = 0; i < 3; i++) {
		F.now += 200;
		reading(7, 150, 40);
		ck_assert_uint_eq(flags_sent(CELL, false), 0);
	}
	F.now += 200;
	reading(7, 150, 40);
	ck_assert_uint_eq(flags_sent(CELL, false), 1);
	ck_assert_uint_eq(flags_sent(WIFI, true), 1);
}
END_TEST

START_TEST(test_hysteresis_from_the_configuration)
{
	conn(7, 443, true);
	engine_set_rtt_switch(F.engine, 100, 0, 0);
	reading(7, 10, 40);
	F.now += 200;
	reading(7, 41, 40);
	ck_assert_uint_eq(flags_sent(CELL, false), 1);
}
END_TEST

static Suite *engine_rtt_suite(void)
{
	Suite *s = suite_create("engine_rtt");
	TCase *t = tcase_create("rtt");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_only_multi_subflow_interactive_watched);
	tcase_add_test(t, test_round_robin_each_every_200ms);
	tcase_add_test(t, test_leaves_the_list);
	tcase_add_test(t, test_backup_cellular_costs_nothing);
	tcase_add_test(t, test_reading_reaches_the_view_and_the_strategy);
	tcase_add_test(t, test_hysteresis_from_the_configuration);
	suite_add_tcase(s, t);
	return s;
}

FX_RUN(engine_rtt_suite)
