/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-connection policy in the engine: which [policy] rule a connection
 * falls under (chosen once, at its first decision, from what it is and,
 * only when a rule needs it, who owns its socket), and what that rule
 * changes in the strategy's view and actions: the strategy itself, the
 * subflow budget, which interface types may carry subflows, and what may
 * go over a metered interface.  The strategies stay unaware: each sees a
 * host view already cut to its connection's policy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "log.h"

/* The owner's uid when the lookup failed: no rule can name it. */
#define ENGINE_UID_UNKNOWN	((uint32_t)-1)
/* Lookups answered "not yet" (a cgroup made a moment ago, the map's walk
 * rate-limited) before the owner counts as unknown for good. */
#define ENGINE_OWNER_TRIES	4
#define ENGINE_CGROUP_MAX	512

const struct policy_rule *engine_conn_policy(const struct engine *e,
					     const struct model_conn *c)
{
	if (!c->policy_chosen || c->policy < 0 ||
	    (size_t)c->policy >= e->n_policies)
		return NULL;
	return &e->policies[c->policy];
}

const struct mptcpd_strategy *engine_conn_strategy(const struct engine *e,
						   const struct model_conn *c)
{
	return c->strategy ? c->strategy : e->strategy;
}

/* A new strategy starts with fresh memory (made again on first use). */
static void engine_conn_drop_data(struct model_conn *c)
{
	free(c->strategy_data);
	c->strategy_data = NULL;
	c->pub.data = NULL;
}

/* Once per connection: the socket's owner, from the daemon (sock_diag).
 * -EAGAIN: not yet, ask again at the connection's next decision. */
static int engine_policy_owner(struct engine *e, struct model_conn *c)
{
	char cgroup[ENGINE_CGROUP_MAX] = "";
	uint32_t uid = ENGINE_UID_UNKNOWN;
	int err = -EOPNOTSUPP;

	if (c->owner_known)
		return 0;
	if (e->ops.owner)
		err = e->ops.owner(e->ops_arg, c->pub.token, &uid, cgroup,
				   sizeof(cgroup));
	if (err == -EAGAIN && ++c->owner_tries < ENGINE_OWNER_TRIES)
		return -EAGAIN;
	c->owner_known = true;
	if (err < 0) {
		log_debug(LOG_SUB_ENGINE, "token=%08x: owner unknown (%s): "
			  "rules naming a user or cgroup do not match it",
			  c->pub.token, strerror(-err));
		uid = ENGINE_UID_UNKNOWN;
		cgroup[0] = '\0';
	}
	c->uid = uid;
	free(c->cgroup);
	c->cgroup = cgroup[0] ? strdup(cgroup) : NULL;
	return 0;
}

/* Which rule: the cheap keys first, the owner only if a rule that could
 * still match needs it. */
static int engine_policy_match(struct engine *e, struct model_conn *c)
{
	struct policy_conn pc = {
		.local = c->pub.local,
		.remote = c->pub.remote,
		.server_side = c->pub.server_side,
		.owner_known = c->owner_known,
		.uid = c->uid,
		.cgroup = c->cgroup ? c->cgroup : "",
	};
	int i;

	if (!e->n_policies)
		return POLICY_NONE;
	i = policy_match(e->policies, e->n_policies, &pc);
	if (i != POLICY_NEED_OWNER || engine_policy_owner(e, c) == -EAGAIN)
		return i;
	pc.owner_known = true;
	pc.uid = c->uid;
	pc.cgroup = c->cgroup ? c->cgroup : "";
	return policy_match(e->policies, e->n_policies, &pc);
}

/* The rule decides the strategy; returns whether it changed. */
static bool engine_policy_apply(struct engine *e, struct model_conn *c, int i)
{
	const struct mptcpd_strategy *old = engine_conn_strategy(e, c);

	c->policy_chosen = true;
	c->policy = i;
	c->strategy = i >= 0 ? e->policy_strategies[i] : NULL;
	return engine_conn_strategy(e, c) != old;
}

void engine_policy_choose(struct engine *e, struct model_conn *c)
{
	int i;

	if (c->policy_chosen || c->pub.remote.family == AF_UNSPEC)
		return;	/* once, and only once the addresses are known */
	i = engine_policy_match(e, c);
	if (i == POLICY_NEED_OWNER)
		return;	/* the owner is not known yet: the next decision */
	/* Memory the default strategy made before the addresses were known
	 * is not the size the rule's strategy asks for. */
	if (engine_policy_apply(e, c, i))
		engine_conn_drop_data(c);
	if (i >= 0)
		log_info(LOG_SUB_ENGINE, "token=%08x: policy %s, strategy %s",
			 c->pub.token, e->policies[i].name,
			 engine_conn_strategy(e, c)->name);
}

/* Same match keys and actions (the name and line may differ): a rule
 * edited in any other way hands its connections over again.  Rules are
 * zeroed before they are filled (config_policies_add) and copied whole,
 * so padding compares equal. */
static bool engine_rule_same(const struct policy_rule *a,
			     const struct policy_rule *b)
{
	struct policy_rule x, y;

	if (!a || !b)
		return a == b;
	x = *a;
	y = *b;
	x.line = y.line = 0;
	memset(x.name, 0, sizeof(x.name));
	memset(y.name, 0, sizeof(y.name));
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* One connection after a change of rules or default: matched again (its
 * owner is remembered, not looked up again) and handed over only when
 * its strategy or its rule's content changed; a new strategy starts with
 * fresh memory, the same one keeps it. */
static void engine_reconfigure_conn(struct engine *e, struct model_conn *c,
				    const struct mptcpd_strategy *old_default,
				    const struct policy_rule *old_rule)
{
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ADOPTED };
	const struct mptcpd_strategy *before = c->strategy ? c->strategy :
					       old_default;
	int i = engine_policy_match(e, c);

	if (i == POLICY_NEED_OWNER)
		return;	/* not known yet: its next decision chooses */
	engine_policy_apply(e, c, i);
	if (engine_conn_strategy(e, c) != before)
		engine_conn_drop_data(c);
	else if (engine_rule_same(old_rule, engine_conn_policy(e, c)))
		return;
	ev.token = c->pub.token;
	engine_decide(e, c, &ev);
}

int engine_reconfigure(struct engine *e, const struct mptcpd_strategy *def,
		       const struct policy_rule *rules,
		       const struct mptcpd_strategy *const *strategies,
		       size_t n)
{
	struct policy_rule *v = NULL, *old_rules = e->policies;
	const struct mptcpd_strategy **s = NULL, **old_strategies =
		e->policy_strategies;
	const struct mptcpd_strategy *old_default = e->strategy;
	size_t old_n = e->n_policies;

	if (n) {
		v = malloc(n * sizeof(*v));
		s = malloc(n * sizeof(*s));
		if (!v || !s) {
			free(v);
			free(s);
			return -ENOMEM;
		}
		memcpy(v, rules, n * sizeof(*v));
		memcpy(s, strategies, n * sizeof(*s));
	}
	if (def != old_default)
		log_notice(LOG_SUB_ENGINE, "strategy %s -> %s",
			   old_default->name, def->name);
	e->strategy = def;
	e->policies = v;
	e->policy_strategies = s;
	e->n_policies = n;
	/* One pass, with the old rules still at hand to compare: a
	 * connection is handed over once, to the strategy it ends with,
	 * never through an interim one. */
	engine_sweep_open(e, "configuration changed");
	for (struct model_conn *c = model_conn_next(e->model, NULL); c;
	     c = model_conn_next(e->model, c)) {
		uint64_t sent = e->sweep.sent;
		const struct policy_rule *old_rule = c->policy_chosen &&
			c->policy >= 0 && (size_t)c->policy < old_n ?
			&old_rules[c->policy] : NULL;

		if (!c->policy_chosen)
			continue;	/* chosen at its first decision */
		engine_reconfigure_conn(e, c, old_default, old_rule);
		engine_sweep_conn(e, sent);
	}
	engine_sweep_end_if_quiet(e);
	free(old_rules);
	free(old_strategies);
	return 0;
}

int engine_set_policies(struct engine *e, const struct policy_rule *rules,
			const struct mptcpd_strategy *const *strategies,
			size_t n)
{
	return engine_reconfigure(e, e->strategy, rules, strategies, n);
}

bool engine_policy_uses(const struct engine *e, unsigned int flag)
{
	if (e->strategy->flags & flag)
		return true;
	for (size_t i = 0; i < e->n_policies; i++)
		if (e->policy_strategies[i] &&
		    (e->policy_strategies[i]->flags & flag))
			return true;
	return false;
}

/* May a subflow use this local address under the rule? */
static bool engine_policy_addr_ok(const struct policy_rule *r,
				  const struct mptcpd_local_addr *a)
{
	if (r->iface_types && !(r->iface_types & (1u << a->type)))
		return false;
	return !(a->metered && r->metered == POLICY_METERED_NEVER);
}

void engine_policy_host(struct engine *e, const struct model_conn *c,
			struct mptcpd_host *host)
{
	const struct policy_rule *r = engine_conn_policy(e, c);
	struct mptcpd_local_addr *v;
	size_t n = 0;

	if (!r)
		return;
	if (r->max_subflows)
		host->max_subflows = r->max_subflows;
	if (!r->iface_types && r->metered != POLICY_METERED_NEVER &&
	    r->metered != POLICY_METERED_ALLOW)
		return;
	if (host->n_addrs > e->cap_policy_addrs) {
		v = realloc(e->policy_addrs, host->n_addrs * sizeof(*v));
		if (!v) {
			/* Never wider than the rule allows: no address. */
			host->n_addrs = 0;
			return;
		}
		e->policy_addrs = v;
		e->cap_policy_addrs = host->n_addrs;
	}
	v = e->policy_addrs;
	for (size_t i = 0; i < host->n_addrs; i++) {
		if (!engine_policy_addr_ok(r, &host->addrs[i]))
			continue;
		v[n] = host->addrs[i];
		/* allow: a metered path is like any other for this one. */
		if (r->metered == POLICY_METERED_ALLOW)
			v[n].metered = false;
		n++;
	}
	host->addrs = v;
	host->n_addrs = n;
}

static bool engine_host_metered(const struct mptcpd_host *host,
				const struct mptcpd_addr *a)
{
	for (size_t i = 0; i < host->n_addrs; i++)
		if (mptcpd_addr_same_ip(&host->addrs[i].addr, a))
			return host->addrs[i].metered;
	return false;
}

void engine_policy_actions(struct engine *e, const struct model_conn *c,
			   const struct mptcpd_host *host,
			   struct mptcpd_actions *out)
{
	const struct policy_rule *r = engine_conn_policy(e, c);
	size_t kept = 0;

	if (!r || r->metered != POLICY_METERED_BACKUP_ONLY)
		return;
	/* backup-only: whatever the strategy wanted, a subflow over a
	 * metered interface carries data only when nothing else can. */
	for (size_t i = 0; i < out->n; i++) {
		struct mptcpd_action *a = &out->v[i];
		bool metered = engine_host_metered(host, &a->local);

		if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE && metered)
			a->backup = true;
		if (a->type == MPTCPD_ACTION_SET_BACKUP && metered &&
		    !a->backup)
			continue;	/* never promoted */
		out->v[kept++] = *a;
	}
	out->n = kept;
}

size_t engine_policy_count(const struct engine *e)
{
	return e->n_policies;
}

const struct policy_rule *engine_policy_rule(const struct engine *e, size_t i)
{
	return i < e->n_policies ? &e->policies[i] : NULL;
}
