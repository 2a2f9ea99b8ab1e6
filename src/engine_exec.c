/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From a strategy's action to a command: local IDs are allocated here,
 * requested subflows are remembered as pending (so nobody asks for the
 * same pair twice), joins wait for a route and for the pair's backoff,
 * and what we destroy on purpose is marked so its end is not a failure.
 * Each action ends with a verdict (sent, or exactly why not), and a
 * command that could not be sent leaves nothing behind in the model.
 */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "ctl_proto.h"
#include "engine_priv.h"
#include "iface.h"
#include "log.h"

void engine_log_action(int level, const struct mptcpd_action *a,
		       const char *what)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	if (!log_enabled(level, LOG_SUB_ENGINE))
		return;
	log_msg(level, LOG_SUB_ENGINE, "%s %s token=%08x %s id %u -> %s%s",
		what, ctl_value_to_word(ctl_words_action, a->type, "unknown"),
		a->token,
		addr_str(&a->local, l, sizeof(l)), a->local_id,
		addr_str(&a->remote, r, sizeof(r)), a->backup ? " backup" : "");
}

/* Pick the local ID, mark the pair as one we joined (its failures count)
 * and remember the subflow as pending (SENT here means ready to send).  A
 * join whose pair or subflow the model has no room for is not sent. */
static enum engine_verdict engine_prepare_create(struct engine *e,
						 struct model_conn *c,
						 struct mptcpd_action *a,
						 uint64_t now_ms)
{
	struct mptcpd_subflow s = { 0 };
	struct model_pair *p;
	int id;

	if (c->pub.n_subflows >= MODEL_SUBFLOWS_MAX) {
		engine_over_cap(e, c, "subflow");
		return ENGINE_VERDICT_LIMIT;
	}
	if (c->n_pairs >= MODEL_PAIRS_MAX &&
	    !model_pair_find(c, &a->local, &a->remote)) {
		engine_over_cap(e, c, "pair");
		return ENGINE_VERDICT_LIMIT;
	}
	id = model_local_id(c, &a->local);
	if (id == -ENOSPC)
		return ENGINE_VERDICT_LIMIT;
	if (id < 0)
		return ENGINE_VERDICT_FAILED;
	a->local_id = (uint8_t)id;
	s.local = a->local;
	s.local.port = 0;
	s.remote = a->remote;
	s.local_id = a->local_id;
	s.backup = a->backup;
	s.ifindex = a->ifindex;
	s.state = MPTCPD_SUBFLOW_PENDING;
	s.since_ms = now_ms;
	p = model_pair_get(c, &a->local, &a->remote);
	if (!p || !model_subflow_add(c, &s))
		return ENGINE_VERDICT_FAILED;
	p->joined = true;
	return ENGINE_VERDICT_SENT;
}

/* A join waits for a route through its interface (DHCP adds the address
 * first; the route's arrival re-reports the address) and for the end of
 * its pair's backoff (then a RETRY event asks the strategy again).  A pair
 * that exists is not asked for twice, whatever its route or backoff. */
static enum engine_verdict engine_may_join(struct engine *e,
					   struct model_conn *c,
					   const struct mptcpd_action *a,
					   uint64_t now_ms)
{
	struct model_pair *p;

	if (model_subflow_find(c, &a->local, &a->remote))
		return ENGINE_VERDICT_ALREADY;
	/* Whatever a strategy or a user asks: the ESTABLISHED event (or an
	 * adoption that saw it fully established) opens the door. */
	if (!c->pub.established) {
		engine_log_action(LOG_DEBUG, a, "not established yet, not sending");
		return ENGINE_VERDICT_NOT_ESTABLISHED;
	}
	if (a->ifindex > 0 && !iface_routable(e->ifaces, a->ifindex, &a->remote)) {
		engine_log_action(LOG_DEBUG, a, "no route yet, not sending");
		iface_note_no_route(e->ifaces, a->ifindex, &a->remote, now_ms);
		return ENGINE_VERDICT_NO_ROUTE;
	}
	p = model_pair_find(c, &a->local, &a->remote);
	if (p && !backoff_allows(p, now_ms)) {
		engine_log_action(LOG_DEBUG, a, "backing off, not sending");
		engine_conn_wake(e, c, p->retry_ms);
		return ENGINE_VERDICT_BACKING_OFF;
	}
	return ENGINE_VERDICT_SENT;
}

/* The subflows a REMOVE will close end by our will, not by failure (or,
 * when the REMOVE could not be sent, no longer do). */
static void engine_mark_destroying(struct model_conn *c, uint8_t local_id,
				   bool destroying)
{
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		const struct mptcpd_subflow *s = &c->subflows[i];
		struct model_pair *p;

		if (s->local_id != local_id)
			continue;
		p = model_pair_get(c, &s->local, &s->remote);
		if (p)
			p->destroying = destroying;
	}
}

static bool engine_announced(const struct model_conn *c, uint8_t id)
{
	for (size_t i = 0; i < c->pub.n_announced; i++)
		if (c->pub.announced[i].id == id)
			return true;
	return false;
}

/* Has the peer joined our address of this ID (a subflow to it is up)? */
static bool engine_id_joined(const struct model_conn *c, uint8_t id)
{
	for (size_t i = 0; i < c->pub.n_subflows; i++)
		if (c->subflows[i].local_id == id &&
		    c->subflows[i].state == MPTCPD_SUBFLOW_ESTABLISHED)
			return true;
	return false;
}

bool engine_announce_held(struct engine *e, struct model_conn *c,
			  uint64_t now_ms)
{
	uint64_t at = engine_announce_at(c);
	uint8_t id = c->announce_wait;

	if (id && at > now_ms && engine_announced(c, id) &&
	    !engine_id_joined(c, id)) {
		c->announce_held = true;
		engine_conn_wake(e, c, at);
		return true;
	}
	c->announce_wait = 0;
	c->announce_held = false;
	return false;
}

bool engine_announce_due(struct model_conn *c, uint64_t now_ms)
{
	if (!c->announce_held || engine_announce_at(c) > now_ms)
		return false;
	c->announce_held = false;
	return true;
}

static enum engine_verdict engine_prepare_announce(struct model_conn *c,
						   struct mptcpd_action *a)
{
	int id = model_local_id(c, &a->local);

	if (id == 0)
		return ENGINE_VERDICT_INVALID;	/* ID 0 cannot be announced */
	if (id == -ENOSPC)
		return ENGINE_VERDICT_LIMIT;
	if (id < 0)
		return ENGINE_VERDICT_FAILED;
	a->local_id = (uint8_t)id;
	if (engine_announced(c, a->local_id))
		return ENGINE_VERDICT_ALREADY;
	/* Believed at once; an error takes it back. */
	return model_announced_add(c, a->local_id, &a->local) < 0 ?
	       ENGINE_VERDICT_FAILED : ENGINE_VERDICT_SENT;
}

const struct model_pair *engine_flag_backing_off(struct model_conn *c,
						 const struct mptcpd_action *a,
						 uint64_t now)
{
	const struct model_pair *p = model_pair_find(c, &a->local, &a->remote);

	return p && p->flag_retry_ms > now ? p : NULL;
}

/* What the model believes before the command goes (SENT: ready to send);
 * engine_unprepare() and engine_on_result() take it back. */
static enum engine_verdict engine_prepare(struct engine *e,
					  struct model_conn *c,
					  struct mptcpd_action *a)
{
	uint64_t now = e->ops.now_ms(e->ops_arg);
	enum engine_verdict v;
	struct mptcpd_subflow *s;
	struct model_pair *p;
	const struct model_pair *held;

	switch (a->type) {
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		v = engine_may_join(e, c, a, now);
		return v == ENGINE_VERDICT_SENT ? engine_prepare_create(e, c, a, now) : v;
	case MPTCPD_ACTION_ANNOUNCE:
		return engine_prepare_announce(c, a);
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		/* Only a subflow we know, by its 4-tuple: the kernel answers
		 * "already closed" for one it does not have, and the model
		 * must not drop its namesake on another local port. */
		s = model_subflow_find(c, &a->local, &a->remote);
		if (!s || s->local.port != a->local.port)
			return ENGINE_VERDICT_NO_SUBFLOW;
		a->local_id = s->local_id;	/* for monitors and logs */
		p = model_pair_get(c, &a->local, &a->remote);
		if (p)
			p->destroying = true;
		return ENGINE_VERDICT_SENT;
	case MPTCPD_ACTION_SET_BACKUP:
		/* Believe it at once, so the next decision does not ask
		 * again; an error puts it back (engine_on_result). */
		s = model_subflow_find(c, &a->local, &a->remote);
		if (s && s->backup == a->backup)
			return ENGINE_VERDICT_ALREADY;
		/* Refused lately: the same question would earn the same
		 * answer at once, and a strategy asks again at every
		 * decision (ACTION_FAILED is one). */
		held = engine_flag_backing_off(c, a, now);
		if (held) {
			engine_log_action(LOG_DEBUG, a, "flag change refused "
					  "lately, backing off");
			engine_conn_wake(e, c, held->flag_retry_ms);
			return ENGINE_VERDICT_BACKING_OFF;
		}
		if (s) {
			s->backup = a->backup;
			a->local_id = s->local_id;
			engine_acct_update(e, c, s);
		}
		return ENGINE_VERDICT_SENT;
	case MPTCPD_ACTION_REMOVE:
		engine_mark_destroying(c, a->local_id, true);
		return ENGINE_VERDICT_SENT;
	}
	return ENGINE_VERDICT_INVALID;
}

/* A command that never left: take back what engine_prepare() believed,
 * so the model holds nothing the kernel was not asked for. */
void engine_unprepare(struct engine *e, struct model_conn *c,
		      const struct mptcpd_action *a)
{
	struct mptcpd_subflow *s = model_subflow_find(c, &a->local, &a->remote);
	struct model_pair *p;

	switch (a->type) {
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		if (s && s->state == MPTCPD_SUBFLOW_PENDING)
			model_subflow_del(c, s);
		break;
	case MPTCPD_ACTION_ANNOUNCE:
		model_announced_del(c, a->local_id);
		break;
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		p = model_pair_find(c, &a->local, &a->remote);
		if (p)
			p->destroying = false;
		break;
	case MPTCPD_ACTION_SET_BACKUP:
		if (s) {
			s->backup = !a->backup;
			engine_acct_update(e, c, s);
		}
		break;
	case MPTCPD_ACTION_REMOVE:
		engine_mark_destroying(c, a->local_id, false);
		break;
	}
}

/* Monitors and the history learn of the action with its story. */
static void engine_observe_action(struct engine *e, struct model_conn *c,
				  const struct mptcpd_action *a)
{
	char text[256];
	struct engine_why why = {
		.cause = e->cause[0] ? e->cause : NULL,
		.reason = text,
		.strategy = e->cause[0] ? e->cause_strategy : NULL,
		.policy = e->cause[0] ? e->cause_policy : NULL,
		.dev = engine_why_dev(e, c, a),
	};

	engine_why_text(e, c, a, text, sizeof(text));
	e->ops.observe_action(e->ops_arg, a, &why);
}

enum engine_verdict engine_execute(struct engine *e, struct model_conn *c,
				   struct mptcpd_action *a)
{
	enum engine_verdict v = engine_prepare(e, c, a);

	switch (v) {
	case ENGINE_VERDICT_SENT:
		break;
	case ENGINE_VERDICT_ALREADY:
	case ENGINE_VERDICT_NO_SUBFLOW:
	case ENGINE_VERDICT_NO_ROUTE:
	case ENGINE_VERDICT_NOT_ESTABLISHED:
	case ENGINE_VERDICT_BACKING_OFF:
		return v;
	case ENGINE_VERDICT_LIMIT:
	case ENGINE_VERDICT_INVALID:
	case ENGINE_VERDICT_NO_CONN:
	case ENGINE_VERDICT_FAILED:
		engine_log_action(LOG_WARNING, a, "cannot prepare");
		return v;
	}
	engine_log_action(LOG_DEBUG, a, "send");
	if (e->ops.observe_action)
		engine_observe_action(e, c, a);
	if (e->ops.send(e->ops_arg, a) < 0) {
		/* In a sweep, the sweep's line counts them. */
		engine_log_action(engine_in_sweep(e) ? LOG_DEBUG : LOG_ERR, a,
				  "could not send");
		engine_sweep_sent(e, a, false);
		e->st->commands_failed++;
		engine_unprepare(e, c, a);
		return ENGINE_VERDICT_FAILED;
	}
	engine_sweep_sent(e, a, true);
	engine_acct_sent(e, c, a);
	if (a->type == MPTCPD_ACTION_ANNOUNCE) {
		c->announce_ms = e->ops.now_ms(e->ops_arg);
		c->announce_wait = a->local_id;
	}
	/* The kernel says when a join is established or closed; if it says
	 * nothing (a lost event), the timer looks again. */
	if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE)
		engine_conn_wake(e, c, e->ops.now_ms(e->ops_arg) +
				 ENGINE_JOIN_TIMEOUT_MS);
	return ENGINE_VERDICT_SENT;
}
