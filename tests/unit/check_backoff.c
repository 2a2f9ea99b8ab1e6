/* SPDX-License-Identifier: BSD-3-Clause */
/* Backoff timing with a fake clock: the pure policy, then the engine
 * holding a failed pair back and asking the strategy again on time. */
#include <check.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>

#include "backoff.h"
#include "engine.h"
#include "fixture.h"
#include "iface.h"
#include "model.h"
#include "strategies/registry.h"

static const struct backoff_policy POL = { 1000, 8000, 30000 };

START_TEST(test_doubling_and_cap)
{
	struct model_pair p = { 0 };
	const uint64_t expect[] = { 1000, 2000, 4000, 8000, 8000, 8000 };

	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		backoff_failed(&p, &POL, 100, 0);
		ck_assert_uint_eq(p.retry_ms, 100 + expect[i]);
		ck_assert(!backoff_allows(&p, 100 + expect[i] - 1));
		ck_assert(backoff_allows(&p, 100 + expect[i]));
	}
}
END_TEST

START_TEST(test_long_life_and_reset_start_afresh)
{
	struct model_pair p = { 0 };

	backoff_failed(&p, &POL, 0, 0);
	backoff_failed(&p, &POL, 0, 0);
	ck_assert_uint_eq(p.failures, 2);
	backoff_failed(&p, &POL, 50000, 40000);	/* lived 40 s: healthy */
	ck_assert_uint_eq(p.failures, 1);
	ck_assert_uint_eq(p.retry_ms, 51000);
	backoff_reset(&p);
	ck_assert(backoff_allows(&p, 0));
	ck_assert_uint_eq(p.failures, 0);
}
END_TEST

/* ---- through the engine ---- */

struct fake {
	struct mptcpd_action sent[64];
	size_t n_sent;
	uint64_t now, wake;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
};
static struct fake F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	F.sent[F.n_sent++] = *a;
	return 0;
}
static uint64_t fake_now(void *arg) { return F.now; }
static void fake_schedule(void *arg, uint64_t at) { F.wake = at; }
static void fake_change(void *arg, const struct mptcpd_local_addr *a, bool usable)
{
	if (F.engine)
		engine_on_local_addr(F.engine, a, usable);
}
static const struct engine_ops ops = {
	.send = fake_send, .now_ms = fake_now, .schedule = fake_schedule,
};

static void setup(void)
{
	struct iface_link_update l = { .ifindex = 3, .flags = IFF_UP | IFF_RUNNING };
	struct iface_addr_update a = { .ifindex = 3 };
	struct iface_route_update r = { .ifindex = 3, .family = AF_INET };
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ESTABLISHED, .token = 9 };

	memset(&F, 0, sizeof(F));
	F.model = model_new();
	F.ifaces = iface_table_new(fake_change, NULL);
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8, &ops, NULL);
	engine_set_backoff(F.engine, 1000, 4000);
	snprintf(l.name, sizeof(l.name), "eth1");
	l.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(F.ifaces, &l, &IFACE_SETTINGS_DEFAULT);
	a.addr = fx_addr("198.51.100.2", 0);
	iface_on_addr(F.ifaces, &a);
	r.dst = fx_addr("0.0.0.0", 0);
	iface_on_route(F.ifaces, &r, 0);
	ev.fields = MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr("192.0.2.2", 40000);
	ev.remote = fx_addr("203.0.113.2", 443);
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(F.n_sent, 1);
}

static void teardown(void)
{
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
}

static void sub_closed(uint16_t lport)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_CLOSED, .token = 9 };

	ev.local = fx_addr("198.51.100.2", lport);
	ev.remote = fx_addr("203.0.113.2", 443);
	engine_on_event(F.engine, &ev);
}

START_TEST(test_failed_join_retried_after_backoff)
{
	F.now = 100;
	sub_closed(50000);			/* the join failed */
	ck_assert_uint_eq(F.n_sent, 1);		/* held back, not re-sent */
	ck_assert_uint_eq(F.wake, 1100);
	F.now = 1100;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 2);		/* RETRY: asked again */
	ck_assert_int_eq(F.sent[1].type, MPTCPD_ACTION_SUBFLOW_CREATE);
	F.now = 1200;
	sub_closed(50001);			/* fails again: 2 s now */
	ck_assert_uint_eq(F.wake, 3200);
	F.now = 3199;
	engine_on_timer(F.engine);		/* early wake-up: nothing */
	ck_assert_uint_eq(F.n_sent, 2);
	F.now = 3200;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 3);
}
END_TEST

START_TEST(test_our_destroy_is_not_a_failure)
{
	struct iface_addr_update a = { .ifindex = 3, .deleted = true };
	struct iface_route_update r = { .ifindex = 3, .family = AF_INET };
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_ESTABLISHED, .token = 9 };

	ev.local = fx_addr("198.51.100.2", 50000);
	ev.remote = fx_addr("203.0.113.2", 443);
	ev.local_id = 1;
	engine_on_event(F.engine, &ev);
	a.addr = fx_addr("198.51.100.2", 0);
	iface_on_addr(F.ifaces, &a);		/* address gone: withdraw */
	ck_assert_uint_eq(F.n_sent, 3);
	ck_assert_int_eq(F.sent[1].type, MPTCPD_ACTION_REMOVE);
	ck_assert_int_eq(F.sent[2].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
	sub_closed(50000);
	a.deleted = false;
	iface_on_addr(F.ifaces, &a);		/* back, route with it */
	r.dst = fx_addr("0.0.0.0", 0);
	iface_on_route(F.ifaces, &r, 10);
	ck_assert_uint_eq(F.n_sent, 4);		/* at once, no backoff */
	ck_assert_int_eq(F.sent[3].type, MPTCPD_ACTION_SUBFLOW_CREATE);
}
END_TEST

START_TEST(test_kernel_refusal_backs_off)
{
	F.now = 0;
	engine_on_result(F.engine, &F.sent[0], -22, "invalid token");
	ck_assert_uint_eq(F.wake, 1000);
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 1);
	F.now = 1000;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 2);
}
END_TEST

static Suite *backoff_suite(void)
{
	Suite *s = suite_create("backoff");
	TCase *pure = tcase_create("policy");
	TCase *eng = tcase_create("engine");

	tcase_add_test(pure, test_doubling_and_cap);
	tcase_add_test(pure, test_long_life_and_reset_start_afresh);
	tcase_add_checked_fixture(eng, setup, teardown);
	tcase_add_test(eng, test_failed_join_retried_after_backoff);
	tcase_add_test(eng, test_our_destroy_is_not_a_failure);
	tcase_add_test(eng, test_kernel_refusal_backs_off);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, eng);
	return s;
}

FX_RUN(backoff_suite)
