/* SPDX-License-Identifier: BSD-3-Clause */
/* The decision history (history.c): the ring going round, where --since
 * starts, the kernel's answer finding its entry (or not, once the ring
 * overwrote it), and resizing. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "history.h"

/* A command as the daemon records it and queues it (tagged). */
static struct history_entry *record(struct history *h, uint32_t token,
				    uint64_t mono_ms, struct mptcpd_action *a)
{
	struct history_entry *e = history_add(h, HISTORY_ACTION, mono_ms,
					      1700000000000LL + (int64_t)mono_ms);

	ck_assert_ptr_nonnull(e);
	memset(a, 0, sizeof(*a));
	a->type = MPTCPD_ACTION_SET_BACKUP;
	a->token = token;
	a->local.family = AF_INET;
	a->local.u.v4.s_addr = htonl(0xc6336402);	/* 198.51.100.2 */
	a->remote.family = AF_INET;
	a->remote.u.v4.s_addr = htonl(0xcb007102);	/* 203.0.113.2 */
	a->remote.port = 443;
	e->token = token;
	e->action = a->type;
	e->local = a->local;
	e->remote = a->remote;
	e->outcome = HISTORY_OUTCOME_SENT;
	snprintf(e->reason, sizeof(e->reason), "promote wwan0 subflow: "
		 "decision %u", token);
	a->reason = history_tag(e);
	return e;
}

START_TEST(test_wrap_keeps_the_newest)
{
	struct history *h = history_new(8);
	struct mptcpd_action a;

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(history_first(h), history_next(h));
	for (uint32_t i = 1; i <= 20; i++)
		record(h, i, i * 10, &a);
	ck_assert_uint_eq(history_next(h), 21);
	ck_assert_uint_eq(history_first(h), 13);
	ck_assert_ptr_null(history_get(h, 12));
	ck_assert_ptr_null(history_get(h, 21));
	for (uint64_t s = 13; s <= 20; s++) {
		const struct history_entry *e = history_get(h, s);

		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->seq, s);
		ck_assert_uint_eq(e->token, s);
	}
	history_free(h);
}
END_TEST

START_TEST(test_since_is_a_binary_search)
{
	struct history *h = history_new(16);
	struct mptcpd_action a;

	for (uint32_t i = 1; i <= 40; i++)
		record(h, i, 1000 + i * 100, &a);	/* 1100 .. 5000 */
	/* kept: 25..40, at 3500..5000 */
	ck_assert_uint_eq(history_since(h, 0), 25);
	ck_assert_uint_eq(history_since(h, 3500), 25);
	ck_assert_uint_eq(history_since(h, 3501), 26);
	ck_assert_uint_eq(history_since(h, 4000), 30);
	ck_assert_uint_eq(history_since(h, 5000), 40);
	ck_assert_uint_eq(history_since(h, 5001), 41);	/* none */
	history_free(h);
}
END_TEST

START_TEST(test_outcome_found_by_tag)
{
	struct history *h = history_new(4);
	struct mptcpd_action a1, a2, copy;
	struct history_entry *e1 = record(h, 1, 10, &a1);

	record(h, 2, 20, &a2);
	/* genl queues a copy: the tag travels with it */
	copy = a1;
	ck_assert(history_outcome(h, &copy, HISTORY_OUTCOME_REFUSED, -ENOENT));
	ck_assert_int_eq(e1->outcome, HISTORY_OUTCOME_REFUSED);
	ck_assert_int_eq(e1->err, -ENOENT);
	/* once answered, a second answer changes nothing */
	ck_assert(!history_outcome(h, &copy, HISTORY_OUTCOME_DONE, 0));
	ck_assert(history_outcome(h, &a2, HISTORY_OUTCOME_DONE, 0));
	/* no tag, or one that is not the history's */
	copy.reason = NULL;
	ck_assert(!history_outcome(h, &copy, HISTORY_OUTCOME_DONE, 0));
	copy.reason = "no working non-cellular subflow";
	ck_assert(!history_outcome(h, &copy, HISTORY_OUTCOME_DONE, 0));
	history_free(h);
}
END_TEST

/* A REMOVE by ID alone (mptcpd-ctl remove) has no address: it is found
 * by its ID. */
START_TEST(test_outcome_of_a_remove_by_id)
{
	struct history *h = history_new(4);
	struct history_entry *e = history_add(h, HISTORY_ACTION, 1, 1);
	struct mptcpd_action a = { .type = MPTCPD_ACTION_REMOVE, .token = 7,
				   .local_id = 200 };

	e->token = 7;
	e->action = MPTCPD_ACTION_REMOVE;
	e->local_id = 200;
	e->outcome = HISTORY_OUTCOME_SENT;
	a.reason = history_tag(e);
	a.local_id = 201;
	ck_assert(!history_outcome(h, &a, HISTORY_OUTCOME_REFUSED, -EINVAL));
	a.local_id = 200;
	ck_assert(history_outcome(h, &a, HISTORY_OUTCOME_REFUSED, -EINVAL));
	ck_assert_int_eq(e->err, -EINVAL);
	history_free(h);
}
END_TEST

/* A command answered after the ring overwrote its entry must not touch
 * the entry now in its slot; one that survived the wrap is updated. */
START_TEST(test_outcome_after_wrap)
{
	struct history *h = history_new(4);
	struct mptcpd_action old, kept, a;
	const struct history_entry *e;

	record(h, 1, 10, &old);		/* slot of seq 1 */
	for (uint32_t i = 2; i <= 4; i++)
		record(h, i, i * 10, &a);
	record(h, 5, 50, &a);		/* overwrites seq 1's slot */
	record(h, 6, 60, &kept);	/* overwrites seq 2's */
	ck_assert_ptr_null(history_get(h, 1));
	ck_assert(!history_outcome(h, &old, HISTORY_OUTCOME_REFUSED, -EINVAL));
	e = history_get(h, 5);
	ck_assert_int_eq(e->outcome, HISTORY_OUTCOME_SENT);
	ck_assert_int_eq(e->err, 0);
	ck_assert(history_outcome(h, &kept, HISTORY_OUTCOME_REFUSED, -EINVAL));
	ck_assert_int_eq(history_get(h, 6)->outcome, HISTORY_OUTCOME_REFUSED);
	/* the same command for the same token in the same slot is the only
	 * case the tag cannot tell apart: it is then the same decision */
	history_free(h);
}
END_TEST

START_TEST(test_resize_and_disable)
{
	struct history *h = history_new(8);
	struct mptcpd_action a;

	for (uint32_t i = 1; i <= 10; i++)
		record(h, i, i, &a);
	ck_assert_int_eq(history_resize(h, 4), 0);
	ck_assert_uint_eq(history_first(h), 7);
	ck_assert_uint_eq(history_get(h, 7)->token, 7);
	ck_assert_uint_eq(history_get(h, 10)->token, 10);
	/* the tag of a command sent before the resize finds nothing */
	ck_assert(!history_outcome(h, &a, HISTORY_OUTCOME_DONE, 0));
	ck_assert_int_eq(history_resize(h, 16), 0);
	ck_assert_uint_eq(history_first(h), 7);
	record(h, 11, 11, &a);
	ck_assert_uint_eq(history_get(h, 8)->token, 8);
	ck_assert_int_eq(history_resize(h, 0), 0);
	ck_assert_ptr_null(history_add(h, HISTORY_RELOAD, 1, 1));
	ck_assert_ptr_null(history_get(h, 11));
	ck_assert_uint_eq(history_since(h, 0), history_next(h));
	history_free(h);
	h = history_new(0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_null(history_add(h, HISTORY_STRATEGY, 1, 1));
	history_free(h);
}
END_TEST

/* A full ring of the default size costs the same per record as an empty
 * one: no allocation, no walk. */
START_TEST(test_many_records)
{
	struct history *h = history_new(HISTORY_SIZE_DEFAULT);
	struct mptcpd_action a;

	for (uint32_t i = 1; i <= 3 * HISTORY_SIZE_DEFAULT; i++)
		record(h, i, i, &a);
	ck_assert_uint_eq(history_next(h) - history_first(h),
			  HISTORY_SIZE_DEFAULT);
	ck_assert(history_outcome(h, &a, HISTORY_OUTCOME_DONE, 0));
	history_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("ring");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_wrap_keeps_the_newest);
	tcase_add_test(tc, test_since_is_a_binary_search);
	tcase_add_test(tc, test_outcome_found_by_tag);
	tcase_add_test(tc, test_outcome_after_wrap);
	tcase_add_test(tc, test_outcome_of_a_remove_by_id);
	tcase_add_test(tc, test_resize_and_disable);
	tcase_add_test(tc, test_many_records);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
