/* SPDX-License-Identifier: BSD-3-Clause */
/* The intrusive min-heap (heap.c), and the model's due times on it. */
#include <check.h>
#include <stdlib.h>

#include "heap.h"
#include "model.h"

#define N 1000

/* The heap property and every node's back-pointer, checked in full. */
static void heap_check(const struct heap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ck_assert_uint_eq(h->v[i]->pos, i + 1);
		if (i > 0)
			ck_assert_uint_le(h->v[(i - 1) / 2]->key, h->v[i]->key);
	}
}

/* Keys from a fixed pseudo-random sequence: the test is the same on
 * every run. */
static uint64_t next_key(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 8) % 5000 + 1;
}

START_TEST(test_pops_in_order)
{
	static struct heap_node nodes[N];
	struct heap h;
	uint32_t st = 1;
	uint64_t last = 0;

	heap_init(&h);
	ck_assert_ptr_null(heap_min(&h));
	for (size_t i = 0; i < N; i++) {
		ck_assert(!heap_node_queued(&nodes[i]));
		ck_assert_int_eq(heap_set(&h, &nodes[i], next_key(&st)), 0);
		ck_assert(heap_node_queued(&nodes[i]));
	}
	heap_check(&h);
	ck_assert_uint_eq(heap_count(&h), N);
	for (size_t i = 0; i < N; i++) {
		struct heap_node *x = heap_min(&h);

		ck_assert_uint_ge(x->key, last);
		last = x->key;
		heap_del(&h, x);
		ck_assert(!heap_node_queued(x));
	}
	ck_assert_ptr_null(heap_min(&h));
	heap_fini(&h);
}
END_TEST

START_TEST(test_move_and_delete_anywhere)
{
	static struct heap_node nodes[N];
	struct heap h;
	uint32_t st = 7;

	heap_init(&h);
	for (size_t i = 0; i < N; i++)
		heap_set(&h, &nodes[i], next_key(&st));
	/* Moves up, moves down, and the same key again. */
	for (size_t i = 0; i < N; i += 3)
		heap_set(&h, &nodes[i], nodes[i].key / 2 + 1);
	for (size_t i = 1; i < N; i += 3)
		heap_set(&h, &nodes[i], nodes[i].key * 2);
	heap_set(&h, &nodes[2], nodes[2].key);
	heap_check(&h);
	/* Deleting from the middle, the end, twice, and one in no heap. */
	for (size_t i = 0; i < N; i += 2)
		heap_del(&h, &nodes[i]);
	heap_del(&h, &nodes[0]);
	heap_check(&h);
	ck_assert_uint_eq(heap_count(&h), N / 2);
	heap_set(&h, &nodes[0], 0);	/* a key of 0 is a key like another */
	ck_assert_ptr_eq(heap_min(&h), &nodes[0]);
	heap_fini(&h);
	ck_assert(!heap_node_queued(&nodes[1]));	/* fini leaves none in */
}
END_TEST

START_TEST(test_reserve)
{
	struct heap h;
	struct heap_node x = { 0 };

	heap_init(&h);
	ck_assert_int_eq(heap_reserve(&h, 100), 0);
	ck_assert_uint_ge(h.cap, 100);
	ck_assert_int_eq(heap_reserve(&h, 3), 0);	/* never shrinks */
	ck_assert_uint_ge(h.cap, 100);
	ck_assert_int_eq(heap_set(&h, &x, 5), 0);
	heap_fini(&h);
}
END_TEST

/* The model's due times: the earliest first, a closed connection out of
 * the heap with it, 0 for "not due". */
START_TEST(test_model_due)
{
	struct model *m = model_new();
	struct model_conn *a = model_conn_get(m, 1);
	struct model_conn *b = model_conn_get(m, 2);
	struct model_conn *c = model_conn_get(m, 3);

	ck_assert_ptr_null(model_conn_due_first(m));
	model_conn_set_due(m, a, 300);
	model_conn_set_due(m, b, 100);
	model_conn_set_due(m, c, 200);
	ck_assert_ptr_eq(model_conn_due_first(m), b);
	ck_assert_uint_eq(model_conn_due(b), 100);
	model_conn_del(m, 2);
	ck_assert_ptr_eq(model_conn_due_first(m), c);
	model_conn_set_due(m, c, 0);
	ck_assert_uint_eq(model_conn_due(c), 0);
	ck_assert_ptr_eq(model_conn_due_first(m), a);
	model_conn_set_due(m, a, 50);
	ck_assert_ptr_eq(model_conn_due_first(m), a);
	model_free(m);
}
END_TEST

/* The subflow counter "status" reports follows adds, deletes, adoption's
 * truncation and closed connections. */
START_TEST(test_model_subflow_count)
{
	struct model *m = model_new();
	struct model_conn *a = model_conn_get(m, 1);
	struct model_conn *b = model_conn_get(m, 2);
	struct mptcpd_subflow s = { .state = MPTCPD_SUBFLOW_ESTABLISHED };

	for (int i = 0; i < 3; i++) {
		s.remote.port = (uint16_t)(i + 1);
		s.state = i == 1 ? MPTCPD_SUBFLOW_PENDING :
				   MPTCPD_SUBFLOW_ESTABLISHED;
		ck_assert_ptr_nonnull(model_subflow_add(a, &s));
		ck_assert_ptr_nonnull(model_subflow_add(b, &s));
	}
	ck_assert_uint_eq(model_subflow_count(m), 6);
	model_subflow_del(a, &a->subflows[0]);
	ck_assert_uint_eq(model_subflow_count(m), 5);
	model_subflow_keep_pending(b);
	ck_assert_uint_eq(b->pub.n_subflows, 1);
	ck_assert_uint_eq(model_subflow_count(m), 3);
	model_conn_del(m, 1);
	ck_assert_uint_eq(model_subflow_count(m), 1);
	model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_pops_in_order);
	tcase_add_test(tc, test_move_and_delete_anywhere);
	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_model_due);
	tcase_add_test(tc, test_model_subflow_count);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
