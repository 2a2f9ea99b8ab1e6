/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "engine.h"
#include "iface.h"
#include "log.h"
#include "model.h"
#include "pmnl.h"
#include "snapshot.h"

struct engine {
	struct model *model;
	struct iface_table *ifaces;
	const struct mptcpd_strategy *strategy;
	unsigned int max_subflows;
	struct engine_ops ops;
	void *ops_arg;
	struct mptcpd_actions actions;	/* scratch list, reused per call */
	struct mptcpd_subflow retry;	/* see engine_retry_join() */
};

struct engine *engine_new(struct model *m, struct iface_table *ifaces,
			  const struct mptcpd_strategy *strategy,
			  unsigned int max_subflows,
			  const struct engine_ops *ops, void *ops_arg)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->model = m;
	e->ifaces = ifaces;
	e->strategy = strategy;
	e->max_subflows = max_subflows;
	e->ops = *ops;
	e->ops_arg = ops_arg;
	return e;
}

void engine_free(struct engine *e)
{
	free(e);
}

void engine_set_strategy(struct engine *e, const struct mptcpd_strategy *s)
{
	e->strategy = s;
}

void engine_set_max_subflows(struct engine *e, unsigned int max)
{
	e->max_subflows = max;
}

static void engine_log_action(int level, const struct mptcpd_action *a,
			      const char *what)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	if (!log_enabled(level, LOG_SUB_ENGINE))
		return;
	log_msg(level, LOG_SUB_ENGINE, "%s %s token=%08x %s id %u -> %s%s",
		what, pmnl_action_name(a->type), a->token,
		addr_str(&a->local, l, sizeof(l)), a->local_id,
		addr_str(&a->remote, r, sizeof(r)), a->backup ? " backup" : "");
}

/* Prepare a SUBFLOW_CREATE: pick the local ID and remember the subflow as
 * pending, so no strategy asks for the same pair again before the kernel
 * reports it.  -EALREADY when the pair exists. */
static int engine_prepare_create(struct model_conn *c, struct mptcpd_action *a,
				 uint64_t now_ms)
{
	struct mptcpd_subflow s = { 0 };
	int id;

	if (model_subflow_find(c, &a->local, &a->remote))
		return -EALREADY;
	id = model_local_id(c, &a->local);
	if (id < 0)
		return id;
	a->local_id = (uint8_t)id;
	s.local = a->local;
	s.local.port = 0;
	s.remote = a->remote;
	s.local_id = a->local_id;
	s.backup = a->backup;
	s.ifindex = a->ifindex;
	s.state = MPTCPD_SUBFLOW_PENDING;
	s.since_ms = now_ms;
	return model_subflow_add(c, &s) ? 0 : -ENOMEM;
}

static void engine_forget_pending(struct model_conn *c,
				  const struct mptcpd_action *a)
{
	struct mptcpd_subflow *s = model_subflow_find(c, &a->local, &a->remote);

	if (s && s->state == MPTCPD_SUBFLOW_PENDING)
		model_subflow_del(c, s);
}

static void engine_execute(struct engine *e, struct model_conn *c,
			   struct mptcpd_action *a)
{
	int err = 0, id;

	switch (a->type) {
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		/* No route yet (DHCP adds the address first): the route's
		 * arrival re-reports the address and the strategy asks again. */
		if (a->ifindex > 0 && !iface_routable(e->ifaces, a->ifindex,
						      &a->remote)) {
			engine_log_action(LOG_DEBUG, a, "no route yet, not sending");
			return;
		}
		err = engine_prepare_create(c, a, e->ops.now_ms(e->ops_arg));
		break;
	case MPTCPD_ACTION_ANNOUNCE:
		id = model_local_id(c, &a->local);
		err = id < 0 ? id : 0;
		if (id > 0)
			a->local_id = (uint8_t)id;
		else if (id == 0)
			err = -EINVAL;	/* ID 0 cannot be announced */
		break;
	case MPTCPD_ACTION_REMOVE:
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
	case MPTCPD_ACTION_SET_BACKUP:
		break;
	}
	if (err == -EALREADY)
		return;
	if (err < 0) {
		engine_log_action(LOG_WARNING, a, "cannot prepare");
		return;
	}
	engine_log_action(LOG_DEBUG, a, "send");
	err = e->ops.send(e->ops_arg, a);
	if (err < 0) {
		engine_log_action(LOG_ERR, a, "could not send");
		if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE)
			engine_forget_pending(c, a);
	}
}

static void engine_decide(struct engine *e, struct model_conn *c,
			  const struct mptcpd_event *ev)
{
	struct mptcpd_host host;

	host.addrs = iface_usable(e->ifaces, &host.n_addrs);
	host.max_subflows = e->max_subflows;
	host.now_ms = e->ops.now_ms(e->ops_arg);
	e->actions.n = 0;
	e->actions.overflow = false;
	e->strategy->decide(ev, &c->pub, &host, &e->actions);
	if (e->actions.overflow)
		log_warn(LOG_SUB_STRATEGY, "%s: too many actions for token=%08x, "
			 "the rest follows with later events", e->strategy->name,
			 c->pub.token);
	for (size_t i = 0; i < e->actions.n; i++)
		engine_execute(e, c, &e->actions.v[i]);
}

static void engine_conn_fill(struct model_conn *c, const struct mptcpd_event *ev)
{
	if (ev->fields & MPTCPD_FIELD_LOCAL)
		c->pub.local = ev->local;
	if (ev->fields & MPTCPD_FIELD_REMOTE)
		c->pub.remote = ev->remote;
	c->pub.server_side = ev->server_side;
	c->pub.deny_join_id0 = ev->deny_join_id0;
}

/* The initial subflow is in the model from ESTABLISHED on, so strategies
 * and the subflow cap count it. */
static void engine_add_initial(struct model_conn *c)
{
	struct mptcpd_subflow s = { 0 };

	if (model_subflow_find(c, &c->pub.local, &c->pub.remote))
		return;
	s.local = c->pub.local;
	s.remote = c->pub.remote;
	s.state = MPTCPD_SUBFLOW_ESTABLISHED;
	model_subflow_add(c, &s);
}

static void engine_sub_established(struct model_conn *c,
				   const struct mptcpd_event *ev, uint64_t now_ms)
{
	struct mptcpd_subflow *s = model_subflow_find(c, &ev->local, &ev->remote);
	struct mptcpd_subflow fresh = { 0 };

	if (!s)
		s = model_subflow_add(c, &fresh);
	if (!s)
		return;
	s->local = ev->local;
	s->remote = ev->remote;
	s->local_id = ev->local_id;
	s->remote_id = ev->remote_id;
	s->backup = ev->backup;
	s->ifindex = ev->ifindex;
	if (s->state != MPTCPD_SUBFLOW_ESTABLISHED)
		s->since_ms = now_ms;
	s->state = MPTCPD_SUBFLOW_ESTABLISHED;
	model_local_id_reserve(c, ev->local_id, &ev->local);
}

/* A join that failed before it was established, on an interface that got
 * a route after we asked for it: the failure says nothing about the path
 * as it is now.  Addresses often come before their route (DHCP,
 * NetworkManager), and the re-report of the address on the route event
 * found the join still pending, so nobody else will try again. */
static bool engine_join_lost_to_route(struct engine *e,
				      const struct mptcpd_subflow *s)
{
	return s->state == MPTCPD_SUBFLOW_PENDING && s->ifindex > 0 &&
	       iface_route_ms(e->ifaces, s->ifindex) > s->since_ms;
}

static void engine_retry_join(struct engine *e, struct model_conn *c)
{
	const struct mptcpd_local_addr *a;
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ADDR_ADDED };

	if (e->retry.local.family == AF_UNSPEC)
		return;
	a = iface_usable_find(e->ifaces, &e->retry.local);
	memset(&e->retry, 0, sizeof(e->retry));
	if (!a)
		return;
	log_debug(LOG_SUB_ENGINE, "token=%08x: a join failed before its "
		  "route appeared; trying again", c->pub.token);
	ev.token = c->pub.token;
	ev.addr = a;
	engine_decide(e, c, &ev);
}

/* Apply a kernel event to the model; returns the connection to ask the
 * strategy about, or NULL. */
static struct model_conn *engine_apply(struct engine *e,
				       const struct mptcpd_event *ev)
{
	struct model_conn *c = model_conn_find(e->model, ev->token);
	struct mptcpd_subflow *s;

	switch (ev->type) {
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_ESTABLISHED:
		c = model_conn_get(e->model, ev->token);
		if (!c)
			return NULL;
		if (!c->created_ms)
			c->created_ms = e->ops.now_ms(e->ops_arg);
		engine_conn_fill(c, ev);
		if (ev->type == MPTCPD_EVENT_ESTABLISHED) {
			c->pub.established = true;
			engine_add_initial(c);
		}
		return c;
	case MPTCPD_EVENT_ANNOUNCED:
		if (c)
			model_remote_set(c, ev->remote_id, &ev->remote);
		return c;
	case MPTCPD_EVENT_REMOVED:
		if (c)
			model_remote_del(c, ev->remote_id);
		return c;
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_PRIORITY:
		if (c)
			engine_sub_established(c, ev, e->ops.now_ms(e->ops_arg));
		return c;
	case MPTCPD_EVENT_SUB_CLOSED:
		s = c ? model_subflow_find(c, &ev->local, &ev->remote) : NULL;
		if (s && engine_join_lost_to_route(e, s))
			e->retry = *s;
		if (s)
			model_subflow_del(c, s);
		return c;
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
	case MPTCPD_EVENT_ADOPTED:
	case MPTCPD_EVENT_ADDR_ADDED:
	case MPTCPD_EVENT_ADDR_REMOVED:
	case MPTCPD_EVENT_ACTION_FAILED:
		return c;
	}
	return c;
}

static void engine_log_event(const struct mptcpd_event *ev)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	if (!log_enabled(LOG_DEBUG, LOG_SUB_ENGINE))
		return;
	log_debug(LOG_SUB_ENGINE, "event %s token=%08x %s -> %s ids %u/%u%s%s",
		  pmnl_event_name(ev->type), ev->token,
		  addr_str(&ev->local, l, sizeof(l)),
		  addr_str(&ev->remote, r, sizeof(r)), ev->local_id,
		  ev->remote_id, ev->server_side ? " server-side" : "",
		  ev->backup ? " backup" : "");
}

void engine_on_event(struct engine *e, const struct mptcpd_event *kev)
{
	struct mptcpd_event copy = *kev, *ev = &copy;
	struct model_conn *c;

	/* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the model
	 * and the commands use plain IPv4 for them. */
	addr_unmap_v4(&copy.local);
	addr_unmap_v4(&copy.remote);
	engine_log_event(ev);
	c = engine_apply(e, ev);

	if (!c) {
		log_debug(LOG_SUB_ENGINE, "%s for unknown token=%08x ignored",
			  pmnl_event_name(ev->type), ev->token);
		return;
	}
	engine_decide(e, c, ev);
	engine_retry_join(e, c);
	if (ev->type == MPTCPD_EVENT_CLOSED)
		model_conn_del(e->model, ev->token);
}

void engine_on_local_addr(struct engine *e, const struct mptcpd_local_addr *a,
			  bool usable)
{
	struct mptcpd_event ev = { 0 };
	char buf[ADDR_STRLEN];

	ev.type = usable ? MPTCPD_EVENT_ADDR_ADDED : MPTCPD_EVENT_ADDR_REMOVED;
	ev.addr = a;
	if (log_enabled(LOG_DEBUG, LOG_SUB_ENGINE))
		log_debug(LOG_SUB_ENGINE, "re-evaluating %zu connections: %s dev %s %s",
			  model_conn_count(e->model), addr_str(&a->addr, buf,
			  sizeof(buf)), a->ifname, usable ? "usable" : "gone");
	for (struct model_conn *c = model_conn_next(e->model, NULL); c;
	     c = model_conn_next(e->model, c)) {
		ev.token = c->pub.token;
		engine_decide(e, c, &ev);
	}
}

void engine_on_result(struct engine *e, const struct mptcpd_action *a, int err,
		      const char *extack)
{
	struct model_conn *c = model_conn_find(e->model, a->token);
	struct mptcpd_subflow *s;
	struct mptcpd_event ev = { 0 };

	if (!c)
		return;
	if (err == 0) {
		/* Destroyed subflows leave the picture now; the SUB_CLOSED
		 * that may follow is then a no-op. */
		s = model_subflow_find(c, &a->local, &a->remote);
		if (s && a->type == MPTCPD_ACTION_SUBFLOW_DESTROY)
			model_subflow_del(c, s);
		else if (s && a->type == MPTCPD_ACTION_SET_BACKUP)
			s->backup = a->backup;
		return;
	}
	if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE)
		engine_forget_pending(c, a);
	ev.type = MPTCPD_EVENT_ACTION_FAILED;
	ev.token = a->token;
	ev.action = a;
	ev.action_error = err;
	engine_decide(e, c, &ev);
}

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
		const struct diag_subflow *d = &snap->subflows[i];
		struct mptcpd_subflow s = { 0 };

		if (d->token != c->pub.token)
			continue;
		s.local = d->local;
		s.remote = d->remote;
		s.local_id = d->local_id;
		s.remote_id = d->remote_id;
		s.backup = d->backup;
		s.ifindex = d->ifindex;
		s.state = d->established ? MPTCPD_SUBFLOW_ESTABLISHED :
					   MPTCPD_SUBFLOW_PENDING;
		struct mptcpd_subflow *known = model_subflow_find(c, &s.local,
								  &s.remote);

		if (known)
			*known = s;
		else
			model_subflow_add(c, &s);
		model_local_id_reserve(c, d->local_id, &d->local);
	}
	for (size_t i = 0; i < snap->n_ids; i++)
		if (snap->ids[i].token == c->pub.token &&
		    model_local_id_reserve(c, snap->ids[i].entry.id,
					   &snap->ids[i].entry.addr) < 0)
			log_warn(LOG_SUB_ENGINE, "token=%08x: kernel ID %u "
				 "conflicts with a known address",
				 c->pub.token, snap->ids[i].entry.id);
}

static struct model_conn *engine_adopt_conn(struct engine *e,
					    const struct snapshot *snap,
					    const struct diag_conn *d)
{
	struct model_conn *c = model_conn_get(e->model, d->token);

	if (!c)
		return NULL;
	if (!c->created_ms)
		c->created_ms = e->ops.now_ms(e->ops_arg);
	c->pub.local = d->local;
	c->pub.remote = d->remote;
	c->pub.server_side = snapshot_conn_server_side(snap, d);
	c->pub.established = true;
	engine_adopt_subflows(c, snap);
	engine_add_initial(c);
	return c;
}

void engine_adopt(struct engine *e, const struct snapshot *snap)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ADOPTED };
	size_t adopted = 0;

	engine_drop_vanished(e, snap);
	for (size_t i = 0; i < snap->n_conns; i++) {
		const struct diag_conn *d = &snap->conns[i];
		struct model_conn *c;

		if (!snapshot_conn_managed(d))
			continue;
		c = engine_adopt_conn(e, snap, d);
		if (!c)
			continue;
		ev.token = d->token;
		engine_decide(e, c, &ev);
		adopted++;
	}
	log_info(LOG_SUB_ENGINE, "adopted %zu existing connection%s", adopted,
		 adopted == 1 ? "" : "s");
}
