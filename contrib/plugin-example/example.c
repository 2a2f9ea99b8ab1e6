/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * example-first-path: a minimal out-of-tree mptcpd strategy.
 *
 * A client connection that is established gets exactly one extra subflow:
 * from the first usable local address that is not the connection's own,
 * toward the peer address the connection was opened to.  Two paths, no
 * more.  The strategy remembers, per connection, how often it asked for
 * that subflow, and gives up after EXAMPLE_MAX_ASKS requests (a path
 * that keeps failing is not worth asking for forever).
 *
 * Rules every strategy follows (see <mptcpd/strategy.h>):
 *  - decide() is pure: no I/O, no clock, no global mutable state; it only
 *    reads the event and the views, and appends actions;
 *  - the daemon has already applied the event to the views it passes, so
 *    conn->subflows includes the subflows it has asked for (pending);
 *  - it must be idempotent: the same event may come twice.
 *
 * Only <mptcpd/strategy.h> and libc are available to a plugin.
 */
#include <mptcpd/strategy.h>

#define EXAMPLE_MAX_ASKS 3

/* Per-connection memory: the daemon allocates conn_data_size zeroed bytes
 * with each connection (conn->data) and frees them with it. */
struct example_conn_data {
	unsigned int asks;	/* SUBFLOW_CREATE requests made so far */
};

/* Is there already a subflow (pending or established) that does not use
 * the connection's initial local address, i.e. a second path? */
static bool example_has_second_path(const struct mptcpd_conn *conn)
{
	for (size_t i = 0; i < conn->n_subflows; i++)
		if (!mptcpd_addr_same_ip(&conn->subflows[i].local, &conn->local))
			return true;
	return false;
}

/* The first usable local address, in the host's order, that can reach
 * the peer's address family and is not the connection's own; or NULL. */
static const struct mptcpd_local_addr *
example_pick_local(const struct mptcpd_conn *conn,
		   const struct mptcpd_host *host)
{
	for (size_t i = 0; i < host->n_addrs; i++) {
		const struct mptcpd_local_addr *l = &host->addrs[i];

		if (l->addr.family == conn->remote.family &&
		    !mptcpd_addr_same_ip(&l->addr, &conn->local))
			return l;
	}
	return NULL;
}

static bool example_may_ask(const struct mptcpd_conn *conn,
			    const struct mptcpd_host *host)
{
	const struct example_conn_data *data = conn->data;

	/* A server leaves joining to its clients; deny_join_id0 means the
	 * peer accepts no subflow toward the address we connected to. */
	return conn->established && !conn->server_side &&
	       !conn->deny_join_id0 && host->max_subflows >= 2 && data &&
	       data->asks < EXAMPLE_MAX_ASKS && !example_has_second_path(conn);
}

static void example_second_path(const struct mptcpd_conn *conn,
				const struct mptcpd_host *host,
				struct mptcpd_actions *out)
{
	struct example_conn_data *data = conn->data;
	const struct mptcpd_local_addr *l;
	struct mptcpd_action *a;

	if (!example_may_ask(conn, host))
		return;
	l = example_pick_local(conn, host);
	if (!l)
		return;
	a = mptcpd_actions_push(out, MPTCPD_ACTION_SUBFLOW_CREATE, conn->token);
	if (!a)
		return;
	a->local = l->addr;		/* port 0: the kernel picks one */
	a->remote = conn->remote;	/* with the connection's port */
	/* Bind to the address's interface: without policy routing, the
	 * main table would send the subflow out of the default uplink. */
	a->ifindex = l->ifindex;
	/* For operators: the monitor stream, the log and `mptcpd-ctl events`
	 * show it with the event that led here.  A literal: the daemon keeps
	 * the pointer. */
	a->reason = "a second path from another local address";
	data->asks++;
}

static void example_decide(const struct mptcpd_event *event,
			   const struct mptcpd_conn *conn,
			   const struct mptcpd_host *host,
			   struct mptcpd_actions *out)
{
	/* Every event kind is listed, without a default: when a new mptcpd
	 * header adds one, the compiler (-Wswitch) points here. */
	switch (event->type) {
	case MPTCPD_EVENT_ESTABLISHED:
	case MPTCPD_EVENT_ADOPTED:
	case MPTCPD_EVENT_ADDR_ADDED:	/* maybe the second address is here */
	case MPTCPD_EVENT_RETRY:	/* a failed subflow may be asked again */
		example_second_path(conn, host, out);
		break;
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_ANNOUNCED:	/* only the initial peer address */
	case MPTCPD_EVENT_REMOVED:
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_CLOSED:	/* wait for RETRY: the daemon backs off */
	case MPTCPD_EVENT_SUB_PRIORITY:
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
	/* Kept minimal: a subflow whose address went away is left to
	 * TCP's timeouts (fullmesh destroys it at once). */
	case MPTCPD_EVENT_ADDR_REMOVED:
	case MPTCPD_EVENT_ACTION_FAILED:
	case MPTCPD_EVENT_SUB_STALLED:
	case MPTCPD_EVENT_RTT_UPDATED:	/* not asked for (no WATCH_RTT) */
		break;
	}
}

/* The one symbol mptcpd looks for (MPTCPD_STRATEGY_SYMBOL).  It must be
 * const and have exactly this name and type. */
const struct mptcpd_strategy mptcpd_strategy = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "example-first-path",
	.description = "one extra subflow, from the first other local address "
		       "to the peer",
	.flags = 0,
	.conn_data_size = sizeof(struct example_conn_data),
	.decide = example_decide,
};
