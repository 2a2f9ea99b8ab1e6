/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fullmesh: a client-side connection gets one subflow from every usable
 * local address to every known remote address (the initial one and the
 * announced ones), up to max_subflows per connection.  Server-side
 * connections only get the announcements every strategy makes: their peer
 * is the one that joins.
 */
#include "strategies/registry.h"
#include "strategies/common.h"

static void fullmesh_reconcile(const struct mptcpd_event *ev,
			       const struct mptcpd_conn *conn,
			       const struct mptcpd_host *host,
			       struct mptcpd_actions *out)
{
	/* Creations before destructions (see backup_cellular.c).  No
	 * subflow is a backup here, whatever the strategy before this one
	 * (or an operator) made it. */
	size_t n = out->n;

	strat_mesh(conn, host, strat_any, false, out);
	strat_reason(out, n, "one subflow per local address and peer address");
	n = out->n;
	strat_set_backup(conn, host, strat_any, false, out);
	strat_reason(out, n, "fullmesh has no backup subflows");
	strat_drop_dead(conn, ev, out);
}

static void fullmesh_decide(const struct mptcpd_event *ev,
			    const struct mptcpd_conn *conn,
			    const struct mptcpd_host *host,
			    struct mptcpd_actions *out)
{
	strat_dispatch(ev, conn, host, out, fullmesh_reconcile);
}

const struct mptcpd_strategy strategy_fullmesh = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "fullmesh",
	.description = "a subflow from every usable local address to every "
		       "known peer address",
	.decide = fullmesh_decide,
};
