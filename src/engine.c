/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events in: each kernel or local event is applied to the model, then the
 * active strategy is asked what to do about the connection(s) concerned,
 * and the engine runs the answer (engine_exec.c).  Outcomes come back as
 * results, subflow ends and stalls, and feed the per-pair backoff.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctl_proto.h"
#include "engine_priv.h"
#include "iface.h"
#include "log.h"

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
	e->backoff.initial_ms = BACKOFF_DEFAULT_INITIAL_MS;
	e->backoff.max_ms = BACKOFF_DEFAULT_MAX_MS;
	e->backoff.healthy_ms = BACKOFF_DEFAULT_HEALTHY_MS;
	/* The configuration's defaults, until the daemon sets its own. */
	e->accept_announcements = true;
	e->max_announcements = 8;
	e->rtt_ratio_pct = 150;
	e->rtt_margin_us = 20000;
	e->rtt_hold_ms = 500;
	e->st = &e->own_stats;
	stats_init(e->st);
	/* Subflows leave the model in many ways (closed, adoption, their
	 * connection gone): the counters hear of each. */
	model_set_subflow_gone(m, engine_acct_gone, e);
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	model_set_subflow_gone(e->model, NULL, NULL);
	free(e->held);
	free(e->policies);
	free(e->policy_strategies);
	free(e->policy_addrs);
	free(e->announce_list);
	free(e->announce_buf);
	free(e->listeners);
	free(e);
}

int engine_set_announce(struct engine *e, bool all,
			const struct mptcpd_addr *list, size_t n)
{
	struct mptcpd_addr *copy = NULL;

	if (n) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, list, n * sizeof(*copy));
	}
	free(e->announce_list);
	e->announce_list = copy;
	e->n_announce_list = n;
	e->announce_all = all;
	return 0;
}

void engine_listener_add(struct engine *e, const struct mptcpd_addr *a)
{
	if (e->n_listeners == e->cap_listeners) {
		size_t cap = e->cap_listeners ? e->cap_listeners * 2 : 8;
		struct mptcpd_addr *v = realloc(e->listeners, cap * sizeof(*v));

		if (!v)
			return;
		e->listeners = v;
		e->cap_listeners = cap;
	}
	e->listeners[e->n_listeners++] = *a;
}

/* One socket closed; others may still listen on the same address. */
void engine_listener_del(struct engine *e, const struct mptcpd_addr *a)
{
	for (size_t i = 0; i < e->n_listeners; i++)
		if (mptcpd_addr_same_ip(&e->listeners[i], a) &&
		    e->listeners[i].port == a->port) {
			e->listeners[i] = e->listeners[--e->n_listeners];
			return;
		}
}

static bool engine_may_announce(const struct engine *e,
				const struct mptcpd_addr *a)
{
	if (e->announce_all)
		return true;
	for (size_t i = 0; i < e->n_announce_list; i++)
		if (mptcpd_addr_same_ip(&e->announce_list[i], a))
			return true;
	return false;
}

/* The usable addresses the configuration lets us announce. */
static void engine_host_announce(struct engine *e, struct mptcpd_host *host)
{
	struct mptcpd_local_addr *v;

	host->n_announce = 0;
	host->announce = NULL;
	if (!host->n_addrs)
		return;
	v = realloc(e->announce_buf, host->n_addrs * sizeof(*v));
	if (!v)
		return;
	e->announce_buf = v;
	for (size_t i = 0; i < host->n_addrs; i++)
		if (engine_may_announce(e, &host->addrs[i].addr))
			v[host->n_announce++] = host->addrs[i];
	host->announce = v;
}

/* Another strategy takes over: its per-connection memory starts empty,
 * and it gets to look at every live connection at once, as if it had
 * adopted them (nothing is torn down to switch). */
void engine_set_strategy(struct engine *e, const struct mptcpd_strategy *s)
{
	if (s == e->strategy)
		return;
	/* The connections a [policy] rule gives a strategy of its own keep
	 * it; engine_reconfigure() copies the rules before it frees them. */
	if (engine_reconfigure(e, s, e->policies, e->policy_strategies,
			       e->n_policies) < 0)
		log_err(LOG_SUB_ENGINE, "out of memory: strategy %s kept",
			e->strategy->name);
}

void engine_set_stats(struct engine *e, struct stats *st)
{
	e->st = st ? st : &e->own_stats;
}

const struct stats *engine_get_stats(const struct engine *e)
{
	return e->st;
}

void engine_set_max_subflows(struct engine *e, unsigned int max)
{
	e->max_subflows = max;
}

void engine_set_join_backup_honoured(struct engine *e, bool honoured)
{
	e->join_backup_honoured = honoured;
}

void engine_set_backoff(struct engine *e, uint64_t initial_ms, uint64_t max_ms)
{
	e->backoff.initial_ms = initial_ms;
	e->backoff.max_ms = max_ms;
}

const struct mptcpd_strategy *engine_strategy(const struct engine *e)
{
	return e->strategy;
}

void engine_set_rtt_switch(struct engine *e, unsigned int ratio_pct,
			   unsigned int margin_ms, unsigned int hold_ms)
{
	e->rtt_ratio_pct = ratio_pct;
	e->rtt_margin_us = margin_ms * 1000u;
	e->rtt_hold_ms = hold_ms;
}

bool engine_watches_stalls(const struct engine *e)
{
	return engine_policy_uses(e, MPTCPD_STRATEGY_WATCH_STALLS);
}

void engine_wake_at(struct engine *e, uint64_t at_ms)
{
	if (!e->ops.schedule || (e->wakeup_ms && e->wakeup_ms <= at_ms))
		return;
	e->wakeup_ms = at_ms;
	e->ops.schedule(e->ops_arg, at_ms);
}

/* The strategy's per-connection memory, made on first use. */
static bool engine_conn_data(struct engine *e, struct model_conn *c)
{
	size_t size = engine_conn_strategy(e, c)->conn_data_size;

	if (!size || c->pub.data)
		return true;
	c->strategy_data = calloc(1, size);
	c->pub.data = c->strategy_data;
	if (!c->pub.data)
		log_err(LOG_SUB_ENGINE, "out of memory for token=%08x", c->pub.token);
	return c->pub.data != NULL;
}

/* The pairs backing off, for the strategy's view (conn->held): a
 * strategy that plans one of them would spend a subflow slot on a join the
 * engine will not send. */
static void engine_fill_held(struct engine *e, struct model_conn *c,
			     uint64_t now)
{
	size_t n = 0;

	c->pub.n_held = 0;
	c->pub.held = NULL;
	if (c->n_pairs > e->cap_held) {
		struct mptcpd_held_pair *v = realloc(e->held,
						     c->n_pairs * sizeof(*v));

		if (!v)
			return;	/* the strategy plans without the hint */
		e->held = v;
		e->cap_held = c->n_pairs;
	}
	for (size_t i = 0; i < c->n_pairs; i++) {
		const struct model_pair *p = &c->pairs[i];

		if (p->retry_ms <= now)
			continue;
		e->held[n].local = p->local;
		e->held[n].remote = p->remote;
		e->held[n++].until_ms = p->retry_ms;
	}
	c->pub.n_held = n;
	c->pub.held = e->held;
}

static struct engine_held_path *engine_held_find(struct engine *e,
						  const struct mptcpd_addr *local)
{
	for (size_t i = 0; i < e->n_held_paths; i++)
		if (mptcpd_addr_same_ip(&e->held_paths[i].local, local))
			return &e->held_paths[i];
	return NULL;
}

/* Runs one of the strategy's actions, unless it is a join from a held
 * path while that path's probe is out; the first join sent from it is the
 * probe. */
static void engine_run(struct engine *e, struct model_conn *c,
		       struct mptcpd_action *a, uint64_t now)
{
	struct engine_held_path *h = NULL;

	if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE && e->n_held_paths)
		h = engine_held_find(e, &a->local);
	if (h && now < h->probe_until_ms) {
		engine_log_action(LOG_DEBUG, a, "dead path, its probe is out; "
				  "not sending");
		return;
	}
	if (engine_execute(e, c, a) == ENGINE_VERDICT_SENT && h)
		h->probe_until_ms = now + ENGINE_JOIN_TIMEOUT_MS;
}

void engine_hold_path(struct engine *e, const struct mptcpd_addr *local)
{
	struct engine_held_path *h = engine_held_find(e, local);

	if (h || e->n_held_paths == ENGINE_HELD_PATHS_MAX)
		return;
	h = &e->held_paths[e->n_held_paths++];
	h->local = *local;
	h->local.port = 0;
	h->probe_until_ms = 0;
	h->since_ms = e->ops.now_ms(e->ops_arg);
}

uint64_t engine_path_dead_since(const struct engine *e,
				const struct mptcpd_addr *local)
{
	for (size_t i = 0; i < e->n_held_paths; i++)
		if (mptcpd_addr_same_ip(&e->held_paths[i].local, local))
			return e->held_paths[i].since_ms;
	return 0;
}

/* The daemon's own events (a refused command, a stall, the end of a
 * backoff) reach a strategy only through engine_decide(), never through
 * engine_on_event(): they are shown to monitors here. */
static void engine_observe_own(struct engine *e, const struct mptcpd_event *ev)
{
	switch (ev->type) {
	case MPTCPD_EVENT_ADOPTED:
	case MPTCPD_EVENT_ACTION_FAILED:
	case MPTCPD_EVENT_SUB_STALLED:
	case MPTCPD_EVENT_RETRY:
		if (e->ops.observe_event)
			e->ops.observe_event(e->ops_arg, ev);
		return;
	/* Several times a second per connection: not shown. */
	case MPTCPD_EVENT_RTT_UPDATED:
		return;
	/* Shown by engine_on_event() and engine_on_local_addr(). */
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_ESTABLISHED:
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_ANNOUNCED:
	case MPTCPD_EVENT_REMOVED:
	case MPTCPD_EVENT_SUB_ESTABLISHED:
	case MPTCPD_EVENT_SUB_CLOSED:
	case MPTCPD_EVENT_SUB_PRIORITY:
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
	case MPTCPD_EVENT_ADDR_ADDED:
	case MPTCPD_EVENT_ADDR_REMOVED:
		return;
	}
}

/* The cause of a decision in the operator's words: what happened, where,
 * and who decided. */
static void engine_cause(struct engine *e, const struct model_conn *c,
			 const struct mptcpd_event *ev,
			 const struct mptcpd_strategy *s)
{
	const struct policy_rule *r = engine_conn_policy(e, c);
	char where[ADDR_STRLEN + 8] = "";
	char a[ADDR_STRLEN];

	if (ev->addr)
		snprintf(where, sizeof(where), " %s %s",
			 addr_str(&ev->addr->addr, a, sizeof(a)), ev->addr->ifname);
	else if (ev->type == MPTCPD_EVENT_SUB_STALLED ||
		 ev->type == MPTCPD_EVENT_SUB_CLOSED ||
		 ev->type == MPTCPD_EVENT_SUB_ESTABLISHED)
		snprintf(where, sizeof(where), " %s",
			 addr_str(&ev->local, a, sizeof(a)));
	else if (ev->type == MPTCPD_EVENT_ACTION_FAILED && ev->action_error)
		snprintf(where, sizeof(where), " %s",
			 strerrorname_np(-ev->action_error) ?
			 strerrorname_np(-ev->action_error) : "?");
	snprintf(e->cause_event, sizeof(e->cause_event), "%s%s",
		 ctl_value_to_word(ctl_words_event, ev->type, "event"), where);
	snprintf(e->cause, sizeof(e->cause), "%s (%s%s%s%s)", e->cause_event,
		 r ? "policy " : "", r ? r->name : "", r ? ": " : "", s->name);
	e->cause_strategy = s->name;
	e->cause_policy = r ? r->name : NULL;
}

/* Which action tells best what a decision does to the connection's paths:
 * a promotion or demotion, else a close, else a join. */
static const struct mptcpd_action *engine_headline(const struct engine *e)
{
	static const enum mptcpd_action_type order[] = {
		MPTCPD_ACTION_SET_BACKUP, MPTCPD_ACTION_SUBFLOW_DESTROY,
		MPTCPD_ACTION_REMOVE, MPTCPD_ACTION_SUBFLOW_CREATE,
	};

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < e->actions.n; i++)
			if (e->actions.v[i].type == order[k])
				return &e->actions.v[i];
	return NULL;
}

/* Will a flag change go out?  Not when the model has that flag already,
 * nor while the kernel's refusal of it backs off: a strategy asks at
 * every decision (an RTT reading is one, ten a second), and a line each
 * time would flood the log with changes that are not made. */
static bool engine_flag_goes(struct engine *e, struct model_conn *c,
			     const struct mptcpd_action *a)
{
	const struct mptcpd_subflow *s = model_subflow_find(c, &a->local,
							    &a->remote);

	if (s && s->backup == a->backup)
		return false;
	return !engine_flag_backing_off(c, a, e->ops.now_ms(e->ops_arg));
}

/* One info line per decision that changes a connection's paths, outside a
 * sweep (a sweep has its own line with counts): what and why. */
static void engine_log_decision(struct engine *e, struct model_conn *c)
{
	size_t joins = 0, closes = 0, flags = 0;

	if (engine_in_sweep(e))
		return;
	for (size_t i = 0; i < e->actions.n; i++) {
		switch (e->actions.v[i].type) {
		case MPTCPD_ACTION_SUBFLOW_CREATE:
			joins++;
			break;
		case MPTCPD_ACTION_SUBFLOW_DESTROY:
		case MPTCPD_ACTION_REMOVE:
			closes++;
			break;
		case MPTCPD_ACTION_SET_BACKUP:
			flags += engine_flag_goes(e, c, &e->actions.v[i]);
			break;
		case MPTCPD_ACTION_ANNOUNCE:
			break;
		}
	}
	if (closes || flags) {
		char why[256];

		engine_why_text(e, c, engine_headline(e), why, sizeof(why));
		log_info(LOG_SUB_ENGINE, "token=%08x: %s; %zu join%s, %zu "
			 "close%s, %zu backup change%s (%s%s%s)", c->pub.token,
			 why, joins, joins == 1 ? "" : "s", closes,
			 closes == 1 ? "" : "s", flags, flags == 1 ? "" : "s",
			 e->cause_policy ? e->cause_policy : "",
			 e->cause_policy ? ": " : "", e->cause_strategy);
	}
}

void engine_decide(struct engine *e, struct model_conn *c,
		   const struct mptcpd_event *ev)
{
	const struct mptcpd_strategy *s;
	struct mptcpd_host host;
	uint64_t prev_trigger;

	engine_observe_own(e, ev);
	engine_policy_choose(e, c);
	s = engine_conn_strategy(e, c);
	engine_rtt_track(e, c);
	if (!engine_conn_data(e, c))
		return;

	host.addrs = iface_usable(e->ifaces, &host.n_addrs);
	host.max_subflows = e->max_subflows;
	host.now_ms = e->ops.now_ms(e->ops_arg);
	host.listeners = e->listeners;
	host.n_listeners = e->n_listeners;
	host.rtt_switch_ratio_pct = e->rtt_ratio_pct;
	host.rtt_switch_margin_us = e->rtt_margin_us;
	host.rtt_switch_hold_ms = e->rtt_hold_ms;
	engine_policy_host(e, c, &host);
	engine_host_announce(e, &host);
	engine_fill_held(e, c, host.now_ms);
	e->actions.n = 0;
	e->actions.overflow = false;
	s->decide(ev, &c->pub, &host, &e->actions);
	/* A plugin may write the list without mptcpd_actions_push(): never
	 * read past its end, whatever n says. */
	if (e->actions.n > MPTCPD_ACTIONS_MAX) {
		e->actions.n = MPTCPD_ACTIONS_MAX;
		e->actions.overflow = true;
	}
	if (e->actions.overflow)
		log_warn(LOG_SUB_STRATEGY, "%s: too many actions for token=%08x, "
			 "the rest follows with later events", s->name,
			 c->pub.token);
	engine_policy_actions(e, c, &host, &e->actions);
	if (!e->actions.n)
		return;
	engine_cause(e, c, ev, s);
	engine_log_decision(e, c);
	prev_trigger = e->trigger_ms;
	if (!e->trigger_ms)
		e->trigger_ms = host.now_ms;
	e->trigger_event = ev->type;
	for (size_t i = 0; i < e->actions.n; i++) {
		struct mptcpd_action *a = &e->actions.v[i];

		/* The strategy asks again when the wait is over. */
		if (a->type == MPTCPD_ACTION_ANNOUNCE &&
		    engine_announce_held(e, c, host.now_ms))
			continue;
		engine_run(e, c, a, host.now_ms);
	}
	e->cause[0] = '\0';
	e->cause_event[0] = '\0';
	e->cause_strategy = e->cause_policy = NULL;
	e->trigger_ms = prev_trigger;
	e->trigger_event = 0;
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
void engine_add_initial(struct model_conn *c)
{
	struct mptcpd_subflow s = { 0 };

	if (model_subflow_find(c, &c->pub.local, &c->pub.remote))
		return;
	s.local = c->pub.local;
	s.remote = c->pub.remote;
	s.state = MPTCPD_SUBFLOW_ESTABLISHED;
	model_subflow_add(c, &s);
}

void engine_over_cap(struct engine *e, struct model_conn *c, const char *what)
{
	e->st->over_cap++;
	if (c->cap_logged)
		return;
	c->cap_logged = true;
	log_warn(LOG_SUB_ENGINE, "token=%08x: %s table full (%d subflows, %d "
		 "pairs): not tracked (later ones are counted, not logged)",
		 c->pub.token, what, MODEL_SUBFLOWS_MAX, MODEL_PAIRS_MAX);
}

/* Beyond MODEL_SUBFLOWS_MAX a subflow is not tracked: the strategy does
 * not see it and its SUB_CLOSED finds nothing; the kernel still runs it. */
static void engine_sub_established(struct engine *e, struct model_conn *c,
				   const struct mptcpd_event *ev, uint64_t now_ms)
{
	struct mptcpd_subflow *s = model_subflow_find(c, &ev->local, &ev->remote);
	struct mptcpd_subflow fresh = { 0 };
	bool asked_backup;

	model_local_id_reserve(c, ev->local_id, &ev->local);
	if (!s && c->pub.n_subflows >= MODEL_SUBFLOWS_MAX) {
		engine_over_cap(e, c, "subflow");
		return;
	}
	if (!s)
		s = model_subflow_add(c, &fresh);
	if (!s)
		return;
	/* For a join we opened, the event's backup bit is the one the peer
	 * set in its SYN-ACK, not ours: from 6.9 the backup we asked for in
	 * SUBFLOW_CREATE is set all the same (ss -M shows it), and either
	 * makes the subflow backup.  Taking the event's 0 for the truth
	 * there cost one needless MP_PRIO and one log line per join. */
	asked_backup = e->join_backup_honoured &&
		       s->state == MPTCPD_SUBFLOW_PENDING && s->backup;
	s->local = ev->local;
	s->remote = ev->remote;
	s->local_id = ev->local_id;
	s->remote_id = ev->remote_id;
	s->backup = ev->backup || asked_backup;
	s->ifindex = ev->ifindex;
	if (s->state != MPTCPD_SUBFLOW_ESTABLISHED)
		s->since_ms = now_ms;
	s->state = MPTCPD_SUBFLOW_ESTABLISHED;
	engine_acct_update(e, c, s);
}

/* A join that failed before it was established, on an interface that got
 * a route after we asked for it: the failure says nothing about the path
 * as it is now (addresses often come before their route).  Not a failure
 * of the pair, and the strategy may ask again at once. */
static bool engine_join_lost_to_route(struct engine *e,
				      const struct mptcpd_subflow *s)
{
	return s->state == MPTCPD_SUBFLOW_PENDING && s->ifindex > 0 &&
	       iface_route_ms(e->ifaces, s->ifindex) > s->since_ms;
}

/* Does the end of s say anything about its path?  On a server-side
 * connection, only for the pairs we joined: subflows the peer opens come
 * from ports it picks anew each time, and a peer that joins and closes
 * them without end must not leave history behind. */
static bool engine_pair_has_history(const struct model_conn *c,
				    const struct model_pair *p)
{
	return !c->pub.server_side || (p && p->joined);
}

/* A pair that holds nothing any more (no subflow: the caller knows;
 * not being closed, not backing off) is forgotten. */
static void engine_pair_forget(struct model_conn *c, struct model_pair *p,
			       uint64_t now)
{
	if (p && !p->destroying && p->retry_ms <= now)
		model_pair_del(c, p);
}

/* A subflow ended: does it count against its pair?  Not when we closed it
 * on purpose (address gone, strategy's choice), nor when it lost a race
 * with a new route, nor when the peer opened it on a server-side
 * connection; yes when it failed, died, or we closed it because it had
 * stalled.  The pair is forgotten unless it now backs off. */
static void engine_subflow_ended(struct engine *e, struct model_conn *c,
				 const struct mptcpd_subflow *s)
{
	struct model_pair *p = model_pair_find(c, &s->local, &s->remote);
	uint64_t now = e->ops.now_ms(e->ops_arg);
	bool ours = p && p->destroying && !s->stalled;

	/* The pair outlives its subflow: a later stall is a new one. */
	if (p) {
		p->destroying = false;
		p->stalled_ms = 0;
		p->flag_failures = 0;
		p->flag_retry_ms = 0;
	}
	if (ours || engine_join_lost_to_route(e, s) ||
	    !engine_pair_has_history(c, p))
		goto out;
	if (!p)
		p = model_pair_get(c, &s->local, &s->remote);
	if (!p) {
		engine_over_cap(e, c, "pair");
		return;
	}
	backoff_failed(p, &e->backoff, now,
		       s->state == MPTCPD_SUBFLOW_ESTABLISHED ? now - s->since_ms : 0);
	log_debug(LOG_SUB_ENGINE, "token=%08x: pair failed %u time(s), next try "
		  "in %llu ms", c->pub.token, p->failures,
		  (unsigned long long)(p->retry_ms - now));
	engine_conn_wake(e, c, p->retry_ms);
out:
	engine_pair_forget(c, p, now);
}

/* Apply a kernel event to the model; returns the connection to ask the
 * strategy about, or NULL. */
static struct model_conn *engine_apply(struct engine *e, struct model_conn *c,
				       const struct mptcpd_event *ev)
{
	struct mptcpd_subflow *s;

	switch (ev->type) {
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_ESTABLISHED:
		if (!c)
			c = model_conn_get(e->model, ev->token);
		if (!c)
			return NULL;
		if (!c->created_ms) {
			c->created_ms = e->ops.now_ms(e->ops_arg);
			e->st->conns++;
		}
		engine_conn_fill(c, ev);
		if (ev->type == MPTCPD_EVENT_ESTABLISHED) {
			c->pub.established = true;
			engine_add_initial(c);
			s = model_subflow_find(c, &c->pub.local, &c->pub.remote);
			/* Adopted before it was fully established, the initial
			 * subflow was taken as still opening: it is up now.
			 * Left so, backup-cellular saw no working Wi-Fi, opened
			 * cellular as a full path and demoted it at the next
			 * resync (1,160 MP_PRIOs in a 10,000 overflow burst). */
			if (s && s->state == MPTCPD_SUBFLOW_PENDING) {
				s->state = MPTCPD_SUBFLOW_ESTABLISHED;
				s->since_ms = e->ops.now_ms(e->ops_arg);
			}
			if (s)
				engine_acct_update(e, c, s);
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
			engine_sub_established(e, c, ev,
					       e->ops.now_ms(e->ops_arg));
		return c;
	case MPTCPD_EVENT_SUB_CLOSED:
		s = c ? model_subflow_find(c, &ev->local, &ev->remote) : NULL;
		if (s) {
			engine_acct_closed(e, c, s, ev);
			engine_subflow_ended(e, c, s);
			model_subflow_del(c, s);
		}
		return c;
	case MPTCPD_EVENT_CLOSED:
	case MPTCPD_EVENT_LISTENER_CREATED:
	case MPTCPD_EVENT_LISTENER_CLOSED:
	case MPTCPD_EVENT_ADOPTED:
	case MPTCPD_EVENT_ADDR_ADDED:
	case MPTCPD_EVENT_ADDR_REMOVED:
	case MPTCPD_EVENT_ACTION_FAILED:
	case MPTCPD_EVENT_SUB_STALLED:
	case MPTCPD_EVENT_RETRY:
	case MPTCPD_EVENT_RTT_UPDATED:
		return c;
	}
	return c;
}

static void engine_log_event(const struct mptcpd_event *ev)
{
	const char *name = ctl_value_to_word(ctl_words_event, ev->type,
					     "unknown");
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	if (!log_enabled(LOG_DEBUG, LOG_SUB_ENGINE))
		return;
	log_debug(LOG_SUB_ENGINE, "event %s token=%08x %s -> %s ids %u/%u%s%s",
		  name, ev->token,
		  addr_str(&ev->local, l, sizeof(l)),
		  addr_str(&ev->remote, r, sizeof(r)), ev->local_id,
		  ev->remote_id, ev->server_side ? " server-side" : "",
		  ev->backup ? " backup" : "");
}

/* A connection with somewhere to send a command: established, and a
 * subflow still up.  One whose subflows all closed is closing (or closed
 * while we did not hear): an announcement or its withdrawal would only
 * earn an "invalid token". */
static bool engine_conn_live(const struct model_conn *c)
{
	if (!c->pub.established)
		return false;
	for (size_t i = 0; i < c->pub.n_subflows; i++)
		if (c->pub.subflows[i].state == MPTCPD_SUBFLOW_ESTABLISHED)
			return true;
	return false;
}

/* Listeners belong to no connection: every live server-side connection
 * may have something to announce or withdraw, in one sweep. */
static void engine_on_listener(struct engine *e, const struct mptcpd_event *ev)
{
	bool created = ev->type == MPTCPD_EVENT_LISTENER_CREATED;
	char label[96], buf[ADDR_STRLEN];

	if (created)
		engine_listener_add(e, &ev->local);
	else
		engine_listener_del(e, &ev->local);
	snprintf(label, sizeof(label), "listener %s %s",
		 addr_str(&ev->local, buf, sizeof(buf)),
		 created ? "created" : "closed");
	engine_sweep_open(e, label);
	for (struct model_conn *c = model_conn_next(e->model, NULL); c;
	     c = model_conn_next(e->model, c)) {
		uint64_t before = e->sweep.sent;

		if (!c->pub.server_side || !engine_conn_live(c))
			continue;
		engine_decide(e, c, ev);
		engine_sweep_conn(e, before);
	}
	engine_sweep_end_if_quiet(e);
}

/* Events the engine does not act on: connections with both ends on this
 * host (counted once, at CREATED; no state kept), and announcements the
 * peer may not make us join. */
static bool engine_left_alone(struct engine *e, struct model_conn *c,
			      const struct mptcpd_event *ev)
{
	switch (ev->type) {
	case MPTCPD_EVENT_CREATED:
	case MPTCPD_EVENT_ESTABLISHED:
		if (c || !engine_conn_is_local(e, ev))
			return false;
		if (ev->type == MPTCPD_EVENT_CREATED)
			e->st->local_conns_ignored++;
		return true;
	case MPTCPD_EVENT_ANNOUNCED:
		return c && engine_peer_refuses(e, c, ev);
	default:
		return false;
	}
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
	if (e->ops.observe_event)
		e->ops.observe_event(e->ops_arg, ev);
	if (ev->type == MPTCPD_EVENT_LISTENER_CREATED ||
	    ev->type == MPTCPD_EVENT_LISTENER_CLOSED) {
		engine_on_listener(e, ev);
		return;
	}
	/* One lookup per event: the filters and the model update share it. */
	c = model_conn_find(e->model, ev->token);
	if (engine_left_alone(e, c, ev))
		return;
	c = engine_apply(e, c, ev);

	if (!c) {
		log_debug(LOG_SUB_ENGINE, "%s for unknown token=%08x ignored",
			  ctl_value_to_word(ctl_words_event, ev->type, "unknown"),
			  ev->token);
		return;
	}
	engine_decide(e, c, ev);
	if (ev->type == MPTCPD_EVENT_CLOSED)
		model_conn_del(e->model, ev->token);
}

/* An address that (re)appears or gets a route starts with a clean slate:
 * its pairs' failures happened on another network. */
static void engine_reset_pairs_from(struct model_conn *c,
				    const struct mptcpd_addr *local)
{
	for (size_t i = 0; i < c->n_pairs; i++)
		if (mptcpd_addr_same_ip(&c->pairs[i].local, local))
			backoff_reset(&c->pairs[i]);
}

void engine_release_path(struct engine *e, const struct mptcpd_addr *local,
			 bool redecide)
{
	struct engine_held_path *h = engine_held_find(e, local);
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_RETRY };

	if (!h)
		return;
	*h = e->held_paths[--e->n_held_paths];
	if (!redecide)
		return;
	for (struct model_conn *c = model_conn_next(e->model, NULL); c;
	     c = model_conn_next(e->model, c)) {
		ev.token = c->pub.token;
		engine_reset_pairs_from(c, local);
		engine_decide(e, c, &ev);
	}
}

void engine_on_local_addr(struct engine *e, const struct mptcpd_local_addr *a,
			  bool usable)
{
	struct mptcpd_event ev = { 0 };
	char buf[ADDR_STRLEN], label[96];

	ev.type = usable ? MPTCPD_EVENT_ADDR_ADDED : MPTCPD_EVENT_ADDR_REMOVED;
	ev.addr = a;
	if (e->ops.observe_event)
		e->ops.observe_event(e->ops_arg, &ev);
	addr_str(&a->addr, buf, sizeof(buf));
	log_debug(LOG_SUB_ENGINE, "re-evaluating %zu connections: %s dev %s %s",
		  model_conn_count(e->model), buf, a->ifname,
		  usable ? "usable" : "gone");
	snprintf(label, sizeof(label), "%s %s %s", a->ifname, buf,
		 usable ? "usable" : "gone");
	engine_sweep_open(e, label);
	for (struct model_conn *c = model_conn_next(e->model, NULL); c;
	     c = model_conn_next(e->model, c)) {
		uint64_t before = e->sweep.sent;

		/* A server-side connection with no subflow up has no use for
		 * a withdrawal: the peer would never hear it. */
		if (!usable && c->pub.server_side && !engine_conn_live(c))
			continue;
		ev.token = c->pub.token;
		if (usable)
			engine_reset_pairs_from(c, &a->addr);
		engine_decide(e, c, &ev);
		engine_sweep_conn(e, before);
	}
	engine_sweep_end_if_quiet(e);
}

/* A kernel that cannot withdraw that ID (an ID only ever used for
 * subflows, on kernels before the fix for mptcp_net-next #379): close the
 * subflows one by one instead. */
static void engine_remove_fallback(struct engine *e, struct model_conn *c,
				   const struct mptcpd_action *rm)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SUBFLOW_DESTROY };

	a.token = rm->token;
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		const struct mptcpd_subflow *s = &c->subflows[i];

		if (s->local_id != rm->local_id ||
		    s->state != MPTCPD_SUBFLOW_ESTABLISHED)
			continue;
		a.local = s->local;
		a.remote = s->remote;
		engine_execute(e, c, &a);
	}
}

/* A refused flag change is asked again after a backoff that starts
 * short.  Seen on 6.18: SET_FLAGS on a join just established behind a
 * full queue answered "subflow not found" (EINVAL) for about a second,
 * then ok (most likely until the MP_JOIN handshake completed: its third
 * ACK acknowledged); the strategy asks again at every decision, so
 * without this it went out thousands of times a second. */
#define ENGINE_FLAG_RETRY_MS 100
#define ENGINE_FLAG_RETRY_MAX_MS 10000

static void engine_flag_refused(struct engine *e, struct model_conn *c,
				const struct mptcpd_action *a)
{
	struct model_pair *p = model_pair_get(c, &a->local, &a->remote);
	uint64_t gap = ENGINE_FLAG_RETRY_MS;

	if (!p)
		return;
	for (unsigned int i = 0; i < p->flag_failures &&
	     gap < ENGINE_FLAG_RETRY_MAX_MS; i++)
		gap *= 2;
	if (gap > ENGINE_FLAG_RETRY_MAX_MS)
		gap = ENGINE_FLAG_RETRY_MAX_MS;
	p->flag_failures++;
	p->flag_retry_ms = e->ops.now_ms(e->ops_arg) + gap;
	engine_conn_wake(e, c, p->flag_retry_ms);
}

/* The kernel refused an action: what engine_prepare() believed is taken
 * back as for one never sent; a refused join also backs its pair off, a
 * refused flag change is asked again later (above), a refused REMOVE
 * falls back to destroying the subflows one by one. */
static void engine_action_failed(struct engine *e, struct model_conn *c,
				 const struct mptcpd_action *a)
{
	struct model_pair *p;

	if (a->type == MPTCPD_ACTION_REMOVE) {
		engine_remove_fallback(e, c, a);
		return;
	}
	engine_unprepare(e, c, a);
	if (a->type == MPTCPD_ACTION_SET_BACKUP) {
		engine_flag_refused(e, c, a);
		return;
	}
	if (a->type != MPTCPD_ACTION_SUBFLOW_CREATE) {
		/* A pair it marked may now hold nothing: the visit prunes it. */
		if (a->type == MPTCPD_ACTION_SUBFLOW_DESTROY)
			engine_conn_wake(e, c, e->ops.now_ms(e->ops_arg));
		return;
	}
	p = model_pair_get(c, &a->local, &a->remote);
	if (p) {
		backoff_failed(p, &e->backoff, e->ops.now_ms(e->ops_arg), 0);
		engine_conn_wake(e, c, p->retry_ms);
	}
}

/* The kernel has no connection with this token: it closed and we did
 * not hear (a CLOSED lost in an overflow, or one racing our command).
 * Every later command would fail the same way: forget it.  Counted; in a
 * sweep, the sweep's line says how many. */
static void engine_conn_gone(struct engine *e, struct model_conn *c)
{
	uint32_t token = c->pub.token;

	e->st->conns_gone++;
	if (engine_in_sweep(e))
		e->sweep.gone++;
	else
		log_info(LOG_SUB_ENGINE, "token=%08x: the kernel has no such "
			 "connection any more: forgotten", token);
	model_conn_del(e->model, token);
}

bool engine_forget(struct engine *e, uint32_t token)
{
	if (!model_conn_find(e->model, token))
		return false;
	e->st->conns_gone++;
	log_debug(LOG_SUB_ENGINE, "token=%08x: the kernel has no such connection "
		  "any more: forgotten", token);
	model_conn_del(e->model, token);
	return true;
}

/* A refused command: one line each, unless a sweep counts them. */
static void engine_log_result(struct engine *e, const struct mptcpd_action *a,
			      int err, const char *extack)
{
	char what[160];

	snprintf(what, sizeof(what), "kernel refused (%s%s%s):", strerror(-err),
		 extack ? ": " : "", extack ? extack : "");
	engine_log_action(engine_in_sweep(e) ? LOG_DEBUG : LOG_WARNING, a, what);
}

void engine_on_acks_lost(struct engine *e, size_t n)
{
	e->st->acks_lost += n;
	engine_sweep_acks_lost(e, n);
}

void engine_on_result(struct engine *e, const struct mptcpd_action *a, int err,
		      const char *extack)
{
	struct model_conn *c = model_conn_find(e->model, a->token);
	struct mptcpd_subflow *s;
	struct model_pair *p;
	struct mptcpd_event ev = { 0 };

	engine_sweep_result(e, a, err);
	engine_acct_result(e, c, a, err);
	if (!c)
		return;
	if (err == ENGINE_ERR_NO_CONN) {
		engine_conn_gone(e, c);
		return;
	}
	if (err)
		engine_log_result(e, a, err, extack);
	if (err == 0) {
		/* Destroyed subflows leave the picture now; the SUB_CLOSED
		 * that may follow is then a no-op. */
		s = model_subflow_find(c, &a->local, &a->remote);
		if (s && a->type == MPTCPD_ACTION_SUBFLOW_DESTROY &&
		    s->local.port == a->local.port) {
			engine_acct_closed(e, c, s, NULL);
			engine_subflow_ended(e, c, s);
			model_subflow_del(c, s);
		}
		if (a->type == MPTCPD_ACTION_REMOVE) {
			model_announced_del(c, a->local_id);
			model_local_id_release(c, a->local_id);
		}
		if (a->type == MPTCPD_ACTION_SET_BACKUP &&
		    (p = model_pair_find(c, &a->local, &a->remote))) {
			p->flag_failures = 0;
			p->flag_retry_ms = 0;
		}
		return;
	}
	engine_action_failed(e, c, a);
	ev.type = MPTCPD_EVENT_ACTION_FAILED;
	ev.token = a->token;
	ev.action = a;
	ev.action_error = err;
	engine_decide(e, c, &ev);
}

/* When, for `connection TOKEN` ("stalled since ..."): on the pair, which
 * lives as long as its subflow. */
static void engine_note_stalled(struct engine *e, struct model_conn *c,
				const struct mptcpd_subflow *s)
{
	struct model_pair *p = model_pair_get(c, &s->local, &s->remote);

	if (p && !p->stalled_ms)
		p->stalled_ms = e->ops.now_ms(e->ops_arg);
}

void engine_on_stalled(struct engine *e, uint32_t token,
		       const struct mptcpd_addr *local,
		       const struct mptcpd_addr *remote)
{
	struct model_conn *c = model_conn_find(e->model, token);
	struct mptcpd_subflow *s = c ? model_subflow_find(c, local, remote) : NULL;
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_STALLED };
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	if (!s || s->stalled)
		return;
	s->stalled = true;
	engine_note_stalled(e, c, s);
	e->st->stalls++;
	log_info(LOG_SUB_ENGINE, "token=%08x: subflow %s -> %s stalled (unacked "
		 "data, no ack progress)", token, addr_str(local, l, sizeof(l)),
		 addr_str(remote, r, sizeof(r)));
	ev.token = token;
	ev.local = *local;
	ev.remote = *remote;
	engine_decide(e, c, &ev);
}

/* Flags c's established subflows from local as stalled; the first one
 * newly flagged, or NULL when there was none. */
static const struct mptcpd_subflow *engine_flag_path(struct engine *e,
						     struct model_conn *c,
						     const struct mptcpd_addr *local)
{
	const struct mptcpd_subflow *first = NULL;

	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		struct mptcpd_subflow *s = &c->subflows[i];

		if (s->stalled || s->state != MPTCPD_SUBFLOW_ESTABLISHED ||
		    !mptcpd_addr_same_ip(&s->local, local))
			continue;
		s->stalled = true;
		e->st->stalls++;
		if (!first)
			first = s;
	}
	return first;
}

/* The idle connections on a dead path cannot tell it themselves (nothing
 * unacked, nothing to time out): the path's verdict is theirs too, and
 * they move with the one that noticed, in the same sweep.  One log line
 * for the sweep, not one per subflow.  The walk over every connection is
 * paid once per verdict, not per tick. */
static bool engine_tell_path_dead(struct engine *e, struct model_conn *c,
				  const struct mptcpd_addr *local)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_SUB_STALLED };
	const struct mptcpd_subflow *s = c ? engine_flag_path(e, c, local) : NULL;

	if (!s)
		return false;	/* none there, or flagged already */
	ev.token = c->pub.token;
	ev.local = s->local;
	ev.remote = s->remote;
	engine_decide(e, c, &ev);
	return true;
}

void engine_path_dead_begin(struct engine *e, struct engine_path_sweep *sw,
			    const struct mptcpd_addr *local,
			    const uint32_t *first, size_t n_first)
{
	memset(sw, 0, sizeof(*sw));
	sw->local = *local;
	sw->local.port = 0;
	sw->start_ms = e->ops.now_ms(e->ops_arg);
	e->trigger_ms = sw->start_ms;
	for (size_t i = 0; i < n_first; i++)
		sw->told += engine_tell_path_dead(e,
			model_conn_find(e->model, first[i]), &sw->local);
	e->trigger_ms = 0;
}

bool engine_path_dead_step(struct engine *e, struct engine_path_sweep *sw,
			   size_t budget)
{
	struct model_conn *c = sw->started ?
		model_conn_after(e->model, sw->cursor) :
		model_conn_next(e->model, NULL);
	char l[ADDR_STRLEN];

	sw->started = true;
	/* Its connections' handovers count from the verdict, not from the
	 * step that reached them. */
	e->trigger_ms = sw->start_ms;
	for (size_t n = 0; c && n < budget; n++) {
		sw->told += engine_tell_path_dead(e, c, &sw->local);
		sw->cursor = c->pub.token;
		c = model_conn_next(e->model, c);
	}
	e->trigger_ms = 0;
	if (c)
		return true;
	log_info(LOG_SUB_ENGINE, "path from %s dead (unacked data, no ack "
		 "progress, nothing heard from it): %zu connections moved",
		 addr_str(&sw->local, l, sizeof(l)), sw->told);
	return false;
}

size_t engine_on_path_dead(struct engine *e, const struct mptcpd_addr *local,
			   const uint32_t *first, size_t n_first)
{
	struct engine_path_sweep sw;

	engine_path_dead_begin(e, &sw, local, first, n_first);
	while (engine_path_dead_step(e, &sw, SIZE_MAX))
		;
	return sw.told;
}

void engine_on_dead_path_conn(struct engine *e, uint32_t token,
			      const struct mptcpd_addr *local)
{
	engine_tell_path_dead(e, model_conn_find(e->model, token), local);
}

/* A pending subflow whose time may run out: a join, not the initial
 * subflow of a connection a resync or start-up adopted before it was
 * fully established (its ESTABLISHED event settles it, however late:
 * an idle connection can stay so for long). */
static bool engine_join_pending(const struct model_conn *c,
				const struct mptcpd_subflow *s)
{
	return s->state == MPTCPD_SUBFLOW_PENDING &&
	       !(addr_equal(&s->local, &c->pub.local) &&
		 addr_equal(&s->remote, &c->pub.remote));
}

/* A pending join the kernel said nothing about in time: out of the model
 * (it no longer counts against max-subflows), a failure of its pair. */
static void engine_join_timed_out(struct engine *e, struct model_conn *c,
				  struct mptcpd_subflow *s, uint64_t now)
{
	struct mptcpd_addr local = s->local, remote = s->remote;
	struct model_pair *p;
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	e->st->joins_timed_out++;
	stats_join_failed(e->st, ETIMEDOUT);
	log_info(LOG_SUB_ENGINE, "token=%08x: join %s -> %s: no answer in %u ms, "
		 "counted as failed", c->pub.token,
		 addr_str(&local, l, sizeof(l)), addr_str(&remote, r, sizeof(r)),
		 ENGINE_JOIN_TIMEOUT_MS);
	model_subflow_del(c, s);
	p = model_pair_get(c, &local, &remote);
	if (!p)
		return;
	backoff_failed(p, &e->backoff, now, 0);
	if (p->retry_ms < now + ENGINE_JOIN_HOLD_MS)
		p->retry_ms = now + ENGINE_JOIN_HOLD_MS;
}

/* Pending joins past their time; true when one timed out. */
static bool engine_pending_due(struct engine *e, struct model_conn *c,
			       uint64_t now)
{
	bool due = false;

	for (size_t i = c->pub.n_subflows; i-- > 0;) {
		struct mptcpd_subflow *s = &c->subflows[i];

		if (engine_join_pending(c, s) &&
		    s->since_ms + ENGINE_JOIN_TIMEOUT_MS <= now) {
			engine_join_timed_out(e, c, s, now);
			due = true;
		}
	}
	return due;
}

/* Pending joins that timed out and pairs whose delay ran out (cleared:
 * their failures stay counted); true when the strategy should look. */
static bool engine_conn_due(struct engine *e, struct model_conn *c,
			    uint64_t now)
{
	bool due = engine_pending_due(e, c, now);

	if (engine_announce_due(c, now))
		due = true;

	for (size_t i = 0; i < c->n_pairs; i++) {
		struct model_pair *p = &c->pairs[i];

		if (p->retry_ms && p->retry_ms <= now) {
			p->retry_ms = 0;
			due = true;
		}
		if (p->flag_retry_ms && p->flag_retry_ms <= now) {
			p->flag_retry_ms = 0;
			due = true;
		}
	}
	return due;
}

/* The connection's timer visit forgets the pairs that hold nothing any
 * more: their delay ran out and the strategy, asked again, did not join. */
static void engine_pairs_prune(struct model_conn *c, uint64_t now)
{
	for (size_t i = c->n_pairs; i-- > 0;) {
		struct model_pair *p = &c->pairs[i];

		if (p->destroying || p->retry_ms > now || p->flag_retry_ms > now)
			continue;	/* still held, and cheaper than a find */
		if (!model_subflow_find(c, &p->local, &p->remote))
			model_pair_del(c, p);
	}
}

/* When the connection must be looked at next: its earliest pending join's
 * timeout or running delay; 0 when nothing is pending or held. */
static uint64_t engine_conn_next_due(const struct model_conn *c)
{
	uint64_t next = 0;

	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		const struct mptcpd_subflow *s = &c->subflows[i];
		uint64_t at = s->since_ms + ENGINE_JOIN_TIMEOUT_MS;

		if (engine_join_pending(c, s) && (!next || at < next))
			next = at;
	}
	for (size_t i = 0; i < c->n_pairs; i++) {
		uint64_t at = c->pairs[i].retry_ms;
		uint64_t flag_at = c->pairs[i].flag_retry_ms;

		if (at && (!next || at < next))
			next = at;
		if (flag_at && (!next || flag_at < next))
			next = flag_at;
	}
	if (c->announce_held && (!next || engine_announce_at(c) < next))
		next = engine_announce_at(c);
	return next;
}

void engine_conn_wake(struct engine *e, struct model_conn *c, uint64_t at_ms)
{
	uint64_t due = model_conn_due(c);

	if (!at_ms)
		at_ms = 1;	/* 0 is "never" to the model */
	if (!due || at_ms < due)
		model_conn_set_due(e->model, c, at_ms);
	engine_wake_at(e, at_ms);
}

void engine_conn_rearm(struct engine *e, struct model_conn *c)
{
	uint64_t next = engine_conn_next_due(c);

	if (next)
		engine_conn_wake(e, c, next);
}

/* One due connection: what ran out becomes a RETRY for the strategy, the
 * pairs that hold nothing are forgotten, and the connection's next due
 * time is exactly what is left pending or held. */
static void engine_conn_visit(struct engine *e, struct model_conn *c,
			      uint64_t now)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_RETRY };

	if (engine_conn_due(e, c, now)) {
		ev.token = c->pub.token;
		engine_decide(e, c, &ev);
	}
	engine_pairs_prune(c, now);
	model_conn_set_due(e->model, c, engine_conn_next_due(c));
}

/* Only the connections due are visited, earliest first, at most
 * ENGINE_TIMER_BATCH per call: when a whole path's joins time out together
 * the rest follows on the loop's next turn, after the sockets had theirs. */
void engine_on_timer(struct engine *e)
{
	uint64_t now = e->ops.now_ms(e->ops_arg);
	struct model_conn *c;
	size_t visited = 0;

	e->wakeup_ms = 0;
	while ((c = model_conn_due_first(e->model)) &&
	       model_conn_due(c) <= now) {
		if (visited++ == ENGINE_TIMER_BATCH) {
			engine_wake_at(e, now);
			return;
		}
		engine_conn_visit(e, c, now);
	}
	if (c)
		engine_wake_at(e, model_conn_due(c));
}
