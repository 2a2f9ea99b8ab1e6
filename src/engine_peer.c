/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the engine refuses to let others steer, for every strategy at once:
 * the addresses a remote peer announces (peer_filter.c judges them, with
 * what the interface table knows of this host), and connections whose both
 * ends are on this host, which any local user can open by the thousand and
 * which no second path can help.
 */
#include "addr.h"
#include "engine_priv.h"
#include "iface.h"
#include "log.h"
#include "peer_filter.h"

/* One refusal log per connection, and at most one a second in all: a
 * hostile peer on many connections must not flood the log.  The counters
 * count every one. */
#define ENGINE_REFUSAL_LOG_GAP_MS 1000

static bool engine_peer_is_own(void *arg, const struct mptcpd_addr *a)
{
	const struct engine *e = arg;

	return iface_is_local(e->ifaces, a);
}

static bool engine_peer_prefix(void *arg, const struct mptcpd_addr *a,
			       struct mptcpd_addr *net, unsigned int *plen)
{
	const struct engine *e = arg;

	return iface_connected_prefix(e->ifaces, a, net, plen);
}

void engine_set_peer_policy(struct engine *e, bool accept, unsigned int max)
{
	e->accept_announcements = accept;
	e->max_announcements = max;
}

/* Announcements this connection already holds, the one being replaced
 * (same ID) not counted. */
static size_t engine_announcements_held(const struct model_conn *c,
					uint8_t replacing_id)
{
	size_t n = 0;

	for (size_t i = 0; i < c->pub.n_remotes; i++)
		if (c->pub.remotes[i].id != replacing_id)
			n++;
	return n;
}

static const char *engine_refusal(struct engine *e, const struct model_conn *c,
				  const struct mptcpd_event *ev)
{
	const struct peer_host host = { engine_peer_is_own, engine_peer_prefix,
					e };
	enum peer_verdict v;

	if (!e->accept_announcements)
		return "announcements are not accepted (accept-announcements = no)";
	if (engine_announcements_held(c, ev->remote_id) >= e->max_announcements)
		return "over max-announcements";
	v = peer_check(&host, &ev->remote, &c->pub.remote);
	return v == PEER_ACCEPT ? NULL : peer_verdict_word(v);
}

bool engine_peer_refuses(struct engine *e, struct model_conn *c,
			 const struct mptcpd_event *ev)
{
	const char *why = engine_refusal(e, c, ev);
	uint64_t now;
	char a[ADDR_STRLEN];

	if (!why)
		return false;
	e->st->announcements_refused++;
	now = e->ops.now_ms(e->ops_arg);
	if (c->refusal_logged ||
	    (e->last_refusal_log_ms && now - e->last_refusal_log_ms <
					    ENGINE_REFUSAL_LOG_GAP_MS))
		return true;
	c->refusal_logged = true;
	e->last_refusal_log_ms = now;
	log_notice(LOG_SUB_ENGINE, "token=%08x: the peer announced %s (id %u): "
		   "not joined: %s (later refusals on this connection are "
		   "counted, not logged)", c->pub.token,
		   addr_str(&ev->remote, a, sizeof(a)), ev->remote_id, why);
	return true;
}

bool engine_conn_is_local(const struct engine *e,
			  const struct mptcpd_event *ev)
{
	return ev->remote.family != AF_UNSPEC &&
	       iface_is_local(e->ifaces, &ev->remote);
}
