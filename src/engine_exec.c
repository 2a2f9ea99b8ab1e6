/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From a strategy's action to a command: local IDs are allocated here,
 * requested subflows are remembered as pending (so nobody asks for the
 * same pair twice), joins wait for a route and for the pair's backoff,
 * and what we destroy on purpose is marked so its end is not a failure.
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

/* Pick the local ID and remember the subflow as pending.  -EALREADY when
 * the pair exists. */
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

/* A join waits for a route through its interface (DHCP adds the address
 * first; the route's arrival re-reports the address) and for the end of
 * its pair's backoff (then a RETRY event asks the strategy again). */
static bool engine_may_join(struct engine *e, struct model_conn *c,
			    const struct mptcpd_action *a, uint64_t now_ms)
{
	struct model_pair *p;

	if (a->ifindex > 0 && !iface_routable(e->ifaces, a->ifindex, &a->remote)) {
		engine_log_action(LOG_DEBUG, a, "no route yet, not sending");
		return false;
	}
	p = model_pair_find(c, &a->local, &a->remote);
	if (p && !backoff_allows(p, now_ms)) {
		engine_log_action(LOG_DEBUG, a, "backing off, not sending");
		engine_wake_at(e, p->retry_ms);
		return false;
	}
	return true;
}

/* The subflows a REMOVE will close end by our will, not by failure. */
static void engine_mark_destroying(struct model_conn *c, uint8_t local_id)
{
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		const struct mptcpd_subflow *s = &c->subflows[i];
		struct model_pair *p;

		if (s->local_id != local_id)
			continue;
		p = model_pair_get(c, &s->local, &s->remote);
		if (p)
			p->destroying = true;
	}
}

static int engine_prepare(struct engine *e, struct model_conn *c,
			  struct mptcpd_action *a)
{
	uint64_t now = e->ops.now_ms(e->ops_arg);
	struct mptcpd_subflow *s;
	struct model_pair *p;
	int id;

	switch (a->type) {
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		if (!engine_may_join(e, c, a, now))
			return -EAGAIN;
		return engine_prepare_create(c, a, now);
	case MPTCPD_ACTION_ANNOUNCE:
		id = model_local_id(c, &a->local);
		if (id == 0)
			return -EINVAL;	/* ID 0 cannot be announced */
		if (id < 0)
			return id;
		a->local_id = (uint8_t)id;
		/* Believed at once; an error takes it back. */
		return model_announced_add(c, a->local_id, &a->local);
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		p = model_pair_get(c, &a->local, &a->remote);
		if (p)
			p->destroying = true;
		return 0;
	case MPTCPD_ACTION_SET_BACKUP:
		/* Believe it at once, so the next decision does not ask
		 * again; an error puts it back (engine_on_result). */
		s = model_subflow_find(c, &a->local, &a->remote);
		if (s && s->backup == a->backup)
			return -EALREADY;
		if (s)
			s->backup = a->backup;
		return 0;
	case MPTCPD_ACTION_REMOVE:
		engine_mark_destroying(c, a->local_id);
		return 0;
	}
	return -EINVAL;
}

static void engine_forget_pending(struct model_conn *c,
				  const struct mptcpd_action *a)
{
	struct mptcpd_subflow *s = model_subflow_find(c, &a->local, &a->remote);

	if (s && s->state == MPTCPD_SUBFLOW_PENDING)
		model_subflow_del(c, s);
}

void engine_execute(struct engine *e, struct model_conn *c,
		    struct mptcpd_action *a)
{
	int err = engine_prepare(e, c, a);

	if (err == -EALREADY || err == -EAGAIN)
		return;
	if (err < 0) {
		engine_log_action(LOG_WARNING, a, "cannot prepare");
		return;
	}
	engine_log_action(LOG_DEBUG, a, "send");
	if (e->ops.observe_action)
		e->ops.observe_action(e->ops_arg, a);
	err = e->ops.send(e->ops_arg, a);
	if (err < 0) {
		engine_log_action(LOG_ERR, a, "could not send");
		if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE)
			engine_forget_pending(c, a);
	}
}
