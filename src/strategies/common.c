/* SPDX-License-Identifier: BSD-3-Clause */
#include "addr.h"
#include "strategies/common.h"

void strat_reason(struct mptcpd_actions *out, size_t from, const char *why)
{
	for (size_t i = from; i < out->n && i < MPTCPD_ACTIONS_MAX; i++)
		if (!out->v[i].reason)
			out->v[i].reason = why;
}

bool strat_any(const struct mptcpd_local_addr *a) { return a != NULL; }
bool strat_cellular(const struct mptcpd_local_addr *a)
{
	return a->type == MPTCPD_IFACE_CELLULAR;
}
bool strat_not_cellular(const struct mptcpd_local_addr *a)
{
	return a->type != MPTCPD_IFACE_CELLULAR;
}
bool strat_metered(const struct mptcpd_local_addr *a) { return a->metered; }
bool strat_unmetered(const struct mptcpd_local_addr *a) { return !a->metered; }

bool strat_client(const struct mptcpd_conn *conn)
{
	return conn->established && !conn->server_side;
}

const struct mptcpd_local_addr *strat_source(const struct mptcpd_host *host,
					     const struct mptcpd_subflow *s)
{
	for (size_t i = 0; i < host->n_addrs; i++)
		if (mptcpd_addr_same_ip(&host->addrs[i].addr, &s->local))
			return &host->addrs[i];
	return NULL;
}

static bool strat_same_pair(const struct mptcpd_addr *l1,
			    const struct mptcpd_addr *r1,
			    const struct mptcpd_addr *l2,
			    const struct mptcpd_addr *r2)
{
	return mptcpd_addr_same_ip(l1, l2) && mptcpd_addr_same_ip(r1, r2) &&
	       r1->port == r2->port;
}

static bool strat_has_pair(const struct mptcpd_conn *conn,
			   const struct mptcpd_actions *out,
			   const struct mptcpd_addr *local,
			   const struct mptcpd_addr *remote)
{
	for (size_t i = 0; i < conn->n_subflows; i++)
		if (strat_same_pair(&conn->subflows[i].local,
				    &conn->subflows[i].remote, local, remote))
			return true;
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].type == MPTCPD_ACTION_SUBFLOW_CREATE &&
		    strat_same_pair(&out->v[i].local, &out->v[i].remote, local,
				    remote))
			return true;
	return false;
}

/* How many subflows the connection will have, counting what out asks. */
static size_t strat_count(const struct mptcpd_conn *conn,
			  const struct mptcpd_actions *out)
{
	size_t n = conn->n_subflows;

	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].type == MPTCPD_ACTION_SUBFLOW_CREATE)
			n++;
	return n;
}

/* Is the pair held back by the engine (backing off) right now? */
static bool strat_held(const struct mptcpd_conn *conn,
		       const struct mptcpd_host *host,
		       const struct mptcpd_addr *local,
		       const struct mptcpd_addr *remote)
{
	for (size_t i = 0; i < conn->n_held; i++)
		if (conn->held[i].until_ms > host->now_ms &&
		    strat_same_pair(&conn->held[i].local, &conn->held[i].remote,
				    local, remote))
			return true;
	return false;
}

static bool strat_create(const struct mptcpd_conn *conn,
			 const struct mptcpd_host *host,
			 const struct mptcpd_local_addr *l,
			 const struct mptcpd_addr *remote, bool backup,
			 struct mptcpd_actions *out)
{
	struct mptcpd_action *a;

	if (l->addr.family != remote->family ||
	    strat_has_pair(conn, out, &l->addr, remote) ||
	    strat_held(conn, host, &l->addr, remote))
		return false;
	if (strat_count(conn, out) >= host->max_subflows)
		return false;
	a = mptcpd_actions_push(out, MPTCPD_ACTION_SUBFLOW_CREATE, conn->token);
	if (!a)
		return false;
	a->local = l->addr;
	a->remote = *remote;
	a->ifindex = l->ifindex;
	a->backup = backup;
	return true;
}

/* The n-th remote target of the connection (ports filled in), or false. */
static bool strat_remote(const struct mptcpd_conn *conn, size_t n,
			 struct mptcpd_addr *out)
{
	if (!conn->deny_join_id0) {
		if (n == 0) {
			*out = conn->remote;
			return true;
		}
		n--;
	}
	if (n >= conn->n_remotes)
		return false;
	*out = conn->remotes[n].addr;
	/* An ADD_ADDR without a port means the connection's port. */
	if (out->port == 0)
		out->port = conn->remote.port;
	return true;
}

void strat_mesh(const struct mptcpd_conn *conn, const struct mptcpd_host *host,
		strat_filter_fn filter, bool backup, struct mptcpd_actions *out)
{
	struct mptcpd_addr remote;

	for (size_t r = 0; strat_remote(conn, r, &remote); r++)
		for (size_t i = 0; i < host->n_addrs; i++)
			if (filter(&host->addrs[i]))
				strat_create(conn, host, &host->addrs[i], &remote,
					     backup, out);
}

static bool strat_has_from(const struct mptcpd_conn *conn,
			   const struct mptcpd_host *host,
			   strat_filter_fn filter)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_local_addr *l =
			strat_source(host, &conn->subflows[i]);

		if (l && filter(l))
			return true;
	}
	return false;
}

bool strat_one(const struct mptcpd_conn *conn, const struct mptcpd_host *host,
	       strat_filter_fn filter, bool backup, struct mptcpd_actions *out)
{
	struct mptcpd_addr remote;

	if (strat_has_from(conn, host, filter))
		return true;
	for (size_t r = 0; strat_remote(conn, r, &remote); r++)
		for (size_t i = 0; i < host->n_addrs; i++)
			if (filter(&host->addrs[i]) &&
			    strat_create(conn, host, &host->addrs[i], &remote,
					 backup, out))
				return true;
	return false;
}

static void strat_destroy(const struct mptcpd_conn *conn,
			  const struct mptcpd_subflow *s,
			  struct mptcpd_actions *out, const char *why)
{
	struct mptcpd_action *a;

	/* Only an established subflow has the ports SUBFLOW_DESTROY needs. */
	if (s->state != MPTCPD_SUBFLOW_ESTABLISHED)
		return;
	a = mptcpd_actions_push(out, MPTCPD_ACTION_SUBFLOW_DESTROY, conn->token);
	if (!a)
		return;
	a->local = s->local;
	a->remote = s->remote;
	a->reason = why;
}

/* The address is gone: withdraw it (RM_ADDR) rather than close its
 * subflows one by one.  The kernel closes them all the same, and the
 * peer, told over a surviving subflow, stops sending on the dead ones at
 * once instead of after its retransmission timer: that is the direction a
 * download or an ssh session cares about. */
static void strat_withdraw_local(const struct mptcpd_conn *conn,
				 const struct mptcpd_addr *gone,
				 struct mptcpd_actions *out)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];
		struct mptcpd_action *a;

		if (s->state != MPTCPD_SUBFLOW_ESTABLISHED ||
		    !mptcpd_addr_same_ip(&s->local, gone))
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_REMOVE, conn->token);
		if (a) {
			a->local = s->local;
			a->local_id = s->local_id;
			a->reason = STRAT_WHY_ADDR_GONE;
		}
		return;		/* one ID per address: one RM_ADDR */
	}
}

void strat_drop_dead(const struct mptcpd_conn *conn,
		     const struct mptcpd_event *ev, struct mptcpd_actions *out)
{
	bool removed = ev->type == MPTCPD_EVENT_ADDR_REMOVED && ev->addr;

	if (removed)
		strat_withdraw_local(conn, &ev->addr->addr, out);
	/* The kernel (6.18) sends the RM_ADDR but keeps the local subflows of
	 * an ID that was only used for subflows: close them as well. */
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];

		if (removed && mptcpd_addr_same_ip(&s->local, &ev->addr->addr))
			strat_destroy(conn, s, out, STRAT_WHY_ADDR_GONE);
		else if (s->stalled)
			strat_destroy(conn, s, out, STRAT_WHY_STALLED);
	}
}

void strat_drop(const struct mptcpd_conn *conn, const struct mptcpd_host *host,
		strat_filter_fn filter, struct mptcpd_actions *out)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_local_addr *l =
			strat_source(host, &conn->subflows[i]);

		if (l && filter(l))
			strat_destroy(conn, &conn->subflows[i], out, NULL);
	}
}

bool strat_path_ok(const struct mptcpd_conn *conn,
		   const struct mptcpd_host *host, strat_filter_fn filter)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];
		const struct mptcpd_local_addr *l = strat_source(host, s);

		if (l && filter(l) && !s->stalled &&
		    s->state == MPTCPD_SUBFLOW_ESTABLISHED)
			return true;
	}
	return false;
}

void strat_set_backup(const struct mptcpd_conn *conn,
		      const struct mptcpd_host *host, strat_filter_fn filter,
		      bool backup, struct mptcpd_actions *out)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];
		const struct mptcpd_local_addr *l = strat_source(host, s);
		struct mptcpd_action *a;

		if (!l || !filter(l) || s->backup == backup ||
		    s->state != MPTCPD_SUBFLOW_ESTABLISHED)
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_SET_BACKUP, conn->token);
		if (!a)
			return;
		a->local = s->local;
		a->remote = s->remote;
		a->backup = backup;
	}
}

/* Does any listening socket accept joins to addr:port? */
static bool strat_listened(const struct mptcpd_host *host,
			   const struct mptcpd_addr *addr, uint16_t port)
{
	for (size_t i = 0; i < host->n_listeners; i++)
		if (addr_listener_serves(&host->listeners[i], addr, port))
			return true;
	return false;
}

static bool strat_in_announce(const struct mptcpd_host *host,
			      const struct mptcpd_addr *addr)
{
	for (size_t i = 0; i < host->n_announce; i++)
		if (mptcpd_addr_same_ip(&host->announce[i].addr, addr))
			return true;
	return false;
}

static bool strat_announced(const struct mptcpd_conn *conn,
			    const struct mptcpd_addr *addr)
{
	for (size_t i = 0; i < conn->n_announced; i++)
		if (mptcpd_addr_same_ip(&conn->announced[i].addr, addr))
			return true;
	return false;
}

static void strat_withdraw(const struct mptcpd_conn *conn,
			   const struct mptcpd_host *host,
			   struct mptcpd_actions *out)
{
	for (size_t i = 0; i < conn->n_announced; i++) {
		const struct mptcpd_announced *an = &conn->announced[i];
		struct mptcpd_action *a;

		if (strat_in_announce(host, &an->addr) &&
		    strat_listened(host, &an->addr, conn->local.port))
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_REMOVE, conn->token);
		if (!a)
			return;
		a->local = an->addr;
		a->local_id = an->id;
		a->reason = STRAT_WHY_WITHDRAW;
	}
}

void strat_announce(const struct mptcpd_conn *conn,
		    const struct mptcpd_host *host, struct mptcpd_actions *out)
{
	if (!conn->established || !conn->server_side)
		return;
	strat_withdraw(conn, host, out);
	for (size_t i = 0; i < host->n_announce; i++) {
		const struct mptcpd_local_addr *l = &host->announce[i];
		struct mptcpd_action *a;

		if (l->addr.family != conn->local.family ||
		    mptcpd_addr_same_ip(&l->addr, &conn->local) ||
		    strat_announced(conn, &l->addr) ||
		    !strat_listened(host, &l->addr, conn->local.port))
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_ANNOUNCE, conn->token);
		if (!a)
			return;
		a->local = l->addr;
		a->ifindex = l->ifindex;
		a->reason = STRAT_WHY_ANNOUNCE;
	}
}

void strat_dispatch(const struct mptcpd_event *ev,
		    const struct mptcpd_conn *conn,
		    const struct mptcpd_host *host, struct mptcpd_actions *out,
		    strat_reconcile_fn reconcile)
{
	switch (ev->type) {
	case MPTCPD_EVENT_ESTABLISHED:
	case MPTCPD_EVENT_ADOPTED:
	case MPTCPD_EVENT_ANNOUNCED:
	case MPTCPD_EVENT_ADDR_ADDED:
	case MPTCPD_EVENT_ADDR_REMOVED:
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_CLOSED:	/* the engine's backoff paces retries */
	case MPTCPD_EVENT_SUB_STALLED:
	case MPTCPD_EVENT_RETRY:
	case MPTCPD_EVENT_ACTION_FAILED:
	case MPTCPD_EVENT_RTT_UPDATED:
		if (strat_client(conn))
			reconcile(ev, conn, host, out);
		else
			strat_announce(conn, host, out);
		break;
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
		strat_announce(conn, host, out);
		break;
	case MPTCPD_EVENT_CREATED:	/* too early: no subflow possible */
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_REMOVED:	/* the kernel closes those subflows */
	case MPTCPD_EVENT_SUB_PRIORITY:
		break;
	}
}
