/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adoption: take the kernel's picture (a sock_diag snapshot plus the IDs
 * GET_ADDR reports) as the truth for the connections it shows, drop the
 * ones it no longer has, and let the strategy complete each of them.  Used
 * at start-up and after lost events.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "log.h"
#include "snapshot.h"

static bool engine_snapshot_has(const struct snapshot *snap, uint32_t token)
{
	for (size_t i = 0; i < snap->n_conns; i++)
		if (snap->conns[i].token == token &&
		    snapshot_conn_managed(&snap->conns[i]))
			return true;
	return false;
}

/* Connections that closed while events were lost must go. */
static void engine_drop_vanished(struct engine *e, const struct snapshot *snap)
{
	uint32_t gone[64];
	size_t n;

	do {
		n = 0;
		for (struct model_conn *c = model_conn_next(e->model, NULL);
		     c && n < 64; c = model_conn_next(e->model, c))
			if (!engine_snapshot_has(snap, c->pub.token))
				gone[n++] = c->pub.token;
		for (size_t i = 0; i < n; i++)
			model_conn_del(e->model, gone[i]);
	} while (n == 64);
}

/* The kernel's subflows replace whatever we believed, except subflows we
 * asked for whose fate is still unknown: the snapshot may predate them. */
static void engine_adopt_subflows(struct model_conn *c,
				  const struct snapshot *snap)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->pub.n_subflows; i++)
		if (c->subflows[i].state == MPTCPD_SUBFLOW_PENDING)
			c->subflows[kept++] = c->subflows[i];
	c->pub.n_subflows = kept;
	for (size_t i = 0; i < snap->n_subflows; i++) {
		const struct snapshot_subflow *ksf = &snap->subflows[i];
		struct mptcpd_subflow s = { 0 };

		if (ksf->token != c->pub.token)
			continue;
		s.local = ksf->local;
		s.remote = ksf->remote;
		s.local_id = ksf->local_id;
		s.remote_id = ksf->remote_id;
		s.backup = ksf->backup;
		s.ifindex = ksf->ifindex;
		s.state = ksf->established ? MPTCPD_SUBFLOW_ESTABLISHED :
					     MPTCPD_SUBFLOW_PENDING;
		struct mptcpd_subflow *known = model_subflow_find(c, &s.local,
								  &s.remote);

		if (known)
			*known = s;
		else
			model_subflow_add(c, &s);
		model_local_id_reserve(c, ksf->local_id, &ksf->local);
	}
	for (size_t i = 0; i < snap->n_ids; i++) {
		const struct snapshot_id *id = &snap->ids[i];

		if (id->token != c->pub.token)
			continue;
		if (model_local_id_reserve(c, id->id, &id->addr) < 0)
			log_warn(LOG_SUB_ENGINE, "token=%08x: kernel ID %u "
				 "conflicts with a known address",
				 c->pub.token, id->id);
		/* An entry with "signal" is one we announced. */
		if (id->signal)
			model_announced_add(c, id->id, &id->addr);
	}
}

static struct model_conn *engine_adopt_conn(struct engine *e,
					    const struct snapshot *snap,
					    const struct snapshot_conn *kconn)
{
	struct model_conn *c = model_conn_get(e->model, kconn->token);

	if (!c)
		return NULL;
	if (!c->created_ms)
		c->created_ms = e->ops.now_ms(e->ops_arg);
	c->pub.local = kconn->local;
	c->pub.remote = kconn->remote;
	c->pub.server_side = snapshot_conn_server_side(snap, kconn);
	c->pub.established = true;
	engine_adopt_subflows(c, snap);
	engine_add_initial(c);
	return c;
}

/* The listening sockets in the snapshot replace the ones we knew. */
static void engine_adopt_listeners(struct engine *e,
				   const struct snapshot *snap)
{
	e->n_listeners = 0;
	for (size_t i = 0; i < snap->n_conns; i++)
		if (snap->conns[i].listener)
			engine_listener_add(e, &snap->conns[i].local);
}

void engine_adopt(struct engine *e, const struct snapshot *snap)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ADOPTED };
	size_t adopted = 0;

	engine_drop_vanished(e, snap);
	engine_adopt_listeners(e, snap);
	for (size_t i = 0; i < snap->n_conns; i++) {
		const struct snapshot_conn *kconn = &snap->conns[i];
		struct model_conn *c;

		if (!snapshot_conn_managed(kconn))
			continue;
		c = engine_adopt_conn(e, snap, kconn);
		if (!c)
			continue;
		ev.token = kconn->token;
		engine_decide(e, c, &ev);
		adopted++;
	}
	log_info(LOG_SUB_ENGINE, "adopted %zu existing connection%s", adopted,
		 adopted == 1 ? "" : "s");
}
