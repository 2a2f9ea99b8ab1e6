/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's costs do not grow with the number of connections: the time
 * per kernel event and per timer tick with 10,000 connections in the model
 * stays within a small factor of the time with 100.  Costs, not speeds: the
 * real figures are bench/'s business.
 *
 * Why this is not flaky: every figure is the median of many samples, so a
 * preemption or a page fault in a few of them (the machine is shared) moves
 * nothing; the bound is 3x plus 5 us, generous for what legitimately grows:
 * the heap is 13 levels deep instead of 7, the working set is 100x and
 * misses the caches, and a sanitizer build doubles both (measured there:
 * a tick 1.2 us with 100, 4.4 us with 10,000).  A walk over every
 * connection (what engine_on_timer did before the due-time heap) costs
 * 100x, tens of microseconds even without a sanitizer: far past it.
 */
#include <check.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine.h"
#include "engine_priv.h"
#include "fixture.h"
#include "iface.h"
#include "log.h"
#include "model.h"
#include "strategies/registry.h"

#define PORT 8080
#define SMALL 100
#define LARGE 10000
#define TICKS 100	/* <= SMALL: one connection due per tick */
#define EVENTS 2000
#define FACTOR 3
#define SLACK_NS 5000

struct fake {
	uint64_t now;
	size_t n_sent;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	struct mptcpd_addr local, remote;
};

static struct fake F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	(void)a;
	((struct fake *)arg)->n_sent++;
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

static const struct engine_ops fake_ops = { .send = fake_send,
					    .now_ms = fake_now };

static void iface_up(int ifindex, const char *name, const char *addr)
{
	struct iface_link_update l = { .ifindex = ifindex,
				       .flags = IFF_UP | IFF_RUNNING };
	struct iface_addr_update a = { .ifindex = ifindex };
	struct iface_route_update r = { .ifindex = ifindex };

	snprintf(l.name, sizeof(l.name), "%s", name);
	l.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(F.ifaces, &l, &IFACE_SETTINGS_DEFAULT);
	a.addr = fx_addr(addr, 0);
	iface_on_addr(F.ifaces, &a);
	r.dst = fx_addr("0.0.0.0", 0);
	r.family = r.dst.family;
	iface_on_route(F.ifaces, &r, F.now);
}

static void event(enum mptcpd_event_type type, uint32_t token)
{
	struct mptcpd_event ev = { .type = type, .token = token };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = F.local;
	ev.local.port = (uint16_t)(10000 + token % 50000);
	ev.remote = F.remote;
	engine_on_event(F.engine, &ev);
}

/* n established connections under fullmesh, one a millisecond: each asks
 * for a join from the second address, pending, so every connection has a
 * due time (its join's timeout), one millisecond apart. */
static void world_new(size_t n)
{
	memset(&F, 0, sizeof(F));
	F.now = 1000;
	F.model = model_new();
	F.ifaces = iface_table_new(fake_change, &F);
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8,
			      &fake_ops, &F);
	iface_up(2, "eth0", "192.0.2.2");
	iface_up(3, "eth1", "198.51.100.2");
	F.local = fx_addr("192.0.2.2", 0);
	F.remote = fx_addr("203.0.113.2", PORT);
	for (uint32_t t = 1; t <= n; t++, F.now++) {
		event(MPTCPD_EVENT_CREATED, t);
		event(MPTCPD_EVENT_ESTABLISHED, t);
	}
	ck_assert_uint_eq(model_conn_count(F.model), n);
	ck_assert_uint_eq(model_subflow_count(F.model), 2 * n);
	ck_assert_uint_eq(F.n_sent, n);		/* one join each */
}

static void world_free(void)
{
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* Median time of one timer tick with exactly one connection due: the
 * first TICKS joins time out one per tick (backed off, not asked again),
 * with every other connection's due time still in the future. */
static uint64_t tick_ns(size_t n)
{
	uint64_t v[TICKS], first_due = 1000 + ENGINE_JOIN_TIMEOUT_MS;

	world_new(n);
	for (size_t i = 0; i < TICKS; i++) {
		uint64_t t0;

		F.now = first_due + i;
		t0 = clock_ns();
		engine_on_timer(F.engine);
		v[i] = clock_ns() - t0;
		ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out,
				  i + 1);
	}
	world_free();
	return median(v, TICKS);
}

/* Median time of one event about one connection (a priority change on
 * its initial subflow: a lookup, a model update, the strategy asked). */
static uint64_t event_ns(size_t n)
{
	static uint64_t v[EVENTS];

	world_new(n);
	for (size_t i = 0; i < EVENTS; i++) {
		uint32_t token = (uint32_t)(i * 7919 % n) + 1;
		uint64_t t0 = clock_ns();

		event(MPTCPD_EVENT_SUB_PRIORITY, token);
		v[i] = clock_ns() - t0;
	}
	world_free();
	return median(v, EVENTS);
}

static void check_bound(const char *what, uint64_t small, uint64_t large)
{
	printf("%s: median %llu ns with %d connections, %llu ns with %d\n",
	       what, (unsigned long long)small, SMALL,
	       (unsigned long long)large, LARGE);
	fflush(stdout);		/* a failed check exits without flushing */
	ck_assert_msg(large <= FACTOR * small + SLACK_NS,
		      "%s grows with the connections: %llu ns with %d, "
		      "%llu ns with %d", what, (unsigned long long)small,
		      SMALL, (unsigned long long)large, LARGE);
}

START_TEST(test_timer_tick_cost)
{
	uint64_t small = tick_ns(SMALL), large = tick_ns(LARGE);

	check_bound("timer tick", small, large);
}
END_TEST

START_TEST(test_event_cost)
{
	uint64_t small = event_ns(SMALL), large = event_ns(LARGE);

	check_bound("event", small, large);
}
END_TEST

/* Nothing due: a tick does not look at any connection, and the next
 * wake-up asked for is the earliest due time. */
static uint64_t asked_ms;

static void fake_schedule(void *arg, uint64_t at_ms)
{
	(void)arg;
	asked_ms = at_ms;
}

START_TEST(test_idle_tick_and_batches)
{
	struct engine_ops ops = fake_ops;
	uint64_t first_due = 1000 + ENGINE_JOIN_TIMEOUT_MS;

	world_new(1000);
	engine_free(F.engine);
	ops.schedule = fake_schedule;
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8, &ops,
			      &F);
	F.now = first_due - 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(asked_ms, first_due);
	/* All 1000 due at once: a batch per call, then "again at once". */
	F.now = first_due + 1000;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out,
			  ENGINE_TIMER_BATCH);
	ck_assert_uint_eq(asked_ms, F.now);
	for (int i = 0; i < 10 && asked_ms == F.now; i++)
		engine_on_timer(F.engine);
	ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out, 1000);
	/* Next: the first pair's hold running out. */
	ck_assert_uint_eq(asked_ms, F.now + ENGINE_JOIN_HOLD_MS);
	world_free();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_scale");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	/* Each timed-out join is logged at info: writing a thousand lines
	 * to the test's log would time the terminal, not the engine. */
	log_set_level(LOG_WARNING);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_timer_tick_cost);
	tcase_add_test(tc, test_event_cost);
	tcase_add_test(tc, test_idle_tick_and_batches);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
