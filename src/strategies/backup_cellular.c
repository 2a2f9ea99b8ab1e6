/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backup-cellular (Apple's "handover" mode, in the open): Wi-Fi, Ethernet
 * and other non-cellular paths are meshed as in fullmesh.  Cellular gets
 * one subflow per connection, flagged backup (MP_PRIO), so it is warm but
 * carries no data.  The moment no non-cellular subflow works any more
 * (address gone, link down, subflow closed or stalled), the cellular
 * subflow is promoted (SET_FLAGS backup off) and the dead subflows are
 * destroyed, both at once: destroying makes the kernel reinject their data
 * on cellular without waiting for retransmission timeouts.  When a
 * non-cellular subflow is established again, cellular goes back to backup.
 */
#include "strategies/registry.h"
#include "strategies/common.h"

static void backup_cellular_reconcile(const struct mptcpd_event *ev,
				      const struct mptcpd_conn *conn,
				      const struct mptcpd_host *host,
				      struct mptcpd_actions *out)
{
	/* Stalled subflows, and those whose address went away, no longer
	 * count as working even before the kernel confirms their end. */
	bool primary_ok = strat_path_ok(conn, host, strat_not_cellular);

	/* New and promoted subflows first, dead ones last: the first packet
	 * a host sends on a fresh uplink decides the source of its ARP
	 * request, and the dead subflow's FIN would carry the vanished
	 * address, which a strict access router ignores. */
	size_t n = out->n;

	strat_mesh(conn, host, strat_not_cellular, false, out);
	strat_reason(out, n, "non-cellular paths are meshed");
	n = out->n;
	strat_one(conn, host, strat_cellular, primary_ok, out);
	strat_reason(out, n, primary_ok ? "one cellular subflow is kept as "
		     "backup" : "no working non-cellular subflow");
	n = out->n;
	strat_set_backup(conn, host, strat_not_cellular, false, out);
	strat_reason(out, n, "non-cellular paths carry data");
	n = out->n;
	strat_set_backup(conn, host, strat_cellular, primary_ok, out);
	strat_reason(out, n, primary_ok ? "a non-cellular subflow works again"
		     : "no working non-cellular subflow");
	strat_drop_dead(conn, ev, out);
}

static void backup_cellular_decide(const struct mptcpd_event *ev,
				   const struct mptcpd_conn *conn,
				   const struct mptcpd_host *host,
				   struct mptcpd_actions *out)
{
	strat_dispatch(ev, conn, host, out, backup_cellular_reconcile);
}

const struct mptcpd_strategy strategy_backup_cellular = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "backup-cellular",
	.description = "non-cellular paths meshed; one cellular subflow kept as "
		       "backup, promoted the moment no other path works",
	.flags = MPTCPD_STRATEGY_WATCH_STALLS,
	.decide = backup_cellular_decide,
};
