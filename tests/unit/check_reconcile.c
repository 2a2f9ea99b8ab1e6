/* SPDX-License-Identifier: BSD-3-Clause */
/* The periodic reconciliation's round-robin: every connection is asked
 * about within a bounded number of ticks whatever comes and goes, a tick
 * costs a bounded amount, and "not found" is believed only from a kernel
 * whose lookups work. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model.h"
#include "reconcile.h"

#define MANY 3000

static uint32_t token_of(size_t i)
{
	return (uint32_t)(i * 2654435761u) | 1u;
}

static struct model *model_with(size_t n)
{
	struct model *m = model_new();

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(model_conn_get(m, token_of(i)));
	return m;
}

/* Ticks until every token in [0, n) was picked at least once; seen is
 * cleared first. */
static size_t ticks_to_cover(struct reconcile *r, struct model *m, size_t n)
{
	uint32_t tokens[2 * RECONCILE_PER_TICK];
	size_t left = n, ticks = 0;
	bool *seen = calloc(n, sizeof(*seen));

	ck_assert_ptr_nonnull(seen);
	while (left && ticks < 100000) {
		size_t k = reconcile_pick(r, m, tokens, RECONCILE_PER_TICK);

		ticks++;
		for (size_t j = 0; j < k; j++)
			for (size_t i = 0; i < n; i++)
				if (token_of(i) == tokens[j] && !seen[i]) {
					seen[i] = true;
					left--;
				}
	}
	free(seen);
	ck_assert_uint_eq(left, 0);
	return ticks;
}

START_TEST(test_round_robin_covers_all)
{
	struct model *m = model_with(MANY);
	struct reconcile r = { 0 };
	size_t ticks = ticks_to_cover(&r, m, MANY);

	/* A round is N / per-tick ticks, give or take the wrap. */
	ck_assert_uint_le(ticks, MANY / RECONCILE_PER_TICK + 2);
	/* And the next round too, from where the first ended. */
	ck_assert_uint_le(ticks_to_cover(&r, m, MANY),
			  MANY / RECONCILE_PER_TICK + 2);
	model_free(m);
}
END_TEST

START_TEST(test_each_once_per_tick)
{
	struct model *m = model_with(5);
	struct reconcile r = { 0 };
	uint32_t tokens[RECONCILE_PER_TICK];
	size_t k = reconcile_pick(&r, m, tokens, RECONCILE_PER_TICK);

	ck_assert_uint_eq(k, 5);
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++)
			ck_assert_uint_ne(tokens[i], tokens[j]);
	model_free(m);
}
END_TEST

/* Deleting the connection the cursor stands on, and others, between
 * ticks: the walk goes on and still reaches every survivor. */
START_TEST(test_survives_deletions)
{
	struct model *m = model_with(MANY);
	struct reconcile r = { 0 };
	uint32_t tokens[RECONCILE_PER_TICK];
	size_t k = reconcile_pick(&r, m, tokens, RECONCILE_PER_TICK);

	ck_assert_uint_eq(k, RECONCILE_PER_TICK);
	model_conn_del(m, tokens[k - 1]);	/* the cursor's */
	for (size_t i = MANY / 2; i < MANY; i++)
		model_conn_del(m, token_of(i));
	ticks_to_cover(&r, m, MANY / 2 - 1);
	model_free(m);
}
END_TEST

/* A table grown for a burst and nearly emptied since: a tick looks at a
 * bounded number of buckets, and the few left are still all reached. */
START_TEST(test_sparse_table_bounded)
{
	struct model *m = model_with(20000);
	struct reconcile r = { 0 };
	uint32_t tokens[RECONCILE_PER_TICK];
	size_t ticks;

	for (size_t i = 3; i < 20000; i++)
		model_conn_del(m, token_of(i));
	/* 32768 buckets, 3 connections: a round takes 32768 / budget
	 * ticks at most. */
	ticks = ticks_to_cover(&r, m, 3);
	ck_assert_uint_le(ticks, 32768 / RECONCILE_BUCKETS_PER_TICK + 2);
	ck_assert_uint_le(reconcile_pick(&r, m, tokens, RECONCILE_PER_TICK), 3);
	model_free(m);
}
END_TEST

START_TEST(test_empty_model)
{
	struct model *m = model_new();
	struct reconcile r = { 0 };
	uint32_t tokens[RECONCILE_PER_TICK];

	ck_assert_uint_eq(reconcile_pick(&r, m, tokens, RECONCILE_PER_TICK), 0);
	model_free(m);
}
END_TEST

/* One tick: pick, and answer "not found" for the tokens in gone. */
static size_t tick(struct reconcile *r, struct model *m, const uint32_t *gone,
		   size_t n_gone, uint32_t *forgot)
{
	uint32_t tokens[2 * RECONCILE_PER_TICK];
	size_t k = reconcile_pick(r, m, tokens, 2 * RECONCILE_PER_TICK), f = 0;

	for (size_t i = 0; i < k; i++) {
		int err = 0;

		for (size_t j = 0; j < n_gone; j++)
			if (gone[j] == tokens[i])
				err = -ENOENT;
		if (reconcile_answer(r, tokens[i], err)) {
			forgot[f++] = tokens[i];
			model_conn_del(m, tokens[i]);
		}
	}
	return f;
}

START_TEST(test_not_found_believed_once_lookups_work)
{
	struct reconcile r = { 0 };

	/* No connection ever found: a kernel without mptcp_diag says "not
	 * found" to everything, and nothing is forgotten on its word. */
	ck_assert(!reconcile_answer(&r, 1, -ENOENT));
	ck_assert(!reconcile_answer(&r, 1, -ETIMEDOUT));
	ck_assert_uint_eq(r.n_suspects, 0);
	ck_assert(!reconcile_answer(&r, 2, 0));
	ck_assert(!reconcile_answer(&r, 1, -ENOENT));	/* a suspect now */
	ck_assert_uint_eq(r.n_suspects, 1);
	ck_assert(!reconcile_answer(&r, 3, -ENOBUFS));
	ck_assert_uint_eq(r.checked, 5);
	ck_assert_uint_eq(r.forgotten, 0);
}
END_TEST

/* Not found twice, a tick apart, and still in the model: forgotten.  Not
 * found once and its CLOSED came meanwhile (the model dropped it): never
 * counted. */
START_TEST(test_forgotten_at_the_second_look)
{
	struct model *m = model_with(100);
	struct reconcile r = { 0 };
	uint32_t gone[2] = { token_of(7), token_of(8) }, forgot[64];
	size_t total = 0, ticks;

	for (ticks = 0; ticks < 20 && model_conn_find(m, gone[0]); ticks++) {
		size_t f = tick(&r, m, gone, 2, forgot);

		/* Token 8's CLOSED arrives right after its first look. */
		for (size_t i = 0; i < r.n_suspects; i++)
			if (r.suspects[i] == gone[1])
				model_conn_del(m, gone[1]);
		for (size_t i = 0; i < f; i++)
			ck_assert_uint_eq(forgot[i], gone[0]);
		total += f;
	}
	ck_assert_ptr_null(model_conn_find(m, gone[0]));
	ck_assert_uint_eq(total, 1);
	ck_assert_uint_eq(r.forgotten, 1);
	ck_assert_uint_eq(model_conn_count(m), 98);
	model_free(m);
}
END_TEST

START_TEST(test_log_aggregated)
{
	struct reconcile r = { 0 };
	uint64_t n = 0;

	ck_assert(!reconcile_log_due(&r, 1000, &n));	/* nothing to say */
	r.lookup_works = true;
	r.again[0] = 5;
	r.again[1] = 6;
	r.again[2] = 7;
	r.n_again = 3;
	ck_assert(reconcile_answer(&r, 5, -ENOENT));
	ck_assert(reconcile_log_due(&r, 1000, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert(reconcile_answer(&r, 6, -ENOENT));
	ck_assert(reconcile_answer(&r, 7, -ENOENT));
	/* Within RECONCILE_LOG_EVERY_MS: held, then told together. */
	ck_assert(!reconcile_log_due(&r, 1000 + RECONCILE_LOG_EVERY_MS - 1, &n));
	ck_assert(reconcile_log_due(&r, 1000 + RECONCILE_LOG_EVERY_MS, &n));
	ck_assert_uint_eq(n, 2);
	ck_assert(!reconcile_log_due(&r, 1000 + 3 * RECONCILE_LOG_EVERY_MS, &n));
}
END_TEST

static Suite *reconcile_suite(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("round-robin");

	tcase_add_test(tc, test_round_robin_covers_all);
	tcase_add_test(tc, test_each_once_per_tick);
	tcase_add_test(tc, test_survives_deletions);
	tcase_add_test(tc, test_sparse_table_bounded);
	tcase_add_test(tc, test_empty_model);
	tcase_add_test(tc, test_not_found_believed_once_lookups_work);
	tcase_add_test(tc, test_forgotten_at_the_second_look);
	tcase_add_test(tc, test_log_aggregated);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(reconcile_suite)
