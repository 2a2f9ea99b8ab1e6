/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metered-aware: metered links (cellular unless configured otherwise, or
 * whatever NetworkManager or the configuration marks metered) carry no
 * subflow at all while an unmetered path works.  When the last unmetered
 * path is lost, subflows open on the metered links at once; once an
 * unmetered subflow is established again, the metered ones are closed.
 */
#include "strategies/registry.h"
#include "strategies/common.h"

static void metered_aware_reconcile(const struct mptcpd_event *ev,
				    const struct mptcpd_conn *conn,
				    const struct mptcpd_host *host,
				    struct mptcpd_actions *out)
{
	/* Creations before destructions (see backup_cellular.c). */
	/* Metered subflows exist only while nothing else works, so none is a
	 * backup, whatever the strategy before this one made it. */
	size_t n = out->n;

	strat_mesh(conn, host, strat_unmetered, false, out);
	strat_reason(out, n, "unmetered paths are meshed");
	n = out->n;
	if (strat_path_ok(conn, host, strat_unmetered)) {
		strat_drop(conn, host, strat_metered, out);
		strat_reason(out, n, "an unmetered path works again");
	} else {
		strat_mesh(conn, host, strat_metered, false, out);
		strat_reason(out, n, "no working unmetered path: metered "
			     "fallback");
	}
	n = out->n;
	strat_set_backup(conn, host, strat_any, false, out);
	strat_reason(out, n, "metered-aware has no backup subflows");
	strat_drop_dead(conn, ev, out);
}

static void metered_aware_decide(const struct mptcpd_event *ev,
				 const struct mptcpd_conn *conn,
				 const struct mptcpd_host *host,
				 struct mptcpd_actions *out)
{
	strat_dispatch(ev, conn, host, out, metered_aware_reconcile);
}

const struct mptcpd_strategy strategy_metered_aware = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "metered-aware",
	.description = "metered links used only while no unmetered path works",
	.flags = MPTCPD_STRATEGY_WATCH_STALLS,
	.decide = metered_aware_decide,
};
