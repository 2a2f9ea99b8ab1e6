/* SPDX-License-Identifier: BSD-3-Clause */
/* interactive on fabricated views: the lowest RTT carries the data, the
 * hysteresis (factor, margin, hold time), no flapping, stalls, metered
 * paths, probes of a path left for its RTT. */
#include <check.h>

#include "fixture.h"
#include "strategies/registry.h"

#define PORT 443
#define WIFI "192.0.2.2"
#define CELL "198.51.100.2"
#define ETH "192.0.2.66"
#define SRV "203.0.113.2"

struct world {
	struct mptcpd_conn conn;
	struct mptcpd_subflow subflows[8];
	struct mptcpd_local_addr addrs[4];
	struct mptcpd_host host;
	struct mptcpd_event ev;
	struct mptcpd_actions out;
	unsigned char data[256];
};

/* wlan0 carries the initial subflow, wwan0 (cellular) is joined; both
 * unmetered (as under a policy with metered = allow) unless a test says
 * otherwise.  Hysteresis 1.5x, +20 ms, 500 ms. */
static void world_init(struct world *w)
{
	ck_assert_uint_le(strategy_interactive.conn_data_size, sizeof(w->data));
	memset(w, 0, sizeof(*w));
	w->conn.token = 0x42;
	w->conn.local = fx_addr(WIFI, 40000);
	w->conn.remote = fx_addr(SRV, PORT);
	w->conn.established = true;
	w->conn.data = w->data;
	w->subflows[0] = fx_subflow(WIFI, 40000, SRV, PORT);
	w->subflows[1] = fx_subflow(CELL, 40001, SRV, PORT);
	w->subflows[1].backup = true;
	w->conn.subflows = w->subflows;
	w->conn.n_subflows = 2;
	w->addrs[0] = fx_local(WIFI, 2, "wlan0");
	w->addrs[0].type = MPTCPD_IFACE_WIFI;
	w->addrs[1] = fx_local(CELL, 3, "wwan0");
	w->addrs[1].type = MPTCPD_IFACE_CELLULAR;
	w->host.addrs = w->addrs;
	w->host.n_addrs = 2;
	w->host.max_subflows = 8;
	w->host.now_ms = 10000;
	w->host.rtt_switch_ratio_pct = 150;
	w->host.rtt_switch_margin_us = 20000;
	w->host.rtt_switch_hold_ms = 500;
	w->ev.token = w->conn.token;
}

/* Fresh RTTs (ms) on both paths: both sent data just now. */
static void world_rtt(struct world *w, uint32_t wifi_ms, uint32_t cell_ms)
{
	w->subflows[0].srtt_us = wifi_ms * 1000;
	w->subflows[0].rtt_at_ms = w->host.now_ms;
	w->subflows[1].srtt_us = cell_ms * 1000;
	w->subflows[1].rtt_at_ms = w->host.now_ms;
}

/* Decide, then apply the flag changes as the kernel would. */
static void world_decide(struct world *w, enum mptcpd_event_type type)
{
	w->ev.type = type;
	w->out.n = 0;
	strategy_interactive.decide(&w->ev, &w->conn, &w->host, &w->out);
	for (size_t i = 0; i < w->out.n; i++) {
		const struct mptcpd_action *a = &w->out.v[i];

		ck_assert_msg(a->reason != NULL, "action %zu has no reason", i);
		if (a->type != MPTCPD_ACTION_SET_BACKUP)
			continue;
		for (size_t j = 0; j < w->conn.n_subflows; j++)
			if (mptcpd_addr_same_ip(&w->subflows[j].local, &a->local))
				w->subflows[j].backup = a->backup;
	}
}

/* One RTT reading at now + dt. */
static void world_tick(struct world *w, uint64_t dt, uint32_t wifi_ms,
		       uint32_t cell_ms)
{
	w->host.now_ms += dt;
	world_rtt(w, wifi_ms, cell_ms);
	world_decide(w, MPTCPD_EVENT_RTT_UPDATED);
}

static bool carries(const struct world *w, size_t i)
{
	return !w->subflows[i].backup;
}

static int flag_changes(const struct world *w)
{
	int n = 0;

	for (size_t i = 0; i < w->out.n; i++)
		if (w->out.v[i].type == MPTCPD_ACTION_SET_BACKUP)
			n++;
	return n;
}

START_TEST(test_new_paths_join_as_backup)
{
	struct world w;

	world_init(&w);
	w.conn.n_subflows = 1;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE, CELL,
				  SRV, PORT), 1);
	ck_assert(w.out.v[0].backup);
	ck_assert(carries(&w, 0));
}
END_TEST

START_TEST(test_respects_max_subflows)
{
	struct world w;

	world_init(&w);
	w.conn.n_subflows = 1;
	w.host.max_subflows = 1;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_lowest_rtt_carries_after_hold)
{
	struct world w;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	ck_assert(carries(&w, 0) && !carries(&w, 1));
	world_tick(&w, 200, 100, 40);		/* worse from now on */
	world_tick(&w, 200, 100, 40);
	ck_assert(carries(&w, 0));		/* 200 ms: held */
	world_tick(&w, 200, 100, 40);		/* 400 ms */
	ck_assert(carries(&w, 0));
	world_tick(&w, 100, 100, 40);		/* 500 ms */
	ck_assert(!carries(&w, 0) && carries(&w, 1));
	ck_assert_int_eq(flag_changes(&w), 2);
}
END_TEST

START_TEST(test_factor_and_margin_both_needed)
{
	struct world w;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	/* 1.375x, +15 ms: neither */
	for (int i = 0; i < 10; i++)
		world_tick(&w, 200, 55, 40);
	ck_assert(carries(&w, 0));
	/* 1.475x, +19 ms: neither quite */
	for (int i = 0; i < 10; i++)
		world_tick(&w, 200, 59, 40);
	ck_assert(carries(&w, 0));
	/* 3x but +2 ms: the factor alone is not enough */
	for (int i = 0; i < 10; i++)
		world_tick(&w, 200, 3, 1);
	ck_assert(carries(&w, 0));
	/* +100 ms but 1.4x: nor the margin alone */
	for (int i = 0; i < 10; i++)
		world_tick(&w, 200, 350, 250);
	ck_assert(carries(&w, 0));
	/* 1.75x and +30 ms */
	for (int i = 0; i < 4; i++)
		world_tick(&w, 200, 70, 40);
	ck_assert(carries(&w, 1) && !carries(&w, 0));
}
END_TEST

START_TEST(test_hold_restarts_when_the_gap_closes)
{
	struct world w;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	world_tick(&w, 100, 100, 40);	/* t0 */
	world_tick(&w, 300, 100, 40);	/* t0 + 300 */
	world_tick(&w, 100, 30, 40);	/* recovered: the clock restarts */
	world_tick(&w, 100, 100, 40);	/* t1 = t0 + 500 */
	world_tick(&w, 200, 100, 40);	/* t1 + 200 */
	ck_assert(carries(&w, 0));
	world_tick(&w, 200, 100, 40);	/* t1 + 400 */
	ck_assert(carries(&w, 0));
	world_tick(&w, 100, 100, 40);	/* t1 + 500 */
	ck_assert(carries(&w, 1));
}
END_TEST

START_TEST(test_configurable_hysteresis)
{
	struct world w;

	world_init(&w);
	w.host.rtt_switch_ratio_pct = 100;
	w.host.rtt_switch_margin_us = 0;
	w.host.rtt_switch_hold_ms = 0;
	world_tick(&w, 0, 10, 40);
	world_tick(&w, 10, 41, 40);	/* any worse, at once */
	ck_assert(carries(&w, 1));
}
END_TEST

/* RTTs oscillating across the threshold faster than the hold time, then
 * a swap, then the old path only a little better: one swap in all. */
START_TEST(test_no_flapping)
{
	struct world w;
	int changes = 0;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 50; i++) {
		world_tick(&w, 200, i % 3 == 2 ? 30 : 100, 40);
		changes += flag_changes(&w);
	}
	ck_assert_int_eq(changes, 0);
	for (int i = 0; i < 4; i++) {
		world_tick(&w, 200, 100, 40);
		changes += flag_changes(&w);
	}
	ck_assert(carries(&w, 1));
	ck_assert_int_eq(changes, 2);
	/* Wi-Fi back at 30 ms, cellular at 40: not better by the margin. */
	for (int i = 0; i < 50; i++) {
		world_tick(&w, 200, 30, 40);
		changes += flag_changes(&w);
	}
	ck_assert(carries(&w, 1));
	ck_assert_int_eq(changes, 2);
}
END_TEST

START_TEST(test_goes_back_when_clearly_better)
{
	struct world w;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 4; i++)
		world_tick(&w, 200, 100, 40);
	ck_assert(carries(&w, 1));
	for (int i = 0; i < 2; i++)
		world_tick(&w, 200, 10, 40);
	ck_assert(carries(&w, 1));		/* held */
	for (int i = 0; i < 2; i++)
		world_tick(&w, 200, 10, 40);
	ck_assert(carries(&w, 0) && !carries(&w, 1));
}
END_TEST

/* Wi-Fi carries (10 ms against cellular's 40), then its subflow stalls:
 * cellular takes over at once. */
static void wifi_stalls(struct world *w)
{
	world_init(w);
	world_tick(w, 0, 10, 40);
	w->subflows[0].stalled = true;
	w->host.now_ms += 10;
	world_decide(w, MPTCPD_EVENT_SUB_STALLED);
	ck_assert(carries(w, 1));
}

START_TEST(test_stall_swaps_at_once)
{
	struct world w;

	wifi_stalls(&w);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI,
				  SRV, PORT), 1);
	/* the promotion comes before the destruction */
	ck_assert_int_eq(w.out.v[0].type, MPTCPD_ACTION_SET_BACKUP);
}
END_TEST

/* Wi-Fi's subflow stalled when a queue filled at once; its replacement
 * joined through that queue (350 ms from its handshake, stale: it
 * carries nothing).  Once the queue is gone a probe finds Wi-Fi fast, and
 * the data goes back: a stall does not exile a path for good. */
START_TEST(test_stalled_path_probed_once_it_works_again)
{
	struct world w;

	wifi_stalls(&w);
	/* the stalled subflow closed; the join that replaced it */
	w.subflows[0] = fx_subflow(WIFI, 40002, SRV, PORT);
	w.subflows[0].backup = true;
	w.subflows[0].srtt_us = 350000;
	w.subflows[0].rtt_at_ms = w.host.now_ms;
	for (int i = 0; i < 4; i++) {
		w.host.now_ms += 200;
		w.subflows[1].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
		ck_assert(carries(&w, 1) && !carries(&w, 0));
	}
	w.host.now_ms += 400;
	w.subflows[1].rtt_at_ms = w.host.now_ms;
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	ck_assert_msg(carries(&w, 0), "the stalled path was never probed");
	w.host.now_ms += 300;
	w.subflows[0].srtt_us = 9000;
	w.subflows[0].rtt_at_ms = w.host.now_ms;
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	for (int i = 0; i < 4; i++) {
		w.host.now_ms += 200;
		w.subflows[0].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	}
	ck_assert(carries(&w, 0) && !carries(&w, 1));
}
END_TEST

START_TEST(test_metered_path_only_when_nothing_else_works)
{
	struct world w;

	world_init(&w);
	w.addrs[1].metered = true;	/* [core] view: no policy allows it */
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 10; i++)
		world_tick(&w, 200, 300, 40);
	ck_assert(carries(&w, 0) && !carries(&w, 1));
	/* Wi-Fi gone: cellular takes over at once */
	w.host.n_addrs = 1;
	w.addrs[0] = w.addrs[1];
	w.subflows[0] = w.subflows[1];
	w.conn.n_subflows = 1;
	w.subflows[0].backup = true;
	world_decide(&w, MPTCPD_EVENT_SUB_CLOSED);
	ck_assert(carries(&w, 0));
}
END_TEST

START_TEST(test_metered_back_to_backup_when_unmetered_works)
{
	struct world w;

	world_init(&w);
	w.addrs[1].metered = true;
	w.subflows[0].stalled = true;
	world_decide(&w, MPTCPD_EVENT_SUB_STALLED);
	ck_assert(carries(&w, 1));
	/* a new Wi-Fi subflow (the old one closed) */
	w.subflows[0] = fx_subflow(WIFI, 40002, SRV, PORT);
	w.subflows[0].backup = true;
	w.host.now_ms += 1000;
	world_decide(&w, MPTCPD_EVENT_SUB_ESTABLISHED);
	ck_assert(carries(&w, 0) && !carries(&w, 1));
}
END_TEST

START_TEST(test_three_paths_lowest_wins)
{
	struct world w;

	world_init(&w);
	w.addrs[2] = fx_local(ETH, 4, "eth0");
	w.addrs[2].type = MPTCPD_IFACE_ETHERNET;
	w.host.n_addrs = 3;
	world_decide(&w, MPTCPD_EVENT_SUB_ESTABLISHED);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE, ETH,
				  SRV, PORT), 1);
	w.subflows[2] = fx_subflow(ETH, 40003, SRV, PORT);
	w.subflows[2].backup = true;
	w.conn.n_subflows = 3;
	for (int i = 0; i < 5; i++) {
		world_rtt(&w, 100, 60);
		w.subflows[2].srtt_us = 5000;
		w.subflows[2].rtt_at_ms = w.host.now_ms;
		w.host.now_ms += 200;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	}
	ck_assert(!carries(&w, 0) && !carries(&w, 1) && carries(&w, 2));
}
END_TEST

/* Wi-Fi left for its queue: its srtt stays at 100 ms while it carries
 * nothing.  It is probed (carries the data for a moment), and taken back
 * once the probe shows it fast again. */
START_TEST(test_probe_finds_the_left_path_recovered)
{
	struct world w;
	uint64_t left_at;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 4; i++)
		world_tick(&w, 200, 100, 40);
	ck_assert(carries(&w, 1));
	left_at = w.host.now_ms;
	/* Wi-Fi idle from now on: stale at 100 ms */
	for (int i = 0; i < 4; i++) {
		w.host.now_ms += 200;
		w.subflows[1].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
		ck_assert(carries(&w, 1));
	}
	w.host.now_ms = left_at + 1000;
	w.subflows[1].rtt_at_ms = w.host.now_ms;
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	ck_assert_msg(carries(&w, 0) && !carries(&w, 1), "no probe");
	/* the probe measures 8 ms */
	w.host.now_ms += 300;
	w.subflows[0].srtt_us = 8000;
	w.subflows[0].rtt_at_ms = w.host.now_ms;
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	/* better by the margin: the probe goes on for the hold time, no flip
	 * back to cellular in between */
	ck_assert(carries(&w, 0));
	for (int i = 0; i < 3; i++) {
		w.host.now_ms += 200;
		w.subflows[0].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
		ck_assert_int_eq(flag_changes(&w), 0);
		ck_assert(carries(&w, 0) && !carries(&w, 1));
	}
	/* Wi-Fi is the active path now: no probe of anything */
	for (int i = 0; i < 50; i++) {
		w.host.now_ms += 200;
		w.subflows[0].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
		ck_assert_int_eq(flag_changes(&w), 0);
	}
}
END_TEST

START_TEST(test_probe_of_a_still_slow_path_ends)
{
	struct world w;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 4; i++)
		world_tick(&w, 200, 100, 40);
	w.host.now_ms += 1000;
	w.subflows[1].rtt_at_ms = w.host.now_ms;
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	ck_assert(carries(&w, 0));		/* probing */
	w.host.now_ms += 200;
	w.subflows[0].rtt_at_ms = w.host.now_ms;	/* still 100 ms */
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	ck_assert(carries(&w, 0));
	w.host.now_ms += 100;
	world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
	ck_assert(carries(&w, 1) && !carries(&w, 0));	/* 300 ms: over */
}
END_TEST

START_TEST(test_probes_back_off_and_never_probe_a_slow_path)
{
	struct world w;
	int probes = 0;

	world_init(&w);
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 4; i++)
		world_tick(&w, 200, 100, 40);
	ck_assert(carries(&w, 1));
	/* Wi-Fi stays at 100 ms: 20 s of ticks, probes 1, 2, 4, 8 s apart */
	for (int i = 0; i < 100; i++) {
		bool before = carries(&w, 0);

		w.host.now_ms += 200;
		w.subflows[1].rtt_at_ms = w.host.now_ms;
		if (before)
			w.subflows[0].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
		if (!before && carries(&w, 0))
			probes++;
	}
	ck_assert_int_ge(probes, 3);
	ck_assert_int_le(probes, 5);
	ck_assert(carries(&w, 1));
}
END_TEST

START_TEST(test_no_probe_of_a_path_never_better)
{
	struct world w;

	/* cellular idle at 40 ms (its handshake) while Wi-Fi carries at
	 * 10: no reason to look at cellular again */
	world_init(&w);
	world_tick(&w, 0, 10, 40);
	for (int i = 0; i < 100; i++) {
		w.host.now_ms += 200;
		w.subflows[0].rtt_at_ms = w.host.now_ms;
		world_decide(&w, MPTCPD_EVENT_RTT_UPDATED);
		ck_assert_int_eq(flag_changes(&w), 0);
	}
}
END_TEST

START_TEST(test_server_side_and_registry)
{
	struct world w;

	world_init(&w);
	w.conn.server_side = true;
	world_tick(&w, 0, 100, 10);
	ck_assert_uint_eq(w.out.n, 0);
	ck_assert_ptr_eq(strategy_find("interactive"), &strategy_interactive);
	ck_assert(strategy_interactive.flags & MPTCPD_STRATEGY_WATCH_RTT);
	ck_assert(strategy_interactive.flags & MPTCPD_STRATEGY_WATCH_STALLS);
}
END_TEST

static Suite *interactive_suite(void)
{
	Suite *s = suite_create("interactive");
	TCase *t = tcase_create("decide");

	tcase_add_test(t, test_new_paths_join_as_backup);
	tcase_add_test(t, test_respects_max_subflows);
	tcase_add_test(t, test_lowest_rtt_carries_after_hold);
	tcase_add_test(t, test_factor_and_margin_both_needed);
	tcase_add_test(t, test_hold_restarts_when_the_gap_closes);
	tcase_add_test(t, test_configurable_hysteresis);
	tcase_add_test(t, test_no_flapping);
	tcase_add_test(t, test_goes_back_when_clearly_better);
	tcase_add_test(t, test_stall_swaps_at_once);
	tcase_add_test(t, test_stalled_path_probed_once_it_works_again);
	tcase_add_test(t, test_metered_path_only_when_nothing_else_works);
	tcase_add_test(t, test_metered_back_to_backup_when_unmetered_works);
	tcase_add_test(t, test_three_paths_lowest_wins);
	tcase_add_test(t, test_probe_finds_the_left_path_recovered);
	tcase_add_test(t, test_probe_of_a_still_slow_path_ends);
	tcase_add_test(t, test_probes_back_off_and_never_probe_a_slow_path);
	tcase_add_test(t, test_no_probe_of_a_path_never_better);
	tcase_add_test(t, test_server_side_and_registry);
	suite_add_tcase(s, t);
	return s;
}

FX_RUN(interactive_suite)
