/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fullmesh: a client-side connection gets one subflow from every usable
 * local address to every known remote address (the initial one and the
 * announced ones), up to max_subflows per connection.  Server-side
 * connections are left alone: their peer is the one that joins.
 */
#include "mptcpd/strategy.h"
#include "strategies.h"

static bool fullmesh_has_pair(const struct mptcpd_conn *conn,
			      const struct mptcpd_addr *local,
			      const struct mptcpd_addr *remote)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];

		if (mptcpd_addr_same_ip(&s->local, local) &&
		    mptcpd_addr_same_ip(&s->remote, remote) &&
		    s->remote.port == remote->port)
			return true;
	}
	return false;
}

static bool fullmesh_has_action(const struct mptcpd_actions *out,
				const struct mptcpd_addr *local,
				const struct mptcpd_addr *remote)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].type == MPTCPD_ACTION_SUBFLOW_CREATE &&
		    mptcpd_addr_same_ip(&out->v[i].local, local) &&
		    mptcpd_addr_same_ip(&out->v[i].remote, remote) &&
		    out->v[i].remote.port == remote->port)
			return true;
	return false;
}

/* Subflows from every usable local address toward one remote address. */
static void fullmesh_toward(const struct mptcpd_conn *conn,
			    const struct mptcpd_host *host,
			    const struct mptcpd_addr *remote, size_t *count,
			    struct mptcpd_actions *out)
{
	for (size_t i = 0; i < host->n_addrs; i++) {
		const struct mptcpd_local_addr *l = &host->addrs[i];
		struct mptcpd_action *a;

		if (*count >= host->max_subflows)
			return;
		if (l->addr.family != remote->family ||
		    fullmesh_has_pair(conn, &l->addr, remote) ||
		    fullmesh_has_action(out, &l->addr, remote))
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_SUBFLOW_CREATE,
					conn->token);
		if (!a)
			return;
		a->local = l->addr;
		a->remote = *remote;
		a->ifindex = l->ifindex;
		(*count)++;
	}
}

static void fullmesh_complete(const struct mptcpd_conn *conn,
			      const struct mptcpd_host *host,
			      struct mptcpd_actions *out)
{
	size_t count = conn->n_subflows;

	if (!conn->established || conn->server_side)
		return;
	if (!conn->deny_join_id0)
		fullmesh_toward(conn, host, &conn->remote, &count, out);
	for (size_t i = 0; i < conn->n_remotes; i++) {
		struct mptcpd_addr remote = conn->remotes[i].addr;

		/* An ADD_ADDR without a port means the connection's port. */
		if (remote.port == 0)
			remote.port = conn->remote.port;
		fullmesh_toward(conn, host, &remote, &count, out);
	}
}

/* The local address went away: close what still uses it.  Pending
 * subflows have no port yet and the kernel will fail them by itself. */
static void fullmesh_drop_local(const struct mptcpd_conn *conn,
				const struct mptcpd_addr *local,
				struct mptcpd_actions *out)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];
		struct mptcpd_action *a;

		if (s->state != MPTCPD_SUBFLOW_ESTABLISHED ||
		    !mptcpd_addr_same_ip(&s->local, local))
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_SUBFLOW_DESTROY,
					conn->token);
		if (!a)
			return;
		a->local = s->local;
		a->remote = s->remote;
	}
}

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
		fullmesh_complete(conn, host, out);
		break;
	case MPTCPD_EVENT_ADDR_REMOVED:
		if (ev->addr && !conn->server_side)
			fullmesh_drop_local(conn, &ev->addr->addr, out);
		break;
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_REMOVED:	/* the kernel closes those subflows */
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_CLOSED:	/* no re-creation: no retry loops */
	case MPTCPD_EVENT_SUB_PRIORITY:
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
	case MPTCPD_EVENT_ACTION_FAILED:
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
