/* SPDX-License-Identifier: BSD-3-Clause */
/* Stall detection on a fake clock, and the tcp_info fields diag feeds it. */
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
#include "stall.h"
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
	return s;
}

/* One poll round holding a single subflow. */
static bool poll1(struct stall *h, uint64_t now, const struct diag_subflow *s)
{
	bool fired;

	stall_round_begin(h, now);
	fired = stall_sample(h, s);
	stall_round_end(h);
	return fired;
}

/* The first millisecond (polled every 1 ms from t0) at which it fires for
 * a subflow stuck at s, or 0 when it did not within limit ms. */
static uint64_t fire_time(struct stall *h, uint64_t t0, uint64_t limit,
			  const struct diag_subflow *s)
{
	for (uint64_t t = t0; t <= t0 + limit; t++)
		if (poll1(h, t, s))
			return t;
	return 0;
}

START_TEST(test_threshold)
{
	ck_assert_uint_eq(stall_threshold_ms(0), 150);
	ck_assert_uint_eq(stall_threshold_ms(10000), 150);
	ck_assert_uint_eq(stall_threshold_ms(55000), 150);
	ck_assert_uint_eq(stall_threshold_ms(100000), 240);
	ck_assert_uint_eq(stall_threshold_ms(4000000000u), 8000040);
}
END_TEST

START_TEST(test_steady_progress_never_stalls)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 3, 0, 10);

	for (uint64_t t = 0; t < 60000; t += 100) {
		s.bytes_acked += 1000;
		ck_assert(!poll1(h, t, &s));
		ck_assert(!stall_is_stalled(h, &s));
	}
	stall_free(h);
}
END_TEST

START_TEST(test_fires_at_threshold_short_rtt)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert_uint_eq(fire_time(h, 1000, 1000, &s), 1150);
	ck_assert(stall_is_stalled(h, &s));
	stall_free(h);
}
END_TEST

START_TEST(test_fires_at_threshold_long_rtt)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 100);

	ck_assert_uint_eq(fire_time(h, 1000, 1000, &s), 1240);
	stall_free(h);
}
END_TEST

/* The window opens at the last change of bytes_acked, not at the first
 * sample of the subflow. */
START_TEST(test_window_starts_at_last_progress)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert(!poll1(h, 0, &s));
	ck_assert(!poll1(h, 100, &s));
	s.bytes_acked += 1448;
	ck_assert(!poll1(h, 120, &s));
	ck_assert(!poll1(h, 269, &s));
	ck_assert(poll1(h, 270, &s));
	stall_free(h);
}
END_TEST

START_TEST(test_fires_once)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);
	int fired = 0;

	for (uint64_t t = 0; t < 900000; t += 100)
		fired += poll1(h, t, &s);
	ck_assert_int_eq(fired, 1);
	ck_assert(stall_is_stalled(h, &s));
	stall_free(h);
}
END_TEST

START_TEST(test_progress_rearms)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert_uint_eq(fire_time(h, 0, 1000, &s), 150);
	s.bytes_acked += 1;	/* the path came back */
	ck_assert(!poll1(h, 500, &s));
	ck_assert(!stall_is_stalled(h, &s));
	ck_assert_uint_eq(fire_time(h, 501, 1000, &s), 650);
	ck_assert(stall_is_stalled(h, &s));
	stall_free(h);
}
END_TEST

/* All data acked counts as progress too: the next burst starts afresh. */
START_TEST(test_drained_rearms)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 5000, 10);

	ck_assert_uint_eq(fire_time(h, 0, 1000, &s), 150);
	s.unacked = 0;
	ck_assert(!poll1(h, 200, &s));
	ck_assert(!stall_is_stalled(h, &s));
	s.unacked = 1;
	ck_assert_uint_eq(fire_time(h, 300, 1000, &s), 450);
	stall_free(h);
}
END_TEST

START_TEST(test_idle_never_fires)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 0, 5000, 10);

	for (uint64_t t = 0; t < 900000; t += 100)
		ck_assert(!poll1(h, t, &s));
	ck_assert(!stall_is_stalled(h, &s));
	stall_free(h);
}
END_TEST

/* bytes_acked has not moved for ten minutes because nothing was sent:
 * the first unacked data opens the window, it does not inherit the idle
 * time. */
START_TEST(test_send_after_long_idle)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 0, 5000, 10);

	for (uint64_t t = 0; t < 600000; t += 100)
		ck_assert(!poll1(h, t, &s));
	s.unacked = 1;
	ck_assert(!poll1(h, 600000, &s));
	ck_assert(!poll1(h, 600100, &s));
	ck_assert(!poll1(h, 600149, &s));
	ck_assert(poll1(h, 600150, &s));
	stall_free(h);
}
END_TEST

START_TEST(test_not_judged)
{
	struct stall *h = stall_new();
	struct diag_subflow syn = sf(1, 1000, 1, 0, 0);
	struct diag_subflow noinfo = sf(1, 1001, 1, 0, 0);
	struct diag_subflow old = sf(1, 1002, 1, 0, 0);

	syn.state = 2;	/* TCP_SYN_SENT: the handshake is the kernel's job */
	noinfo.has_tcp_info = false;
	old.has_bytes_acked = false;
	for (uint64_t t = 0; t < 10000; t += 100) {
		stall_round_begin(h, t);
		ck_assert(!stall_sample(h, &syn));
		ck_assert(!stall_sample(h, &noinfo));
		ck_assert(!stall_sample(h, &old));
		stall_round_end(h);
	}
	ck_assert_uint_eq(stall_count(h), 3);
	stall_free(h);
}
END_TEST

/* Same token, another port; same ports, another token: separate. */
START_TEST(test_keys_are_distinct)
{
	struct stall *h = stall_new();
	struct diag_subflow a = sf(1, 1000, 2, 0, 10);
	struct diag_subflow b = sf(1, 1001, 2, 0, 10);
	struct diag_subflow c = sf(2, 1000, 2, 0, 10);
	struct diag_subflow d = sf(1, 1000, 2, 0, 10);
	int fired = 0;

	d.remote = fx_addr("2001:db8::1", 80);
	for (uint64_t t = 0; t <= 150; t += 10) {
		stall_round_begin(h, t);
		fired += stall_sample(h, &a);
		b.bytes_acked += 10;
		c.bytes_acked += 10;
		d.bytes_acked += 10;
		fired += stall_sample(h, &b) + stall_sample(h, &c) +
			 stall_sample(h, &d);
		stall_round_end(h);
	}
	ck_assert_int_eq(fired, 1);
	ck_assert(stall_is_stalled(h, &a));
	ck_assert(!stall_is_stalled(h, &b));
	ck_assert(!stall_is_stalled(h, &c));
	ck_assert(!stall_is_stalled(h, &d));
	ck_assert_uint_eq(stall_count(h), 4);
	stall_free(h);
}
END_TEST

START_TEST(test_round_end_forgets_unseen)
{
	struct stall *h = stall_new();
	struct diag_subflow a = sf(1, 1000, 2, 0, 10);
	struct diag_subflow b = sf(1, 1001, 2, 0, 10);

	stall_round_begin(h, 0);
	stall_sample(h, &a);
	stall_sample(h, &b);
	stall_round_end(h);
	stall_round_begin(h, 200);
	ck_assert(stall_sample(h, &a));
	stall_round_end(h);
	ck_assert_uint_eq(stall_count(h), 1);
	ck_assert(stall_is_stalled(h, &a));
	ck_assert(!stall_is_stalled(h, &b));
	/* b comes back (or its 4-tuple is reused): a fresh window. */
	ck_assert(!poll1(h, 300, &b));
	ck_assert_uint_eq(stall_count(h), 1);
	ck_assert(!poll1(h, 449, &b));
	ck_assert(poll1(h, 450, &b));
	stall_free(h);
}
END_TEST

START_TEST(test_clock_going_back)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 2, 0, 10);

	ck_assert(!poll1(h, 10000, &s));
	ck_assert(!poll1(h, 5000, &s));
	ck_assert(poll1(h, 10150, &s));
	stall_free(h);
}
END_TEST

/* 1000 connections x 10 subflows each, polled for a while, then closed. */
START_TEST(test_many_subflows)
{
	struct stall *h = stall_new();
	struct diag_subflow s;
	int fired;

	for (uint64_t t = 0; t <= 200; t += 100) {
		stall_round_begin(h, t);
		fired = 0;
		for (uint32_t i = 0; i < 10000; i++) {
			s = sf(i / 10 + 1, (uint16_t)(1024 + i % 10), 1,
			       i % 2 ? t : 0, 10);
			fired += stall_sample(h, &s);
		}
		stall_round_end(h);
		ck_assert_uint_eq(stall_count(h), 10000);
		ck_assert_int_eq(fired, t == 200 ? 5000 : 0);
	}
	stall_round_begin(h, 300);
	stall_round_end(h);
	ck_assert_uint_eq(stall_count(h), 0);
	stall_free(h);
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
START_TEST(test_dup_acks_keep_it_alive)
{
	struct stall *h = stall_new();
	struct diag_subflow s = sf(1, 1000, 5, 1000, 10);

	s.last_ack_recv_ms = 20;
	ck_assert_uint_eq(fire_time(h, 0, 2000, &s), 0);
	s.last_ack_recv_ms = 1000;	/* then silence */
	ck_assert(poll1(h, 2001, &s));
	stall_free(h);
}
END_TEST

static Suite *stall_suite(void)
{
	Suite *s = suite_create("stall");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_threshold);
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
	tcase_add_test(tc, test_round_end_forgets_unseen);
	tcase_add_test(tc, test_clock_going_back);
	tcase_add_test(tc, test_many_subflows);
	tcase_add_test(tc, test_parse_tcp_info);
	tcase_add_test(tc, test_parse_short_tcp_info);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(stall_suite)
