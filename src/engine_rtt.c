/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTT sampling for the strategies that want it (MPTCPD_STRATEGY_WATCH_RTT):
 * which connections are read, when, and what a reading changes.  The
 * engine keeps the watched connections in the model's own list (only
 * those whose strategy asks, with more than one established subflow: a
 * lone subflow has nothing to be compared with), hands the daemon the
 * least recently read one at a time, stores the smoothed RTTs the daemon
 * reads through sock_diag into the view, and tells the strategy
 * (MPTCPD_EVENT_RTT_UPDATED).  While nothing is watched, nothing is done:
 * 10,000 connections under backup-cellular cost no reading at all.
 */
#include "engine_priv.h"
#include "model.h"

/* A connection is read about this often, while the daemon's budget per
 * tick (its caller) covers the watched ones; past that, less often. */
#define ENGINE_RTT_PERIOD_MS 200
/* Ticks come every 100 ms, give or take: a connection read 180 ms ago is
 * due at this tick rather than 100 ms late at the next one. */
#define ENGINE_RTT_SLACK_MS 50

static size_t engine_rtt_established(const struct model_conn *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->pub.n_subflows; i++)
		if (c->pub.subflows[i].state == MPTCPD_SUBFLOW_ESTABLISHED)
			n++;
	return n;
}

void engine_rtt_track(struct engine *e, struct model_conn *c)
{
	const struct mptcpd_strategy *s = engine_conn_strategy(e, c);
	bool want = (s->flags & MPTCPD_STRATEGY_WATCH_RTT) &&
		    c->pub.established && engine_rtt_established(c) > 1;

	model_rtt_watch(e->model, c, want);
}

const struct mptcpd_conn *engine_rtt_next(struct engine *e)
{
	struct model_conn *c = model_rtt_first(e->model);
	uint64_t now;

	if (!c)
		return NULL;	/* nothing watched: not even a clock read */
	now = e->ops.now_ms(e->ops_arg);
	if (c->rtt_read_ms &&
	    now - c->rtt_read_ms + ENGINE_RTT_SLACK_MS < ENGINE_RTT_PERIOD_MS)
		return NULL;
	model_rtt_read(e->model, c, now);
	return &c->pub;
}

size_t engine_rtt_watched(const struct engine *e)
{
	return model_rtt_count(e->model);
}

void engine_on_rtt(struct engine *e, uint32_t token,
		   const struct mptcpd_addr *local,
		   const struct mptcpd_addr *remote, uint32_t srtt_us,
		   uint32_t idle_ms)
{
	struct model_conn *c = model_conn_find(e->model, token);
	struct mptcpd_subflow *s;
	uint64_t now;

	if (!c || !srtt_us)
		return;
	s = model_subflow_find(c, local, remote);
	if (!s || s->state != MPTCPD_SUBFLOW_ESTABLISHED)
		return;
	now = e->ops.now_ms(e->ops_arg);
	s->srtt_us = srtt_us;
	/* The kernel samples RTT from the ACKs of data: the value is as old
	 * as the last data the subflow sent (its handshake when none). */
	s->rtt_at_ms = idle_ms < now ? now - idle_ms : 0;
	c->rtt_updated = true;
}

void engine_rtt_done(struct engine *e, uint32_t token)
{
	struct model_conn *c = model_conn_find(e->model, token);
	struct mptcpd_event ev = {
		.type = MPTCPD_EVENT_RTT_UPDATED,
		.token = token,
	};

	if (!c || !c->rtt_updated)
		return;
	c->rtt_updated = false;
	engine_decide(e, c, &ev);
}
