/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the daemon waits for, as `connection TOKEN`, `connections` and
 * `interfaces` tell it: joins backing off after failures ("backing off,
 * next try in 4 s"), joins held for lack of a route ("no route to
 * 203.0.113.1 yet"), subflows and paths that stalled ("stalled since
 * 02:18:18.200").  Worked out when asked, from what the engine and the
 * interface table noted when it happened: nothing is tracked per tick.
 */
#include <stdio.h>
#include <time.h>

#include "addr.h"
#include "ctl_priv.h"
#include "engine.h"
#include "iface.h"
#include "model.h"

static uint64_t ctl_waiting_now(const struct ctl_server *s)
{
	return s->env.now_ms ? s->env.now_ms(s->env.arg) : 0;
}

/* A time of the daemon's monotonic clock as the wall clock's time of day
 * (UTC, as monitor events have it), "02:18:18.200". */
static void ctl_waiting_clock(const struct ctl_server *s, uint64_t mono_ms,
			      char *buf, size_t len)
{
	uint64_t now = ctl_waiting_now(s);
	struct timespec ts;
	int64_t wall;
	time_t t;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	       (int64_t)(now > mono_ms ? now - mono_ms : 0);
	t = (time_t)(wall / 1000);
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (int)(wall % 1000));
}

static struct json_object *ctl_waiting_add(struct json_object **list,
					   const char *why, const char *text)
{
	struct json_object *w;

	if (!*list && !(*list = json_object_new_array()))
		return NULL;
	w = json_object_new_object();
	if (!w || json_object_array_add(*list, w) < 0) {
		json_object_put(w);
		return NULL;
	}
	json_object_object_add(w, "why", json_object_new_string(why));
	json_object_object_add(w, "text", json_object_new_string(text));
	return w;
}

/* A pair that waits until retry_ms: its addresses and the time left. */
static struct json_object *ctl_waiting_pair(struct json_object **list,
					    const char *why, const char *text,
					    const struct model_pair *p,
					    uint64_t retry_ms, uint64_t now)
{
	struct json_object *w = ctl_waiting_add(list, why, text);

	if (!w)
		return NULL;
	json_object_object_add(w, "local", ctl_json_addr(&p->local));
	json_object_object_add(w, "remote", ctl_json_addr(&p->remote));
	json_object_object_add(w, "retry_in_ms",
			       json_object_new_int64((int64_t)(retry_ms - now)));
	return w;
}

static void ctl_waiting_backoff(const struct model_conn *c, uint64_t now,
				struct json_object **list)
{
	for (size_t i = 0; i < c->n_pairs; i++) {
		const struct model_pair *p = &c->pairs[i];
		struct json_object *w;
		char text[64];

		if (p->retry_ms <= now)
			continue;
		/* Rounded up: "in 0 s" would read as "now". */
		snprintf(text, sizeof(text), "backing off, next try in %llu s",
			 (unsigned long long)((p->retry_ms - now + 999) / 1000));
		w = ctl_waiting_pair(list, "backing off", text, p, p->retry_ms,
				     now);
		if (!w)
			return;
		json_object_object_add(w, "failures",
				       json_object_new_int64(p->failures));
	}
}

/* A flag change (promotion or demotion) the kernel refused, asked again
 * after a backoff (engine.c): why a subflow keeps its old flag. */
static void ctl_waiting_flag(const struct model_conn *c, uint64_t now,
			     struct json_object **list)
{
	for (size_t i = 0; i < c->n_pairs; i++) {
		const struct model_pair *p = &c->pairs[i];
		char text[80];

		if (p->flag_retry_ms <= now)
			continue;
		snprintf(text, sizeof(text), "flag change refused %u time(s), "
			 "next try in %llu ms", p->flag_failures,
			 (unsigned long long)(p->flag_retry_ms - now));
		if (!ctl_waiting_pair(list, "flag refused", text, p,
				      p->flag_retry_ms, now))
			return;
	}
}

/* When a stalled subflow stalled: its own verdict, else its path's. */
static uint64_t ctl_waiting_stalled_ms(const struct ctl_server *s,
				       struct model_conn *c,
				       const struct mptcpd_subflow *sf)
{
	const struct model_pair *p = model_pair_find(c, &sf->local, &sf->remote);

	if (p && p->stalled_ms)
		return p->stalled_ms;
	return engine_path_dead_since(s->env.engine, &sf->local);
}

static void ctl_waiting_stalled(const struct ctl_server *s,
				struct model_conn *c, struct json_object **list)
{
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		const struct mptcpd_subflow *sf = &c->subflows[i];
		uint64_t at = sf->stalled ? ctl_waiting_stalled_ms(s, c, sf) : 0;
		struct json_object *w;
		char clock[32], text[64];

		if (!sf->stalled)
			continue;
		if (at)
			ctl_waiting_clock(s, at, clock, sizeof(clock));
		snprintf(text, sizeof(text), "stalled since %s", at ? clock :
			 "an unknown time");
		w = ctl_waiting_add(list, "stalled", text);
		if (!w)
			return;
		json_object_object_add(w, "local", ctl_json_addr(&sf->local));
		json_object_object_add(w, "remote", ctl_json_addr(&sf->remote));
	}
}

/* Pairs whose path is judged dead but that have no stalled subflow
 * (any more): the strategy closed it, and the pair waits for the path
 * (its joins held or backing off).  Shown until the path works again. */
static void ctl_waiting_dead_pairs(const struct ctl_server *s,
				   struct model_conn *c,
				   struct json_object **list)
{
	for (size_t i = 0; i < c->n_pairs; i++) {
		const struct model_pair *p = &c->pairs[i];
		uint64_t at = engine_path_dead_since(s->env.engine, &p->local);
		const struct mptcpd_subflow *sf;
		struct json_object *w;
		char clock[32], text[64];

		if (!at)
			continue;
		sf = model_subflow_find(c, &p->local, &p->remote);
		if (sf && sf->stalled)
			continue;	/* listed with the subflows */
		ctl_waiting_clock(s, at, clock, sizeof(clock));
		snprintf(text, sizeof(text), "stalled since %s", clock);
		w = ctl_waiting_add(list, "stalled", text);
		if (!w)
			return;
		json_object_object_add(w, "local", ctl_json_addr(&p->local));
		json_object_object_add(w, "remote", ctl_json_addr(&p->remote));
	}
}

/* Joins of this connection held for a route: its peer is what one of
 * the usable addresses' interfaces waits a route to. */
static void ctl_waiting_routes(const struct ctl_server *s,
			       const struct model_conn *c,
			       struct json_object **list)
{
	size_t n;
	const struct mptcpd_local_addr *v = iface_usable(s->env.ifaces, &n);

	for (size_t i = 0; i < n; i++) {
		struct iface_info info;
		struct json_object *w;
		char ip[ADDR_STRLEN], text[ADDR_STRLEN + 32];

		if (!iface_info_by_index(s->env.ifaces, v[i].ifindex, &info) ||
		    info.no_route.family == AF_UNSPEC ||
		    !mptcpd_addr_same_ip(&info.no_route, &c->pub.remote))
			continue;
		snprintf(text, sizeof(text), "no route to %s yet",
			 addr_str(&info.no_route, ip, sizeof(ip)));
		w = ctl_waiting_add(list, "no route", text);
		if (!w)
			return;
		json_object_object_add(w, "local", ctl_json_addr(&v[i].addr));
		json_object_object_add(w, "remote", ctl_json_addr(&c->pub.remote));
		json_object_object_add(w, "dev", json_object_new_string(v[i].ifname));
	}
}

struct json_object *ctl_waiting_conn(struct ctl_server *s, struct model_conn *c,
				     bool detail)
{
	struct json_object *list = NULL;

	ctl_waiting_backoff(c, ctl_waiting_now(s), &list);
	ctl_waiting_flag(c, ctl_waiting_now(s), &list);
	/* The rest reads the interface table: for one connection only. */
	if (detail) {
		ctl_waiting_routes(s, c, &list);
		ctl_waiting_stalled(s, c, &list);
		ctl_waiting_dead_pairs(s, c, &list);
	}
	return list;
}

void ctl_waiting_iface(struct ctl_server *s, const struct iface_info *i,
		       const struct mptcpd_addr *addrs, size_t n,
		       struct json_object *o)
{
	struct json_object *list = NULL, *w;
	char ip[ADDR_STRLEN], text[ADDR_STRLEN + 32], clock[32];

	if (i->no_route.family != AF_UNSPEC) {
		snprintf(text, sizeof(text), "no route to %s yet",
			 addr_str(&i->no_route, ip, sizeof(ip)));
		w = ctl_waiting_add(&list, "no route", text);
		if (w)
			json_object_object_add(w, "remote",
					       ctl_json_addr(&i->no_route));
	}
	for (size_t k = 0; k < n; k++) {
		uint64_t at = engine_path_dead_since(s->env.engine, &addrs[k]);

		if (!at)
			continue;
		ctl_waiting_clock(s, at, clock, sizeof(clock));
		snprintf(text, sizeof(text), "stalled since %s", clock);
		w = ctl_waiting_add(&list, "stalled", text);
		if (w)
			json_object_object_add(w, "local", ctl_json_addr(&addrs[k]));
	}
	if (list)
		json_object_object_add(o, "waiting", list);
}
