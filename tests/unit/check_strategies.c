/* SPDX-License-Identifier: BSD-3-Clause */
/* backup-cellular and metered-aware decisions on fabricated views: the
 * handover sequences, and invariants over every event kind x interface
 * class x metered state. */
#include <check.h>

#include "fixture.h"
#include "strategies/registry.h"

#define PORT 443
#define WIFI "192.0.2.2"
#define CELL "198.51.100.2"
#define SRV "203.0.113.2"

struct world {
	struct mptcpd_conn conn;
	struct mptcpd_subflow subflows[8];
	struct mptcpd_local_addr addrs[4];
	struct mptcpd_host host;
	struct mptcpd_event ev;
	struct mptcpd_actions out;
};

/* A laptop: wlan0 (Wi-Fi, unmetered) carries the initial subflow, wwan0
 * (cellular, metered) is usable too. */
static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->conn.token = 0x42;
	w->conn.local = fx_addr(WIFI, 40000);
	w->conn.remote = fx_addr(SRV, PORT);
	w->conn.established = true;
	w->subflows[0] = fx_subflow(WIFI, 40000, SRV, PORT);
	w->conn.subflows = w->subflows;
	w->conn.n_subflows = 1;
	w->addrs[0] = fx_local(WIFI, 2, "wlan0");
	w->addrs[0].type = MPTCPD_IFACE_WIFI;
	w->addrs[1] = fx_local(CELL, 3, "wwan0");
	w->addrs[1].type = MPTCPD_IFACE_CELLULAR;
	w->addrs[1].metered = true;
	w->host.addrs = w->addrs;
	w->host.n_addrs = 2;
	w->host.max_subflows = 8;
	w->ev.token = w->conn.token;
}

static struct mptcpd_subflow *world_add(struct world *w, const char *local,
					uint16_t lport, bool backup)
{
	struct mptcpd_subflow *s = &w->subflows[w->conn.n_subflows++];

	*s = fx_subflow(local, lport, SRV, PORT);
	s->backup = backup;
	return s;
}

/* The Wi-Fi address goes away (the model still has its subflow). */
static void world_lose_wifi(struct world *w, struct mptcpd_local_addr *gone)
{
	*gone = w->addrs[0];
	w->addrs[0] = w->addrs[1];
	w->host.n_addrs = 1;
	w->ev.addr = gone;
}

static void world_decide(struct world *w, const struct mptcpd_strategy *s,
			 enum mptcpd_event_type type)
{
	w->ev.type = type;
	w->out.n = 0;
	s->decide(&w->ev, &w->conn, &w->host, &w->out);
}

static const struct mptcpd_action *find(const struct world *w,
					enum mptcpd_action_type type,
					const char *local)
{
	struct mptcpd_addr l = fx_addr(local, 0);

	for (size_t i = 0; i < w->out.n; i++)
		if (w->out.v[i].type == type &&
		    mptcpd_addr_same_ip(&w->out.v[i].local, &l))
			return &w->out.v[i];
	return NULL;
}

/* ---- backup-cellular ---------------------------------------------- */

START_TEST(test_bc_cellular_joins_as_backup)
{
	struct world w;
	const struct mptcpd_action *a;

	world_init(&w);
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 1);
	a = find(&w, MPTCPD_ACTION_SUBFLOW_CREATE, CELL);
	ck_assert_ptr_nonnull(a);
	ck_assert(a->backup);
	ck_assert_int_eq(a->ifindex, 3);
	/* once there, nothing more */
	world_add(&w, CELL, 41000, true);
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_SUB_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_bc_wifi_lost_promotes_and_destroys_at_once)
{
	struct world w;
	struct mptcpd_local_addr gone;
	const struct mptcpd_action *a;

	world_init(&w);
	world_add(&w, CELL, 41000, true);
	world_lose_wifi(&w, &gone);
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ADDR_REMOVED);
	ck_assert_uint_eq(w.out.n, 3);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_REMOVE, WIFI));
	a = find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->local.port, 40000);
	a = find(&w, MPTCPD_ACTION_SET_BACKUP, CELL);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->backup);
	ck_assert_uint_eq(a->local.port, 41000);
	/* each says why, in its rule's words */
	ck_assert_str_eq(a->reason, "no working non-cellular subflow");
	ck_assert_str_eq(find(&w, MPTCPD_ACTION_REMOVE, WIFI)->reason,
			 "its address went away");
	ck_assert_str_eq(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI)->reason,
			 "its address went away");
}
END_TEST

START_TEST(test_bc_wifi_lost_without_cellular_subflow_creates_active)
{
	struct world w;
	struct mptcpd_local_addr gone;
	const struct mptcpd_action *a;

	world_init(&w);
	world_lose_wifi(&w, &gone);
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ADDR_REMOVED);
	a = find(&w, MPTCPD_ACTION_SUBFLOW_CREATE, CELL);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->backup);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI));
}
END_TEST

START_TEST(test_bc_stall_counts_as_loss)
{
	struct world w;

	world_init(&w);
	world_add(&w, CELL, 41000, true);
	w.subflows[0].stalled = true;	/* blackholed: link up, no acks */
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_SUB_STALLED);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI));
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SET_BACKUP, CELL));
	ck_assert(!find(&w, MPTCPD_ACTION_SET_BACKUP, CELL)->backup);
}
END_TEST

START_TEST(test_bc_wifi_back_demotes_only_once_established)
{
	struct world w;
	struct mptcpd_subflow *cell;

	/* the outage: only cellular, active */
	world_init(&w);
	w.conn.n_subflows = 0;
	cell = world_add(&w, CELL, 41000, false);
	/* Wi-Fi returns: ask for its subflow, cellular stays active */
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ADDR_ADDED);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_CREATE, WIFI));
	ck_assert_ptr_null(find(&w, MPTCPD_ACTION_SET_BACKUP, CELL));
	/* the join is pending: still nothing for cellular */
	world_add(&w, WIFI, 0, false)->state = MPTCPD_SUBFLOW_PENDING;
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_RETRY);
	ck_assert_uint_eq(w.out.n, 0);
	/* established: cellular back to backup */
	w.subflows[1].state = MPTCPD_SUBFLOW_ESTABLISHED;
	w.subflows[1].local.port = 42000;
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_SUB_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert(find(&w, MPTCPD_ACTION_SET_BACKUP, CELL)->backup);
	ck_assert_str_eq(find(&w, MPTCPD_ACTION_SET_BACKUP, CELL)->reason,
			 "a non-cellular subflow works again");
	ck_assert_ptr_nonnull(cell);
}
END_TEST

START_TEST(test_bc_other_primary_keeps_cellular_backup)
{
	struct world w;
	struct mptcpd_local_addr gone;

	world_init(&w);
	w.addrs[2] = fx_local("192.0.2.3", 4, "eth0");
	w.addrs[2].type = MPTCPD_IFACE_ETHERNET;
	w.host.n_addrs = 3;
	world_add(&w, CELL, 41000, true);
	world_add(&w, "192.0.2.3", 43000, false);
	world_lose_wifi(&w, &gone);
	w.addrs[1] = w.addrs[2];
	w.host.n_addrs = 2;
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ADDR_REMOVED);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI));
	ck_assert_ptr_null(find(&w, MPTCPD_ACTION_SET_BACKUP, CELL));
}
END_TEST

START_TEST(test_bc_cellular_only_host)
{
	struct world w;

	world_init(&w);
	w.conn.local = fx_addr(CELL, 40000);
	w.subflows[0] = fx_subflow(CELL, 40000, SRV, PORT);
	w.addrs[0] = w.addrs[1];
	w.host.n_addrs = 1;
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

/* ---- metered-aware ------------------------------------------------- */

/* A switch leaves every connection as the new strategy would have built
 * it: backups that the strategy before made are undone. */
START_TEST(test_switch_undoes_the_backups_of_the_strategy_before)
{
	struct world w;
	const struct mptcpd_action *a;

	world_init(&w);
	world_add(&w, CELL, 41000, true);	/* backup-cellular's */
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_ADOPTED);
	a = find(&w, MPTCPD_ACTION_SET_BACKUP, CELL);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->backup);
	/* metered-aware with Wi-Fi gone: the cellular subflow is all there
	 * is, and must carry data */
	world_init(&w);
	w.subflows[0] = fx_subflow(CELL, 41000, SRV, PORT);
	w.subflows[0].backup = true;
	w.addrs[0] = w.addrs[1];
	w.host.n_addrs = 1;
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_ADOPTED);
	a = find(&w, MPTCPD_ACTION_SET_BACKUP, CELL);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->backup);
	/* backup-cellular: a Wi-Fi subflow left a backup is promoted */
	world_init(&w);
	w.subflows[0].backup = true;
	world_decide(&w, &strategy_backup_cellular, MPTCPD_EVENT_ADOPTED);
	a = find(&w, MPTCPD_ACTION_SET_BACKUP, WIFI);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->backup);
}
END_TEST

START_TEST(test_ma_no_metered_subflow_while_wifi_works)
{
	struct world w;

	world_init(&w);
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_ADDR_ADDED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_ma_wifi_lost_opens_metered)
{
	struct world w;
	struct mptcpd_local_addr gone;
	const struct mptcpd_action *a;

	world_init(&w);
	world_lose_wifi(&w, &gone);
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_ADDR_REMOVED);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, WIFI));
	a = find(&w, MPTCPD_ACTION_SUBFLOW_CREATE, CELL);
	ck_assert_ptr_nonnull(a);
	ck_assert(!a->backup);
	ck_assert_str_eq(a->reason, "no working unmetered path: metered "
			 "fallback");
}
END_TEST

START_TEST(test_ma_metered_closed_after_wifi_established)
{
	struct world w;

	world_init(&w);
	w.conn.n_subflows = 0;
	world_add(&w, CELL, 41000, false);
	world_add(&w, WIFI, 0, false)->state = MPTCPD_SUBFLOW_PENDING;
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_ADDR_ADDED);
	ck_assert_uint_eq(w.out.n, 0);	/* Wi-Fi not there yet: keep it */
	w.subflows[1].state = MPTCPD_SUBFLOW_ESTABLISHED;
	w.subflows[1].local.port = 42000;
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_SUB_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, CELL));
	ck_assert_str_eq(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY, CELL)->reason,
			 "an unmetered path works again");
}
END_TEST

START_TEST(test_ma_unknown_counts_as_resolved)
{
	struct world w;

	/* the daemon resolved "unknown" to unmetered: it is meshed */
	world_init(&w);
	w.addrs[1].metered = false;
	world_decide(&w, &strategy_metered_aware, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_SUBFLOW_CREATE, CELL));
}
END_TEST

/* ---- invariants over every event x class x metered state ------------ */

static const enum mptcpd_event_type all_events[] = {
	MPTCPD_EVENT_CREATED, MPTCPD_EVENT_ESTABLISHED, MPTCPD_EVENT_CLOSED,
	MPTCPD_EVENT_ANNOUNCED, MPTCPD_EVENT_REMOVED,
	MPTCPD_EVENT_SUB_ESTABLISHED, MPTCPD_EVENT_SUB_CLOSED,
	MPTCPD_EVENT_SUB_PRIORITY, MPTCPD_EVENT_LISTENER_CREATED,
	MPTCPD_EVENT_LISTENER_CLOSED, MPTCPD_EVENT_ADOPTED,
	MPTCPD_EVENT_ADDR_ADDED, MPTCPD_EVENT_ADDR_REMOVED,
	MPTCPD_EVENT_ACTION_FAILED, MPTCPD_EVENT_SUB_STALLED,
	MPTCPD_EVENT_RETRY,
};

static const enum mptcpd_iface_type all_types[] = {
	MPTCPD_IFACE_OTHER, MPTCPD_IFACE_ETHERNET, MPTCPD_IFACE_WIFI,
	MPTCPD_IFACE_CELLULAR,
};

/* Does the event make a strategy reconcile a client connection?  The
 * others (too early, already handled by the kernel, or about listeners)
 * must leave a client connection alone. */
static bool reconciles(enum mptcpd_event_type type)
{
	switch (type) {
	case MPTCPD_EVENT_ESTABLISHED:
	case MPTCPD_EVENT_ADOPTED:
	case MPTCPD_EVENT_ANNOUNCED:
	case MPTCPD_EVENT_ADDR_ADDED:
	case MPTCPD_EVENT_ADDR_REMOVED:
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_CLOSED:
	case MPTCPD_EVENT_SUB_STALLED:
	case MPTCPD_EVENT_RETRY:
	case MPTCPD_EVENT_ACTION_FAILED:
	case MPTCPD_EVENT_RTT_UPDATED:
		return true;
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_REMOVED:
	case MPTCPD_EVENT_SUB_PRIORITY:
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
		return false;
	}
	return false;
}

/* What one case must produce: n subflow creations from the second
 * address (wwan0's, whatever its class), each with this backup flag, and
 * nothing else. */
struct expect {
	size_t n;
	bool backup;
};

/* With the Wi-Fi subflow working and the second address (class t,
 * metered m) unused: fullmesh joins from it; backup-cellular joins from
 * it, as backup when it is cellular; metered-aware joins only when it is
 * unmetered.  Always exactly one subflow, and only on events that
 * reconcile. */
static struct expect expected(const struct mptcpd_strategy *s,
			      enum mptcpd_event_type e,
			      enum mptcpd_iface_type t, bool m)
{
	struct expect x = { .n = reconciles(e) ? 1 : 0 };

	if (s == &strategy_backup_cellular)
		x.backup = t == MPTCPD_IFACE_CELLULAR;
	else if (s == &strategy_metered_aware && m)
		x.n = 0;
	return x;
}

static void check_case(struct world *w, const struct mptcpd_strategy *s,
		       enum mptcpd_event_type e, enum mptcpd_iface_type t,
		       bool m)
{
	struct expect x = expected(s, e, t, m);
	struct mptcpd_addr cell = fx_addr(CELL, 0);

	world_decide(w, s, e);
	ck_assert_msg(w->out.n == x.n, "%s, event %d, class %d, metered %d: "
		      "%zu actions, expected %zu", s->name, e, t, m, w->out.n,
		      x.n);
	for (size_t i = 0; i < w->out.n; i++) {
		const struct mptcpd_action *a = &w->out.v[i];

		ck_assert_int_eq(a->type, MPTCPD_ACTION_SUBFLOW_CREATE);
		ck_assert(mptcpd_addr_same_ip(&a->local, &cell));
		ck_assert_int_eq(a->ifindex, 3);
		ck_assert(a->backup == x.backup);
		/* every action of a built-in strategy names its rule */
		ck_assert_msg(a->reason && a->reason[0], "%s, event %d: an "
			      "action without a reason", s->name, e);
	}
}

/* Every event x class x metered state, on a laptop whose Wi-Fi subflow
 * works: each case states the actions it must produce (so a strategy
 * that returns nothing fails), and therefore that backup-cellular never
 * makes a cellular subflow active, metered-aware never touches a metered
 * link, and no strategy destroys the working subflow; server-side
 * connections (nothing to announce here) get nothing. */
START_TEST(test_invariants_matrix)
{
	const struct mptcpd_strategy *all[] = { &strategy_fullmesh,
		&strategy_backup_cellular, &strategy_metered_aware };

	for (size_t e = 0; e < sizeof(all_events) / sizeof(all_events[0]); e++)
		for (size_t t = 0; t < sizeof(all_types) / sizeof(all_types[0]); t++)
			for (int m = 0; m < 2; m++)
				for (size_t s = 0; s < 3; s++) {
					struct world w;

					world_init(&w);
					w.addrs[1].type = all_types[t];
					w.addrs[1].metered = m;
					w.ev.addr = &w.addrs[1];
					check_case(&w, all[s], all_events[e],
						   all_types[t], m);
					w.conn.server_side = true;
					world_decide(&w, all[s], all_events[e]);
					ck_assert_uint_eq(w.out.n, 0);
				}
}
END_TEST

/* ---- server side: announcements ------------------------------------ */

static void world_server(struct world *w, struct mptcpd_addr *listener)
{
	world_init(w);
	w->conn.server_side = true;
	w->conn.local = fx_addr("203.0.113.2", 5000);
	w->conn.remote = fx_addr("192.0.2.2", 40000);
	w->addrs[0] = fx_local("203.0.113.2", 2, "eth0");
	w->addrs[1] = fx_local("203.0.113.3", 2, "eth0");
	w->addrs[2] = fx_local("2001:db8:3::2", 2, "eth0");
	w->host.n_addrs = 3;
	w->host.announce = w->addrs;
	w->host.n_announce = 3;
	*listener = fx_addr("0.0.0.0", 5000);
	w->host.listeners = listener;
	w->host.n_listeners = 1;
}

START_TEST(test_announce_other_addresses_of_the_family)
{
	const struct mptcpd_strategy *all[] = { &strategy_fullmesh,
		&strategy_backup_cellular, &strategy_metered_aware };
	struct mptcpd_addr listener;
	struct world w;

	for (size_t i = 0; i < 3; i++) {
		world_server(&w, &listener);
		world_decide(&w, all[i], MPTCPD_EVENT_ESTABLISHED);
		ck_assert_uint_eq(w.out.n, 1);
		ck_assert_int_eq(w.out.v[0].type, MPTCPD_ACTION_ANNOUNCE);
		ck_assert_ptr_nonnull(find(&w, MPTCPD_ACTION_ANNOUNCE, "203.0.113.3"));
	}
}
END_TEST

START_TEST(test_announce_needs_a_listener)
{
	struct mptcpd_addr listener;
	struct world w;

	world_server(&w, &listener);
	listener = fx_addr("203.0.113.2", 5000);	/* bound to one address */
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_ESTABLISHED);
	ck_assert_uint_eq(w.out.n, 0);
	listener = fx_addr("::", 5000);		/* dual-stack wildcard */
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_LISTENER_CREATED);
	ck_assert_uint_eq(w.out.n, 1);
	listener = fx_addr("0.0.0.0", 6000);	/* another port */
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_LISTENER_CREATED);
	ck_assert_uint_eq(w.out.n, 0);
}
END_TEST

START_TEST(test_withdraw_when_address_or_listener_goes)
{
	struct mptcpd_announced an = { .id = 3 };
	struct mptcpd_addr listener;
	struct world w;

	world_server(&w, &listener);
	an.addr = fx_addr("203.0.113.3", 0);
	w.conn.announced = &an;
	w.conn.n_announced = 1;
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_ADDR_ADDED);
	ck_assert_uint_eq(w.out.n, 0);			/* already done */
	w.host.n_announce = 1;				/* .3 went away */
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_ADDR_REMOVED);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert_int_eq(w.out.v[0].type, MPTCPD_ACTION_REMOVE);
	ck_assert_uint_eq(w.out.v[0].local_id, 3);
	w.host.n_announce = 3;
	w.host.n_listeners = 0;				/* the app stopped */
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_LISTENER_CLOSED);
	ck_assert_uint_eq(w.out.n, 1);
	ck_assert_int_eq(w.out.v[0].type, MPTCPD_ACTION_REMOVE);
	w.conn.server_side = false;			/* never on the client */
	w.conn.n_announced = 0;
	world_decide(&w, &strategy_fullmesh, MPTCPD_EVENT_LISTENER_CREATED);
	ck_assert_ptr_null(find(&w, MPTCPD_ACTION_ANNOUNCE, "203.0.113.3"));
}
END_TEST

/* Every action of every built-in strategy says why, over the handover
 * sequences too (promotion, destruction of a stalled subflow, fullmesh's
 * mesh and its promotion of a backup left by another strategy). */
START_TEST(test_every_action_has_a_reason)
{
	const struct mptcpd_strategy *all[] = { &strategy_fullmesh,
		&strategy_backup_cellular, &strategy_metered_aware };

	for (size_t k = 0; k < 3; k++) {
		struct world w;
		struct mptcpd_local_addr gone;

		world_init(&w);
		world_add(&w, CELL, 41000, true);
		w.subflows[0].stalled = true;
		world_decide(&w, all[k], MPTCPD_EVENT_SUB_STALLED);
		ck_assert_uint_gt(w.out.n, 0);
		for (size_t i = 0; i < w.out.n; i++)
			ck_assert_msg(w.out.v[i].reason, "%s: action %zu",
				      all[k]->name, i);
		ck_assert_str_eq(find(&w, MPTCPD_ACTION_SUBFLOW_DESTROY,
				      WIFI)->reason, "the subflow stalled");
		world_lose_wifi(&w, &gone);
		world_decide(&w, all[k], MPTCPD_EVENT_ADDR_REMOVED);
		for (size_t i = 0; i < w.out.n; i++)
			ck_assert_msg(w.out.v[i].reason, "%s: action %zu",
				      all[k]->name, i);
	}
}
END_TEST

START_TEST(test_registry)
{
	ck_assert_ptr_eq(strategy_find("backup-cellular"), &strategy_backup_cellular);
	ck_assert_ptr_eq(strategy_find("metered-aware"), &strategy_metered_aware);
	ck_assert(strategy_backup_cellular.flags & MPTCPD_STRATEGY_WATCH_STALLS);
	ck_assert_int_eq(strategy_metered_aware.abi_version, MPTCPD_STRATEGY_ABI_VERSION);
}
END_TEST

static Suite *strategies_suite(void)
{
	Suite *s = suite_create("strategies");
	TCase *bc = tcase_create("backup-cellular");
	TCase *ma = tcase_create("metered-aware");
	TCase *all = tcase_create("matrix");

	tcase_add_test(bc, test_bc_cellular_joins_as_backup);
	tcase_add_test(bc, test_bc_wifi_lost_promotes_and_destroys_at_once);
	tcase_add_test(bc, test_bc_wifi_lost_without_cellular_subflow_creates_active);
	tcase_add_test(bc, test_bc_stall_counts_as_loss);
	tcase_add_test(bc, test_bc_wifi_back_demotes_only_once_established);
	tcase_add_test(bc, test_bc_other_primary_keeps_cellular_backup);
	tcase_add_test(bc, test_bc_cellular_only_host);
	tcase_add_test(ma, test_switch_undoes_the_backups_of_the_strategy_before);
	tcase_add_test(ma, test_ma_no_metered_subflow_while_wifi_works);
	tcase_add_test(ma, test_ma_wifi_lost_opens_metered);
	tcase_add_test(ma, test_ma_metered_closed_after_wifi_established);
	tcase_add_test(ma, test_ma_unknown_counts_as_resolved);
	tcase_add_test(all, test_invariants_matrix);
	tcase_add_test(all, test_registry);
	tcase_add_test(all, test_every_action_has_a_reason);
	tcase_add_test(all, test_announce_other_addresses_of_the_family);
	tcase_add_test(all, test_announce_needs_a_listener);
	tcase_add_test(all, test_withdraw_when_address_or_listener_goes);
	suite_add_tcase(s, bc);
	suite_add_tcase(s, ma);
	suite_add_tcase(s, all);
	return s;
}

FX_RUN(strategies_suite)
