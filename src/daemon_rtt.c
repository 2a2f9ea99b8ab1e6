/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RTT readings the engine asks for (engine_rtt.c), through sock_diag:
 * a few connections per health tick, their established subflows looked
 * up by exact 4-tuple (no dump), each smoothed RTT handed back to the
 * engine.  With no watched connection, a tick costs one list-head check.
 */
#include "daemon_priv.h"
#include "diag.h"
#include "engine.h"

static void daemon_rtt_sample(void *arg, const struct diag_subflow *s)
{
	struct daemon *d = arg;

	if (s->has_tcp_info)
		engine_on_rtt(d->engine, s->token, &s->local, &s->remote,
			      s->rtt_us, s->last_data_sent_ms);
}

/* The established subflows of c as lookup keys, after those already in
 * keys; false when they do not all fit, unless keys was empty (a
 * connection with more subflows than one tick reads gets its first
 * DAEMON_RTT_KEYS read, rather than none ever). */
static bool daemon_rtt_keys(const struct mptcpd_conn *c,
			    struct diag_subflow_key *keys, size_t *n)
{
	size_t k = *n;
	bool partial_ok = k == 0;

	for (size_t i = 0; i < c->n_subflows; i++) {
		const struct mptcpd_subflow *s = &c->subflows[i];

		if (s->state != MPTCPD_SUBFLOW_ESTABLISHED || !s->local.port)
			continue;
		if (k == DAEMON_RTT_KEYS) {
			if (!partial_ok)
				return false;
			break;
		}
		keys[k].local = s->local;
		keys[k].remote = s->remote;
		keys[k].ifindex = s->ifindex;
		k++;
	}
	*n = k;
	return true;
}

void daemon_rtt_tick(struct daemon *d)
{
	uint32_t tokens[DAEMON_RTT_CONNS];
	struct diag_subflow_key keys[DAEMON_RTT_KEYS];
	const struct mptcpd_conn *c;
	size_t n_tokens = 0, n_keys = 0;

	/* A connection whose subflows do not fit in this tick's keys waits
	 * for the next round (it went to the end of the line). */
	while (n_tokens < DAEMON_RTT_CONNS && (c = engine_rtt_next(d->engine)))
		if (daemon_rtt_keys(c, keys, &n_keys))
			tokens[n_tokens++] = c->token;
	if (!n_keys)
		return;
	diag_query_subflows(keys, n_keys, daemon_rtt_sample, d);
	for (size_t i = 0; i < n_tokens; i++)
		engine_rtt_done(d->engine, tokens[i]);
}
