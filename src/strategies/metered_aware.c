/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metered-aware: metered links (cellular unless configured otherwise, or
 * whatever NetworkManager or the configuration marks metered) carry no
 * subflow at all while an unmetered path works.  When the last unmetered
 * path is lost, subflows open on the metered links at once; once an
 * unmetered subflow is established again, the metered ones are closed.
 */
#include "strategies.h"
#include "strategies/common.h"

static void metered_aware_reconcile(const struct mptcpd_event *ev,
				    const struct mptcpd_conn *conn,
				    const struct mptcpd_host *host,
				    struct mptcpd_actions *out)
{
	/* Creations before destructions (see backup_cellular.c). */
	strat_mesh(conn, host, strat_unmetered, false, out);
	if (strat_path_ok(conn, host, strat_unmetered))
		strat_drop(conn, host, strat_metered, out);
	else
		strat_mesh(conn, host, strat_metered, false, out);
	strat_drop_dead(conn, ev, out);
}

static void metered_aware_decide(const struct mptcpd_event *ev,
				 const struct mptcpd_conn *conn,
				 const struct mptcpd_host *host,
				 struct mptcpd_actions *out)
{
	switch (ev->type) {
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
		if (strat_client(conn))
			metered_aware_reconcile(ev, conn, host, out);
		else
			strat_announce(conn, host, out);
		break;
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
		strat_announce(conn, host, out);
		break;
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_REMOVED:
	case MPTCPD_EVENT_SUB_PRIORITY:
		break;
	}
}

const struct mptcpd_strategy strategy_metered_aware = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "metered-aware",
	.description = "metered links used only while no unmetered path works",
	.flags = MPTCPD_STRATEGY_WATCH_STALLS,
	.decide = metered_aware_decide,
};
