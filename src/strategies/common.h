/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building blocks the built-in strategies share.  Each strategy is a
 * reconciler: from the connection and the host as they are, it works out
 * which subflows should exist and asks for the difference.  Asking twice is
 * harmless (the engine drops pairs that exist or are pending, and holds
 * back pairs in backoff), so every event can simply reconcile.
 */
#ifndef MPTCPD_STRATEGIES_COMMON_H
#define MPTCPD_STRATEGIES_COMMON_H

#include "mptcpd/strategy.h"

/* Why, for operators (struct mptcpd_action.reason): the rule of the step
 * that asked for out->v[from..n), given to those it did not name. */
void strat_reason(struct mptcpd_actions *out, size_t from, const char *why);

/* The reasons the shared steps give themselves (strat_drop_dead,
 * strat_announce); strategy-specific steps are named by their strategy. */
#define STRAT_WHY_ADDR_GONE "its address went away"
#define STRAT_WHY_STALLED "the subflow stalled"
#define STRAT_WHY_ANNOUNCE "a listener serves this address"
#define STRAT_WHY_WITHDRAW "the address or its listener went away"

/* Which local addresses a step applies to. */
typedef bool (*strat_filter_fn)(const struct mptcpd_local_addr *a);

bool strat_any(const struct mptcpd_local_addr *a);
bool strat_cellular(const struct mptcpd_local_addr *a);
bool strat_not_cellular(const struct mptcpd_local_addr *a);
bool strat_metered(const struct mptcpd_local_addr *a);
bool strat_unmetered(const struct mptcpd_local_addr *a);

/* A client-side, established connection: the ones a client strategy
 * manages. */
bool strat_client(const struct mptcpd_conn *conn);
/* The usable local address a subflow comes from, or NULL. */
const struct mptcpd_local_addr *strat_source(const struct mptcpd_host *host,
					     const struct mptcpd_subflow *s);
/* Subflows from every filtered address to every known remote address
 * (initial unless deny_join_id0, and announced), within max_subflows. */
void strat_mesh(const struct mptcpd_conn *conn, const struct mptcpd_host *host,
		strat_filter_fn filter, bool backup, struct mptcpd_actions *out);
/* One subflow from the first filtered address toward the connection's
 * first reachable remote address, unless one already comes from a filtered
 * address.  Returns true when such a subflow exists or was asked for. */
bool strat_one(const struct mptcpd_conn *conn, const struct mptcpd_host *host,
	       strat_filter_fn filter, bool backup, struct mptcpd_actions *out);
/* Close established subflows that stalled (SUBFLOW_DESTROY), and on
 * ADDR_REMOVED withdraw the address that went away (REMOVE: RM_ADDR to the
 * peer, and the kernel closes its subflows), so both ends resend their
 * data elsewhere at once instead of after retransmission timeouts.
 * (Subflows from addresses the daemon never used, say over an excluded
 * VPN, are none of its business.) */
void strat_drop_dead(const struct mptcpd_conn *conn,
		     const struct mptcpd_event *ev, struct mptcpd_actions *out);
/* Close established subflows from filtered addresses. */
void strat_drop(const struct mptcpd_conn *conn, const struct mptcpd_host *host,
		strat_filter_fn filter, struct mptcpd_actions *out);
/* Is there an established, not stalled subflow from a usable filtered
 * address? */
bool strat_path_ok(const struct mptcpd_conn *conn,
		   const struct mptcpd_host *host, strat_filter_fn filter);
/* SET_FLAGS on established subflows from filtered addresses whose backup
 * flag differs from the wanted one. */
void strat_set_backup(const struct mptcpd_conn *conn,
		      const struct mptcpd_host *host, strat_filter_fn filter,
		      bool backup, struct mptcpd_actions *out);

/* Server side: announce (ADD_ADDR) each address of host->announce that a
 * listener serves on the connection's port, and withdraw (RM_ADDR) the
 * announcements whose address or listener went away.  Does nothing for
 * client-side or not yet established connections. */
void strat_announce(const struct mptcpd_conn *conn,
		    const struct mptcpd_host *host, struct mptcpd_actions *out);

/* The decide() shared by the built-in strategies: every event that can
 * change what a client connection should have reconciles it with
 * reconcile(); server-side connections get their announcements. */
typedef void (*strat_reconcile_fn)(const struct mptcpd_event *ev,
				   const struct mptcpd_conn *conn,
				   const struct mptcpd_host *host,
				   struct mptcpd_actions *out);
void strat_dispatch(const struct mptcpd_event *ev,
		    const struct mptcpd_conn *conn,
		    const struct mptcpd_host *host, struct mptcpd_actions *out,
		    strat_reconcile_fn reconcile);

#endif
