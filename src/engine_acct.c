/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's side of the counters (stats.h): what a subflow's life and
 * a command's fate add to them.  Each subflow has a record beside it in
 * the model (model_subflow_acct): the interface it counts for, whether it
 * carries traffic there now (established, not backup), and its byte
 * counts at the last stats request.  Every function here is O(1): a
 * lookup in the interface table (a few dozen entries at most) and a few
 * additions; nothing walks the connections.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine_priv.h"
#include "iface.h"

static uint64_t engine_acct_now(struct engine *e)
{
	return e->ops.now_ms(e->ops_arg);
}

/* The entry r counts for, once resolved.  Kept by position, not by
 * index: a link created again under its name moves its entry to the new
 * index, and this subflow's old index would find nothing. */
static struct stats_iface *engine_acct_slot(const struct engine *e,
					    const struct model_subflow_acct *r)
{
	return r->slot && r->slot <= e->st->n_ifaces ?
	       &e->st->ifaces[r->slot - 1] : NULL;
}

/* Which interface s counts for: its bound device, else the interface of
 * its local address while that is usable.  Resolved once: the address
 * may be gone when the subflow closes. */
static struct stats_iface *engine_acct_iface(struct engine *e,
					     const struct mptcpd_subflow *s,
					     struct model_subflow_acct *r)
{
	const struct mptcpd_local_addr *l = NULL;
	struct stats_iface *i;

	if (!r->ifindex) {
		l = iface_usable_find(e->ifaces, &s->local);
		r->ifindex = s->ifindex > 0 ? s->ifindex : l ? l->ifindex : 0;
		r->metered = l && l->metered;
	}
	if (!r->slot && r->ifindex) {
		i = stats_iface(e->st, r->ifindex, iface_name(e->ifaces,
							       r->ifindex));
		r->slot = i ? (uint8_t)(i - e->st->ifaces + 1) : 0;
	}
	return engine_acct_slot(e, r);
}

void engine_acct_update(struct engine *e, struct model_conn *c,
			struct mptcpd_subflow *s)
{
	struct model_subflow_acct *r = model_subflow_acct(c, s);
	bool active = s->state == MPTCPD_SUBFLOW_ESTABLISHED && !s->backup;
	struct stats_iface *i;

	if (s->state != MPTCPD_SUBFLOW_ESTABLISHED)
		return;
	i = engine_acct_iface(e, s, r);
	if (!r->counted) {
		r->counted = true;
		e->st->subflows_established++;
		if (i)
			i->subflows++;
	}
	if (active != r->active) {
		r->active = active;
		stats_iface_active(i, active ? 1 : -1, engine_acct_now(e));
	}
}

void engine_acct_gone(void *arg, struct model_conn *c,
		      struct mptcpd_subflow *s)
{
	struct engine *e = arg;
	struct model_subflow_acct *r = model_subflow_acct(c, s);
	struct stats_iface *i = r->ifindex ? engine_acct_iface(e, s, r) : NULL;

	if (r->active)
		stats_iface_active(i, -1, engine_acct_now(e));
	if (r->sent || r->received)
		stats_bytes_closed(e->st, i, r->metered, r->sent, r->received);
	r->active = false;
	r->sent = r->received = 0;
}

size_t engine_acct_keep(struct model_conn *c, struct engine_acct_keep **out)
{
	size_t n = 0, k = 0;

	*out = NULL;
	for (size_t i = 0; i < c->pub.n_subflows; i++)
		n += c->acct[i].sent || c->acct[i].received;
	if (!n || !(*out = calloc(n, sizeof(**out))))
		return 0;
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		struct model_subflow_acct *r = &c->acct[i];

		if (!r->sent && !r->received)
			continue;
		(*out)[k].local = c->subflows[i].local;
		(*out)[k].remote = c->subflows[i].remote;
		(*out)[k++].r = *r;
		r->sent = r->received = 0;
	}
	return k;
}

void engine_acct_restore(struct engine *e, struct model_conn *c,
			 struct engine_acct_keep *keep, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct engine_acct_keep *x = &keep[k];
		struct mptcpd_subflow *s = model_subflow_find(c, &x->local,
							      &x->remote);
		struct model_subflow_acct *r;

		if (!s || s->local.port != x->local.port) {
			stats_bytes_closed(e->st, engine_acct_slot(e, &x->r),
					   x->r.metered, x->r.sent, x->r.received);
			continue;
		}
		r = model_subflow_acct(c, s);
		if (!r->ifindex) {
			r->ifindex = x->r.ifindex;
			r->slot = x->r.slot;
			r->metered = x->r.metered;
		}
		r->sent = x->r.sent > r->sent ? x->r.sent : r->sent;
		r->received = x->r.received > r->received ? x->r.received :
			      r->received;
	}
	free(keep);
}

void engine_acct_closed(struct engine *e, struct model_conn *c,
			const struct mptcpd_subflow *s,
			const struct mptcpd_event *ev)
{
	struct model_pair *p = model_pair_find(c, &s->local, &s->remote);
	enum stats_close why = STATS_CLOSE_OTHER;
	uint32_t reset = 0;

	/* A join that never got established did not close: it failed (the
	 * kernel tells the error only while the connection is established:
	 * without one it counts as "other"). */
	if (s->state == MPTCPD_SUBFLOW_PENDING) {
		stats_join_failed(e->st, ev ? ev->error : 0);
		return;
	}
	if (ev && (ev->fields & MPTCPD_FIELD_RESET))
		reset = ev->reset_reason;
	if (!ev || (p && p->destroying && !s->stalled))
		why = STATS_CLOSE_REQUESTED;
	else if (ev->error)
		why = STATS_CLOSE_ERROR;
	else if ((ev->fields & MPTCPD_FIELD_RESET) &&
		 (ev->reset_reason || ev->reset_flags))
		why = STATS_CLOSE_RESET;
	stats_closed(e->st, why, reset);
}

/* A join of a non-backup subflow caused by the loss of a path replaces
 * it: a handover as much as a promotion of a backup subflow is. */
static bool engine_acct_replaces(const struct engine *e,
				 const struct mptcpd_action *a)
{
	if (a->type != MPTCPD_ACTION_SUBFLOW_CREATE || a->backup)
		return false;
	return e->trigger_event == MPTCPD_EVENT_ADDR_REMOVED ||
	       e->trigger_event == MPTCPD_EVENT_SUB_STALLED ||
	       e->trigger_event == MPTCPD_EVENT_SUB_CLOSED;
}

void engine_acct_sent(struct engine *e, struct model_conn *c,
		      const struct mptcpd_action *a)
{
	switch (a->type) {
	case MPTCPD_ACTION_ANNOUNCE:
		e->st->announcements_sent++;
		return;
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		e->st->subflows_requested++;
		break;
	case MPTCPD_ACTION_SET_BACKUP:
		if (a->backup) {
			e->st->demotions++;
			return;
		}
		break;
	case MPTCPD_ACTION_REMOVE:
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		return;
	}
	/* One handover per decision, counted when the kernel says yes. */
	if ((a->type == MPTCPD_ACTION_SET_BACKUP || engine_acct_replaces(e, a)) &&
	    !c->handover_ms)
		c->handover_ms = e->trigger_ms ? e->trigger_ms : engine_acct_now(e);
}

void engine_acct_result(struct engine *e, struct model_conn *c,
			const struct mptcpd_action *a, int err)
{
	uint64_t now;

	/* A connection that closed before our command reached it counts in
	 * conns_gone: nothing failed. */
	if (err && err != ENGINE_ERR_NO_CONN) {
		e->st->commands_failed++;
		if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE && err != -ENOBUFS)
			stats_join_failed(e->st, -err);
	}
	if (!c || !c->handover_ms || a->backup ||
	    (a->type != MPTCPD_ACTION_SET_BACKUP &&
	     a->type != MPTCPD_ACTION_SUBFLOW_CREATE))
		return;
	/* A refused promotion is asked again after a backoff (engine.c):
	 * the handover is over when the kernel says yes to that. */
	if (err && a->type == MPTCPD_ACTION_SET_BACKUP)
		return;
	now = engine_acct_now(e);
	if (!err)
		stats_promoted(e->st, now > c->handover_ms ? now - c->handover_ms : 0);
	c->handover_ms = 0;
}

void engine_bytes_begin(struct engine *e)
{
	e->st->dumps++;
}

void engine_bytes_seen(struct engine *e, uint32_t token,
		       const struct mptcpd_addr *local,
		       const struct mptcpd_addr *remote,
		       uint64_t sent, uint64_t received)
{
	struct model_conn *c = model_conn_find(e->model, token);
	struct mptcpd_subflow *s = c ? model_subflow_find(c, local, remote) : NULL;
	struct model_subflow_acct *r;

	/* Only subflows we know: one that leaves the model hands its counts
	 * to the closed totals, so what is reported never goes back. */
	if (!s || s->state != MPTCPD_SUBFLOW_ESTABLISHED ||
	    s->local.port != local->port)
		return;
	r = model_subflow_acct(c, s);
	engine_acct_iface(e, s, r);	/* resolved while the address is */
	/* The kernel's counts never go back; a smaller one is a reading
	 * older than ours (two dumps at once). */
	if (sent > r->sent)
		r->sent = sent;
	if (received > r->received)
		r->received = received;
}

/* O(connections + subflows): an operator's request, like the dump it
 * follows; nothing on a periodic path calls it. */
void engine_bytes_sum(const struct engine *e, struct stats_bytes *b)
{
	stats_bytes_init(e->st, b);
	for (struct model_conn *c = model_conn_next(e->model, NULL); c;
	     c = model_conn_next(e->model, c))
		for (size_t k = 0; k < c->pub.n_subflows; k++) {
			struct model_subflow_acct *r = &c->acct[k];

			if (!r->sent && !r->received)
				continue;
			stats_bytes_add(e->st, b, engine_acct_slot(e, r),
					r->metered, r->sent, r->received);
		}
}
