/* SPDX-License-Identifier: BSD-3-Clause */
/* When the event socket is read: at once when quiet, in batches in a
 * storm, at once again after it. */
#include <check.h>

#include "fixture.h"
#include "pace.h"

START_TEST(test_quiet_reads_at_once)
{
	struct pace p = { 0 };

	/* A busy but normal host: 10 reads per window, every window. */
	for (uint64_t t = 0; t < 1000; t++)
		ck_assert(!pace_after_read(&p, t));
}
END_TEST

START_TEST(test_storm_paced_then_released)
{
	struct pace p = { 0 };
	uint64_t t = 100;
	bool paced = false;

	/* 30 reads within one millisecond: a storm. */
	for (int i = 0; i < 30; i++)
		paced = pace_after_read(&p, t);
	ck_assert(paced);
	/* Paced: a read per PACE_GAP_MS finds data, the storm goes on. */
	for (int i = 0; i < 50; i++) {
		t += PACE_GAP_MS;
		ck_assert(pace_after_read(&p, t));
	}
	/* Quiet again: one read in a whole window ends the pacing. */
	t += PACE_WINDOW_MS;
	pace_after_read(&p, t);
	t += PACE_WINDOW_MS;
	ck_assert(!pace_after_read(&p, t));
}
END_TEST

START_TEST(test_clock_going_back_is_a_new_window)
{
	struct pace p = { .window_ms = 500, .wakeups = 3, .paced = false };

	pace_after_read(&p, 10);
	ck_assert_uint_eq(p.window_ms, 10);
	ck_assert_uint_eq(p.wakeups, 1);
}
END_TEST

static Suite *pace_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("reads");

	tcase_add_test(tc, test_quiet_reads_at_once);
	tcase_add_test(tc, test_storm_paced_then_released);
	tcase_add_test(tc, test_clock_going_back_is_a_new_window);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(pace_suite)
