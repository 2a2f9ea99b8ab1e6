/* SPDX-License-Identifier: BSD-3-Clause */
/* The counters since start: their bounded tables, the latency histogram,
 * active time, bytes that never go back; and what the engine counts into
 * them, with a fake kernel and a fake clock. */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <stdio.h>

#include "diag.h"
#include "engine.h"
#include "fixture.h"
#include "iface.h"
#include "model.h"
#include "snapshot.h"
#include "stats.h"

START_TEST(test_errno_table_bounded)
{
	struct stats st;

	stats_init(&st);
	/* No errno first: "other", and the first slot stays free (an
	 * entry with err 0 would be hidden, then taken over). */
	stats_join_failed(&st, 0);
	ck_assert_uint_eq(st.failed_other, 1);
	ck_assert_uint_eq(st.failed[0].count, 0);
	stats_join_failed(&st, ETIMEDOUT);
	stats_join_failed(&st, ETIMEDOUT);
	stats_join_failed(&st, ECONNREFUSED);
	ck_assert_int_eq(st.failed[0].err, ETIMEDOUT);
	ck_assert_uint_eq(st.failed[0].count, 2);
	ck_assert_uint_eq(st.failed[1].count, 1);
	/* Past the table's size, and nonsense: "other", never a write past
	 * its end. */
	for (int e = 1; e <= 2 * STATS_ERRNOS_MAX; e++)
		stats_join_failed(&st, 1000 + e);
	stats_join_failed(&st, 0);
	stats_join_failed(&st, -5);
	ck_assert_uint_eq(st.failed_other, 1 + STATS_ERRNOS_MAX + 2 + 2);
	ck_assert_uint_eq(st.failed[0].count, 2);
}
END_TEST

START_TEST(test_closed_clamped)
{
	struct stats st;

	stats_init(&st);
	stats_closed(&st, STATS_CLOSE_RESET, 5);
	stats_closed(&st, STATS_CLOSE_RESET, 99);	/* unknown reason */
	stats_closed(&st, (enum stats_close)42, 0);	/* our bug: "other" */
	ck_assert_uint_eq(st.closed[STATS_CLOSE_RESET][5], 1);
	ck_assert_uint_eq(st.closed[STATS_CLOSE_RESET][STATS_RESETS - 1], 1);
	ck_assert_uint_eq(st.closed[STATS_CLOSE_OTHER][0], 1);
	ck_assert_str_eq(stats_reset_word(5), "bad-performance");
	ck_assert_str_eq(stats_reset_word(1000), "other");
	ck_assert_str_eq(stats_close_word(STATS_CLOSE_REQUESTED), "requested");
}
END_TEST

START_TEST(test_latency_buckets)
{
	struct stats st;

	stats_init(&st);
	stats_promoted(&st, 0);		/* le 1 ms */
	stats_promoted(&st, 1);		/* le 1 ms: bounds are inclusive */
	stats_promoted(&st, 2);		/* le 5 ms */
	stats_promoted(&st, 10000);	/* le 10 s */
	stats_promoted(&st, 10001);	/* +Inf */
	ck_assert_uint_eq(st.handover.bucket[0], 2);
	ck_assert_uint_eq(st.handover.bucket[1], 1);
	ck_assert_uint_eq(st.handover.bucket[STATS_LATENCY_BUCKETS - 1], 1);
	ck_assert_uint_eq(st.handover.bucket[STATS_LATENCY_BUCKETS], 1);
	ck_assert_uint_eq(st.handover.count, 5);
	ck_assert_uint_eq(st.promotions, 5);
	ck_assert_uint_eq(st.handover.sum_ms, 20004);
}
END_TEST

START_TEST(test_iface_table_bounded)
{
	struct stats st;

	char name[16];

	stats_init(&st);
	ck_assert_ptr_null(stats_iface(&st, 0, "x"));
	/* A link deleted and created again under its name (a modem's
	 * wwan0 after a reset) is the same entry at its new index. */
	ck_assert_ptr_eq(stats_iface(&st, 1, "wwan0"), &st.ifaces[0]);
	ck_assert_ptr_eq(stats_iface(&st, 77, "wwan0"), &st.ifaces[0]);
	ck_assert_int_eq(st.ifaces[0].ifindex, 77);
	ck_assert_ptr_eq(stats_iface(&st, 77, NULL), &st.ifaces[0]);
	ck_assert_uint_eq(st.n_ifaces, 1);
	for (int i = 2; i <= STATS_IFACES_MAX; i++) {
		snprintf(name, sizeof(name), "eth%d", i);
		ck_assert_ptr_nonnull(stats_iface(&st, i, name));
	}
	ck_assert_ptr_null(stats_iface(&st, STATS_IFACES_MAX + 1, "one-too-many"));
	ck_assert_uint_eq(st.ifaces_dropped, 1);
	ck_assert_ptr_eq(stats_iface(&st, 3, NULL), &st.ifaces[2]);
	/* A long name is cut, not overrun. */
	stats_init(&st);
	ck_assert_str_eq(stats_iface(&st, 7, "a-name-far-longer-than-IFNAMSIZ")->name,
			 "a-name-far-long");
}
END_TEST

START_TEST(test_active_time)
{
	struct stats st;
	struct stats_iface *i;

	stats_init(&st);
	i = stats_iface(&st, 2, "wlan0");
	stats_iface_active(i, 1, 1000);
	stats_iface_active(i, 1, 1500);		/* a second subflow */
	ck_assert_uint_eq(stats_iface_active_ms(i, 1700), 700);
	stats_iface_active(i, -1, 2000);
	stats_iface_active(i, -1, 3000);	/* the last one: stops */
	ck_assert_uint_eq(stats_iface_active_ms(i, 9000), 2000);
	stats_iface_active(i, -1, 9000);	/* unbalanced: no wrap */
	ck_assert_uint_eq(i->n_active, 0);
	stats_iface_active(NULL, 1, 0);		/* no entry: ignored */
}
END_TEST

/* The figures reported are the closed totals plus what the live
 * subflows had when last read; a subflow that leaves hands its counts
 * over, so the sum stays. */
START_TEST(test_bytes_never_go_back)
{
	struct stats st;
	struct stats_iface *i;
	struct stats_bytes b;

	stats_init(&st);
	i = stats_iface(&st, 3, "wwan0");
	stats_bytes_init(&st, &b);
	stats_bytes_add(&st, &b, i, true, 1000, 10);
	stats_bytes_add(&st, &b, i, true, 500, 5);
	ck_assert_uint_eq(b.sent[0], 1500);
	ck_assert_uint_eq(b.metered_sent, 1500);
	/* The first one leaves, as last read: the next report has it in the
	 * closed totals. */
	stats_bytes_closed(&st, i, true, 1000, 10);
	stats_bytes_init(&st, &b);
	stats_bytes_add(&st, &b, i, true, 500, 5);
	ck_assert_uint_eq(b.sent[0], 1500);
	ck_assert_uint_eq(b.received[0], 15);
	ck_assert_uint_eq(b.metered_sent, 1500);
	/* Not metered, no interface: nowhere but the metered sums. */
	stats_bytes_add(&st, &b, NULL, false, 7, 7);
	ck_assert_uint_eq(b.sent[0], 1500);
	ck_assert_uint_eq(b.metered_sent, 1500);
	ck_assert_ptr_eq(stats_iface_find(&st, 3), i);
	ck_assert_ptr_null(stats_iface_find(&st, 4));
}
END_TEST

/* ---- what the engine counts ---- */

#define TOKEN 0x1234

static uint64_t now_ms;
static struct model *model;
static struct iface_table *ifaces;
static struct engine *engine;
static struct stats st;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	(void)arg;
	(void)a;
	return 0;
}

static uint64_t fake_now(void *arg)
{
	(void)arg;
	return now_ms;
}

static const struct engine_ops ops = { .send = fake_send, .now_ms = fake_now };

/* A strategy that asks for nothing: only what the test does counts. */
static void quiet_decide(const struct mptcpd_event *ev,
			 const struct mptcpd_conn *c,
			 const struct mptcpd_host *h, struct mptcpd_actions *out)
{
	(void)ev; (void)c; (void)h; (void)out;
}

static const struct mptcpd_strategy quiet = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION, .name = "quiet",
	.decide = quiet_decide,
};

static void iface_add(int ifindex, const char *name, const char *addr)
{
	struct iface_link_update l = { .ifindex = ifindex,
				       .flags = IFF_UP | IFF_RUNNING };
	struct iface_addr_update a = { .ifindex = ifindex };
	struct iface_route_update r = { .ifindex = ifindex };

	snprintf(l.name, sizeof(l.name), "%s", name);
	l.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(ifaces, &l, &IFACE_SETTINGS_DEFAULT);
	a.addr = fx_addr(addr, 0);
	iface_on_addr(ifaces, &a);
	r.dst = fx_addr("0.0.0.0", 0);
	r.family = r.dst.family;
	iface_on_route(ifaces, &r, now_ms);
}

static void engine_setup(void)
{
	now_ms = 1000;
	model = model_new();
	ifaces = iface_table_new(NULL, NULL);
	engine = engine_new(model, ifaces, &quiet, 8, &ops, NULL);
	stats_init(&st);
	engine_set_stats(engine, &st);
	iface_add(2, "eth0", "192.0.2.2");
	iface_add(3, "eth1", "198.51.100.2");
}

static void engine_teardown(void)
{
	engine_free(engine);
	iface_table_free(ifaces);
	model_free(model);
}

static void event(enum mptcpd_event_type type, const char *local, uint16_t lport,
		  bool backup)
{
	struct mptcpd_event ev = { .type = type, .token = TOKEN };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr(local, lport);
	ev.remote = fx_addr("203.0.113.2", 443);
	ev.backup = backup;
	ev.local_id = strcmp(local, "192.0.2.2") ? 1 : 0;
	engine_on_event(engine, &ev);
}

START_TEST(test_engine_counts_a_handover)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SET_BACKUP };
	const struct stats_iface *eth0, *eth1;
	struct stats_bytes b;

	event(MPTCPD_EVENT_CREATED, "192.0.2.2", 40000, false);
	event(MPTCPD_EVENT_ESTABLISHED, "192.0.2.2", 40000, false);
	event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000, true);
	ck_assert_uint_eq(st.conns, 1);
	ck_assert_uint_eq(st.subflows_established, 2);
	ck_assert_uint_eq(st.n_ifaces, 2);
	eth0 = &st.ifaces[0];
	eth1 = &st.ifaces[1];
	ck_assert_str_eq(eth0->name, "eth0");
	ck_assert_uint_eq(eth0->n_active, 1);	/* the initial subflow */
	ck_assert_uint_eq(eth1->n_active, 0);	/* backup: not active */

	/* Bytes read on request, then the Wi-Fi subflow closes (error). */
	engine_bytes_begin(engine);
	ck_assert_uint_eq(st.dumps, 1);
	engine_bytes_seen(engine, TOKEN, &(struct mptcpd_addr){ 0 },
			  &(struct mptcpd_addr){ 0 }, 5, 5);	/* unknown */
	{
		struct mptcpd_addr l = fx_addr("192.0.2.2", 40000);
		struct mptcpd_addr r = fx_addr("203.0.113.2", 443);

		engine_bytes_seen(engine, TOKEN, &l, &r, 7000, 300);
		engine_bytes_seen(engine, TOKEN, &l, &r, 6000, 200);	/* older */
	}
	engine_bytes_sum(engine, &b);
	ck_assert_uint_eq(b.sent[0], 7000);
	ck_assert_uint_eq(b.received[0], 300);
	now_ms = 1100;
	{
		struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_CLOSED,
					   .token = TOKEN, .error = ENETUNREACH };

		ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL |
			    MPTCPD_FIELD_REMOTE;
		ev.local = fx_addr("192.0.2.2", 40000);
		ev.remote = fx_addr("203.0.113.2", 443);
		engine_on_event(engine, &ev);
	}
	ck_assert_uint_eq(st.closed[STATS_CLOSE_ERROR][0], 1);
	engine_bytes_sum(engine, &b);
	ck_assert_uint_eq(b.sent[0], 7000);
	ck_assert_uint_eq(b.received[0], 300);
	ck_assert_uint_eq(eth0->sent, 7000);	/* now in the closed totals */
	ck_assert_uint_eq(stats_iface_active_ms(eth0, now_ms), 100);

	/* The backup subflow promoted: counted when the kernel says yes,
	 * with the time from the request to the answer. */
	a.token = TOKEN;
	a.local = fx_addr("198.51.100.2", 41000);
	a.remote = fx_addr("203.0.113.2", 443);
	a.backup = false;
	ck_assert_int_eq(engine_manual(engine, &a), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(st.promotions, 0);
	ck_assert_uint_eq(eth1->n_active, 1);	/* believed at once */
	now_ms = 1107;
	engine_on_result(engine, &a, 0, NULL);
	ck_assert_uint_eq(st.promotions, 1);
	ck_assert_uint_eq(st.handover.count, 1);
	ck_assert_uint_eq(st.handover.sum_ms, 7);
	ck_assert_uint_eq(st.handover.bucket[2], 1);	/* le 10 ms */
	engine_on_result(engine, &a, 0, NULL);	/* a duplicate: once */
	ck_assert_uint_eq(st.promotions, 1);

	/* A refused demotion: a failed command, the flag back, no count. */
	a.backup = true;
	ck_assert_int_eq(engine_manual(engine, &a), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(st.demotions, 1);
	ck_assert_uint_eq(eth1->n_active, 0);
	engine_on_result(engine, &a, -EINVAL, NULL);
	ck_assert_uint_eq(st.commands_failed, 1);
	ck_assert_uint_eq(eth1->n_active, 1);

	/* The connection closes: its subflow leaves the active count. */
	now_ms = 2107;
	event(MPTCPD_EVENT_CLOSED, "192.0.2.2", 40000, false);
	ck_assert_uint_eq(eth1->n_active, 0);
	/* Active 1100..1107 (promoted, then the demotion believed), and
	 * 1107..2107 (the demotion refused). */
	ck_assert_uint_eq(stats_iface_active_ms(eth1, 5000), 1007);
}
END_TEST

/* A resync replaces a connection's subflows with the kernel's: a subflow
 * that is still there keeps its last reading (not counted as closed and
 * read again: twice), one that is gone hands it to the closed totals. */
START_TEST(test_engine_adoption_keeps_bytes)
{
	struct snapshot snap;
	struct diag_conn kc = { .token = TOKEN, .state = TCP_ESTABLISHED };
	struct diag_subflow sf = { .token = TOKEN, .established = true };
	struct mptcpd_addr l0 = fx_addr("192.0.2.2", 40000);
	struct mptcpd_addr l1 = fx_addr("198.51.100.2", 41000);
	struct mptcpd_addr r = fx_addr("203.0.113.2", 443);
	struct stats_bytes b;

	event(MPTCPD_EVENT_CREATED, "192.0.2.2", 40000, false);
	event(MPTCPD_EVENT_ESTABLISHED, "192.0.2.2", 40000, false);
	event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000, true);
	engine_bytes_begin(engine);
	engine_bytes_seen(engine, TOKEN, &l0, &r, 1000, 10);
	engine_bytes_seen(engine, TOKEN, &l1, &r, 500, 5);

	/* The kernel still has the initial subflow, not the other one. */
	snapshot_init(&snap);
	kc.local = l0;
	kc.remote = r;
	snapshot_add_conn(&snap, &kc);
	sf.local = l0;
	sf.remote = r;
	snapshot_add_subflow(&snap, &sf);
	ck_assert_int_eq(engine_adopt(engine, &snap), 0);
	snapshot_clear(&snap);

	ck_assert_uint_eq(st.ifaces[0].sent, 0);	/* eth0's: not closed */
	ck_assert_uint_eq(st.ifaces[1].sent, 500);	/* eth1's: closed */
	engine_bytes_begin(engine);
	engine_bytes_seen(engine, TOKEN, &l0, &r, 1200, 12);
	engine_bytes_sum(engine, &b);
	ck_assert_uint_eq(b.sent[0], 1200);
	ck_assert_uint_eq(b.sent[1], 500);
	ck_assert_uint_eq(st.subflows_established, 2);	/* not again */
	ck_assert_uint_eq(st.ifaces[0].n_active, 1);
	/* eth0's subflow carries traffic all along: its active time goes
	 * on through the resync, and a second one counts nothing twice. */
	now_ms = 3000;
	ck_assert_uint_eq(stats_iface_active_ms(&st.ifaces[0], now_ms), 2000);
	snapshot_init(&snap);
	snapshot_add_conn(&snap, &kc);
	snapshot_add_subflow(&snap, &sf);
	ck_assert_int_eq(engine_adopt(engine, &snap), 0);
	snapshot_clear(&snap);
	ck_assert_uint_eq(st.subflows_established, 2);
	ck_assert_uint_eq(st.ifaces[0].n_active, 1);
	ck_assert_uint_eq(stats_iface_active_ms(&st.ifaces[0], 4000), 3000);
}
END_TEST

/* Connections adopted at start (or found by a resync) count as managed,
 * their subflows as carrying traffic, but not as subflows established
 * since start. */
START_TEST(test_engine_adopted_not_established_since_start)
{
	struct snapshot snap;
	struct diag_conn kc = { .token = TOKEN + 1, .state = TCP_ESTABLISHED };
	struct diag_subflow sf = { .token = TOKEN + 1, .established = true };

	snapshot_init(&snap);
	kc.local = fx_addr("192.0.2.2", 40010);
	kc.remote = fx_addr("203.0.113.2", 443);
	snapshot_add_conn(&snap, &kc);
	sf.local = kc.local;
	sf.remote = kc.remote;
	snapshot_add_subflow(&snap, &sf);
	ck_assert_int_eq(engine_adopt(engine, &snap), 0);
	snapshot_clear(&snap);
	ck_assert_uint_eq(st.conns, 1);
	ck_assert_uint_eq(st.subflows_established, 0);
	ck_assert_uint_eq(st.ifaces[0].subflows, 0);
	ck_assert_uint_eq(st.ifaces[0].n_active, 1);
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("counters");
	TCase *te = tcase_create("engine");

	tcase_add_test(tc, test_errno_table_bounded);
	tcase_add_test(tc, test_closed_clamped);
	tcase_add_test(tc, test_latency_buckets);
	tcase_add_test(tc, test_iface_table_bounded);
	tcase_add_test(tc, test_active_time);
	tcase_add_test(tc, test_bytes_never_go_back);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(te, engine_setup, engine_teardown);
	tcase_add_test(te, test_engine_counts_a_handover);
	tcase_add_test(te, test_engine_adoption_keeps_bytes);
	tcase_add_test(te, test_engine_adopted_not_established_since_start);
	suite_add_tcase(s, te);
	return s;
}

FX_RUN(stats_suite)
