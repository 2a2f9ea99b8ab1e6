/* SPDX-License-Identifier: BSD-3-Clause */
/* Resync after lost events: the indexed snapshot, a reconcile that grows
 * linearly (give or take a log), slices bounded by a fake clock, the rate
 * limit, live events between slices, and truncated datagrams counted as
 * lost.  The engine runs with the real model and fullmesh and no usable
 * address, so it adopts without sending anything. */
#include <check.h>
#include <errno.h>
#include <sys/socket.h>
#include <time.h>
#include <netinet/tcp.h>

#include "diag.h"
#include "engine.h"
#include "fixture.h"
#include "genl.h"
#include "genl_priv.h"
#include "iface.h"
#include "model.h"
#include "resync.h"
#include "snapshot.h"
#include "strategies/registry.h"

struct fake {
	uint64_t now;
	uint64_t tick;		/* added to now by every clock read */
	size_t n_conns;		/* what the dump reports: tokens 1..n_conns */
	size_t per_step;	/* records per take_step (0: all in one) */
	size_t break_after;	/* steps: the next says "new slice" (0: none) */
	size_t dumped;		/* records of the dump in progress so far */
	size_t n_steps, n_aborts;
	int take_error;
	size_t n_ids_calls;
	uint32_t ids_tokens[16];	/* the first 16 asked for, in order */
	size_t n_wakes;
	uint64_t last_delay;
	size_t n_done;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	struct resync *resync;
};

static struct fake F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	(void)arg;
	(void)a;
	return 0;
}

static uint64_t fake_engine_now(void *arg)
{
	return ((struct fake *)arg)->now;
}

static const struct engine_ops fake_engine_ops = {
	.send = fake_send, .now_ms = fake_engine_now,
};

static void snap_conn(struct snapshot *s, uint32_t token, bool listener)
{
	struct diag_conn c = { .token = token, .state = TCP_ESTABLISHED };

	c.local = fx_addr("192.0.2.2", (uint16_t)(10000 + token % 50000));
	c.remote = fx_addr("203.0.113.2", 8080);
	c.listener = listener;
	snapshot_add_conn(s, &c);
}

static void snap_subflow(struct snapshot *s, uint32_t token, const char *ip,
			 uint16_t lport)
{
	struct diag_subflow sf = { .token = token, .established = true };

	sf.local = fx_addr(ip, lport);
	sf.remote = fx_addr("203.0.113.2", 8080);
	snapshot_add_subflow(s, &sf);
}

static uint64_t fake_now(void *arg)
{
	struct fake *f = arg;

	f->now += f->tick;
	return f->now;
}

/* The dump hands the records from token n_conns down (not in token
 * order), per_step of them per step. */
static int fake_take_step(void *arg, struct snapshot *s)
{
	struct fake *f = arg;
	size_t n = f->per_step ? f->per_step : f->n_conns;

	f->n_steps++;
	if (f->take_error)
		return f->take_error;
	for (; n > 0 && f->dumped < f->n_conns; n--, f->dumped++)
		snap_conn(s, (uint32_t)(f->n_conns - f->dumped), false);
	if (f->dumped < f->n_conns)
		return f->n_steps == f->break_after ? RESYNC_STEP_BREAK : 0;
	f->dumped = 0;
	return 1;
}

static void fake_take_abort(void *arg)
{
	struct fake *f = arg;

	f->n_aborts++;
	f->dumped = 0;
}

static int fake_ids(void *arg, struct snapshot *s, uint32_t token)
{
	struct fake *f = arg;
	struct genl_local_entry e = { .id = 3 };

	if (f->n_ids_calls < 16)
		f->ids_tokens[f->n_ids_calls] = token;
	f->n_ids_calls++;
	e.addr = fx_addr("198.51.100.9", 0);
	snapshot_add_id(s, token, &e);
	return 0;
}

static void fake_wake(void *arg, uint64_t delay_ms)
{
	struct fake *f = arg;

	f->n_wakes++;
	f->last_delay = delay_ms;
}

static void fake_done(void *arg)
{
	((struct fake *)arg)->n_done++;
}

static const struct resync_ops fake_resync_ops = {
	fake_now, fake_take_step, fake_take_abort, fake_ids, fake_wake,
	fake_done, NULL,	/* no CPU clock: slices log 0 ms on the CPU */
};

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	F.model = model_new();
	F.ifaces = iface_table_new(NULL, NULL);
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8,
			      &fake_engine_ops, &F);
	F.resync = resync_new(F.engine, &fake_resync_ops, &F, 1000, 10);
	ck_assert_ptr_nonnull(F.resync);
}

static void teardown(void)
{
	resync_free(F.resync);
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
}

/* Runs the wake-ups the resync asks for until it is idle; how many. */
static size_t run_until_idle(void)
{
	size_t runs = 0;

	while (resync_busy(F.resync) && runs < 100000) {
		resync_run(F.resync);
		runs++;
	}
	ck_assert(!resync_busy(F.resync));
	return runs;
}

START_TEST(test_index_sorts_stably_listeners_first)
{
	struct snapshot s;
	size_t n;
	const struct snapshot_subflow *sf;

	snapshot_init(&s);
	snap_conn(&s, 30, false);
	snap_conn(&s, 99, true);
	snap_conn(&s, 10, false);
	snap_subflow(&s, 30, "192.0.2.2", 1);
	snap_subflow(&s, 10, "192.0.2.2", 2);
	snap_subflow(&s, 30, "192.0.2.2", 3);
	snap_subflow(&s, 30, "192.0.2.2", 4);
	ck_assert_int_eq(snapshot_index(&s), 0);
	ck_assert_uint_eq(s.n_listeners, 1);
	ck_assert(s.conns[0].listener);
	ck_assert_uint_eq(s.conns[1].token, 10);
	ck_assert_uint_eq(s.conns[2].token, 30);
	ck_assert_ptr_eq(snapshot_find_conn(&s, 30), &s.conns[2]);
	ck_assert_ptr_null(snapshot_find_conn(&s, 99));	/* a listener */
	ck_assert_ptr_null(snapshot_find_conn(&s, 20));
	sf = snapshot_subflows_of(&s, 30, &n);
	ck_assert_uint_eq(n, 3);
	/* the kernel's order within one connection is kept */
	ck_assert_uint_eq(sf[0].local.port, 1);
	ck_assert_uint_eq(sf[1].local.port, 3);
	ck_assert_uint_eq(sf[2].local.port, 4);
	ck_assert_ptr_null(snapshot_subflows_of(&s, 31, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(snapshot_ids_of(&s, 30, &n));
	snapshot_clear(&s);
}
END_TEST

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n connections in the kernel, n in a fresh model; half of each only
 * there: half are adopted, half vanish.  CPU seconds of engine_adopt(). */
static double time_adopt(size_t n)
{
	struct snapshot s;
	double t0, t;

	teardown();
	setup();
	snapshot_init(&s);
	for (size_t i = n; i > 0; i--) {
		snap_conn(&s, (uint32_t)i, false);
		snap_subflow(&s, (uint32_t)i, "192.0.2.2", 40000);
		snap_subflow(&s, (uint32_t)i, "198.51.100.2", 40001);
	}
	for (size_t i = n / 2; i < n + n / 2; i++)
		ck_assert_ptr_nonnull(model_conn_get(F.model, (uint32_t)i + 1));
	t0 = cpu_seconds();
	ck_assert_int_eq(engine_adopt(F.engine, &s), 0);
	t = cpu_seconds() - t0;
	ck_assert_uint_eq(model_conn_count(F.model), n);
	ck_assert_uint_eq(model_conn_find(F.model, 1)->pub.n_subflows, 2);
	ck_assert_ptr_null(model_conn_find(F.model, (uint32_t)(n + 1)));
	snapshot_clear(&s);
	return t;
}

static double best_of_5(size_t n)
{
	double best = time_adopt(n);

	for (int i = 0; i < 4; i++) {
		double t = time_adopt(n);

		if (t < best)
			best = t;
	}
	return best;
}

/* Four times the connections, well under nine times the work: a walk of
 * the snapshot per connection made it sixteen.  The margin is for caches:
 * 40,000 connections do not fit where 10,000 do, and on a loaded machine
 * (the suite runs beside other work) that alone costs up to ~1.5x; a
 * factor of two between the sizes could not tell that from quadratic. */
START_TEST(test_reconcile_is_linear)
{
	double t1 = best_of_5(10000), t2 = best_of_5(40000);

	ck_assert_msg(t2 < 9.0 * t1 + 0.005,
		      "10000 connections: %.4fs, 40000: %.4fs", t1, t2);
}
END_TEST

START_TEST(test_slices_bounded_by_the_clock)
{
	struct mptcpd_addr addr;

	F.n_conns = 100;
	F.tick = 1;			/* every clock read: 1 ms later */
	ck_assert(resync_request(F.resync));
	ck_assert_uint_eq(F.last_delay, RESYNC_SETTLE_MS);
	resync_run(F.resync);		/* the snapshot, nothing adopted yet */
	ck_assert_uint_eq(resync_count(F.resync), 1);
	ck_assert_uint_eq(model_conn_count(F.model), 0);
	ck_assert_uint_eq(F.last_delay, 0);
	resync_run(F.resync);		/* one slice: about 10 records */
	ck_assert_uint_ge(model_conn_count(F.model), 5);
	ck_assert_uint_le(model_conn_count(F.model), 10);
	ck_assert_uint_eq(F.last_delay, 0);
	run_until_idle();
	ck_assert_uint_ge(resync_slices(F.resync), 10);
	ck_assert_uint_eq(model_conn_count(F.model), 100);
	ck_assert_uint_eq(F.n_ids_calls, 100);
	/* the IDs fetched for each record reached its connection */
	addr = fx_addr("198.51.100.9", 0);
	ck_assert_int_eq(model_local_id(model_conn_find(F.model, 7), &addr), 3);
	ck_assert_uint_eq(F.n_done, 1);
}
END_TEST

START_TEST(test_a_slow_clock_still_progresses)
{
	F.n_conns = 3;
	F.tick = 500;			/* every record is over budget */
	resync_request(F.resync);
	run_until_idle();
	ck_assert_uint_eq(model_conn_count(F.model), 3);
	/* the dump's slice, then one per record */
	ck_assert_uint_eq(resync_slices(F.resync), 4);
}
END_TEST

static void live_event(enum mptcpd_event_type type, uint32_t token)
{
	struct mptcpd_event ev = { .type = type, .token = token };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr("192.0.2.2", 40000);
	ev.remote = fx_addr("203.0.113.2", 8080);
	engine_on_event(F.engine, &ev);
	resync_note_event(F.resync, &ev);
}

/* Events served between slices are newer than the snapshot: it must not
 * undo them. */
START_TEST(test_live_events_between_slices_win)
{
	struct model_conn *c;
	size_t n_sf;

	F.n_conns = 50;
	F.tick = 1;
	resync_request(F.resync);
	resync_run(F.resync);		/* snapshot taken */
	live_event(MPTCPD_EVENT_CLOSED, 40);	/* closed since */
	live_event(MPTCPD_EVENT_ESTABLISHED, 41);	/* in again, live */
	live_event(MPTCPD_EVENT_ESTABLISHED, 1000);	/* new since */
	c = model_conn_find(F.model, 41);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(model_subflow_add(c, &(struct mptcpd_subflow){
		.local = fx_addr("198.51.100.2", 5), .state =
		MPTCPD_SUBFLOW_ESTABLISHED }));
	n_sf = c->pub.n_subflows;
	run_until_idle();
	ck_assert_ptr_null(model_conn_find(F.model, 40));
	ck_assert_ptr_nonnull(model_conn_find(F.model, 1000));
	/* not adopted over: the subflow the live events brought stays */
	ck_assert_uint_eq(model_conn_find(F.model, 41)->pub.n_subflows, n_sf);
	ck_assert_uint_eq(model_conn_count(F.model), 50);
	/* events while idle mark nothing, and do not crash */
	live_event(MPTCPD_EVENT_CLOSED, 1);
	ck_assert_ptr_null(model_conn_find(F.model, 1));
}
END_TEST

/* Resyncs start at most every three times what the last one took, and
 * at most a second apart: a cheap one may follow soon, an expensive one
 * cannot take more than a third of the loop's time. */
static void resync_taking(uint64_t took_ms)
{
	ck_assert(resync_request(F.resync) || resync_busy(F.resync));
	F.now += F.last_delay;
	resync_run(F.resync);			/* starts, dumps */
	F.now += took_ms;
	run_until_idle();
}

START_TEST(test_gap_follows_the_last_cost)
{
	F.n_conns = 30;
	F.now = 10000;
	resync_taking(200);
	ck_assert(resync_request(F.resync));
	ck_assert_uint_eq(F.last_delay, 3 * 200 - 200);
	resync_taking(20);			/* 60 ms: the settling delay */
	ck_assert(resync_request(F.resync));
	ck_assert_uint_eq(F.last_delay, RESYNC_SETTLE_MS);
	resync_taking(900);			/* 2,700 ms: the cap */
	ck_assert(resync_request(F.resync));
	ck_assert_uint_eq(F.last_delay, RESYNC_MAX_GAP_MS - 900);
	ck_assert_uint_eq(resync_count(F.resync), 3);
	/* One that fails at once: the next waits the longest gap. */
	F.take_error = -EIO;
	resync_taking(0);
	F.take_error = 0;
	ck_assert(resync_request(F.resync));
	ck_assert_uint_eq(F.last_delay, RESYNC_MAX_GAP_MS);
}
END_TEST

/* Connections the model does not hold, or holds as not established, are
 * adopted before those it holds established: in an overflowed burst they
 * are the ones still waiting for their joins. */
START_TEST(test_unknown_connections_adopted_first)
{
	F.n_conns = 6;				/* dumped: tokens 6 down to 1 */
	live_event(MPTCPD_EVENT_ESTABLISHED, 1);
	live_event(MPTCPD_EVENT_ESTABLISHED, 2);
	live_event(MPTCPD_EVENT_CREATED, 3);	/* held, not established */
	F.now = 10000;
	ck_assert(resync_request(F.resync));
	resync_run(F.resync);			/* starts, dumps */
	F.tick = 20;				/* a record per slice */
	for (int i = 0; i < 4; i++)
		resync_run(F.resync);
	ck_assert_uint_eq(F.n_ids_calls, 4);
	for (size_t i = 0; i < 4; i++)		/* 3, 4, 5, 6: not 1 or 2 */
		ck_assert_uint_ge(F.ids_tokens[i], 3);
	run_until_idle();
	ck_assert_uint_eq(F.n_ids_calls, 6);
	ck_assert_uint_le(F.ids_tokens[4], 2);
	ck_assert_uint_le(F.ids_tokens[5], 2);
}
END_TEST

START_TEST(test_rate_limited_and_coalesced)
{
	F.n_conns = 30;
	F.tick = 1;
	F.now = 10000;
	ck_assert(resync_request(F.resync));
	ck_assert(!resync_request(F.resync));	/* already due */
	ck_assert_uint_eq(F.n_wakes, 1);
	resync_run(F.resync);			/* started at about 10001 */
	ck_assert(!resync_request(F.resync));	/* overflow during it */
	ck_assert(!resync_request(F.resync));
	while (resync_count(F.resync) == 1 && resync_busy(F.resync)) {
		resync_run(F.resync);
		if (F.last_delay > 0)
			break;			/* the follow-up, waiting */
	}
	/* exactly one follow-up, no sooner than the gap allows */
	ck_assert_uint_eq(F.n_done, 1);
	ck_assert(resync_busy(F.resync));
	ck_assert_uint_gt(F.last_delay, RESYNC_SETTLE_MS);
	ck_assert_uint_le(F.last_delay, 1000);
	run_until_idle();
	ck_assert_uint_eq(resync_count(F.resync), 2);
	ck_assert_uint_eq(F.n_done, 2);
	/* long after: the settling delay only */
	F.now += 5000;
	ck_assert(resync_request(F.resync));
	ck_assert_uint_eq(F.last_delay, RESYNC_SETTLE_MS);
	run_until_idle();
	ck_assert_uint_eq(resync_count(F.resync), 3);
}
END_TEST

START_TEST(test_failed_snapshot_ends_the_resync)
{
	F.take_error = -ETIMEDOUT;
	resync_request(F.resync);
	run_until_idle();
	ck_assert_uint_eq(resync_count(F.resync), 1);
	ck_assert_uint_eq(F.n_done, 1);
	ck_assert_uint_eq(resync_slices(F.resync), 1);	/* the dump's */
	ck_assert_uint_eq(model_conn_count(F.model), 0);
}
END_TEST

/* The dump itself is read a slice at a time: a resync of many
 * connections never holds the loop for the whole dump. */
START_TEST(test_dump_spread_over_slices)
{
	F.n_conns = 100;
	F.per_step = 5;			/* 20 steps */
	F.tick = 1;			/* a step costs about 1 ms */
	resync_request(F.resync);
	resync_run(F.resync);		/* about 10 steps: half the dump */
	ck_assert_uint_ge(F.n_steps, 5);
	ck_assert_uint_le(F.n_steps, 11);
	ck_assert_uint_eq(model_conn_count(F.model), 0);
	ck_assert_uint_eq(F.last_delay, 0);	/* the rest at once */
	run_until_idle();
	ck_assert_uint_eq(F.n_steps, 20);
	ck_assert_uint_eq(model_conn_count(F.model), 100);
	ck_assert_uint_eq(F.n_done, 1);
}
END_TEST

/* A step that ends a dump, when the next one's first read is a long
 * walk of the kernel's tables, ends the slice even with time left: the
 * long read starts a slice of its own. */
START_TEST(test_next_dump_starts_a_slice)
{
	F.n_conns = 100;
	F.per_step = 5;			/* 20 steps */
	F.break_after = 3;
	resync_request(F.resync);
	resync_run(F.resync);		/* the clock stands still: only the break ends it */
	ck_assert_uint_eq(F.n_steps, 3);
	ck_assert_uint_eq(F.last_delay, 0);
	ck_assert(resync_busy(F.resync));
	run_until_idle();
	ck_assert_uint_eq(F.n_steps, 20);
	ck_assert_uint_eq(model_conn_count(F.model), 100);
	ck_assert_uint_eq(F.n_done, 1);
}
END_TEST

/* Events that arrive while the dump is read: a connection created after
 * the dump passed its place stays, one closed meanwhile is not brought
 * back, one only the model knew goes. */
START_TEST(test_live_events_during_the_dump_win)
{
	F.n_conns = 50;
	F.per_step = 5;
	F.tick = 1;
	ck_assert_ptr_nonnull(model_conn_get(F.model, 7777));	/* vanished */
	resync_request(F.resync);
	resync_run(F.resync);		/* part of the dump */
	ck_assert_uint_lt(F.dumped, 50);
	live_event(MPTCPD_EVENT_ESTABLISHED, 1000);	/* new since */
	live_event(MPTCPD_EVENT_CLOSED, 2);	/* not dumped yet: it will be */
	live_event(MPTCPD_EVENT_CLOSED, 50);	/* dumped already */
	run_until_idle();
	ck_assert_ptr_nonnull(model_conn_find(F.model, 1000));
	ck_assert_ptr_null(model_conn_find(F.model, 2));
	ck_assert_ptr_null(model_conn_find(F.model, 50));
	ck_assert_ptr_null(model_conn_find(F.model, 7777));
	ck_assert_uint_eq(model_conn_count(F.model), 49);	/* 48 + 1000 */
	ck_assert_uint_eq(resync_count(F.resync), 1);
}
END_TEST

/* A listener that comes during the dump cannot be placed: another
 * resync follows. */
START_TEST(test_listener_event_during_the_dump_asks_again)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_LISTENER_CREATED };

	F.n_conns = 20;
	F.per_step = 1;
	F.tick = 1;
	F.now = 10000;
	resync_request(F.resync);
	resync_run(F.resync);
	ck_assert_uint_gt(F.dumped, 0);		/* mid-dump */
	resync_note_event(F.resync, &ev);
	run_until_idle();
	ck_assert_uint_eq(resync_count(F.resync), 2);
	ck_assert_uint_eq(F.n_done, 2);
	ck_assert_uint_eq(model_conn_count(F.model), 20);
}
END_TEST

/* Freed in the middle of a dump: the dump is given up. */
START_TEST(test_free_during_the_dump_aborts_it)
{
	F.n_conns = 20;
	F.per_step = 1;
	F.tick = 5;
	resync_request(F.resync);
	resync_run(F.resync);
	ck_assert(resync_busy(F.resync));
	resync_free(F.resync);
	F.resync = NULL;
	ck_assert_uint_eq(F.n_aborts, 1);
}
END_TEST

/* A datagram larger than a receive slot is lost like an overflow. */
START_TEST(test_truncated_datagram_is_lost)
{
	ck_assert_int_eq(genl_slot_check(0), 0);
	ck_assert_int_eq(genl_slot_check(MSG_TRUNC), -ENOBUFS);
	ck_assert_int_eq(genl_slot_check(MSG_TRUNC | MSG_CTRUNC), -ENOBUFS);
}
END_TEST

static Suite *resync_suite(void)
{
	Suite *s = suite_create("resync");
	TCase *tc = tcase_create("resync");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_index_sorts_stably_listeners_first);
	tcase_add_test(tc, test_reconcile_is_linear);
	tcase_add_test(tc, test_slices_bounded_by_the_clock);
	tcase_add_test(tc, test_a_slow_clock_still_progresses);
	tcase_add_test(tc, test_live_events_between_slices_win);
	tcase_add_test(tc, test_rate_limited_and_coalesced);
	tcase_add_test(tc, test_unknown_connections_adopted_first);
	tcase_add_test(tc, test_gap_follows_the_last_cost);
	tcase_add_test(tc, test_failed_snapshot_ends_the_resync);
	tcase_add_test(tc, test_dump_spread_over_slices);
	tcase_add_test(tc, test_next_dump_starts_a_slice);
	tcase_add_test(tc, test_live_events_during_the_dump_win);
	tcase_add_test(tc, test_listener_event_during_the_dump_asks_again);
	tcase_add_test(tc, test_free_during_the_dump_aborts_it);
	tcase_add_test(tc, test_truncated_datagram_is_lost);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(resync_suite)
