/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-connection policy in the engine: each connection gets the strategy
 * of the first rule that matches it (or the default), its subflow budget,
 * only the interface types it may use, and what its rule says about
 * metered paths; the owner is asked once and only when a rule needs it;
 * new rules and a new default hand live connections over without tearing
 * anything down. */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "fixture.h"
#include "iface.h"
#include "model.h"
#include "policy.h"
#include "strategies/registry.h"

#define WIFI "192.0.2.2"
#define CELL "198.51.100.2"
#define SERVER "203.0.113.2"

struct fake {
	struct mptcpd_action sent[64];
	size_t n_sent;
	uint64_t now;
	size_t n_owner_calls;
	int owner_again;		/* answer -EAGAIN this many times */
	uint32_t owner_uid;
	const char *owner_cgroup;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	struct config cfg;
};

static struct fake F;

static int fake_send(void *arg, const struct mptcpd_action *a)
{
	struct fake *f = arg;

	ck_assert_uint_lt(f->n_sent, 64);
	f->sent[f->n_sent++] = *a;
	return 0;
}

static uint64_t fake_now(void *arg)
{
	return ((struct fake *)arg)->now;
}

static int fake_owner(void *arg, uint32_t token, uint32_t *uid, char *cgroup,
		      size_t len)
{
	struct fake *f = arg;

	(void)token;
	f->n_owner_calls++;
	if (f->owner_again > 0) {
		f->owner_again--;
		return -EAGAIN;
	}
	*uid = f->owner_uid;
	snprintf(cgroup, len, "%s", f->owner_cgroup ? f->owner_cgroup : "");
	return 0;
}

static void fake_change(void *arg, const struct mptcpd_local_addr *a,
			bool usable)
{
	struct fake *f = arg;

	if (f->engine)
		engine_on_local_addr(f->engine, a, usable);
}

static const struct engine_ops fake_ops = {
	.send = fake_send, .now_ms = fake_now, .owner = fake_owner,
};

static void uplink(int ifindex, const char *name, const char *ip,
		   enum mptcpd_iface_type type, bool metered)
{
	struct iface_link_update l = { .ifindex = ifindex,
				       .flags = IFF_UP | IFF_RUNNING };
	struct iface_settings s = { .allowed = true, .has_type = true,
				    .type = type, .has_metered = true };
	struct iface_addr_update a = { .ifindex = ifindex };
	struct iface_route_update r = { .ifindex = ifindex };

	snprintf(l.name, sizeof(l.name), "%s", name);
	s.metered = metered ? MPTCPD_METERED_YES : MPTCPD_METERED_NO;
	iface_on_link(F.ifaces, &l, &s);
	a.addr = fx_addr(ip, 0);
	iface_on_addr(F.ifaces, &a);
	r.dst = fx_addr("0.0.0.0", 0);
	r.family = r.dst.family;
	iface_on_route(F.ifaces, &r, F.now);
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	config_init(&F.cfg);
	F.model = model_new();
	F.ifaces = iface_table_new(fake_change, &F);
	F.engine = engine_new(F.model, F.ifaces, &strategy_fullmesh, 8,
			      &fake_ops, &F);
	uplink(2, "wlan0", WIFI, MPTCPD_IFACE_WIFI, false);
	uplink(3, "wwan0", CELL, MPTCPD_IFACE_CELLULAR, true);
}

static void teardown(void)
{
	engine_free(F.engine);
	iface_table_free(F.ifaces);
	model_free(F.model);
	config_free(&F.cfg);
}

/* The rules of a configuration text, their strategies by name. */
static void rules(const char *text)
{
	const struct mptcpd_strategy *s[16] = { 0 };

	config_free(&F.cfg);
	config_init(&F.cfg);
	ck_assert_int_eq(config_load_string(&F.cfg, text, "t.conf"), 0);
	ck_assert_uint_le(F.cfg.policies.n, 16);
	for (size_t i = 0; i < F.cfg.policies.n; i++)
		if (F.cfg.policies.v[i].strategy[0])
			ck_assert_ptr_nonnull(s[i] = strategy_find(
					      F.cfg.policies.v[i].strategy));
	ck_assert_int_eq(engine_set_policies(F.engine, F.cfg.policies.v, s,
					     F.cfg.policies.n), 0);
}

/* A client connection (token) to SERVER:port, established. */
static struct model_conn *connect_to(uint32_t token, uint16_t port)
{
	struct mptcpd_event ev = { .token = token };

	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr(WIFI, (uint16_t)(40000 + token % 1000));
	ev.remote = fx_addr(SERVER, port);
	ev.type = MPTCPD_EVENT_CREATED;
	engine_on_event(F.engine, &ev);
	ev.type = MPTCPD_EVENT_ESTABLISHED;
	engine_on_event(F.engine, &ev);
	return model_conn_find(F.model, token);
}

/* The join the engine sent for token from local, or NULL. */
static const struct mptcpd_action *join_from(uint32_t token, const char *local)
{
	struct mptcpd_addr l = fx_addr(local, 0);

	for (size_t i = 0; i < F.n_sent; i++)
		if (F.sent[i].token == token &&
		    F.sent[i].type == MPTCPD_ACTION_SUBFLOW_CREATE &&
		    mptcpd_addr_same_ip(&F.sent[i].local, &l))
			return &F.sent[i];
	return NULL;
}

START_TEST(test_strategy_per_connection)
{
	struct model_conn *ssh, *web;

	rules("[policy ssh]\nremote-port = 22\nstrategy = backup-cellular\n");
	ssh = connect_to(1, 22);
	web = connect_to(2, 443);
	ck_assert_str_eq(engine_conn_strategy(F.engine, ssh)->name, "backup-cellular");
	ck_assert_str_eq(engine_conn_policy(F.engine, ssh)->name, "ssh");
	ck_assert_str_eq(engine_conn_strategy(F.engine, web)->name, "fullmesh");
	ck_assert_ptr_null(engine_conn_policy(F.engine, web));
	/* backup-cellular: a backup join on the cellular link; fullmesh: a
	 * plain one */
	ck_assert_ptr_nonnull(join_from(1, CELL));
	ck_assert(join_from(1, CELL)->backup);
	ck_assert_ptr_nonnull(join_from(2, CELL));
	ck_assert(!join_from(2, CELL)->backup);
	ck_assert_uint_eq(F.n_owner_calls, 0);	/* no rule needed it */
}
END_TEST

/* The cellular join of a backup-cellular connection comes up, on a
 * kernel that sets the backup bit SUBFLOW_CREATE asks for or not: its
 * SUB_ESTABLISHED (then, unless that is type, an event of type) reports
 * backup 0.  The model's backup bit for it after that, and how many
 * commands the last event sent. */
static bool join_backup_after(enum mptcpd_event_type type, bool honoured,
			      size_t *sent)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_ESTABLISHED,
				   .token = 1 };
	const struct mptcpd_subflow *s;
	struct model_conn *c;
	size_t before;

	engine_set_join_backup_honoured(F.engine, honoured);
	rules("[policy ssh]\nremote-port = 22\nstrategy = backup-cellular\n");
	c = connect_to(1, 22);
	ck_assert(join_from(1, CELL) && join_from(1, CELL)->backup);
	ev.fields = MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | MPTCPD_FIELD_REMOTE;
	ev.local = fx_addr(CELL, 41000);
	ev.remote = fx_addr(SERVER, 22);
	ev.local_id = join_from(1, CELL)->local_id;
	before = F.n_sent;
	engine_on_event(F.engine, &ev);
	if (type != MPTCPD_EVENT_SUB_ESTABLISHED) {
		before = F.n_sent;
		ev.type = type;
		engine_on_event(F.engine, &ev);
	}
	*sent = F.n_sent - before;
	s = model_subflow_find(c, &ev.local, &ev.remote);
	ck_assert_int_eq(s->state, MPTCPD_SUBFLOW_ESTABLISHED);
	return s->backup;
}

/* From 6.9 the kernel's SUB_ESTABLISHED carries the peer's backup bit
 * for a join we opened, 0 here, though ours is set: the join asked for
 * as backup is kept backup, with no MP_PRIO sent to set what is set. */
START_TEST(test_backup_join_stays_backup_without_mp_prio)
{
	size_t sent;

	ck_assert(join_backup_after(MPTCPD_EVENT_SUB_ESTABLISHED, true, &sent));
	ck_assert_uint_eq(sent, 0);
}
END_TEST

/* Before 6.9 the kernel did not set the backup bit SUBFLOW_CREATE asked
 * for: the event's 0 is the truth, and MP_PRIO sets it. */
START_TEST(test_backup_join_set_by_mp_prio_before_6_9)
{
	size_t sent;

	/* backup in the model: the MP_PRIO sent counts */
	ck_assert(join_backup_after(MPTCPD_EVENT_SUB_ESTABLISHED, false, &sent));
	ck_assert_uint_eq(sent, 1);
	ck_assert_int_eq(F.sent[F.n_sent - 1].type, MPTCPD_ACTION_SET_BACKUP);
	ck_assert(F.sent[F.n_sent - 1].backup);
}
END_TEST

/* Once the join is up, what the kernel reports counts: a SUB_PRIORITY
 * (the peer's MP_PRIO) that clears the bit is believed; the strategies
 * do not answer a peer's MP_PRIO with one of their own. */
START_TEST(test_backup_cleared_on_established_join_is_believed)
{
	size_t sent;

	ck_assert(!join_backup_after(MPTCPD_EVENT_SUB_PRIORITY, true, &sent));
	ck_assert_uint_eq(sent, 0);
}
END_TEST

START_TEST(test_max_subflows_per_policy)
{
	rules("[policy one]\nremote-port = 80\nmax-subflows = 1\n");
	connect_to(1, 80);
	connect_to(2, 81);
	ck_assert_ptr_null(join_from(1, CELL));	/* the initial one is all */
	ck_assert_ptr_nonnull(join_from(2, CELL));
}
END_TEST

START_TEST(test_interfaces_per_policy)
{
	rules("[policy wifi-only]\ninterfaces = wifi, ethernet\n");
	connect_to(1, 80);
	ck_assert_ptr_null(join_from(1, CELL));
}
END_TEST

START_TEST(test_metered_never_and_allow)
{
	rules("[policy never]\nremote-port = 1\nmetered = never\n"
	      "[policy allow]\nremote-port = 2\nmetered = allow\n");
	connect_to(1, 1);
	ck_assert_ptr_null(join_from(1, CELL));
	/* metered-aware as the default: a metered path is for when nothing
	 * else works, unless the rule allows it */
	engine_set_strategy(F.engine, strategy_find("metered-aware"));
	F.n_sent = 0;
	connect_to(2, 2);
	connect_to(3, 3);
	ck_assert_ptr_nonnull(join_from(2, CELL));
	ck_assert_ptr_null(join_from(3, CELL));
}
END_TEST

START_TEST(test_metered_backup_only)
{
	rules("[policy b]\nmetered = backup-only\n");
	connect_to(1, 80);		/* fullmesh: would join as a regular */
	ck_assert_ptr_nonnull(join_from(1, CELL));
	ck_assert(join_from(1, CELL)->backup);
}
END_TEST

START_TEST(test_owner_asked_once_and_only_when_needed)
{
	struct model_conn *c;

	rules("[policy alice]\nremote-port = 22\nuser = 1000\nstrategy = backup-cellular\n"
	      "[policy apps]\ncgroup = user.slice/*/app-*.scope\nmetered = never\n");
	F.owner_uid = 1000;
	c = connect_to(1, 22);
	ck_assert_uint_eq(F.n_owner_calls, 1);
	ck_assert_str_eq(engine_conn_policy(F.engine, c)->name, "alice");
	/* a second rule needs it too: asked anyway only once per connection */
	F.owner_uid = 1001;
	F.owner_cgroup = "/user.slice/user-1001.slice/user@1001.service/app.slice/app-firefox.scope";
	c = connect_to(2, 22);
	ck_assert_uint_eq(F.n_owner_calls, 2);
	ck_assert_str_eq(engine_conn_policy(F.engine, c)->name, "apps");
	ck_assert_ptr_null(join_from(2, CELL));
	/* re-evaluation at a reload uses what was learnt */
	rules("[policy apps]\ncgroup = user.slice/*\nstrategy = metered-aware\n");
	ck_assert_uint_eq(F.n_owner_calls, 2);
	ck_assert_str_eq(engine_conn_strategy(F.engine, c)->name, "metered-aware");
}
END_TEST

/* New rules, or a new default, hand over only the connections they
 * change; the others keep their strategy's memory. */
START_TEST(test_reevaluation_hands_over)
{
	struct model_conn *a, *b;

	rules("[policy a]\nremote-port = 1\nstrategy = backup-cellular\n");
	a = connect_to(1, 1);
	b = connect_to(2, 2);
	engine_set_strategy(F.engine, strategy_find("metered-aware"));
	ck_assert_str_eq(engine_conn_strategy(F.engine, a)->name, "backup-cellular");
	ck_assert_str_eq(engine_conn_strategy(F.engine, b)->name, "metered-aware");
	rules("");			/* the rule goes */
	ck_assert_ptr_null(engine_conn_policy(F.engine, a));
	ck_assert_str_eq(engine_conn_strategy(F.engine, a)->name, "metered-aware");
	ck_assert_uint_eq(engine_policy_count(F.engine), 0);
}
END_TEST

static size_t count_sent(enum mptcpd_action_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < F.n_sent; i++)
		n += F.sent[i].type == type;
	return n;
}

/* A reload that changes the default and adds a rule for a connection
 * hands it straight to the rule's strategy: fullmesh's cellular subflow
 * becomes backup-cellular's backup, never closed by metered-aware on the
 * way. */
START_TEST(test_reconfigure_no_interim_strategy)
{
	struct model_conn *c = connect_to(1, 80);
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_ESTABLISHED,
				   .token = 1 };
	const struct mptcpd_strategy *s[1];
	struct config cfg;

	ck_assert_ptr_nonnull(join_from(1, CELL));
	ev.local = fx_addr(CELL, 41000);
	ev.remote = fx_addr(SERVER, 80);
	ev.local_id = 1;
	engine_on_event(F.engine, &ev);
	ck_assert_uint_eq(c->pub.n_subflows, 2);
	F.n_sent = 0;
	config_init(&cfg);
	ck_assert_int_eq(config_load_string(&cfg, "[policy p]\nremote-port = 80\n"
					    "strategy = backup-cellular\n", "t.conf"), 0);
	s[0] = strategy_find("backup-cellular");
	ck_assert_int_eq(engine_reconfigure(F.engine, strategy_find("metered-aware"),
					    cfg.policies.v, s, 1), 0);
	ck_assert_str_eq(engine_conn_strategy(F.engine, c)->name, "backup-cellular");
	ck_assert_uint_eq(count_sent(MPTCPD_ACTION_SUBFLOW_DESTROY), 0);
	ck_assert_uint_eq(count_sent(MPTCPD_ACTION_REMOVE), 0);
	config_free(&cfg);
}
END_TEST

/* A rule whose actions change (same index, same strategy) re-decides its
 * connections: a raised budget brings the join. */
START_TEST(test_changed_actions_redecide)
{
	rules("[policy p]\nremote-port = 80\nmax-subflows = 1\n");
	connect_to(1, 80);
	ck_assert_ptr_null(join_from(1, CELL));
	rules("[policy p]\nremote-port = 80\nmax-subflows = 2\n");
	ck_assert_ptr_nonnull(join_from(1, CELL));
	/* the same rule again, under another name and line: nothing */
	F.n_sent = 0;
	rules("\n[policy q]\nremote-port = 80\nmax-subflows = 2\n");
	ck_assert_uint_eq(F.n_sent, 0);
}
END_TEST

/* The owner "not yet" (a cgroup made a moment ago): the rule is chosen at
 * a later decision, not given up. */
START_TEST(test_owner_not_yet)
{
	struct model_conn *c;

	rules("[policy alice]\nuser = 1000\nstrategy = backup-cellular\n");
	F.owner_uid = 1000;
	F.owner_again = 1;
	c = connect_to(1, 22);	/* CREATED: not yet; ESTABLISHED: known */
	ck_assert_uint_eq(F.n_owner_calls, 2);
	ck_assert_str_eq(engine_conn_policy(F.engine, c)->name, "alice");
	ck_assert(join_from(1, CELL) && join_from(1, CELL)->backup);
}
END_TEST

static Suite *engine_policy_suite(void)
{
	Suite *s = suite_create("engine_policy");
	TCase *tc = tcase_create("engine_policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_strategy_per_connection);
	tcase_add_test(tc, test_backup_join_stays_backup_without_mp_prio);
	tcase_add_test(tc, test_backup_join_set_by_mp_prio_before_6_9);
	tcase_add_test(tc, test_backup_cleared_on_established_join_is_believed);
	tcase_add_test(tc, test_max_subflows_per_policy);
	tcase_add_test(tc, test_interfaces_per_policy);
	tcase_add_test(tc, test_metered_never_and_allow);
	tcase_add_test(tc, test_metered_backup_only);
	tcase_add_test(tc, test_owner_asked_once_and_only_when_needed);
	tcase_add_test(tc, test_reevaluation_hands_over);
	tcase_add_test(tc, test_reconfigure_no_interim_strategy);
	tcase_add_test(tc, test_changed_actions_redecide);
	tcase_add_test(tc, test_owner_not_yet);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(engine_policy_suite)
