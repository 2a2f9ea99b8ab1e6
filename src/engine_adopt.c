/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adoption: take the kernel's picture (a sock_diag snapshot plus the IDs
 * GET_ADDR reports) as the truth for the connections it shows, drop the
 * ones it no longer has, and let the strategy complete each of them.  Used
 * at start-up and after lost events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "log.h"
#include "snapshot.h"

static bool engine_snapshot_has(const struct snapshot *snap, uint32_t token)
{
	const struct snapshot_conn *k = snapshot_find_conn(snap, token);

	return k && snapshot_conn_managed(k);
}

/* Connections that closed while events were lost must go; not the ones
 * live events touched while the snapshot was read (a dump spread over
 * several loop iterations may have passed a connection's place before it
 * was created: the model is newer then).  One walk: the next connection
 * is found before the current one is freed. */
static void engine_drop_vanished(struct engine *e, const struct snapshot *snap)
{
	struct model_conn *c = model_conn_next(e->model, NULL), *next;

	for (; c; c = next) {
		next = model_conn_next(e->model, c);
		if (!engine_snapshot_has(snap, c->pub.token) &&
		    !snapshot_live_has(snap, c->pub.token))
			model_conn_del(e->model, c->pub.token);
	}
}

/* The kernel's subflows replace whatever we believed, except subflows we
 * asked for whose fate is still unknown: the snapshot may predate them. */
static void engine_adopt_subflows(struct engine *e, struct model_conn *c,
				  const struct snapshot *snap, uint64_t now)
{
	struct engine_acct_keep *keep;
	size_t n_keep = engine_acct_keep(c, &keep);
	size_t n_sf, n_ids;
	const struct snapshot_subflow *sfs = snapshot_subflows_of(snap,
							c->pub.token, &n_sf);
	const struct snapshot_id *ids = snapshot_ids_of(snap, c->pub.token,
							&n_ids);

	model_subflow_keep_pending(c);
	for (size_t i = 0; i < n_sf; i++) {
		const struct snapshot_subflow *ksf = &sfs[i];
		struct mptcpd_subflow s = { 0 };

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

		/* A join still opening times out counted from when we asked
		 * for it, or else from now. */
		if (!ksf->established)
			s.since_ms = known ? known->since_ms : now;
		if (known)
			*known = s;
		else
			model_subflow_add(c, &s);
		model_local_id_reserve(c, ksf->local_id, &ksf->local);
	}
	engine_acct_restore(e, c, keep, n_keep);
	for (size_t i = 0; i < n_ids; i++) {
		const struct snapshot_id *id = &ids[i];

		if (model_local_id_reserve(c, id->id, &id->addr) < 0)
			log_warn(LOG_SUB_ENGINE, "token=%08x: kernel ID %u "
				 "conflicts with a known address",
				 c->pub.token, id->id);
		/* An entry with "signal" is one we announced. */
		if (id->signal)
			model_announced_add(c, id->id, &id->addr);
	}
}

/* Fully established (the kernel's ESTABLISHED event, after which it
 * accepts joins) shows in the subflows: a client whose peer has not yet
 * acknowledged its MP_CAPABLE key has none so, and a join would only earn
 * ENOTCONN.  Its ESTABLISHED event comes later and opens the door. */
static bool engine_snapshot_fully_established(const struct snapshot *snap,
					      uint32_t token)
{
	size_t n;
	const struct snapshot_subflow *sfs = snapshot_subflows_of(snap, token, &n);

	for (size_t i = 0; i < n; i++)
		if (sfs[i].established)
			return true;
	return false;
}

static struct model_conn *engine_adopt_conn(struct engine *e,
					    const struct snapshot *snap,
					    const struct snapshot_conn *kconn)
{
	struct model_conn *c = model_conn_get(e->model, kconn->token);

	if (!c)
		return NULL;
	if (!c->created_ms) {
		c->created_ms = e->ops.now_ms(e->ops_arg);
		c->adopted = true;
		e->st->conns++;
	}
	c->pub.local = kconn->local;
	c->pub.remote = kconn->remote;
	c->pub.server_side = snapshot_conn_server_side(snap, kconn);
	c->pub.established = c->pub.established ||
		engine_snapshot_fully_established(snap, kconn->token);
	engine_adopt_subflows(e, c, snap, e->ops.now_ms(e->ops_arg));
	engine_add_initial(c);
	/* The kernel's subflows replaced ours: what they carry is counted
	 * as it is now, but not as subflows established since start (a
	 * resync would count them again). */
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		model_subflow_acct(c, &c->subflows[i])->counted = true;
		engine_acct_update(e, c, &c->subflows[i]);
	}
	engine_conn_rearm(e, c);
	return c;
}

/* The listening sockets in the snapshot replace the ones we knew. */
static void engine_adopt_listeners(struct engine *e,
				   const struct snapshot *snap)
{
	e->n_listeners = 0;
	for (size_t i = 0; i < snap->n_listeners; i++)
		engine_listener_add(e, &snap->conns[i].local);
}

void engine_adopt_begin(struct engine *e, const struct snapshot *snap)
{
	engine_drop_vanished(e, snap);
	engine_adopt_listeners(e, snap);
}

bool engine_adopt_one(struct engine *e, const struct snapshot *snap,
		      const struct snapshot_conn *kconn)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ADOPTED };
	struct model_conn *c;

	if (!snapshot_conn_managed(kconn) || kconn->live_closed)
		return false;
	/* Live events have established the connection since the snapshot:
	 * the model is newer than the record. */
	c = kconn->live_event ? model_conn_find(e->model, kconn->token) : NULL;
	if (c && c->pub.established)
		return false;
	c = engine_adopt_conn(e, snap, kconn);
	if (!c)
		return false;
	ev.token = kconn->token;
	engine_decide(e, c, &ev);
	return true;
}

bool engine_adopt_first(struct engine *e, const struct snapshot_conn *kconn)
{
	const struct model_conn *c = model_conn_find(e->model, kconn->token);

	return !c || !c->pub.established;
}

void engine_adopt_log(size_t adopted)
{
	log_info(LOG_SUB_ENGINE, "adopted %zu existing connection%s", adopted,
		 adopted == 1 ? "" : "s");
}

int engine_adopt(struct engine *e, struct snapshot *snap)
{
	size_t adopted = 0;

	if (snapshot_index(snap) < 0)
		return -ENOMEM;
	engine_adopt_begin(e, snap);
	for (size_t i = snap->n_listeners; i < snap->n_conns; i++)
		adopted += engine_adopt_one(e, snap, &snap->conns[i]);
	engine_adopt_log(adopted);
	return 0;
}
