/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command window and its queue (genl_queue.c), and a mass action run
 * against a fake kernel whose ACK buffer holds a few hundred answers, as
 * the command socket's does: every command answered, none lost, and the
 * promotions out before the closes.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "genl_queue.h"

static struct mptcpd_action act(enum mptcpd_action_type type, uint32_t token)
{
	struct mptcpd_action a;

	memset(&a, 0, sizeof(a));
	a.type = type;
	a.token = token;
	return a;
}

START_TEST(test_window_for_rcvbuf)
{
	ck_assert_uint_eq(genl_queue_window_for(-1), GENL_QUEUE_WINDOW_MIN);
	ck_assert_uint_eq(genl_queue_window_for(4096), GENL_QUEUE_WINDOW_MIN);
	/* Linux's default rmem_max, doubled by the kernel. */
	ck_assert_uint_eq(genl_queue_window_for(425984), 104);
	ck_assert_uint_eq(genl_queue_window_for(8 << 20), GENL_QUEUE_WINDOW_MAX);
}
END_TEST

START_TEST(test_window_then_queue)
{
	struct genl_queue q;
	struct mptcpd_action a = act(MPTCPD_ACTION_SUBFLOW_CREATE, 1), out;
	size_t lost;

	ck_assert_int_eq(genl_queue_init(&q, 2, 10), 0);
	ck_assert(genl_queue_may_send(&q));
	ck_assert_int_eq(genl_queue_sent(&q, 100, &a), 0);
	ck_assert(genl_queue_may_send(&q));
	ck_assert_int_eq(genl_queue_sent(&q, 101, &a), 0);
	ck_assert(!genl_queue_may_send(&q));		/* window full */
	ck_assert_int_eq(genl_queue_sent(&q, 102, &a), -ENOBUFS);
	a.token = 7;
	ck_assert_int_eq(genl_queue_wait(&q, &a), 0);
	ck_assert_uint_eq(genl_queue_len(&q), 3);
	ck_assert(!genl_queue_next(&q, &out));		/* no room yet */
	ck_assert(genl_queue_ack(&q, 100, &out, &lost));
	ck_assert_uint_eq(lost, 0);
	ck_assert_uint_eq(out.token, 1);
	/* Room, but one waits: a new command must not overtake it. */
	ck_assert(!genl_queue_may_send(&q));
	ck_assert(genl_queue_next(&q, &out));
	ck_assert_uint_eq(out.token, 7);
	ck_assert(genl_queue_may_send(&q));		/* not sent yet */
	ck_assert_int_eq(genl_queue_sent(&q, 102, &out), 0);
	ck_assert(!genl_queue_may_send(&q));		/* full again */
	genl_queue_clear(&q);
}
END_TEST

START_TEST(test_makes_before_breaks_fifo_within)
{
	struct genl_queue q;
	struct mptcpd_action a, out;
	uint32_t order[6];

	ck_assert_int_eq(genl_queue_init(&q, 1, 100), 0);
	a = act(MPTCPD_ACTION_SUBFLOW_CREATE, 99);
	ck_assert_int_eq(genl_queue_sent(&q, 1, &a), 0);	/* window full */
	a = act(MPTCPD_ACTION_SUBFLOW_DESTROY, 1);
	genl_queue_wait(&q, &a);
	a = act(MPTCPD_ACTION_SET_BACKUP, 2);
	genl_queue_wait(&q, &a);
	a = act(MPTCPD_ACTION_REMOVE, 3);
	genl_queue_wait(&q, &a);
	a = act(MPTCPD_ACTION_SET_BACKUP, 4);
	genl_queue_wait(&q, &a);
	a = act(MPTCPD_ACTION_SUBFLOW_CREATE, 5);
	genl_queue_wait(&q, &a);
	a = act(MPTCPD_ACTION_ANNOUNCE, 6);
	genl_queue_wait(&q, &a);
	for (int i = 0; i < 6; i++) {
		size_t lost;

		ck_assert(genl_queue_ack(&q, (uint32_t)i + 1, &out, &lost));
		ck_assert_uint_eq(lost, 0);
		ck_assert(genl_queue_next(&q, &out));
		order[i] = out.token;
		ck_assert_int_eq(genl_queue_sent(&q, (uint32_t)i + 2, &out), 0);
	}
	/* Promotions, joins, announcements in their order; then the closes
	 * in theirs. */
	ck_assert_uint_eq(order[0], 2);
	ck_assert_uint_eq(order[1], 4);
	ck_assert_uint_eq(order[2], 5);
	ck_assert_uint_eq(order[3], 6);
	ck_assert_uint_eq(order[4], 1);
	ck_assert_uint_eq(order[5], 3);
	genl_queue_clear(&q);
}
END_TEST

START_TEST(test_queue_bounded)
{
	struct genl_queue q;
	struct mptcpd_action a = act(MPTCPD_ACTION_SET_BACKUP, 1), out;

	ck_assert_int_eq(genl_queue_init(&q, 1, 100), 0);
	ck_assert_int_eq(genl_queue_sent(&q, 1, &a), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(genl_queue_wait(&q, &a), 0);
	ck_assert_int_eq(genl_queue_wait(&q, &a), -ENOBUFS);
	a.type = MPTCPD_ACTION_REMOVE;		/* whatever the class */
	ck_assert_int_eq(genl_queue_wait(&q, &a), -ENOBUFS);
	ck_assert_uint_eq(q.refused, 2);
	ck_assert_uint_eq(genl_queue_waiting(&q), 100);
	/* Drained, it gives its memory back and takes more again. */
	for (int i = 0; i < 100; i++) {
		size_t lost;

		ck_assert(genl_queue_ack(&q, (uint32_t)i + 1, &out, &lost));
		ck_assert(genl_queue_next(&q, &out));
		genl_queue_sent(&q, (uint32_t)i + 2, &out);
	}
	ck_assert_uint_eq(genl_queue_waiting(&q), 0);
	ck_assert_ptr_null(q.wait[GENL_QUEUE_MAKE].v);
	ck_assert_int_eq(genl_queue_wait(&q, &a), 0);
	genl_queue_clear(&q);
}
END_TEST

START_TEST(test_gap_counts_lost_once)
{
	struct genl_queue q;
	struct mptcpd_action a = act(MPTCPD_ACTION_SUBFLOW_DESTROY, 1), out;
	size_t lost;

	ck_assert_int_eq(genl_queue_init(&q, 8, 100), 0);
	for (uint32_t s = 10; s < 15; s++) {
		a.token = s;
		genl_queue_sent(&q, s, &a);
	}
	ck_assert(genl_queue_ack(&q, 13, &out, &lost));
	ck_assert_uint_eq(out.token, 13);
	ck_assert_uint_eq(lost, 3);
	ck_assert(!genl_queue_ack(&q, 12, &out, &lost));	/* stale */
	ck_assert_uint_eq(lost, 0);
	ck_assert_uint_eq(genl_queue_inflight(&q), 1);
	ck_assert_uint_eq(genl_queue_drop_inflight(&q), 1);
	ck_assert_uint_eq(q.acks_lost, 4);
	ck_assert(genl_queue_may_send(&q));
	genl_queue_clear(&q);
}
END_TEST

START_TEST(test_seq_wraps)
{
	struct genl_queue q;
	struct mptcpd_action a = act(MPTCPD_ACTION_SET_BACKUP, 1), out;
	size_t lost;

	ck_assert_int_eq(genl_queue_init(&q, 4, 10), 0);
	genl_queue_sent(&q, 0xffffffffu, &a);
	genl_queue_sent(&q, 0, &a);
	ck_assert(genl_queue_ack(&q, 0, &out, &lost));
	ck_assert_uint_eq(lost, 1);
	genl_queue_clear(&q);
}
END_TEST

/* ---- a mass action against a fake kernel -------------------------------- */

/* The kernel answers within sendmsg() and queues the ACK; a receive
 * buffer of RCV_ACKS answers drops the rest, as netlink does. */
#define RCV_ACKS	200
#define CONNS		10000

struct fake {
	struct genl_queue q;
	uint32_t seq;
	uint32_t acks[RCV_ACKS];
	size_t n_acks;
	size_t dropped;
	size_t answered;
	size_t breaks_overtaking;	/* a close sent while a promotion
					 * waited */
};

static void fake_transmit(struct fake *f, const struct mptcpd_action *a)
{
	uint32_t seq = ++f->seq;

	ck_assert_int_eq(genl_queue_sent(&f->q, seq, a), 0);
	if (genl_queue_class_of(a) == GENL_QUEUE_BREAK &&
	    f->q.wait[GENL_QUEUE_MAKE].n)
		f->breaks_overtaking++;
	if (f->n_acks == RCV_ACKS)
		f->dropped++;
	else
		f->acks[f->n_acks++] = seq;
}

/* genl_send() */
static void fake_send(struct fake *f, const struct mptcpd_action *a)
{
	if (genl_queue_may_send(&f->q))
		fake_transmit(f, a);
	else
		ck_assert_int_eq(genl_queue_wait(&f->q, a), 0);
}

/* genl_cmd_readable(): read every ACK queued, then fill the window. */
static void fake_readable(struct fake *f)
{
	struct mptcpd_action a;
	size_t lost;

	for (size_t i = 0; i < f->n_acks; i++) {
		if (genl_queue_ack(&f->q, f->acks[i], &a, &lost))
			f->answered++;
		ck_assert_uint_eq(lost, 0);
	}
	f->n_acks = 0;
	while (genl_queue_next(&f->q, &a))
		fake_transmit(f, &a);
}

START_TEST(test_mass_action_loses_no_ack)
{
	struct fake *f = calloc(1, sizeof(*f));
	size_t window = genl_queue_window_for(RCV_ACKS * GENL_QUEUE_ACK_COST * 2);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_le(window, RCV_ACKS);
	ck_assert_int_eq(genl_queue_init(&f->q, window, GENL_QUEUE_WAIT_MAX), 0);
	/* Wi-Fi lost: per connection, the engine's order (promote, withdraw,
	 * close). */
	for (uint32_t t = 1; t <= CONNS; t++) {
		struct mptcpd_action a = act(MPTCPD_ACTION_SET_BACKUP, t);

		fake_send(f, &a);
		a.type = MPTCPD_ACTION_REMOVE;
		fake_send(f, &a);
		a.type = MPTCPD_ACTION_SUBFLOW_DESTROY;
		fake_send(f, &a);
	}
	for (int i = 0; i < 3 * CONNS && genl_queue_len(&f->q); i++)
		fake_readable(f);
	ck_assert_uint_eq(f->dropped, 0);
	ck_assert_uint_eq(f->answered, 3 * CONNS);
	ck_assert_uint_eq(genl_queue_len(&f->q), 0);
	ck_assert_uint_eq(f->breaks_overtaking, 0);
	genl_queue_clear(&f->q);
	free(f);
}
END_TEST

static Suite *genl_queue_suite(void)
{
	Suite *s = suite_create("genl_queue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_window_for_rcvbuf);
	tcase_add_test(tc, test_window_then_queue);
	tcase_add_test(tc, test_makes_before_breaks_fifo_within);
	tcase_add_test(tc, test_queue_bounded);
	tcase_add_test(tc, test_gap_counts_lost_once);
	tcase_add_test(tc, test_seq_wraps);
	tcase_add_test(tc, test_mass_action_loses_no_ack);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(genl_queue_suite)
