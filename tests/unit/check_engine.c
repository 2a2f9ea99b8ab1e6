/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine with the real model, iface table and fullmesh, and a fake
 * kernel that records the commands it is sent. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <linux/if_addr.h>
#include <linux/mptcp.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <time.h>

#include "diag.h"
#include "engine.h"
#include "engine_priv.h"
#include "fixture.h"
#include "genl.h"
#include "iface.h"
#include "model.h"
#include "snapshot.h"
#include "strategies/registry.h"

#define PORT 8080
#define TOKEN 0xabcd

struct fake {
	struct mptcpd_action sent[256];
	size_t n_sent;
	int send_error;
	uint64_t now;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	enum mptcpd_event_type observed[64];	/* what monitors were shown */
	size_t n_observed;
};

static struct fake F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	struct fake *f = arg;

	if (f->send_error)
		return f->send_error;
	ck_assert_uint_lt(f->n_sent, 256);
	f->sent[f->n_sent++] = *a;
	return 0;
}

static uint64_t fake_now(void *arg)
{
	return ((struct fake *)arg)->now;
}

static void fake_change(void *arg, const struct mptcpd_local_addr *a, bool usable)
{
	struct fake *f = arg;

	if (f->engine)
		engine_on_local_addr(f->engine, a, usable);
}

static void fake_observe(void *arg, const struct mptcpd_event *ev)
{
	struct fake *f = arg;

	if (f->n_observed < 64)
		f->observed[f->n_observed++] = ev->type;
}

static bool observed(enum mptcpd_event_type type)
{
	for (size_t i = 0; i < F.n_observed; i++)
		if (F.observed[i] == type)
			return true;
	return false;
}

static const struct engine_ops fake_ops = { .send = fake_send, .now_ms = fake_now,
					    .observe_event = fake_observe };

static void link_up(int ifindex, const char *name)
{
	struct iface_link_update l = { .ifindex = ifindex,
				  .flags = IFF_UP | IFF_RUNNING };

	snprintf(l.name, sizeof(l.name), "%s", name);
	l.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(F.ifaces, &l, &IFACE_SETTINGS_DEFAULT);
}

static void addr_set(int ifindex, const char *text, bool deleted)
{
	struct iface_addr_update a = { .ifindex = ifindex, .deleted = deleted };

	a.addr = fx_addr(text, 0);
	iface_on_addr(F.ifaces, &a);
}

static void route_add(int ifindex, const char *dst, uint8_t len)
{
	struct iface_route_update r = { .ifindex = ifindex, .dst_len = len };

	r.dst = fx_addr(dst, 0);
	r.family = r.dst.family;
	iface_on_route(F.ifaces, &r, F.now);
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	F.model = model_new();
	F.ifaces = iface_table_new(fake_change, &F);
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8,
			      &fake_ops, &F);
	link_up(2, "eth0");
	link_up(3, "eth1");
	addr_set(2, "192.0.2.2", false);
	addr_set(3, "198.51.100.2", false);
	route_add(2, "0.0.0.0", 0);
	route_add(3, "0.0.0.0", 0);
}

static void teardown(void)
{
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
}

static void kernel_event(enum mptcpd_event_type type)
{
	struct mptcpd_event ev = { .type = type, .token = TOKEN };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr("192.0.2.2", 40000);
	ev.remote = fx_addr("203.0.113.2", PORT);
	engine_on_event(F.engine, &ev);
}

static void sub_event(enum mptcpd_event_type type, const char *local,
		      uint16_t lport, const char *remote, uint8_t loc_id)
{
	struct mptcpd_event ev = { .type = type, .token = TOKEN };

	ev.local = fx_addr(local, lport);
	ev.remote = fx_addr(remote, PORT);
	ev.local_id = loc_id;
	engine_on_event(F.engine, &ev);
}

static struct model_conn *conn(void)
{
	struct model_conn *c = model_conn_find(F.model, TOKEN);

	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_established_sends_create_with_id_and_dev)
{
	kernel_event(MPTCPD_EVENT_CREATED);
	ck_assert_uint_eq(F.n_sent, 0);		/* too early for subflows */
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SUBFLOW_CREATE);
	ck_assert_uint_eq(F.sent[0].local_id, 1);
	ck_assert_int_eq(F.sent[0].ifindex, 3);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);	/* initial + pending */
	kernel_event(MPTCPD_EVENT_ESTABLISHED);		/* duplicate event */
	ck_assert_uint_eq(F.n_sent, 1);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
	ck_assert_int_eq(conn()->pub.subflows[1].state, MPTCPD_SUBFLOW_ESTABLISHED);
	ck_assert_uint_eq(conn()->pub.subflows[1].local.port, 41000);
}
END_TEST

START_TEST(test_kernel_error_forgets_pending_without_retry_loop)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 1);
	engine_on_result(F.engine, &F.sent[0], -EINVAL, "invalid token");
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	ck_assert_uint_eq(F.n_sent, 1);
}
END_TEST

START_TEST(test_send_failure_forgets_pending)
{
	F.send_error = -ENOBUFS;
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
}
END_TEST

START_TEST(test_address_added_reaches_every_connection)
{
	addr_set(3, "198.51.100.2", true);
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 0);
	addr_set(3, "198.51.100.2", false);
	/* the last address went, and the kernel flushed the route with it */
	ck_assert_uint_eq(F.n_sent, 0);
	route_add(3, "0.0.0.0", 0);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SUBFLOW_CREATE);
}
END_TEST

START_TEST(test_address_removed_destroys_and_keeps_id)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	F.n_sent = 0;
	addr_set(3, "198.51.100.2", true);
	ck_assert_uint_eq(F.n_sent, 2);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_REMOVE);	/* RM_ADDR */
	ck_assert_uint_eq(F.sent[0].local_id, 1);
	ck_assert_int_eq(F.sent[1].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
	ck_assert_uint_eq(F.sent[1].local.port, 41000);
	engine_on_result(F.engine, &F.sent[1], 0, NULL);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	/* the address comes back: same ID, the kernel insists */
	F.n_sent = 0;
	addr_set(3, "198.51.100.2", false);
	route_add(3, "0.0.0.0", 0);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(F.sent[0].local_id, 1);
}
END_TEST

START_TEST(test_link_down_counts_as_address_loss)
{
	struct iface_link_update down = { .ifindex = 3, .flags = IFF_UP };

	snprintf(down.name, sizeof(down.name), "eth1");
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	F.n_sent = 0;
	down.detected = MPTCPD_IFACE_ETHERNET;
	iface_on_link(F.ifaces, &down, &IFACE_SETTINGS_DEFAULT);
	ck_assert_uint_eq(F.n_sent, 2);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_REMOVE);
	ck_assert_int_eq(F.sent[1].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
}
END_TEST

START_TEST(test_announced_and_removed)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ANNOUNCED, .token = TOKEN };

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.n_sent = 0;
	ev.remote_id = 1;
	ev.remote = fx_addr("203.0.113.3", PORT);
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(F.n_sent, 2);
	ck_assert_uint_eq(conn()->pub.n_remotes, 1);
	ev.type = MPTCPD_EVENT_REMOVED;
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(conn()->pub.n_remotes, 0);
}
END_TEST

static void announce(uint8_t id, const char *addr)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ANNOUNCED, .token = TOKEN };

	ev.remote_id = id;
	ev.remote = fx_addr(addr, PORT);
	engine_on_event(F.engine, &ev);
}

/* A peer's bad announcement never reaches the model, so no strategy can
 * join it; each one is counted. */
START_TEST(test_forbidden_announcements_refused)
{
	const char *bad[] = { "127.0.0.1", "0.0.0.0", "224.0.0.1",
			      "255.255.255.255", "169.254.9.9", "192.0.2.2",
			      "198.51.100.2" };

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.n_sent = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		announce((uint8_t)(i + 1), bad[i]);
	ck_assert_uint_eq(conn()->pub.n_remotes, 0);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(engine_get_stats(F.engine)->announcements_refused, 7);
	announce(9, "203.0.113.3");
	ck_assert_uint_eq(conn()->pub.n_remotes, 1);
	ck_assert_uint_eq(F.n_sent, 2);	/* both uplinks join the good one */
}
END_TEST

START_TEST(test_announcement_cap_and_switch)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	engine_set_peer_policy(F.engine, true, 2);
	announce(1, "203.0.113.3");
	announce(2, "203.0.113.4");
	announce(3, "203.0.113.5");
	ck_assert_uint_eq(conn()->pub.n_remotes, 2);
	announce(2, "203.0.113.6");	/* same ID again: replaces, fits */
	ck_assert_uint_eq(conn()->pub.n_remotes, 2);
	engine_set_peer_policy(F.engine, false, 8);
	announce(4, "203.0.113.7");
	ck_assert_uint_eq(conn()->pub.n_remotes, 2);
	ck_assert_uint_eq(engine_get_stats(F.engine)->announcements_refused, 2);
}
END_TEST

/* Both ends on this host: no state, no join, only a count. */
START_TEST(test_local_connections_left_alone)
{
	const char *remotes[] = { "127.0.0.1", "198.51.100.2", "::1" };

	for (size_t i = 0; i < sizeof(remotes) / sizeof(remotes[0]); i++) {
		struct mptcpd_event ev = { .token = TOKEN + (uint32_t)i };

		ev.remote = fx_addr(remotes[i], PORT);
		ev.local = fx_addr(i == 2 ? "::1" : "192.0.2.2", 40000);
		ev.type = MPTCPD_EVENT_CREATED;
		engine_on_event(F.engine, &ev);
		ev.type = MPTCPD_EVENT_ESTABLISHED;
		engine_on_event(F.engine, &ev);
	}
	ck_assert_uint_eq(model_conn_count(F.model), 0);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(engine_get_stats(F.engine)->local_conns_ignored, 3);
	kernel_event(MPTCPD_EVENT_ESTABLISHED);	/* a real one still is */
	ck_assert_uint_eq(model_conn_count(F.model), 1);
}
END_TEST

/* A join nobody answers stops taking a subflow slot after its timeout:
 * with room for one extra subflow, a blackholed announced address first
 * and a good one after, the good one is joined once the first times out. */
START_TEST(test_silent_join_times_out_and_frees_its_slot)
{
	struct mptcpd_addr good = fx_addr("203.0.113.5", PORT);
	bool joined_good = false;

	engine_set_max_subflows(F.engine, 2);
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 1);		/* 198.51.100.2 -> 203.0.113.2 */
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
	F.n_sent = 0;
	announce(1, "203.0.113.5");
	ck_assert_uint_eq(F.n_sent, 0);		/* no room: the join is pending */
	F.now += ENGINE_JOIN_TIMEOUT_MS - 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 0);
	F.now += 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out, 1);
	for (size_t i = 0; i < F.n_sent; i++)
		joined_good |= F.sent[i].type == MPTCPD_ACTION_SUBFLOW_CREATE &&
			       mptcpd_addr_same_ip(&F.sent[i].remote, &good);
	ck_assert_msg(joined_good, "the good address was not joined after the timeout");
	/* The silent pair is not asked for again while the kernel may still
	 * be sending its SYNs. */
	F.n_sent = 0;
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 0, "203.0.113.5", 2);
	F.now += ENGINE_JOIN_HOLD_MS - ENGINE_JOIN_TIMEOUT_MS - 1000;
	engine_on_timer(F.engine);
	for (size_t i = 0; i < F.n_sent; i++)
		ck_assert(!(mptcpd_addr_same_ip(&F.sent[i].local, &conn()->pub.local) &&
			    mptcpd_addr_same_ip(&F.sent[i].remote, &conn()->pub.remote)));
}
END_TEST

/* A strategy that claims more actions than the list holds (a plugin
 * writing n itself) has its list clamped, not read past its end. */
static void liar_decide(const struct mptcpd_event *ev,
			const struct mptcpd_conn *c,
			const struct mptcpd_host *h, struct mptcpd_actions *out)
{
	(void)ev; (void)c; (void)h;
	memset(out->v, 0, sizeof(out->v));
	for (size_t i = 0; i < MPTCPD_ACTIONS_MAX; i++) {
		out->v[i].type = MPTCPD_ACTION_SET_BACKUP;
		out->v[i].token = TOKEN;
	}
	out->n = 100000;
}

static const struct mptcpd_strategy liar = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION, .name = "liar",
	.decide = liar_decide,
};

START_TEST(test_action_count_clamped)
{
	engine_set_strategy(F.engine, &liar);
	kernel_event(MPTCPD_EVENT_ESTABLISHED);	/* ASan: no read past v[] */
	ck_assert_uint_le(F.n_sent, MPTCPD_ACTIONS_MAX);
}
END_TEST

START_TEST(test_sub_closed_and_closed)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 0, "203.0.113.2", 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	ck_assert_uint_eq(F.n_sent, 1);		/* no re-creation */
	kernel_event(MPTCPD_EVENT_CLOSED);
	ck_assert_ptr_null(model_conn_find(F.model, TOKEN));
}
END_TEST

START_TEST(test_unknown_token_ignored)
{
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 1, "203.0.113.2", 1);
	ck_assert_uint_eq(model_conn_count(F.model), 0);
}
END_TEST

START_TEST(test_no_route_no_join_until_route_appears)
{
	struct iface_route_update gone = { .ifindex = 3, .family = AF_INET,
				     .deleted = true };

	gone.dst = fx_addr("0.0.0.0", 0);
	iface_on_route(F.ifaces, &gone, F.now);
	route_add(3, "198.51.100.0", 24);	/* the address's own prefix */
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 0);		/* 203.0.113.2 not reachable */
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	route_add(3, "203.0.113.0", 25);	/* a specific route covers it */
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SUBFLOW_CREATE);
}
END_TEST

START_TEST(test_join_failed_before_route_is_retried_once)
{
	F.now = 1000;
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 1);
	/* another route comes while the join is pending: nothing new yet */
	F.now = 1005;
	route_add(3, "203.0.113.0", 24);
	ck_assert_uint_eq(F.n_sent, 1);
	/* the join fails: it predates the route, so it is tried again */
	F.now = 1010;
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 40001, "203.0.113.2", 1);
	ck_assert_uint_eq(F.n_sent, 2);
	ck_assert_int_eq(F.sent[1].type, MPTCPD_ACTION_SUBFLOW_CREATE);
	ck_assert_uint_eq(F.sent[1].local_id, 1);
	/* the retry fails too, with no route change since: no loop */
	F.now = 1020;
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 40002, "203.0.113.2", 1);
	ck_assert_uint_eq(F.n_sent, 2);
}
END_TEST

/* ---- Manual actions (mptcpd-ctl) and the engine's verdicts ---- */

static enum engine_verdict manual(enum mptcpd_action_type type,
				  const char *local, const char *remote,
				  int ifindex)
{
	struct mptcpd_action a = { .type = type, .token = TOKEN };

	a.local = fx_addr(local, 0);
	if (remote)
		a.remote = fx_addr(remote, PORT);
	a.ifindex = ifindex;
	return engine_manual(F.engine, &a);
}

START_TEST(test_manual_subflow_sent_then_already)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.n_sent = 0;
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "198.51.100.2",
				"203.0.113.9", 3), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 3);	/* + the pending one */
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "198.51.100.2",
				"203.0.113.9", 3), ENGINE_VERDICT_ALREADY);
	ck_assert_uint_eq(F.n_sent, 1);
	/* an existing pair is "already there" even with no route now */
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "192.0.2.2",
				"203.0.113.2", 9), ENGINE_VERDICT_ALREADY);
}
END_TEST

START_TEST(test_manual_subflow_no_route)
{
	link_up(4, "eth2");
	addr_set(4, "192.0.2.77", false);	/* no route through eth2 */
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.n_sent = 0;
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "192.0.2.77",
				"203.0.113.2", 4), ENGINE_VERDICT_NO_ROUTE);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
}
END_TEST

START_TEST(test_manual_subflow_backing_off)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.n_sent = 0;
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "198.51.100.2",
				"203.0.113.9", 3), ENGINE_VERDICT_SENT);
	engine_on_result(F.engine, &F.sent[0], -EHOSTUNREACH, NULL);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);	/* pending one gone */
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "198.51.100.2",
				"203.0.113.9", 3), ENGINE_VERDICT_BACKING_OFF);
	ck_assert_uint_eq(F.n_sent, 1);
}
END_TEST

START_TEST(test_manual_announce_verdicts)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_ANNOUNCE, .token = TOKEN };

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	a.local = fx_addr("198.51.100.2", 0);
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(a.local_id, 1);
	ck_assert_uint_eq(conn()->pub.n_announced, 1);
	a.local_id = 0;
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_ALREADY);
	ck_assert_uint_eq(a.local_id, 1);	/* the ID it has */
	/* the initial address is ID 0, which cannot be announced */
	ck_assert_int_eq(manual(MPTCPD_ACTION_ANNOUNCE, "192.0.2.2", NULL, 2),
			 ENGINE_VERDICT_INVALID);
	ck_assert_uint_eq(conn()->pub.n_announced, 1);
	a.token = 0x99;
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_NO_CONN);
}
END_TEST

START_TEST(test_manual_announce_limit)
{
	char buf[32];

	kernel_event(MPTCPD_EVENT_ESTABLISHED);	/* ID 1: 198.51.100.2 */
	for (unsigned int id = 2; id <= 255; id++) {
		struct mptcpd_addr x;

		snprintf(buf, sizeof(buf), "10.0.0.%u", id);
		x = fx_addr(buf, 0);
		ck_assert_int_eq(model_local_id_reserve(conn(), (uint8_t)id, &x), 0);
	}
	ck_assert_int_eq(manual(MPTCPD_ACTION_ANNOUNCE, "10.1.1.1", NULL, 0),
			 ENGINE_VERDICT_LIMIT);
	ck_assert_uint_eq(conn()->pub.n_announced, 0);
}
END_TEST

/* What the kernel never got, or refused, is not in the model. */
START_TEST(test_manual_announce_refused_leaves_no_trace)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_ANNOUNCE, .token = TOKEN };

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.n_sent = 0;
	F.send_error = -ENOBUFS;
	ck_assert_int_eq(manual(MPTCPD_ACTION_ANNOUNCE, "198.51.100.2", NULL, 3),
			 ENGINE_VERDICT_FAILED);
	ck_assert_uint_eq(conn()->pub.n_announced, 0);
	F.send_error = 0;
	a.local = fx_addr("198.51.100.2", 0);
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(conn()->pub.n_announced, 1);
	engine_on_result(F.engine, &F.sent[0], -EINVAL, "address in use");
	ck_assert_uint_eq(conn()->pub.n_announced, 0);
	/* and it may be asked for again */
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_SENT);
}
END_TEST

START_TEST(test_manual_subflow_send_failure_leaves_no_trace)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	F.send_error = -ENOBUFS;
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "198.51.100.2",
				"203.0.113.9", 3), ENGINE_VERDICT_FAILED);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
}
END_TEST

START_TEST(test_set_iface_goes_through_engine)
{
	struct engine_iface_change ch = { .has_exclude = true, .exclude = true };
	size_t n;

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	F.n_sent = 0;
	ck_assert_int_eq(engine_set_iface(F.engine, "eth1", &ch), 0);
	iface_usable(F.ifaces, &n);
	ck_assert_uint_eq(n, 1);
	/* the strategy heard of it and withdrew eth1 from the connection */
	ck_assert_uint_ge(F.n_sent, 1);
	ch.exclude = false;
	ch.has_type = true;
	ch.type = MPTCPD_IFACE_CELLULAR;
	ck_assert_int_eq(engine_set_iface(F.engine, "eth1", &ch), 0);
	iface_usable(F.ifaces, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(iface_usable(F.ifaces, &n)[1].type, MPTCPD_IFACE_CELLULAR);
	/* auto: the run-time type goes, the detected one is back */
	ch.type_auto = true;
	ck_assert_int_eq(engine_set_iface(F.engine, "eth1", &ch), 0);
	ck_assert_int_eq(iface_usable(F.ifaces, &n)[1].type, MPTCPD_IFACE_ETHERNET);
	ck_assert_int_eq(engine_set_iface(F.engine, "eth9", &ch), -ENODEV);
}
END_TEST

static void snap_conn(struct snapshot *s, uint32_t token, const char *local,
		      uint16_t lport, bool listener)
{
	struct diag_conn c = { .token = token, .state = TCP_ESTABLISHED };

	c.local = fx_addr(local, lport);
	c.remote = fx_addr(listener ? "0.0.0.0" : "203.0.113.2", listener ? 0 : PORT);
	c.listener = listener;
	if (listener)
		c.state = TCP_LISTEN;
	snapshot_add_conn(s, &c);
}

START_TEST(test_adopt_without_duplicates)
{
	struct snapshot s;
	struct diag_subflow sf = { .token = TOKEN, .established = true };
	struct genl_local_entry id7 = { .id = 7 };

	snapshot_init(&s);
	snap_conn(&s, TOKEN, "192.0.2.2", 40000, false);
	snap_conn(&s, TOKEN + 1, "192.0.2.2", 40001, false);
	sf.local = fx_addr("192.0.2.2", 40000);
	sf.remote = fx_addr("203.0.113.2", PORT);
	snapshot_add_subflow(&s, &sf);
	sf.local = fx_addr("198.51.100.2", 41000);
	sf.local_id = 4;
	snapshot_add_subflow(&s, &sf);
	sf.token = TOKEN + 1;
	sf.local = fx_addr("192.0.2.2", 40001);
	sf.local_id = 0;
	snapshot_add_subflow(&s, &sf);
	id7.addr = fx_addr("198.51.100.9", 0);
	snapshot_add_id(&s, TOKEN + 1, &id7);
	engine_adopt(F.engine, &s);
	/* TOKEN already has both subflows; TOKEN+1 gets one, avoiding ID 7 */
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(F.sent[0].token, TOKEN + 1);
	ck_assert_uint_eq(F.sent[0].local_id, 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
	/* the same snapshot again (a restart or resync): nothing new */
	engine_adopt(F.engine, &s);
	ck_assert_uint_eq(F.n_sent, 1);
	snapshot_clear(&s);
}
END_TEST

/* A join the kernel was still opening when we adopted it times out
 * ENGINE_JOIN_TIMEOUT_MS after adoption: adoption gives the connection
 * its due time, as sending the join would have. */
START_TEST(test_adopt_pending_times_out)
{
	struct snapshot s;
	struct diag_subflow sf = { .token = TOKEN, .established = false };

	F.now = 10000;
	snapshot_init(&s);
	snap_conn(&s, TOKEN, "192.0.2.2", 40000, false);
	sf.local = fx_addr("198.51.100.2", 41000);
	sf.remote = fx_addr("203.0.113.2", PORT);
	sf.local_id = 1;
	snapshot_add_subflow(&s, &sf);
	engine_adopt(F.engine, &s);
	ck_assert_uint_eq(F.n_sent, 0);		/* the join is there, pending */
	ck_assert_uint_eq(model_conn_due(conn()), 10000 + ENGINE_JOIN_TIMEOUT_MS);
	F.now += ENGINE_JOIN_TIMEOUT_MS - 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out, 0);
	F.now += 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out, 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	snapshot_clear(&s);
}
END_TEST

/* A refused command, a stall and the end of a backoff reach monitors, as
 * kernel events do (issue 11: none of the three ever did). */
START_TEST(test_daemon_events_reach_monitors)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert(observed(MPTCPD_EVENT_ESTABLISHED));
	ck_assert(!observed(MPTCPD_EVENT_ACTION_FAILED));
	engine_on_result(F.engine, &F.sent[0], -EHOSTUNREACH, NULL);
	ck_assert(observed(MPTCPD_EVENT_ACTION_FAILED));
	F.now += 60000;
	engine_on_timer(F.engine);
	ck_assert(observed(MPTCPD_EVENT_RETRY));
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	engine_on_stalled(F.engine, TOKEN, &conn()->pub.subflows[1].local,
			  &conn()->pub.subflows[1].remote);
	ck_assert(observed(MPTCPD_EVENT_SUB_STALLED));
}
END_TEST

static struct mptcpd_action destroy_of(const char *local, uint16_t lport)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SUBFLOW_DESTROY,
				   .token = TOKEN };

	a.local = fx_addr(local, lport);
	a.remote = fx_addr("203.0.113.2", PORT);
	return a;
}

/* Closing a subflow the connection does not have (right addresses, wrong
 * local port) is refused and leaves the real one in the model; the kernel
 * would answer "already closed" (ESRCH, taken as success) and the model
 * would have dropped the real one (issue 11, bug 1). */
START_TEST(test_manual_destroy_unknown_port_leaves_model)
{
	struct mptcpd_action a = destroy_of("198.51.100.2", 41001);

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	F.n_sent = 0;
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_NO_SUBFLOW);
	ck_assert_uint_eq(F.n_sent, 0);
	/* even an "already closed" answer for it drops nothing */
	engine_on_result(F.engine, &a, 0, NULL);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
	/* a flag change names the subflow's ID too */
	a.type = MPTCPD_ACTION_SET_BACKUP;
	a.backup = true;
	a.local.port = 41000;
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(F.sent[0].local_id, 1);
	F.n_sent = 0;
	a = destroy_of("198.51.100.2", 41000);
	ck_assert_int_eq(engine_manual(F.engine, &a), ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_uint_eq(F.sent[0].local_id, 1);	/* what monitors show */
	engine_on_result(F.engine, &F.sent[0], 0, NULL);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
}
END_TEST

/* An adopted connection whose peer never confirmed its key (no subflow
 * fully established) gets no join until its ESTABLISHED event, whatever
 * asks (issue 11, bug 4: ENOTCONN at every backoff step). */
START_TEST(test_adopt_not_fully_established_waits)
{
	struct snapshot s;
	struct diag_subflow sf = { .token = TOKEN, .established = false };

	snapshot_init(&s);
	snap_conn(&s, TOKEN, "192.0.2.2", 40000, false);
	sf.local = fx_addr("192.0.2.2", 40000);
	sf.remote = fx_addr("203.0.113.2", PORT);
	snapshot_add_subflow(&s, &sf);
	engine_adopt(F.engine, &s);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert(!conn()->pub.established);
	ck_assert(conn()->adopted);
	ck_assert_int_eq(manual(MPTCPD_ACTION_SUBFLOW_CREATE, "198.51.100.2",
				"203.0.113.2", 3), ENGINE_VERDICT_NOT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 0);
	ck_assert_int_eq(model_subflow_find(conn(), &sf.local, &sf.remote)->state,
			 MPTCPD_SUBFLOW_PENDING);
	/* It is not a join: an idle connection may stay so for long, and
	 * its initial subflow is not given up as a join that timed out. */
	ck_assert_uint_eq(model_conn_due(conn()), 0);
	F.now += 2 * ENGINE_JOIN_TIMEOUT_MS;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(engine_get_stats(F.engine)->joins_timed_out, 0);
	ck_assert_ptr_nonnull(model_subflow_find(conn(), &sf.local, &sf.remote));
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SUBFLOW_CREATE);
	/* The initial subflow is up with its connection: a strategy that
	 * keeps cellular as backup while another path works must see it so
	 * (it opened cellular as a full path, then demoted it). */
	ck_assert_int_eq(model_subflow_find(conn(), &sf.local, &sf.remote)->state,
			 MPTCPD_SUBFLOW_ESTABLISHED);
	snapshot_clear(&s);
}
END_TEST

/* The snapshot's builders turn kernel states and flags into plain fields. */
START_TEST(test_snapshot_translates)
{
	struct diag_conn c = { .token = 5, .state = TCP_SYN_SENT };
	struct diag_subflow sf = { .token = 5, .backup = true, .ifindex = 3 };
	struct genl_local_entry id = { .id = 2, .flags =
				       MPTCP_PM_ADDR_FLAG_SIGNAL };
	struct snapshot s;

	snapshot_init(&s);
	snapshot_add_conn(&s, &c);
	c.state = TCP_ESTABLISHED;
	c.fallback = true;
	snapshot_add_conn(&s, &c);
	snapshot_add_subflow(&s, &sf);
	snapshot_add_id(&s, 5, &id);
	id.flags = MPTCP_PM_ADDR_FLAG_SUBFLOW;
	snapshot_add_id(&s, 5, &id);
	ck_assert(!s.conns[0].established && !snapshot_conn_managed(&s.conns[0]));
	ck_assert(s.conns[1].established && s.conns[1].fallback);
	ck_assert(!snapshot_conn_managed(&s.conns[1]));
	ck_assert(s.subflows[0].backup && !s.subflows[0].established);
	ck_assert_int_eq(s.subflows[0].ifindex, 3);
	ck_assert(s.ids[0].signal && !s.ids[1].signal);
	ck_assert_uint_eq(s.ids[0].token, 5);
	snapshot_clear(&s);
}
END_TEST

START_TEST(test_adopt_server_side_and_vanished)
{
	struct snapshot s;

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	snapshot_init(&s);
	snap_conn(&s, 77, "192.0.2.2", 8080, false);
	snap_conn(&s, 78, "0.0.0.0", 8080, true);
	F.n_sent = 0;
	engine_adopt(F.engine, &s);
	ck_assert_ptr_null(model_conn_find(F.model, TOKEN));	/* vanished */
	ck_assert_ptr_null(model_conn_find(F.model, 78));	/* a listener */
	ck_assert(model_conn_find(F.model, 77)->pub.server_side);
	ck_assert_uint_eq(F.n_sent, 0);
	snapshot_clear(&s);
}
END_TEST

/* A server-side connection from 203.0.113.9 to our 192.0.2.2. */
static void server_event(enum mptcpd_event_type type)
{
	struct mptcpd_event ev = { .type = type, .token = TOKEN };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr("192.0.2.2", PORT);
	ev.remote = fx_addr("203.0.113.9", 40000);
	ev.server_side = true;
	engine_on_event(F.engine, &ev);
}

/* The peer joins from a port it picks: one join and its end. */
static void peer_join(enum mptcpd_event_type type, uint32_t n)
{
	struct mptcpd_event ev = { .type = type, .token = TOKEN };
	char remote[32];

	snprintf(remote, sizeof(remote), "203.0.113.%u", 10 + n / 60000);
	ev.local = fx_addr("192.0.2.2", PORT);
	ev.remote = fx_addr(remote, (uint16_t)(1024 + n % 60000));
	ev.server_side = true;
	engine_on_event(F.engine, &ev);
}

/* Server side with two more addresses to announce and a wildcard
 * listener: ESTABLISHED announces the first; counts the ANNOUNCEs sent. */
static size_t announces_sent(void)
{
	size_t n = 0;

	for (size_t i = 0; i < F.n_sent; i++)
		if (F.sent[i].type == MPTCPD_ACTION_ANNOUNCE)
			n++;
	return n;
}

static void server_with_two_to_announce(void)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_LISTENER_CREATED };

	addr_set(2, "192.0.2.3", false);
	ck_assert_int_eq(engine_set_announce(F.engine, true, NULL, 0), 0);
	ev.local = fx_addr("0.0.0.0", PORT);
	engine_on_event(F.engine, &ev);
	server_event(MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(announces_sent(), 1);
}

/* The peer's join to the first address lets the second go; nothing is
 * announced twice. */
START_TEST(test_announcements_one_at_a_time_join_paced)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_ESTABLISHED,
				   .token = TOKEN, .server_side = true };
	struct mptcpd_action first;

	server_with_two_to_announce();
	first = F.sent[F.n_sent - 1];
	/* Other events meanwhile do not let the second through. */
	F.now += ENGINE_ANNOUNCE_GAP_MS / 2;
	peer_join(MPTCPD_EVENT_SUB_ESTABLISHED, 1);
	ck_assert_uint_eq(announces_sent(), 1);
	/* The peer joins the announced address. */
	ev.local = first.local;
	ev.local.port = PORT;
	ev.remote = fx_addr("203.0.113.9", 40001);
	ev.local_id = first.local_id;
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(announces_sent(), 2);
	ck_assert(!mptcpd_addr_same_ip(&F.sent[F.n_sent - 1].local, &first.local));
	/* Later events and timer visits announce nothing more. */
	F.now += 10 * ENGINE_ANNOUNCE_GAP_MS;
	engine_on_timer(F.engine);
	peer_join(MPTCPD_EVENT_SUB_ESTABLISHED, 2);
	ck_assert_uint_eq(announces_sent(), 2);
	ck_assert_uint_eq(conn()->pub.n_announced, 2);
}
END_TEST

/* A peer that never joins gets the next one after the gap, from the
 * timer. */
START_TEST(test_announcements_one_at_a_time_timer_paced)
{
	server_with_two_to_announce();
	F.now += ENGINE_ANNOUNCE_GAP_MS - 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(announces_sent(), 1);
	F.now += 1;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(announces_sent(), 2);
	F.now += 10 * ENGINE_ANNOUNCE_GAP_MS;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(announces_sent(), 2);
}
END_TEST

/* An operator's announcement does not wait. */
START_TEST(test_manual_announce_not_paced)
{
	struct mptcpd_addr cell = fx_addr("198.51.100.2", 0);
	const char *other;

	server_with_two_to_announce();
	other = mptcpd_addr_same_ip(&F.sent[F.n_sent - 1].local, &cell) ?
		"192.0.2.3" : "198.51.100.2";
	ck_assert_int_eq(manual(MPTCPD_ACTION_ANNOUNCE, other, NULL, 0),
			 ENGINE_VERDICT_SENT);
	ck_assert_uint_eq(announces_sent(), 2);
}
END_TEST

START_TEST(test_peer_opened_subflow_leaves_no_history)
{
	server_event(MPTCPD_EVENT_ESTABLISHED);
	peer_join(MPTCPD_EVENT_SUB_ESTABLISHED, 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 2);
	peer_join(MPTCPD_EVENT_SUB_CLOSED, 1);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	ck_assert_uint_eq(conn()->n_pairs, 0);
	/* the same on a client-side connection backs the pair off */
	kernel_event(MPTCPD_EVENT_CLOSED);
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	ck_assert_uint_eq(conn()->n_pairs, 1);
	ck_assert_uint_gt(conn()->pairs[0].retry_ms, F.now);
}
END_TEST

/* A flag change the kernel refused (it does so for a join whose
 * handshake is not complete: "subflow not found") is not asked again at
 * once, although the strategy wants it at every decision: after 100 ms,
 * then 200 ms, ...; a yes ends the backoff. */
START_TEST(test_refused_flag_change_backs_off)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_ESTABLISHED,
				   .token = TOKEN };

	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	ev.local = fx_addr("198.51.100.2", 41000);
	ev.remote = fx_addr("203.0.113.2", PORT);
	ev.local_id = 1;
	ev.backup = true;		/* fullmesh wants no backup */
	F.n_sent = 0;
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(F.n_sent, 1);
	ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SET_BACKUP);
	ck_assert(!F.sent[0].backup);
	engine_on_result(F.engine, &F.sent[0], -EINVAL, "subflow not found");
	ck_assert_uint_eq(F.n_sent, 1);		/* not again at once */
	F.now += 50;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 1);
	F.now += 50;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 2);		/* 100 ms on */
	engine_on_result(F.engine, &F.sent[1], -EINVAL, "subflow not found");
	F.now += 100;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 2);		/* 200 ms now */
	F.now += 100;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(F.n_sent, 3);
	engine_on_result(F.engine, &F.sent[2], 0, NULL);
	ck_assert_uint_eq(conn()->pairs[0].flag_failures, 0);
	ck_assert(!model_subflow_find(conn(), &ev.local, &ev.remote)->backup);
}
END_TEST

START_TEST(test_pair_forgotten_when_it_holds_nothing)
{
	kernel_event(MPTCPD_EVENT_ESTABLISHED);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 41000,
		  "203.0.113.2", 1);
	ck_assert_uint_eq(conn()->n_pairs, 1);		/* backing off */
	F.now += 1000;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(conn()->n_pairs, 1);		/* joined again */
	sub_event(MPTCPD_EVENT_SUB_CLOSED, "198.51.100.2", 0, "203.0.113.2", 1);
	ck_assert_uint_eq(conn()->pairs[0].failures, 2);
	addr_set(3, "198.51.100.2", true);	/* the strategy wants it no more */
	F.now += BACKOFF_DEFAULT_MAX_MS;
	engine_on_timer(F.engine);
	ck_assert_uint_eq(conn()->n_pairs, 0);
	/* a subflow we close on purpose leaves nothing either */
	addr_set(3, "198.51.100.2", false);
	route_add(3, "0.0.0.0", 0);
	sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, "198.51.100.2", 41001,
		  "203.0.113.2", 1);
	F.n_sent = 0;
	addr_set(3, "198.51.100.2", true);
	ck_assert_int_eq(F.sent[1].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
	engine_on_result(F.engine, &F.sent[1], 0, NULL);
	ck_assert_uint_eq(conn()->n_pairs, 0);
}
END_TEST

/* A REMOVE the kernel acked frees the ID: 300 addresses, one after the
 * other, each joined and withdrawn, never run out of IDs. */
START_TEST(test_local_ids_reused_after_remove)
{
	char text[32];
	uint8_t id = 0;

	kernel_event(MPTCPD_EVENT_ESTABLISHED);	/* 198.51.100.2 has ID 1 */
	addr_set(3, "198.51.100.2", true);
	for (int i = 0; i < 300; i++) {
		snprintf(text, sizeof(text), "10.1.%d.%d", i / 200, 1 + i % 200);
		F.n_sent = 0;
		addr_set(3, text, false);
		route_add(3, "0.0.0.0", 0);
		ck_assert_uint_eq(F.n_sent, 1);
		ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SUBFLOW_CREATE);
		if (i == 0)
			id = F.sent[0].local_id;
		ck_assert_uint_eq(F.sent[0].local_id, id);
		sub_event(MPTCPD_EVENT_SUB_ESTABLISHED, text, 41000,
			  "203.0.113.2", id);
		F.n_sent = 0;
		addr_set(3, text, true);
		ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_REMOVE);
		engine_on_result(F.engine, &F.sent[0], 0, NULL);
		sub_event(MPTCPD_EVENT_SUB_CLOSED, text, 41000, "203.0.113.2", id);
	}
	/* 198.51.100.2's join, still pending, keeps its ID and pair */
	ck_assert_uint_le(conn()->n_ids, 2);
	ck_assert_uint_le(conn()->n_pairs, 1);
}
END_TEST

/* Beyond MODEL_SUBFLOWS_MAX the peer's joins are counted, not tracked;
 * their ends find nothing and harm nothing. */
START_TEST(test_subflow_cap_counts_the_rest)
{
	server_event(MPTCPD_EVENT_ESTABLISHED);
	for (uint32_t i = 0; i < 300; i++)
		peer_join(MPTCPD_EVENT_SUB_ESTABLISHED, i);
	ck_assert_uint_eq(conn()->pub.n_subflows, MODEL_SUBFLOWS_MAX);
	ck_assert_uint_eq(engine_get_stats(F.engine)->over_cap,
			  300 - (MODEL_SUBFLOWS_MAX - 1));
	ck_assert(conn()->cap_logged);
	for (uint32_t i = 0; i < 300; i++)
		peer_join(MPTCPD_EVENT_SUB_CLOSED, i);
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	ck_assert_uint_eq(conn()->n_pairs, 0);
}
END_TEST

static double churn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The peer joins and closes 100,000 subflows on one server-side
 * connection: the model stays small and the last events cost what the
 * first did. */
#define CHURN_JOINS 100000
#define CHURN_SLICE 10000
START_TEST(test_join_churn_stays_bounded)
{
	double t0 = 0, first = 0, last = 0;
	size_t most_pairs = 0;

	server_event(MPTCPD_EVENT_ESTABLISHED);
	for (uint32_t i = 0; i < CHURN_JOINS; i++) {
		if (i == 0 || i == CHURN_JOINS - CHURN_SLICE)
			t0 = churn_now();
		peer_join(MPTCPD_EVENT_SUB_ESTABLISHED, i);
		peer_join(MPTCPD_EVENT_SUB_CLOSED, i);
		if (i % 1000 == 0)
			F.now += 10;
		if (conn()->n_pairs > most_pairs)
			most_pairs = conn()->n_pairs;
		if (i == CHURN_SLICE - 1)
			first = churn_now() - t0;
	}
	last = churn_now() - t0;
	ck_assert_uint_eq(conn()->pub.n_subflows, 1);
	ck_assert_uint_eq(most_pairs, 0);
	ck_assert_uint_le(conn()->cap_subflows, 4);
	ck_assert_msg(last < 3 * first + 0.05, "first %d joins %.3f s, last %.3f s",
		      CHURN_SLICE, first, last);
}
END_TEST

/* A dead path is every connection's: each one with a subflow from that
 * address is told once, in one sweep, the others not at all. */
START_TEST(test_path_dead_sweeps_every_connection)
{
	struct mptcpd_addr wifi = fx_addr("192.0.2.2", 0);
	struct mptcpd_subflow s;
	size_t destroys = 0;
	uint32_t first;

	for (uint32_t t = 1; t <= 50; t++) {
		struct model_conn *c = model_conn_get(F.model, t);

		ck_assert_ptr_nonnull(c);
		c->pub.established = true;
		s = fx_subflow("198.51.100.2", (uint16_t)(30000 + t),
			       "203.0.113.2", PORT);
		model_subflow_add(c, &s);
		if (t % 5 == 0)
			continue;	/* not on the dead path */
		s = fx_subflow("192.0.2.2", (uint16_t)(40000 + t),
			       "203.0.113.2", PORT);
		model_subflow_add(c, &s);
	}
	F.n_sent = 0;
	ck_assert_uint_eq(engine_on_path_dead(F.engine, &wifi, NULL, 0), 40);
	for (size_t i = 0; i < F.n_sent; i++) {
		if (F.sent[i].type != MPTCPD_ACTION_SUBFLOW_DESTROY)
			continue;
		ck_assert(mptcpd_addr_same_ip(&F.sent[i].local, &wifi));
		destroys++;
	}
	ck_assert_uint_eq(destroys, 40);
	/* The connections with data waiting lead the queue. */
	for (uint32_t t = 51; t <= 60; t++) {
		struct model_conn *c = model_conn_get(F.model, t);

		ck_assert_ptr_nonnull(c);
		c->pub.established = true;
		s = fx_subflow("192.0.2.2", (uint16_t)(40000 + t),
			       "203.0.113.2", PORT);
		model_subflow_add(c, &s);
	}
	F.n_sent = 0;
	first = 57;
	ck_assert_uint_eq(engine_on_path_dead(F.engine, &wifi, &first, 1), 10);
	ck_assert_uint_gt(F.n_sent, 0);
	ck_assert_uint_eq(F.sent[0].token, 57);
	/* Said once: the subflows are flagged already. */
	F.n_sent = 0;
	ck_assert_uint_eq(engine_on_path_dead(F.engine, &wifi, &first, 1), 0);
	ck_assert_uint_eq(F.n_sent, 0);
}
END_TEST

/* The sweep in steps: bounded per step, connections closing between
 * steps do not stop it, and a missed one is caught on its own. */
START_TEST(test_path_dead_sweep_in_steps)
{
	struct mptcpd_addr wifi = fx_addr("192.0.2.2", 0);
	struct engine_path_sweep sw;
	struct mptcpd_subflow s;
	size_t steps = 0;
	uint32_t first = 7;

	for (uint32_t t = 1; t <= 100; t++) {
		struct model_conn *c = model_conn_get(F.model, t);

		ck_assert_ptr_nonnull(c);
		c->pub.established = true;
		s = fx_subflow("192.0.2.2", (uint16_t)(40000 + t),
			       "203.0.113.2", PORT);
		model_subflow_add(c, &s);
	}
	engine_path_dead_begin(F.engine, &sw, &wifi, &first, 1);
	ck_assert_uint_eq(sw.told, 1);
	while (engine_path_dead_step(F.engine, &sw, 10)) {
		steps++;
		ck_assert_uint_le(sw.told, 1 + 10 * steps);
		/* the cursor's own connection closes under it */
		model_conn_del(F.model, sw.cursor);
		ck_assert_uint_lt(steps, 20);
	}
	ck_assert_uint_ge(steps, 9);
	ck_assert_uint_ge(sw.told, 100 - steps);
	/* one added meanwhile (missed by the cursor): caught alone */
	{
		struct model_conn *c = model_conn_get(F.model, 1000);

		ck_assert_ptr_nonnull(c);
		c->pub.established = true;
		s = fx_subflow("192.0.2.2", 41000, "203.0.113.2", PORT);
		model_subflow_add(c, &s);
		F.n_sent = 0;
		engine_on_dead_path_conn(F.engine, 1000, &wifi);
		ck_assert_uint_eq(F.n_sent, 1);
		ck_assert_int_eq(F.sent[0].type, MPTCPD_ACTION_SUBFLOW_DESTROY);
		engine_on_dead_path_conn(F.engine, 1000, &wifi);
		ck_assert_uint_eq(F.n_sent, 1);	/* flagged: said once */
	}
}
END_TEST

static void establish(uint32_t token, uint16_t lport)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ESTABLISHED,
				   .token = token };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr("198.51.100.2", lport);
	ev.remote = fx_addr("203.0.113.2", PORT);
	engine_on_event(F.engine, &ev);
}

static size_t creates_from(const char *local)
{
	struct mptcpd_addr l = fx_addr(local, 0);
	size_t n = 0;

	for (size_t i = 0; i < F.n_sent; i++)
		n += F.sent[i].type == MPTCPD_ACTION_SUBFLOW_CREATE &&
		     mptcpd_addr_same_ip(&F.sent[i].local, &l);
	return n;
}

/* A dead path's joins: one probe at a time, the rest dropped; released,
 * every connection joins again. */
START_TEST(test_held_path_probes_one_at_a_time)
{
	struct mptcpd_addr wifi = fx_addr("192.0.2.2", 0);

	engine_hold_path(F.engine, &wifi);
	for (uint32_t t = 1; t <= 20; t++)
		establish(t, (uint16_t)(30000 + t));
	ck_assert_uint_eq(creates_from("192.0.2.2"), 1);
	F.n_sent = 0;
	F.now += ENGINE_JOIN_TIMEOUT_MS;	/* the probe had its time */
	establish(21, 30021);
	ck_assert_uint_eq(creates_from("192.0.2.2"), 1);
	F.n_sent = 0;
	engine_release_path(F.engine, &wifi, true);
	/* all but the two probes, still pending */
	ck_assert_uint_eq(creates_from("192.0.2.2"), 19);
	F.n_sent = 0;
	engine_hold_path(F.engine, &wifi);
	engine_release_path(F.engine, &wifi, false);	/* address changed */
	ck_assert_uint_eq(F.n_sent, 0);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_established_sends_create_with_id_and_dev);
	tcase_add_test(tc, test_kernel_error_forgets_pending_without_retry_loop);
	tcase_add_test(tc, test_send_failure_forgets_pending);
	tcase_add_test(tc, test_address_added_reaches_every_connection);
	tcase_add_test(tc, test_address_removed_destroys_and_keeps_id);
	tcase_add_test(tc, test_link_down_counts_as_address_loss);
	tcase_add_test(tc, test_announced_and_removed);
	tcase_add_test(tc, test_forbidden_announcements_refused);
	tcase_add_test(tc, test_announcement_cap_and_switch);
	tcase_add_test(tc, test_local_connections_left_alone);
	tcase_add_test(tc, test_silent_join_times_out_and_frees_its_slot);
	tcase_add_test(tc, test_action_count_clamped);
	tcase_add_test(tc, test_sub_closed_and_closed);
	tcase_add_test(tc, test_unknown_token_ignored);
	tcase_add_test(tc, test_no_route_no_join_until_route_appears);
	tcase_add_test(tc, test_join_failed_before_route_is_retried_once);
	tcase_add_test(tc, test_adopt_without_duplicates);
	tcase_add_test(tc, test_adopt_pending_times_out);
	tcase_add_test(tc, test_adopt_server_side_and_vanished);
	tcase_add_test(tc, test_snapshot_translates);
	tcase_add_test(tc, test_manual_subflow_sent_then_already);
	tcase_add_test(tc, test_manual_subflow_no_route);
	tcase_add_test(tc, test_manual_subflow_backing_off);
	tcase_add_test(tc, test_manual_announce_verdicts);
	tcase_add_test(tc, test_manual_announce_limit);
	tcase_add_test(tc, test_manual_announce_refused_leaves_no_trace);
	tcase_add_test(tc, test_announcements_one_at_a_time_join_paced);
	tcase_add_test(tc, test_announcements_one_at_a_time_timer_paced);
	tcase_add_test(tc, test_manual_announce_not_paced);
	tcase_add_test(tc, test_manual_subflow_send_failure_leaves_no_trace);
	tcase_add_test(tc, test_set_iface_goes_through_engine);
	tcase_add_test(tc, test_path_dead_sweeps_every_connection);
	tcase_add_test(tc, test_path_dead_sweep_in_steps);
	tcase_add_test(tc, test_held_path_probes_one_at_a_time);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_peer_opened_subflow_leaves_no_history);
	tcase_add_test(tc, test_pair_forgotten_when_it_holds_nothing);
	tcase_add_test(tc, test_refused_flag_change_backs_off);
	tcase_add_test(tc, test_local_ids_reused_after_remove);
	tcase_add_test(tc, test_subflow_cap_counts_the_rest);
	tcase_add_test(tc, test_join_churn_stays_bounded);
	tcase_add_test(tc, test_daemon_events_reach_monitors);
	tcase_add_test(tc, test_manual_destroy_unknown_port_leaves_model);
	tcase_add_test(tc, test_adopt_not_fully_established_waits);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(engine_suite)
