/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "addr.h"
#include "model.h"

static struct mptcpd_addr A(const char *text, uint16_t port)
{
	struct mptcpd_addr a;

	ck_assert_int_eq(addr_parse(text, &a), 0);
	a.port = port;
	return a;
}

START_TEST(test_conn_lifecycle)
{
	struct model *m = model_new();
	struct model_conn *c;

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(model_conn_find(m, 7));
	c = model_conn_get(m, 7);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(model_conn_get(m, 7), c);
	ck_assert_uint_eq(model_conn_count(m), 1);
	model_conn_del(m, 7);
	ck_assert_ptr_null(model_conn_find(m, 7));
	ck_assert_uint_eq(model_conn_count(m), 0);
	model_conn_del(m, 7);	/* unknown token: no-op */
	model_free(m);
}
END_TEST

START_TEST(test_many_conns_and_iteration)
{
	struct model *m = model_new();
	size_t seen = 0;

	for (uint32_t t = 1; t <= 5000; t++)
		ck_assert_ptr_nonnull(model_conn_get(m, t * 7919u));
	ck_assert_uint_eq(model_conn_count(m), 5000);
	for (uint32_t t = 1; t <= 5000; t++)
		ck_assert_uint_eq(model_conn_find(m, t * 7919u)->pub.token, t * 7919u);
	for (struct model_conn *c = model_conn_next(m, NULL); c;
	     c = model_conn_next(m, c))
		seen++;
	ck_assert_uint_eq(seen, 5000);
	model_free(m);
}
END_TEST

START_TEST(test_subflows)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_subflow s = { 0 };
	struct mptcpd_addr l = A("198.51.100.2", 0), r = A("203.0.113.2", 80);
	struct mptcpd_addr l_port = A("198.51.100.2", 40000);

	s.local = l;
	s.remote = r;
	ck_assert_ptr_nonnull(model_subflow_add(c, &s));
	/* the local port is not part of the match: pending ones have none */
	ck_assert_ptr_nonnull(model_subflow_find(c, &l_port, &r));
	r.port = 81;
	ck_assert_ptr_null(model_subflow_find(c, &l, &r));
	r.port = 80;
	for (int i = 0; i < 20; i++) {
		s.remote.port = (uint16_t)(1000 + i);
		ck_assert_ptr_nonnull(model_subflow_add(c, &s));
	}
	ck_assert_uint_eq(c->pub.n_subflows, 21);
	ck_assert_ptr_eq(c->pub.subflows, c->subflows);
	model_subflow_del(c, model_subflow_find(c, &l, &r));
	ck_assert_uint_eq(c->pub.n_subflows, 20);
	ck_assert_ptr_null(model_subflow_find(c, &l, &r));
	model_free(m);
}
END_TEST

START_TEST(test_remotes)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_addr r1 = A("203.0.113.3", 0), r2 = A("2001:db8:3::3", 0);

	ck_assert_int_eq(model_remote_set(c, 1, &r1), 0);
	ck_assert_int_eq(model_remote_set(c, 2, &r2), 0);
	ck_assert_int_eq(model_remote_set(c, 1, &r2), 0);	/* update */
	ck_assert_uint_eq(c->pub.n_remotes, 2);
	ck_assert(mptcpd_addr_same_ip(&model_remote_find(c, 1)->addr, &r2));
	model_remote_del(c, 1);
	ck_assert_ptr_null(model_remote_find(c, 1));
	ck_assert_uint_eq(c->pub.n_remotes, 1);
	model_remote_del(c, 9);
	model_free(m);
}
END_TEST

START_TEST(test_id_allocator)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_addr init = A("192.0.2.2", 0), a = A("198.51.100.2", 0);
	struct mptcpd_addr b = A("2001:db8:2::2", 0);
	char buf[32];

	c->pub.local = A("192.0.2.2", 5555);
	ck_assert_int_eq(model_local_id(c, &init), 0);	/* the initial address */
	ck_assert_int_eq(model_local_id(c, &a), 1);
	ck_assert_int_eq(model_local_id(c, &b), 2);
	ck_assert_int_eq(model_local_id(c, &a), 1);	/* stable */
	/* an ID the kernel already holds is skipped */
	ck_assert_int_eq(model_local_id_reserve(c, 3, &(struct mptcpd_addr){0}), 0);
	for (int i = 4; i <= 255; i++) {
		struct mptcpd_addr x = A("203.0.113.1", 0);

		snprintf(buf, sizeof(buf), "203.0.113.%d", i);
		ck_assert_int_eq(addr_parse(buf, &x), 0);
		ck_assert_int_eq(model_local_id(c, &x), i);
	}
	ck_assert_int_eq(model_local_id(c, &(struct mptcpd_addr){ .family = AF_INET,
			 .u.v4.s_addr = 0x01020304 }), -ENOSPC);
	model_free(m);
}
END_TEST

START_TEST(test_id_reserve_conflicts)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_addr a = A("198.51.100.2", 0), b = A("198.51.100.3", 0);

	ck_assert_int_eq(model_local_id_reserve(c, 5, &a), 0);
	ck_assert_int_eq(model_local_id_reserve(c, 5, &a), 0);
	ck_assert_int_eq(model_local_id_reserve(c, 6, &a), -EEXIST);
	ck_assert_int_eq(model_local_id_reserve(c, 5, &b), -EEXIST);
	ck_assert_int_eq(model_local_id_reserve(c, 0, &b), 0);	/* ID 0: nothing */
	ck_assert_int_eq(model_local_id(c, &a), 5);
	ck_assert_int_eq(model_local_id(c, &b), 1);
	model_free(m);
}
END_TEST

/* 300 distinct addresses come and go on one connection: each REMOVE that
 * the kernel acked frees its ID once nothing uses it any more. */
START_TEST(test_id_reused_after_remove)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_subflow s = { 0 };
	struct mptcpd_addr other = A("11.0.0.1", 0);
	char text[32];

	for (int i = 0; i < 300; i++) {
		struct mptcpd_addr a;
		int id;

		snprintf(text, sizeof(text), "10.%d.%d.1", i / 200, i % 200);
		a = A(text, 0);
		id = model_local_id(c, &a);
		ck_assert_int_eq(id, 1);
		s.local = a;
		s.local_id = (uint8_t)id;
		model_subflow_add(c, &s);
		model_local_id_release(c, (uint8_t)id);
		/* its SUB_CLOSED has not come yet: the ID is still busy */
		ck_assert_int_eq(model_local_id(c, &other), 2);
		model_local_id_release(c, 2);
		model_subflow_del(c, &c->subflows[0]);
	}
	ck_assert_uint_le(c->n_ids, 2);
	model_free(m);
}
END_TEST

START_TEST(test_removed_id_rules)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_addr a = A("198.51.100.2", 0), b = A("192.0.2.9", 0);
	struct mptcpd_addr peer = A("203.0.113.7", 0);

	ck_assert_int_eq(model_local_id(c, &a), 1);
	model_local_id_release(c, 1);
	/* back before anyone took it: the same ID */
	ck_assert_int_eq(model_local_id(c, &a), 1);
	/* not removed again: b may not have it */
	ck_assert_int_eq(model_local_id(c, &b), 2);
	model_local_id_release(c, 1);
	/* the kernel gave ID 1 to a join the peer opened to b... */
	ck_assert_int_eq(model_local_id_reserve(c, 1, &peer), 0);
	/* ...and moved b (its ID 2 removed) to ID 3 */
	model_local_id_release(c, 2);
	ck_assert_int_eq(model_local_id_reserve(c, 3, &b), 0);
	ck_assert_int_eq(model_local_id(c, &b), 3);
	ck_assert_int_eq(model_local_id(c, &a), 2);
	ck_assert_int_eq(model_local_id_reserve(c, 2, &b), -EEXIST);
	model_free(m);
}
END_TEST

START_TEST(test_table_caps)
{
	struct model *m = model_new();
	struct model_conn *c = model_conn_get(m, 1);
	struct mptcpd_subflow s = { 0 };
	struct mptcpd_addr l = A("192.0.2.2", 0), r = A("203.0.113.2", 0);
	struct model_pair *p;

	for (unsigned int i = 0; i < MODEL_SUBFLOWS_MAX; i++) {
		s.remote = A("203.0.113.2", (uint16_t)(1000 + i));
		ck_assert_ptr_nonnull(model_subflow_add(c, &s));
	}
	ck_assert_ptr_null(model_subflow_add(c, &s));
	for (unsigned int i = 0; i < MODEL_PAIRS_MAX; i++) {
		r.port = (uint16_t)(1000 + i);
		ck_assert_ptr_nonnull(model_pair_get(c, &l, &r));
	}
	r.port = 1;
	ck_assert_ptr_null(model_pair_get(c, &l, &r));
	r.port = 1000;
	p = model_pair_get(c, &l, &r);		/* known ones still found */
	ck_assert_ptr_nonnull(p);
	model_pair_del(c, p);
	ck_assert_uint_eq(c->n_pairs, MODEL_PAIRS_MAX - 1);
	ck_assert_ptr_null(model_pair_find(c, &l, &r));
	r.port = 1;
	ck_assert_ptr_nonnull(model_pair_get(c, &l, &r));
	for (unsigned int i = 0; i < MODEL_REMOTES_MAX; i++)
		ck_assert_int_eq(model_remote_set(c, (uint8_t)i, &r), 0);
	ck_assert_uint_eq(c->pub.n_remotes, MODEL_REMOTES_MAX);
	model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_conn_lifecycle);
	tcase_add_test(tc, test_many_conns_and_iteration);
	tcase_add_test(tc, test_subflows);
	tcase_add_test(tc, test_remotes);
	tcase_add_test(tc, test_id_allocator);
	tcase_add_test(tc, test_id_reserve_conflicts);
	tcase_add_test(tc, test_id_reused_after_remove);
	tcase_add_test(tc, test_removed_id_rules);
	tcase_add_test(tc, test_table_caps);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
