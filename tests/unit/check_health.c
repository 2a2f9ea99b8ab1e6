/* SPDX-License-Identifier: BSD-3-Clause */
/* Path health on a fake clock: the stall rule, the path verdict, the
 * per-tick budget; and the tcp_info fields diag feeds it. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>

#include "diag.h"
#include "fixture.h"
#include "nlbuf.h"
#include "health.h"
#include "model.h"
#include "mptcp_uapi.h"

/* A busy established subflow 192.0.2.1:port -> 198.51.100.1:80. */
static struct diag_subflow sf(uint32_t token, uint16_t port, uint32_t unacked,
			      uint64_t bytes_acked, uint32_t rtt_ms)
{
	struct diag_subflow s;

	memset(&s, 0, sizeof(s));
	s.token = token;
	s.local = fx_addr("192.0.2.1", port);
	s.remote = fx_addr("198.51.100.1", 80);
	s.state = 1;	/* TCP_ESTABLISHED */
	s.established = true;
	s.has_tcp_info = true;
	s.has_bytes_acked = true;
	s.unacked = unacked;
	s.bytes_acked = bytes_acked;
	s.rtt_us = rtt_ms * 1000;
	/* A blackhole unless a test says otherwise: nothing heard since. */
	s.last_ack_recv_ms = 1000000;
	/* A sender sent just now; an idle subflow long ago. */
	s.last_data_sent_ms = unacked ? 0 : 1000000;
	return s;
}

static struct model *empty;	/* the model of the single-subflow tests */
static struct diag_subflow_key keys[HEALTH_TICK_BUDGET];

static bool fired(enum health_verdict v)
{
	return v == HEALTH_VERDICT_STALLED || v == HEALTH_VERDICT_PATH_DEAD;
}

/* One tick holding a single subflow. */
static bool poll1(struct health *h, uint64_t now, const struct diag_subflow *s)
{
	bool f;

	health_plan(h, empty, now, keys, HEALTH_TICK_BUDGET);
	f = fired(health_sample(h, s));
	health_tick_end(h);
	return f;
}

/* The first millisecond (polled every 1 ms from t0) at which it fires for
 * a subflow stuck at s, or 0 when it did not within limit ms. */
static uint64_t fire_time(struct health *h, uint64_t t0, uint64_t limit,
			  const struct diag_subflow *s)
{
	for (uint64_t t = t0; t <= t0 + limit; t++)
		if (poll1(h, t, s))
			return t;
	return 0;
}

static void setup(void)
{
	empty = model_new();
	ck_assert_ptr_nonnull(empty);
}

static void teardown(void)
{
	model_free(empty);
}

START_TEST(test_threshold)
{
	ck_assert_uint_eq(health_threshold_ms(0), 150);
	ck_assert_uint_eq(health_threshold_ms(10000), 150);
	ck_assert_uint_eq(health_threshold_ms(55000), 150);
	ck_assert_uint_eq(health_threshold_ms(100000), 240);
	ck_assert_uint_eq(health_threshold_ms(4000000000u), 8000040);
}
END_TEST

START_TEST(test_steady_progress_never_stalls)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 3, 0, 10);

	for (uint64_t t = 0; t < 60000; t += 100) {
		s.bytes_acked += 1000;
		ck_assert(!poll1(h, t, &s));
		ck_assert(!health_is_stalled(h, &s));
	}
	health_free(h);
}
END_TEST

START_TEST(test_fires_at_threshold_short_rtt)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert_uint_eq(fire_time(h, 1000, 1000, &s), 1150);
	ck_assert(health_is_stalled(h, &s));
	health_free(h);
}
END_TEST

START_TEST(test_fires_at_threshold_long_rtt)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 100);

	ck_assert_uint_eq(fire_time(h, 1000, 1000, &s), 1240);
	health_free(h);
}
END_TEST

/* The window opens at the last change of bytes_acked, not at the first
 * sample of the subflow. */
START_TEST(test_window_starts_at_last_progress)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert(!poll1(h, 0, &s));
	ck_assert(!poll1(h, 100, &s));
	s.bytes_acked += 1448;
	ck_assert(!poll1(h, 120, &s));
	ck_assert(!poll1(h, 269, &s));
	ck_assert(poll1(h, 270, &s));
	health_free(h);
}
END_TEST

START_TEST(test_fires_once)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);
	int n = 0;

	for (uint64_t t = 0; t < 900000; t += 100)
		n += poll1(h, t, &s);
	ck_assert_int_eq(n, 1);
	ck_assert(health_is_stalled(h, &s));
	health_free(h);
}
END_TEST

START_TEST(test_dup_acks_keep_it_alive)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 5, 1000, 10);

	s.last_ack_recv_ms = 20;
	ck_assert_uint_eq(fire_time(h, 0, 2000, &s), 0);
	s.last_ack_recv_ms = 1000;	/* then silence */
	ck_assert(poll1(h, 2001, &s));
	health_free(h);
}
END_TEST

START_TEST(test_progress_rearms)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert_uint_eq(fire_time(h, 0, 1000, &s), 150);
	s.bytes_acked += 1;	/* the path came back */
	ck_assert(!poll1(h, 500, &s));
	ck_assert(!health_is_stalled(h, &s));
	ck_assert_uint_eq(fire_time(h, 501, 1000, &s), 650);
	ck_assert(health_is_stalled(h, &s));
	health_free(h);
}
END_TEST

/* All data acked counts as progress too: the next burst starts afresh. */
START_TEST(test_drained_rearms)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert_uint_eq(fire_time(h, 0, 1000, &s), 150);
	s.unacked = 0;
	ck_assert(!poll1(h, 200, &s));
	ck_assert(!health_is_stalled(h, &s));
	s.unacked = 1;
	ck_assert_uint_eq(fire_time(h, 300, 1000, &s), 450);
	health_free(h);
}
END_TEST

START_TEST(test_idle_never_fires)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 0, 5000, 10);

	for (uint64_t t = 0; t < 900000; t += 100)
		ck_assert(!poll1(h, t, &s));
	ck_assert(!health_is_stalled(h, &s));
	ck_assert_uint_eq(health_hot_count(h), 0);
	health_free(h);
}
END_TEST

/* bytes_acked has not moved for ten minutes because nothing was sent:
 * the first unacked data opens the window, it does not inherit the idle
 * time. */
START_TEST(test_send_after_long_idle)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 0, 5000, 10);

	for (uint64_t t = 0; t < 600000; t += 100)
		ck_assert(!poll1(h, t, &s));
	s.unacked = 1;
	ck_assert(!poll1(h, 600000, &s));
	ck_assert(!poll1(h, 600100, &s));
	ck_assert(!poll1(h, 600149, &s));
	ck_assert(poll1(h, 600150, &s));
	health_free(h);
}
END_TEST

START_TEST(test_not_judged)
{
	struct health *h = health_new();
	struct diag_subflow syn = sf(1, 1000, 1, 0, 0);
	struct diag_subflow noinfo = sf(1, 1001, 1, 0, 0);
	struct diag_subflow old = sf(1, 1002, 1, 0, 0);

	syn.state = 2;	/* TCP_SYN_SENT: the handshake is the kernel's job */
	noinfo.has_tcp_info = false;
	old.has_bytes_acked = false;
	for (uint64_t t = 0; t < 10000; t += 100) {
		health_plan(h, empty, t, keys, HEALTH_TICK_BUDGET);
		ck_assert(!health_sample(h, &syn));
		ck_assert(!health_sample(h, &noinfo));
		ck_assert(!health_sample(h, &old));
		health_tick_end(h);
	}
	ck_assert_uint_eq(health_hot_count(h), 0);
	health_free(h);
}
END_TEST

/* Same token, another port; same ports, another token: separate.  The
 * others keep progressing but hear nothing new (sf's default), so the
 * stall of a is its path's. */
START_TEST(test_keys_are_distinct)
{
	struct health *h = health_new();
	struct diag_subflow a = sf(1, 1000, 2, 0, 10);
	struct diag_subflow b = sf(1, 1001, 2, 0, 10);
	struct diag_subflow c = sf(2, 1000, 2, 0, 10);
	struct diag_subflow d = sf(1, 1000, 2, 0, 10);
	int n = 0;

	d.remote = fx_addr("2001:db8::1", 80);
	for (uint64_t t = 0; t <= 150; t += 10) {
		health_plan(h, empty, t, keys, HEALTH_TICK_BUDGET);
		n += fired(health_sample(h, &a));
		b.bytes_acked += 10;
		c.bytes_acked += 10;
		d.bytes_acked += 10;
		n += fired(health_sample(h, &b)) + fired(health_sample(h, &c)) +
		     fired(health_sample(h, &d));
		health_tick_end(h);
	}
	ck_assert_int_eq(n, 1);
	ck_assert(health_is_stalled(h, &a));
	ck_assert(!health_is_stalled(h, &b));
	ck_assert(!health_is_stalled(h, &c));
	ck_assert(!health_is_stalled(h, &d));
	ck_assert_uint_eq(health_hot_count(h), 4);
	health_free(h);
}
END_TEST

/* A sender with nothing in flight at the moment of a look (a fast path,
 * an application-limited stream) stays hot while it sent lately; then it
 * goes back to the round-robin. */
START_TEST(test_recent_sender_stays_hot)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 0, 5000, 10);

	s.last_data_sent_ms = 3;
	for (uint64_t t = 0; t < 2000; t += 100) {
		s.bytes_acked += 1000;
		ck_assert(!poll1(h, t, &s));
		ck_assert_uint_eq(health_hot_count(h), 1);
	}
	/* then the path dies with data in flight: judged at once */
	s.unacked = 3;
	ck_assert_uint_eq(fire_time(h, 2000, 1000, &s), 2150);
	s.unacked = 0;
	s.last_data_sent_ms = HEALTH_HOT_HOLD_MS;
	ck_assert(!poll1(h, 3000, &s));
	ck_assert_uint_eq(health_hot_count(h), 0);
	health_free(h);
}
END_TEST

/* A subflow seen for the first time with nothing in flight is not a
 * sender yet, whatever its bytes_acked (a connection that wrote once):
 * the senders of a path are those seen progressing. */
START_TEST(test_first_look_is_not_progress)
{
	struct health *h = health_new();
	struct diag_subflow once = sf(1, 1000, 0, 10, 10);
	struct diag_subflow stream = sf(2, 1001, 0, 5000, 10);
	uint32_t tokens[4];

	once.last_data_sent_ms = 500;	/* wrote 0.5 s ago: still hot */
	stream.last_data_sent_ms = 5;
	health_plan(h, empty, 0, keys, HEALTH_TICK_BUDGET);
	health_sample(h, &once);
	health_sample(h, &stream);
	health_tick_end(h);
	ck_assert_uint_eq(health_path_senders(h, &once.local, tokens, 4), 0);
	stream.bytes_acked += 1000;
	health_plan(h, empty, 100, keys, HEALTH_TICK_BUDGET);
	health_sample(h, &once);
	health_sample(h, &stream);
	health_tick_end(h);
	ck_assert_uint_eq(health_hot_count(h), 2);
	ck_assert_uint_eq(health_path_senders(h, &once.local, tokens, 4), 1);
	ck_assert_uint_eq(tokens[0], 2);
	health_free(h);
}
END_TEST

/* A hot subflow looked up and not answered is gone. */
START_TEST(test_unanswered_is_forgotten)
{
	struct health *h = health_new();
	struct diag_subflow a = sf(1, 1000, 2, 0, 10);
	struct diag_subflow b = sf(1, 1001, 2, 0, 10);

	health_plan(h, empty, 0, keys, HEALTH_TICK_BUDGET);
	ck_assert(!health_sample(h, &a));
	ck_assert(!health_sample(h, &b));
	health_tick_end(h);
	ck_assert_uint_eq(health_hot_count(h), 2);
	ck_assert_uint_eq(health_plan(h, empty, 200, keys, HEALTH_TICK_BUDGET), 2);
	ck_assert(fired(health_sample(h, &a)));
	health_tick_end(h);
	ck_assert_uint_eq(health_hot_count(h), 1);
	ck_assert(health_is_stalled(h, &a));
	ck_assert(!health_is_stalled(h, &b));
	/* b comes back (or its 4-tuple is reused): a fresh window. */
	ck_assert(!poll1(h, 300, &b));
	ck_assert(!poll1(h, 449, &b));
	ck_assert(poll1(h, 450, &b));
	health_free(h);
}
END_TEST

START_TEST(test_clock_going_back)
{
	struct health *h = health_new();
	struct diag_subflow s = sf(1, 1000, 2, 0, 10);

	ck_assert(!poll1(h, 10000, &s));
	ck_assert(!poll1(h, 5000, &s));
	ck_assert(poll1(h, 10150, &s));
	health_free(h);
}
END_TEST

/* ---- The budget ---- */

/* n connections, each with an established subflow from 192.0.2.1 and
 * one from 203.0.113.1; subflow i's local port is 10000 + i. */
static struct model *many(uint32_t n)
{
	struct model *m = model_new();
	struct mptcpd_subflow s;

	ck_assert_ptr_nonnull(m);
	for (uint32_t i = 0; i < n; i++) {
		struct model_conn *c = model_conn_get(m, i + 1);

		ck_assert_ptr_nonnull(c);
		s = fx_subflow("192.0.2.1", (uint16_t)(10000 + 2 * i),
			       "198.51.100.1", 80);
		ck_assert_ptr_nonnull(model_subflow_add(c, &s));
		s = fx_subflow("203.0.113.1", (uint16_t)(10001 + 2 * i),
			       "198.51.100.1", 80);
		ck_assert_ptr_nonnull(model_subflow_add(c, &s));
	}
	return m;
}

/* 10,000 idle connections: no tick looks up more than the idle budget,
 * and one round of ticks looks at every subflow exactly once. */
START_TEST(test_idle_budget)
{
	struct model *m = many(10000);
	struct health *h = health_new();
	static unsigned char seen[20000];
	size_t n, total = 0, ticks = 0;

	memset(seen, 0, sizeof(seen));
	while (total < 20000) {
		n = health_plan(h, m, ticks * 100, keys, HEALTH_TICK_BUDGET);
		ck_assert_uint_le(n, HEALTH_IDLE_BUDGET);
		ck_assert_uint_gt(n, 0);
		for (size_t i = 0; i < n; i++) {
			size_t k = keys[i].local.port - 10000u;

			ck_assert_uint_lt(k, 20000);
			ck_assert_uint_eq(seen[k]++, 0);
		}
		health_tick_end(h);	/* every one idle: no answer kept */
		total += n;
		ticks++;
		ck_assert_uint_le(ticks, 20000 / HEALTH_IDLE_BUDGET + 2);
	}
	ck_assert_uint_eq(total, 20000);
	ck_assert_uint_eq(health_hot_count(h), 0);
	health_free(h);
	model_free(m);
}
END_TEST

/* When no strategy in use watches stalls, no tick forgets anything: the
 * daemon drops the lot, and watches nothing more (a churn of joins under
 * fullmesh grew the table by ~130 bytes a join). */
START_TEST(test_forget_all)
{
	struct health *h = health_new();
	struct mptcpd_addr l = fx_addr("192.0.2.1", 0);
	struct mptcpd_addr r = fx_addr("198.51.100.1", 80);

	for (uint16_t i = 0; i < 100; i++) {
		l.port = (uint16_t)(10000 + i);
		health_watch(h, i + 1u, &l, &r, 0);
	}
	ck_assert_uint_eq(health_hot_count(h), 100);
	health_forget_all(h);
	ck_assert_uint_eq(health_hot_count(h), 0);
	l.port = 10000;			/* usable again afterwards */
	health_watch(h, 1, &l, &r, 0);
	ck_assert_uint_eq(health_hot_count(h), 1);
	health_free(h);
}
END_TEST

/* Senders beyond the budget take turns; the idle round-robin goes on. */
START_TEST(test_hot_budget)
{
	struct model *m = many(1000);
	struct health *h = health_new();
	struct mptcpd_addr l = fx_addr("192.0.2.1", 0);
	struct mptcpd_addr r = fx_addr("198.51.100.1", 80);
	static unsigned int looked[1000];
	size_t n, idle;

	memset(looked, 0, sizeof(looked));
	for (uint16_t i = 0; i < 1000; i++) {
		l.port = (uint16_t)(10000 + 2 * i);
		health_watch(h, i + 1u, &l, &r, 0);
	}
	ck_assert_uint_eq(health_hot_count(h), 1000);
	for (unsigned int t = 0; t < 10; t++) {
		n = health_plan(h, m, t * 100, keys, HEALTH_TICK_BUDGET);
		ck_assert_uint_le(n, HEALTH_TICK_BUDGET);
		idle = 0;
		for (size_t i = 0; i < n; i++) {
			size_t k = keys[i].local.port - 10000u;

			if (k % 2)
				idle++;	/* from 203.0.113.1: never hot */
			else
				looked[k / 2]++;
		}
		ck_assert_uint_ge(idle, HEALTH_IDLE_MIN);
	}
	/* 10 ticks of 224: each sender looked at twice or three times. */
	for (size_t i = 0; i < 1000; i++)
		ck_assert_uint_ge(looked[i], 2);
	health_free(h);
	model_free(m);
}
END_TEST

/* Connections closing under the cursor do not send it back to the start:
 * the round still ends and reaches the ones left. */
START_TEST(test_cursor_survives_close)
{
	struct model *m = many(1000);
	struct health *h = health_new();
	size_t n, total = 0, ticks = 0;

	while (ticks < 100) {
		n = health_plan(h, m, ticks * 100, keys, HEALTH_TICK_BUDGET);
		ticks++;
		health_tick_end(h);
		if (!n)
			break;
		total += n;
		/* close the connection of the last key, and a few more */
		for (uint32_t t = 1; t <= 1000; t += 97)
			model_conn_del(m, t + (uint32_t)ticks);
		if (total >= 2000)
			break;
	}
	ck_assert_uint_lt(ticks, 2000 / HEALTH_IDLE_BUDGET + 4);
	health_free(h);
	model_free(m);
}
END_TEST

/* ---- Path verdicts ---- */

START_TEST(test_path_dead_once)
{
	struct health *h = health_new();
	struct diag_subflow hot = sf(1, 1000, 2, 5000, 10);
	struct diag_subflow idle = sf(2, 1001, 0, 0, 10);
	struct diag_subflow other = sf(3, 1002, 2, 5000, 10);
	struct diag_subflow later = sf(4, 1003, 2, 5000, 10);
	enum health_verdict v = HEALTH_VERDICT_NONE;
	uint32_t tokens[8];
	uint64_t t;

	other.local = fx_addr("203.0.113.1", 1002);
	idle.last_ack_recv_ms = 5000;
	for (t = 0; t <= 1000 && v == HEALTH_VERDICT_NONE; t += 10) {
		health_plan(h, empty, t, keys, HEALTH_TICK_BUDGET);
		health_sample(h, &idle);
		other.bytes_acked++;
		other.last_ack_recv_ms = 0;
		ck_assert_int_eq(health_sample(h, &other), HEALTH_VERDICT_NONE);
		v = health_sample(h, &hot);
		health_tick_end(h);
	}
	ck_assert_int_eq(v, HEALTH_VERDICT_PATH_DEAD);
	ck_assert_uint_eq(t, 160);	/* the tick at 150 */
	ck_assert(health_path_is_dead(h, &hot.local));
	ck_assert(!health_path_is_dead(h, &other.local));
	/* The senders on it, to be moved first: hot's connection only. */
	ck_assert_uint_eq(health_path_senders(h, &hot.local, tokens, 8), 1);
	ck_assert_uint_eq(tokens[0], 1);
	/* Another sender on the dead path stalls later: itself only. */
	ck_assert_uint_eq(fire_time(h, 2000, 1000, &later), 2150);
	ck_assert(health_path_is_dead(h, &hot.local));
	health_free(h);
}
END_TEST

/* Another subflow from the same address heard an ACK after the stalled
 * one went silent: that peer died, not the path. */
START_TEST(test_peer_dead_path_alive)
{
	struct health *h = health_new();
	struct diag_subflow hot = sf(1, 1000, 2, 5000, 10);
	struct diag_subflow heard = sf(2, 1001, 0, 0, 10);
	enum health_verdict v = HEALTH_VERDICT_NONE;

	heard.remote = fx_addr("198.51.100.7", 443);
	hot.last_ack_recv_ms = 0;
	ck_assert(!poll1(h, 1000, &hot));	/* its last ACK: at 1000 */
	hot.last_ack_recv_ms = 1000000;
	for (uint64_t t = 1010; t <= 2000 && !v; t += 10) {
		health_plan(h, empty, t, keys, HEALTH_TICK_BUDGET);
		heard.last_ack_recv_ms = 5;	/* its peer talks */
		ck_assert_int_eq(health_sample(h, &heard), HEALTH_VERDICT_NONE);
		hot.last_ack_recv_ms = (uint32_t)(t - 1000);
		v = health_sample(h, &hot);
		health_tick_end(h);
	}
	ck_assert_int_eq(v, HEALTH_VERDICT_STALLED);
	ck_assert(!health_path_is_dead(h, &hot.local));
	health_free(h);
}
END_TEST

/* A dead path lives again when one of its subflows hears an ACK after
 * the verdict, when a subflow on it is established, or when its address
 * changes. */
START_TEST(test_path_revives)
{
	struct health *h = health_new();
	struct diag_subflow hot = sf(1, 1000, 2, 5000, 10);
	struct diag_subflow idle = sf(2, 1001, 0, 0, 10);

	ck_assert_uint_eq(fire_time(h, 0, 1000, &hot), 150);
	ck_assert(health_path_is_dead(h, &hot.local));
	idle.last_ack_recv_ms = 100;	/* heard at 100: before the verdict */
	health_plan(h, empty, 200, keys, HEALTH_TICK_BUDGET);
	ck_assert_int_eq(health_sample(h, &idle), HEALTH_VERDICT_ON_DEAD_PATH);
	health_tick_end(h);
	ck_assert(health_path_is_dead(h, &hot.local));
	idle.last_ack_recv_ms = 10;	/* heard at 290: after */
	health_plan(h, empty, 300, keys, HEALTH_TICK_BUDGET);
	ck_assert_int_eq(health_sample(h, &idle), HEALTH_VERDICT_PATH_ALIVE);
	health_tick_end(h);
	ck_assert(!health_path_is_dead(h, &hot.local));

	hot = sf(3, 1002, 2, 5000, 10);
	ck_assert_uint_eq(fire_time(h, 1000, 1000, &hot), 1150);
	ck_assert(health_path_is_dead(h, &hot.local));
	health_watch(h, 9, &hot.local, &hot.remote, 0);
	ck_assert(!health_path_is_dead(h, &hot.local));

	hot = sf(4, 1003, 2, 5000, 10);
	ck_assert_uint_eq(fire_time(h, 2000, 1000, &hot), 2150);
	ck_assert(health_path_is_dead(h, &hot.local));
	health_path_reset(h, &hot.local);
	ck_assert(!health_path_is_dead(h, &hot.local));
	health_free(h);
}
END_TEST

/* 10,000 idle connections, a burst of 2,000 just established (hot until
 * their first look), and one sender on the same path: the sender is
 * looked at every tick, so the path is dead within its threshold plus a
 * tick, not within a round of the others. */
START_TEST(test_verdict_time_with_many_idle)
{
	struct model *m = many(10000);
	struct health *h = health_new();
	struct diag_subflow s = sf(20001, 40000, 2, 5000, 10);
	struct mptcpd_addr l = fx_addr("192.0.2.1", 0);
	struct mptcpd_addr r = fx_addr("198.51.100.1", 80);
	enum health_verdict v = HEALTH_VERDICT_NONE;
	uint32_t tokens[64];
	uint64_t t;
	size_t n;
	bool planned;

	s.local = fx_addr("192.0.2.1", 40000);
	health_watch(h, s.token, &s.local, &s.remote, 0);
	health_plan(h, m, 900, keys, HEALTH_TICK_BUDGET);
	s.bytes_acked = 4000;	/* it was acked up to now */
	ck_assert_int_eq(health_sample(h, &s), HEALTH_VERDICT_NONE);
	s.bytes_acked = 5000;
	health_tick_end(h);
	for (uint16_t i = 0; i < 2000; i++) {
		l.port = (uint16_t)(10000 + 2 * i);
		health_watch(h, i + 1u, &l, &r, 0);
	}
	for (t = 1000; t < 2000 && v == HEALTH_VERDICT_NONE; t += 100) {
		n = health_plan(h, m, t, keys, HEALTH_TICK_BUDGET);
		ck_assert_uint_le(n, HEALTH_TICK_BUDGET);
		planned = false;
		for (size_t i = 0; i < n; i++)
			planned |= keys[i].local.port == 40000;
		ck_assert(planned);
		v = health_sample(h, &s);
		health_tick_end(h);
	}
	ck_assert_int_eq(v, HEALTH_VERDICT_PATH_DEAD);
	ck_assert_uint_le(t - 1000, 300);
	ck_assert_uint_eq(health_path_senders(h, &s.local, tokens, 64), 1);
	ck_assert_uint_eq(tokens[0], 20001);
	health_free(h);
	model_free(m);
}
END_TEST

/* ---- diag_parse_subflow: the tcp_info fields stall detection needs. ---- */

/* A TCP reply for an MPTCP subflow whose INET_DIAG_INFO is info_len
 * bytes of a tcp_info. */
static const struct nlmsghdr *subflow_msg(struct nl_buf *m, size_t info_len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct inet_diag_msg *d = NLMSG_DATA(nlh);
	unsigned char info[256] __attribute__((aligned(8)));
	uint32_t token = 0xabcd, flags = 0;
	struct nlattr *ulp, *mp;
	uint32_t v;
	uint64_t acked = 123456789012ull;

	memset(m, 0, sizeof(*m));
	memset(info, 0, sizeof(info));
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	d->idiag_family = AF_INET;
	d->idiag_state = 1;
	d->id.idiag_sport = htons(40000);
	d->id.idiag_dport = htons(80);
	inet_pton(AF_INET, "192.0.2.1", d->id.idiag_src);
	inet_pton(AF_INET, "198.51.100.1", d->id.idiag_dst);
	m->len = NLMSG_LENGTH(sizeof(*d));
	/* Laid out by the kernel's own header, so this also checks the
	 * private copy of the ABI in diag.c. */
	info[offsetof(struct tcp_info, tcpi_ca_state)] = 4;	/* Loss */
	info[offsetof(struct tcp_info, tcpi_retransmits)] = 3;
	v = 7;
	memcpy(info + offsetof(struct tcp_info, tcpi_unacked), &v, 4);
	v = 250;
	memcpy(info + offsetof(struct tcp_info, tcpi_last_ack_recv), &v, 4);
	v = 40;
	memcpy(info + offsetof(struct tcp_info, tcpi_last_data_sent), &v, 4);
	v = 12000;
	memcpy(info + offsetof(struct tcp_info, tcpi_rtt), &v, 4);
	memcpy(info + offsetof(struct tcp_info, tcpi_bytes_acked), &acked, 8);
	nb_put(m, INET_DIAG_INFO, info, info_len);
	ulp = nb_put(m, INET_DIAG_ULP_INFO, NULL, 0);
	nb_put(m, INET_ULP_INFO_NAME, "mptcp", 6);
	mp = nb_put(m, INET_ULP_INFO_MPTCP, NULL, 0);
	nb_put(m, MPTCP_SUBFLOW_ATTR_TOKEN_LOC, &token, 4);
	nb_put(m, MPTCP_SUBFLOW_ATTR_FLAGS, &flags, 4);
	nb_end(m, mp);
	nb_end(m, ulp);
	nlh->nlmsg_len = (uint32_t)m->len;
	return nlh;
}

START_TEST(test_parse_tcp_info)
{
	struct nl_buf m;
	const struct nlmsghdr *nlh = subflow_msg(&m, 232);
	struct diag_subflow s;

	ck_assert_int_eq(diag_parse_subflow(nlh, m.len, &s), 0);
	ck_assert_uint_eq(s.token, 0xabcd);
	ck_assert(s.has_tcp_info);
	ck_assert(s.has_bytes_acked);
	ck_assert_uint_eq(s.ca_state, 4);
	ck_assert_uint_eq(s.retransmits, 3);
	ck_assert_uint_eq(s.unacked, 7);
	ck_assert_uint_eq(s.last_ack_recv_ms, 250);
	ck_assert_uint_eq(s.last_data_sent_ms, 40);
	ck_assert_uint_eq(s.rtt_us, 12000);
	ck_assert_uint_eq(s.bytes_acked, 123456789012ull);
}
END_TEST

/* A pre-4.1 tcp_info ends before bytes_acked; a truncated one before
 * unacked gives nothing at all. */
START_TEST(test_parse_short_tcp_info)
{
	struct nl_buf m;
	const struct nlmsghdr *nlh = subflow_msg(&m, 104);
	struct diag_subflow s;

	ck_assert_int_eq(diag_parse_subflow(nlh, m.len, &s), 0);
	ck_assert(s.has_tcp_info);
	ck_assert(!s.has_bytes_acked);
	ck_assert_uint_eq(s.bytes_acked, 0);
	ck_assert_uint_eq(s.unacked, 7);
	ck_assert_uint_eq(s.rtt_us, 12000);

	nlh = subflow_msg(&m, 20);
	ck_assert_int_eq(diag_parse_subflow(nlh, m.len, &s), 0);
	ck_assert_uint_eq(s.token, 0xabcd);
	ck_assert(!s.has_tcp_info);
	ck_assert_uint_eq(s.unacked, 0);
}
END_TEST

/* A lossy but live path: duplicate ACKs keep coming although nothing new
 * is acknowledged.  Not dead. */

static Suite *health_suite(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("stall");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_forget_all);
	tcase_add_test(tc, test_steady_progress_never_stalls);
	tcase_add_test(tc, test_fires_at_threshold_short_rtt);
	tcase_add_test(tc, test_fires_at_threshold_long_rtt);
	tcase_add_test(tc, test_window_starts_at_last_progress);
	tcase_add_test(tc, test_fires_once);
	tcase_add_test(tc, test_dup_acks_keep_it_alive);
	tcase_add_test(tc, test_progress_rearms);
	tcase_add_test(tc, test_drained_rearms);
	tcase_add_test(tc, test_idle_never_fires);
	tcase_add_test(tc, test_send_after_long_idle);
	tcase_add_test(tc, test_not_judged);
	tcase_add_test(tc, test_keys_are_distinct);
	tcase_add_test(tc, test_unanswered_is_forgotten);
	tcase_add_test(tc, test_recent_sender_stays_hot);
	tcase_add_test(tc, test_first_look_is_not_progress);
	tcase_add_test(tc, test_clock_going_back);
	tcase_add_test(tc, test_parse_tcp_info);
	tcase_add_test(tc, test_parse_short_tcp_info);
	suite_add_tcase(s, tc);
	tc = tcase_create("budget");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_idle_budget);
	tcase_add_test(tc, test_hot_budget);
	tcase_add_test(tc, test_cursor_survives_close);
	tcase_add_test(tc, test_verdict_time_with_many_idle);
	suite_add_tcase(s, tc);
	tc = tcase_create("path");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_path_dead_once);
	tcase_add_test(tc, test_peer_dead_path_alive);
	tcase_add_test(tc, test_path_revives);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(health_suite)
