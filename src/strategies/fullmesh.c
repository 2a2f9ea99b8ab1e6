/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fullmesh: a client-side connection gets one subflow from every usable
 * local address to every known remote address (the initial one and the
 * announced ones), up to max_subflows per connection.  Server-side
 * connections are left alone: their peer is the one that joins.
 */
#include "strategies.h"
#include "strategies/common.h"

static void fullmesh_decide(const struct mptcpd_event *ev,
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
	case MPTCPD_EVENT_SUB_CLOSED:	/* the engine's backoff paces retries */
	case MPTCPD_EVENT_RETRY:
		if (!strat_client(conn)) {
			strat_announce(conn, host, out);
			return;
		}
		/* Creations before destructions (see backup_cellular.c). */
		strat_mesh(conn, host, strat_any, false, out);
		strat_drop_dead(conn, ev, out);
		break;
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
		strat_announce(conn, host, out);
		break;
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_REMOVED:	/* the kernel closes those subflows */
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_PRIORITY:
	case MPTCPD_EVENT_ACTION_FAILED:
	case MPTCPD_EVENT_SUB_STALLED:
		break;
	}
}

const struct mptcpd_strategy strategy_fullmesh = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "fullmesh",
	.description = "a subflow from every usable local address to every "
		       "known peer address",
	.decide = fullmesh_decide,
};
