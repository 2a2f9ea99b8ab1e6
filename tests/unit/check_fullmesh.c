/* SPDX-License-Identifier: BSD-3-Clause */
/* fullmesh decisions, one event kind at a time, on fabricated views. */
#include <check.h>

#include "fixture.h"
#include "strategies/registry.h"

#define PORT 8080

struct world {
	struct mptcpd_conn conn;
	struct mptcpd_subflow subflows[16];
	struct mptcpd_remote_addr remotes[8];
	struct mptcpd_local_addr addrs[8];
	struct mptcpd_host host;
	struct mptcpd_event ev;
	struct mptcpd_actions out;
};

/* A client connection 192.0.2.2 -> 203.0.113.2:8080 with its initial
 * subflow, on a host with eth0 192.0.2.2 and eth1 198.51.100.2. */
static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->conn.token = 0x1234;
	w->conn.local = fx_addr("192.0.2.2", 40000);
	w->conn.remote = fx_addr("203.0.113.2", PORT);
	w->conn.established = true;
	w->subflows[0] = fx_subflow("192.0.2.2", 40000, "203.0.113.2", PORT);
	w->conn.subflows = w->subflows;
	w->conn.n_subflows = 1;
	w->conn.remotes = w->remotes;
	w->addrs[0] = fx_local("192.0.2.2", 2, "eth0");
	w->addrs[1] = fx_local("198.51.100.2", 3, "eth1");
	w->host.addrs = w->addrs;
	w->host.n_addrs = 2;
	w->host.max_subflows = 8;
	w->ev.token = w->conn.token;
}

static void world_decide(struct world *w, enum mptcpd_event_type type)
{
	w->ev.type = type;
	w->out.n = 0;
	strategy_fullmesh.decide(&w->ev, &w->conn, &w->host, &w->out);
}

START_TEST(test_established_adds_second_path)
{
	struct world w;

	world_init(&w);
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.2", PORT), 1);
	ck_assert_int_eq(w.out.v[0].ifindex, 3);	/* bound to eth1 */
	ck_assert_uint_eq(w.out.v[0].token, 0x1234);
}
END_TEST

START_TEST(test_adopted_behaves_like_established)
{
	struct world w;

	world_init(&w);
	world_decide(&w, MPTCPD_EVENT_ADOPTED);
	ck_assert_uint_eq(w.out.n, 1);
}
END_TEST

START_TEST(test_not_established_or_server_side_does_nothing)
{
	struct world w;

	world_init(&w);
	w.conn.established = false;
	world_decide(&w, MPTCPD_EVENT_CREATED);
	ck_assert_uint_eq(w.out.n, 0);
	world_decide(&w, MPTCPD_EVENT_ADDR_ADDED);
	ck_assert_uint_eq(w.out.n, 0);
	world_init(&w);
	w.conn.server_side = true;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_existing_pair_not_created_twice)
{
	struct world w;

	world_init(&w);
	w.subflows[1] = fx_subflow("198.51.100.2", 0, "203.0.113.2", PORT);
	w.subflows[1].state = MPTCPD_SUBFLOW_PENDING;
	w.conn.n_subflows = 2;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_deny_join_id0)
{
	struct world w;

	world_init(&w);
	w.conn.deny_join_id0 = true;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
	/* an announced address is still fair game */
	w.remotes[0].id = 1;
	w.remotes[0].addr = fx_addr("203.0.113.3", 0);
	w.conn.n_remotes = 1;
	world_decide(&w, MPTCPD_EVENT_ANNOUNCED);
	ck_assert_uint_eq(w.out.n, 2);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "192.0.2.2", "203.0.113.3", PORT), 1);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.3", PORT), 1);
}
END_TEST

START_TEST(test_announced_full_mesh_with_own_port)
{
	struct world w;

	world_init(&w);
	w.remotes[0].id = 1;
	w.remotes[0].addr = fx_addr("203.0.113.3", 9000);
	w.conn.n_remotes = 1;
	world_decide(&w, MPTCPD_EVENT_ANNOUNCED);
	ck_assert_uint_eq(w.out.n, 3);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.2", PORT), 1);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "192.0.2.2", "203.0.113.3", 9000), 1);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.3", 9000), 1);
}
END_TEST

START_TEST(test_cap_counts_initial_and_pending)
{
	struct world w;

	world_init(&w);
	w.remotes[0].id = 1;
	w.remotes[0].addr = fx_addr("203.0.113.3", 0);
	w.conn.n_remotes = 1;
	w.host.max_subflows = 2;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 1);
	w.host.max_subflows = 1;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_family_must_match)
{
	struct world w;

	world_init(&w);
	w.addrs[1] = fx_local("2001:db8:2::2", 3, "eth1");
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
	w.conn.remote = fx_addr("2001:db8:3::2", PORT);
	w.conn.local = fx_addr("2001:db8:1::2", 40000);
	w.subflows[0] = fx_subflow("2001:db8:1::2", 40000, "2001:db8:3::2", PORT);
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "2001:db8:2::2", "2001:db8:3::2", PORT), 1);
	ck_assert_uint_eq(w.out.n, 1);
}
END_TEST

START_TEST(test_addr_added)
{
	struct world w;

	world_init(&w);
	w.host.n_addrs = 1;
	world_decide(&w, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
	w.host.n_addrs = 2;
	w.ev.addr = &w.addrs[1];
	world_decide(&w, MPTCPD_EVENT_ADDR_ADDED);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.2", PORT), 1);
}
END_TEST

START_TEST(test_addr_removed_destroys_its_subflows)
{
	struct world w;
	struct mptcpd_local_addr gone = fx_local("198.51.100.2", 3, "eth1");

	world_init(&w);
	w.subflows[1] = fx_subflow("198.51.100.2", 41000, "203.0.113.2", PORT);
	w.subflows[2] = fx_subflow("198.51.100.2", 0, "203.0.113.3", PORT);
	w.subflows[2].state = MPTCPD_SUBFLOW_PENDING;	/* no port: skipped */
	w.conn.n_subflows = 3;
	w.host.n_addrs = 1;
	w.ev.addr = &gone;
	world_decide(&w, MPTCPD_EVENT_ADDR_REMOVED);
	ck_assert_uint_eq(w.out.n, 2);
	/* the peer is told (RM_ADDR) first, then the subflow is closed */
	ck_assert_int_eq(w.out.v[0].type, MPTCPD_ACTION_REMOVE);
	ck_assert_int_eq(w.out.v[1].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
	ck_assert_uint_eq(w.out.v[1].local.port, 41000);
	ck_assert_uint_eq(w.out.v[1].remote.port, PORT);
}
END_TEST

START_TEST(test_quiet_events)
{
	static const enum mptcpd_event_type quiet[] = {
		MPTCPD_EVENT_CREATED, MPTCPD_EVENT_CLOSED, MPTCPD_EVENT_REMOVED,
		MPTCPD_EVENT_SUB_PRIORITY, MPTCPD_EVENT_LISTENER_CREATED,
		MPTCPD_EVENT_LISTENER_CLOSED,
	};
	struct world w;

	world_init(&w);
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		world_decide(&w, quiet[i]);
		ck_assert_msg(w.out.n == 0, "event %d produced actions", quiet[i]);
	}
}
END_TEST

START_TEST(test_action_list_overflow_is_flagged)
{
	struct world w;
	struct mptcpd_actions full = { 0 };

	for (int i = 0; i < MPTCPD_ACTIONS_MAX; i++)
		ck_assert_ptr_nonnull(mptcpd_actions_push(&full, MPTCPD_ACTION_REMOVE, 1));
	ck_assert_ptr_null(mptcpd_actions_push(&full, MPTCPD_ACTION_REMOVE, 1));
	ck_assert(full.overflow);
	world_init(&w);
	ck_assert_str_eq(strategy_fullmesh.name, "fullmesh");
	ck_assert_ptr_eq(strategy_find("fullmesh"), &strategy_fullmesh);
	ck_assert_ptr_null(strategy_find("nope"));
}
END_TEST

/* A closed subflow is asked for again (the engine's backoff decides
 * when), and so is one whose delay ran out. */
START_TEST(test_sub_closed_and_retry_remesh)
{
	struct world w;

	world_init(&w);
	world_decide(&w, MPTCPD_EVENT_SUB_CLOSED);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.2", PORT), 1);
	world_decide(&w, MPTCPD_EVENT_RETRY);
	ck_assert_uint_eq(w.out.n, 1);
}
END_TEST

/* A stalled subflow is destroyed so its data is reinjected elsewhere. */
START_TEST(test_stalled_subflow_destroyed)
{
	struct world w;

	world_init(&w);
	w.subflows[1] = fx_subflow("198.51.100.2", 41000, "203.0.113.2", PORT);
	w.subflows[1].stalled = true;
	w.conn.n_subflows = 2;
	world_decide(&w, MPTCPD_EVENT_RETRY);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert_int_eq(w.out.v[0].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
}
END_TEST

static Suite *fullmesh_suite(void)
{
	Suite *s = suite_create("fullmesh");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, test_established_adds_second_path);
	tcase_add_test(tc, test_adopted_behaves_like_established);
	tcase_add_test(tc, test_not_established_or_server_side_does_nothing);
	tcase_add_test(tc, test_existing_pair_not_created_twice);
	tcase_add_test(tc, test_deny_join_id0);
	tcase_add_test(tc, test_announced_full_mesh_with_own_port);
	tcase_add_test(tc, test_cap_counts_initial_and_pending);
	tcase_add_test(tc, test_family_must_match);
	tcase_add_test(tc, test_addr_added);
	tcase_add_test(tc, test_addr_removed_destroys_its_subflows);
	tcase_add_test(tc, test_quiet_events);
	tcase_add_test(tc, test_sub_closed_and_retry_remesh);
	tcase_add_test(tc, test_stalled_subflow_destroyed);
	tcase_add_test(tc, test_action_list_overflow_is_flagged);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(fullmesh_suite)
