/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * interactive (Apple's "interactive" service type, 3GPP ATSSS "smallest
 * delay"): every usable path keeps a warm subflow; the path with the
 * lowest smoothed RTT carries the data and the others are flagged backup.
 * The roles swap when the active path's RTT exceeds the best
 * alternative's by the configured factor and margin for the hold time
 * (host->rtt_switch_*), or at once when the active path stalls or goes.
 * Margin and hold time apply both ways, so two paths of similar RTT never
 * trade places back and forth.
 *
 * Metered paths: a path the host view shows metered competes only while
 * no unmetered path works (then it takes over like backup-cellular's
 * cellular subflow).  A [policy] rule with metered = allow shows it
 * unmetered, so it competes on RTT like any other; metered = never hides
 * it.
 *
 * Stale RTTs: the kernel samples a subflow's RTT from the ACKs of its
 * data, so a backup subflow keeps the srtt it had when it last carried
 * data.  That is harmless for a path that was never better than the
 * active one, but a path left because its queue filled (a competing bulk
 * flow) would look slow for ever.  Such a path, while its RTT is stale and
 * its best RTT seen would win against the active path, is probed: it carries the data for
 * INTERACTIVE_PROBE_MS, then the hysteresis decides on the fresh value
 * (a probe that shows it better by the margin goes on for the hold time,
 * and the path takes over).
 * Probes back off from 1 s to 8 s apart, so a path that stays slow costs
 * at most 300 ms of its delay every 8 s.  A path whose subflow stalled is
 * probed the same way once a subflow works on it again (a queue that
 * fills at once stalls a subflow too, and its replacement keeps the RTT
 * its handshake met in that queue).
 */
#include "strategies/registry.h"
#include "strategies/common.h"

/* Paths considered per connection: the usable addresses past this many
 * still get subflows, but never carry data. */
#define INTERACTIVE_PATHS_MAX 16
/* A path's RTT is stale when it sent no data for this long. */
#define INTERACTIVE_STALE_MS 1000
#define INTERACTIVE_PROBE_MS 300
#define INTERACTIVE_PROBE_GAP_MS 1000
#define INTERACTIVE_PROBE_GAP_MAX_MS 8000

struct interactive_data {
	struct mptcpd_addr active;	/* AF_UNSPEC: none chosen yet */
	uint32_t active_min_us;		/* lowest srtt seen on it */
	/* The active path has been worse than cand by the margin since
	 * worse_since_ms (0: it is not). */
	struct mptcpd_addr cand;
	uint64_t worse_since_ms;
	/* The path we left for its RTT, and the lowest srtt it had shown:
	 * probed while stale if that lowest RTT would win. */
	struct mptcpd_addr left;
	uint32_t left_min_us;
	uint64_t probe_until_ms, next_probe_ms;
	uint32_t probe_gap_ms;
};

struct interactive_path {
	const struct mptcpd_local_addr *l;
	bool working;		/* an established subflow, not stalled */
	uint32_t srtt_us;	/* lowest known srtt of those; 0: unknown */
	uint64_t at_ms;		/* its freshness */
};

struct interactive_view {
	struct interactive_path p[INTERACTIVE_PATHS_MAX];
	size_t n;
	bool unmetered_works;
};

static void interactive_path_fill(struct interactive_path *p,
				  const struct mptcpd_conn *conn)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];

		if (s->state != MPTCPD_SUBFLOW_ESTABLISHED || s->stalled ||
		    !mptcpd_addr_same_ip(&s->local, &p->l->addr))
			continue;
		p->working = true;
		if (s->srtt_us && (!p->srtt_us || s->srtt_us < p->srtt_us)) {
			p->srtt_us = s->srtt_us;
			p->at_ms = s->rtt_at_ms;
		}
	}
}

static void interactive_view_fill(struct interactive_view *v,
				  const struct mptcpd_conn *conn,
				  const struct mptcpd_host *host)
{
	v->n = 0;
	v->unmetered_works = false;
	for (size_t i = 0; i < host->n_addrs && v->n < INTERACTIVE_PATHS_MAX;
	     i++) {
		struct interactive_path *p = &v->p[v->n++];

		*p = (struct interactive_path){ .l = &host->addrs[i] };
		interactive_path_fill(p, conn);
		if (p->working && !p->l->metered)
			v->unmetered_works = true;
	}
}

/* May the path carry data: it works, and it is unmetered or nothing
 * unmetered works. */
static bool interactive_eligible(const struct interactive_view *v,
				 const struct interactive_path *p)
{
	return p->working && (!p->l->metered || !v->unmetered_works);
}

static struct interactive_path *interactive_find(struct interactive_view *v,
						 const struct mptcpd_addr *a)
{
	if (a->family == AF_UNSPEC)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (mptcpd_addr_same_ip(&v->p[i].l->addr, a))
			return &v->p[i];
	return NULL;
}

/* Does RTT a exceed b by both the factor and the margin? */
static bool interactive_worse(const struct mptcpd_host *host, uint32_t a,
			      uint32_t b)
{
	uint64_t ratio = host->rtt_switch_ratio_pct < 100 ?
			 100 : host->rtt_switch_ratio_pct;

	if (!a || !b)
		return false;		/* unknown: no grounds to move */
	return (uint64_t)a * 100 > (uint64_t)b * ratio &&
	       (uint64_t)a > (uint64_t)b + host->rtt_switch_margin_us;
}

/* The eligible path with the lowest known RTT other than skip; one of
 * unknown RTT only when none is known. */
static struct interactive_path *interactive_best(struct interactive_view *v,
						 const struct interactive_path *skip)
{
	struct interactive_path *best = NULL;

	for (size_t i = 0; i < v->n; i++) {
		struct interactive_path *p = &v->p[i];

		if (p == skip || !interactive_eligible(v, p))
			continue;
		if (!best || (p->srtt_us &&
			      (!best->srtt_us || p->srtt_us < best->srtt_us)))
			best = p;
	}
	return best;
}

static void interactive_take(struct interactive_data *d,
			     const struct interactive_path *p)
{
	d->active = p->l->addr;
	d->active_min_us = p->srtt_us;
	d->worse_since_ms = 0;
	d->probe_until_ms = 0;
}

/* The path the data leaves, to be probed later (interactive_probe): the
 * first probe a gap after now, the gaps growing from there. */
static void interactive_leave(struct interactive_data *d,
			      const struct mptcpd_addr *left, uint32_t min_us,
			      uint64_t now)
{
	d->left = *left;
	d->left_min_us = min_us;
	d->next_probe_ms = now + INTERACTIVE_PROBE_GAP_MS;
	d->probe_gap_ms = INTERACTIVE_PROBE_GAP_MS;
}

/* No active path, or it stopped working: the initial subflow's path at
 * first (no RTT is known yet), else the lowest RTT, at once. */
static struct interactive_path *interactive_fallback(struct interactive_data *d,
						     struct interactive_view *v,
						     const struct mptcpd_conn *conn,
						     uint64_t now,
						     const char **why)
{
	struct interactive_path *p = NULL;
	struct mptcpd_addr was = d->active;
	uint32_t was_min_us = d->active_min_us;
	bool lost = false;

	if (d->active.family == AF_UNSPEC) {
		p = interactive_find(v, &conn->local);
		*why = "first path of the connection carries the data";
	} else if ((p = interactive_find(v, &d->active)) && p->working) {
		p = NULL;
		*why = "an unmetered path works again: a metered path carries "
		       "data only while none does";
	} else {
		*why = "active path stalled or gone: the working path with "
		       "the lowest smoothed RTT takes over";
		lost = true;
	}
	if (!p || !interactive_eligible(v, p))
		p = interactive_best(v, NULL);
	if (!p)
		return NULL;
	interactive_take(d, p);
	d->left.family = AF_UNSPEC;
	/* A path that stalled is probed like one left for its RTT, once a
	 * subflow works on it again: a queue that filled at once stalls a
	 * subflow as surely as a blackhole, and the join that replaces it
	 * keeps the RTT its handshake met in that queue, stale, for as long
	 * as it carries nothing.  A blackholed path gets no working subflow
	 * (its SYNs go unanswered), so it is not probed. */
	if (lost && !mptcpd_addr_same_ip(&was, &p->l->addr))
		interactive_leave(d, &was, was_min_us, now);
	return p;
}

/* The hysteresis: move to the best alternative once the active path has
 * been worse than it by the margin for the hold time. */
static struct interactive_path *interactive_hysteresis(struct interactive_data *d,
						       struct interactive_view *v,
						       struct interactive_path *act,
						       const struct mptcpd_host *host,
						       const char **why)
{
	struct interactive_path *b = interactive_best(v, act);
	uint64_t now = host->now_ms;

	if (!b || !interactive_worse(host, act->srtt_us, b->srtt_us)) {
		d->worse_since_ms = 0;
		return act;
	}
	if (!d->worse_since_ms || !mptcpd_addr_same_ip(&d->cand, &b->l->addr)) {
		d->worse_since_ms = now ? now : 1;
		d->cand = b->l->addr;
	}
	if (now - d->worse_since_ms < host->rtt_switch_hold_ms)
		return act;
	interactive_leave(d, &act->l->addr, d->active_min_us, now);
	interactive_take(d, b);
	*why = "active path's smoothed RTT exceeded the best alternative's by "
	       "the margin for the hold time";
	return b;
}

/* The path left for its RTT, when a probe is due: stale, and the best RTT
 * it showed would win against the active path now.  (Not against the
 * active path's best: a queue that drained for a moment would make that
 * look unbeatable and stop the probes for good.) */
static struct interactive_path *interactive_probe(struct interactive_data *d,
						  struct interactive_view *v,
						  const struct interactive_path *act,
						  const struct mptcpd_host *host)
{
	struct interactive_path *l = interactive_find(v, &d->left);
	uint64_t now = host->now_ms;

	if (d->probe_until_ms) {
		/* A probe that found the path better by the margin goes on
		 * until the hysteresis takes it (hold time) or the gap
		 * closes: no flip back to the active path in between. */
		bool better = d->worse_since_ms && l &&
			      mptcpd_addr_same_ip(&d->cand, &l->l->addr);

		if (l && interactive_eligible(v, l) &&
		    (now < d->probe_until_ms || better))
			return l;
		d->probe_until_ms = 0;	/* over: the hysteresis judges */
		return NULL;
	}
	if (!l || l == act || !interactive_eligible(v, l) ||
	    now < d->next_probe_ms || now - l->at_ms < INTERACTIVE_STALE_MS ||
	    !interactive_worse(host, act->srtt_us, d->left_min_us))
		return NULL;
	d->probe_until_ms = now + INTERACTIVE_PROBE_MS;
	d->next_probe_ms = now + d->probe_gap_ms;
	if (d->probe_gap_ms < INTERACTIVE_PROBE_GAP_MAX_MS)
		d->probe_gap_ms *= 2;
	return l;
}

/* Subflows of the carrying path active, every other one backup. */
static void interactive_flags(const struct mptcpd_conn *conn,
			      const struct interactive_path *carry,
			      const char *why, struct mptcpd_actions *out)
{
	for (size_t i = 0; i < conn->n_subflows; i++) {
		const struct mptcpd_subflow *s = &conn->subflows[i];
		bool backup = !carry ||
			      !mptcpd_addr_same_ip(&s->local, &carry->l->addr);
		struct mptcpd_action *a;

		/* A stalled subflow is about to be closed: no flag for it. */
		if (s->state != MPTCPD_SUBFLOW_ESTABLISHED || s->stalled ||
		    s->backup == backup)
			continue;
		a = mptcpd_actions_push(out, MPTCPD_ACTION_SET_BACKUP,
					conn->token);
		if (!a)
			return;
		a->local = s->local;
		a->remote = s->remote;
		a->backup = backup;
		a->reason = backup ? "kept warm as backup: not the path with "
				     "the lowest smoothed RTT" : why;
	}
}

static void interactive_reasons(struct mptcpd_actions *out, size_t from,
				const char *why)
{
	for (size_t i = from; i < out->n; i++)
		if (!out->v[i].reason)
			out->v[i].reason = why;
}

static void interactive_reconcile(const struct mptcpd_event *ev,
				  const struct mptcpd_conn *conn,
				  const struct mptcpd_host *host,
				  struct mptcpd_actions *out)
{
	struct interactive_data *d = conn->data;
	struct interactive_view v;
	struct interactive_path *act, *carry;
	const char *why = "lowest smoothed RTT: carries the data";
	size_t n0 = out->n;

	if (!d)
		return;		/* the daemon always gives conn_data_size */
	interactive_view_fill(&v, conn, host);
	act = interactive_find(&v, &d->active);
	if (!act || !interactive_eligible(&v, act))
		act = interactive_fallback(d, &v, conn, host->now_ms,
					   &why);
	else
		act = interactive_hysteresis(d, &v, act, host, &why);
	if (act && act->srtt_us &&
	    (!d->active_min_us || act->srtt_us < d->active_min_us))
		d->active_min_us = act->srtt_us;
	carry = act ? interactive_probe(d, &v, act, host) : NULL;
	if (carry)
		why = "probing a path left for its RTT: its RTT is stale";
	else
		carry = act;

	/* Creations first, dead subflows last (see backup_cellular.c). */
	strat_mesh(conn, host, strat_any, true, out);
	interactive_reasons(out, n0, "every usable path keeps a warm subflow");
	interactive_flags(conn, carry, why, out);
	n0 = out->n;
	strat_drop_dead(conn, ev, out);
	interactive_reasons(out, n0, "subflow stalled or its address gone");
}

static void interactive_decide(const struct mptcpd_event *ev,
			       const struct mptcpd_conn *conn,
			       const struct mptcpd_host *host,
			       struct mptcpd_actions *out)
{
	strat_dispatch(ev, conn, host, out, interactive_reconcile);
}

const struct mptcpd_strategy strategy_interactive = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION,
	.name = "interactive",
	.description = "a warm subflow on every path; data on the path with "
		       "the lowest smoothed RTT, the others backup",
	.flags = MPTCPD_STRATEGY_WATCH_STALLS | MPTCPD_STRATEGY_WATCH_RTT,
	.conn_data_size = sizeof(struct interactive_data),
	.decide = interactive_decide,
};
