/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's command handlers: one function per command of
 * ctl_proto.h, and the table that says which of them change the daemon's
 * state and so need root or the control group.  They read the model and
 * the interface table and ask the engine and the daemon for changes; the
 * request reaches them already validated by ctl_json_parse_request().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "addr.h"
#include "ctl_priv.h"
#include "engine.h"
#include "history.h"
#include "policy.h"
#include "iface.h"
#include "log.h"
#include "model.h"
#include "plugin.h"
#include "resync.h"
#include "stats.h"
#include "strategies/registry.h"

struct ctl_call {
	struct ctl_server *s;
	const struct ctl_request *req;
	struct json_object *result;	/* set by a handler that returns 0 */
	char msg[256];			/* set by one that returns -errno */
	struct json_object *reasons;	/* and maybe why, line by line */
	struct ctl_reply *reply;
};

__attribute__((format(printf, 3, 4)))
static int ctl_call_fail(struct ctl_call *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return err;
}

static int ctl_call_result(struct ctl_call *c, struct json_object *o)
{
	c->result = o;
	return o ? 0 : ctl_call_fail(c, -ENOMEM, "out of memory");
}

static uint64_t ctl_handlers_now(const struct ctl_server *s)
{
	return s->env.now_ms ? s->env.now_ms(s->env.arg) : 0;
}

/* detail: one connection asked for ("connection"), not a list. */
static struct json_object *ctl_handlers_conn(struct ctl_server *s,
					     struct model_conn *c, bool detail)
{
	uint64_t now = ctl_handlers_now(s);
	uint64_t age = c->created_ms && now > c->created_ms ?
		       (now - c->created_ms) / 1000 : 0;
	struct json_object *o = ctl_json_conn(&c->pub, age, ctl_server_ifname, s);
	const struct policy_rule *r = engine_conn_policy(s->env.engine, c);
	struct json_object *w;

	/* Which rule the connection fell under (null: none, [core]) and the
	 * strategy that manages it. */
	if (o) {
		/* The age of an adopted connection is unknown: what we know
		 * is how long ago we adopted it. */
		if (c->adopted) {
			json_object_object_add(o, "adopted_s",
					       json_object_new_int64((int64_t)age));
			json_object_object_add(o, "age_s", NULL);
		}
		json_object_object_add(o, "policy", r ?
				       json_object_new_string(r->name) : NULL);
		/* Only when there is something to wait for: answers for
		 * 10,000 quiet connections stay as short as they were. */
		w = ctl_waiting_conn(s, c, detail);
		if (w)
			json_object_object_add(o, "waiting", w);
		json_object_object_add(o, "strategy", json_object_new_string(
				       engine_conn_strategy(s->env.engine, c)->name));
	}
	return o;
}

/* Interfaces MPTCP can use now: those with a usable address. */
static size_t ctl_handlers_usable_ifaces(const struct ctl_server *s)
{
	size_t n, count = 0;
	const struct mptcpd_local_addr *v = iface_usable(s->env.ifaces, &n);

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < i && v[j].ifindex != v[i].ifindex)
			j++;
		count += j == i;
	}
	return count;
}

/* What the engine refused or left alone since start (stats.h). */
static void ctl_status_refusals(struct json_object *o, const struct stats *st)
{
	json_object_object_add(o, "announcements_refused", json_object_new_int64(
			       (int64_t)st->announcements_refused));
	json_object_object_add(o, "local_connections", json_object_new_int64(
			       (int64_t)st->local_conns_ignored));
	json_object_object_add(o, "joins_timed_out", json_object_new_int64(
			       (int64_t)st->joins_timed_out));
	json_object_object_add(o, "subflows_over_cap", json_object_new_int64(
			       (int64_t)st->over_cap));
}

static int ctl_cmd_status(struct ctl_call *c)
{
	struct ctl_server *s = c->s;
	struct json_object *o = json_object_new_object();
	/* A counter the model keeps: "status" costs the same with ten or ten
	 * thousand connections. */
	size_t subflows = model_subflow_count(s->env.model);

	if (!o)
		return ctl_call_result(c, NULL);
	json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "strategy", json_object_new_string(
			       engine_strategy(s->env.engine)->name));
	json_object_object_add(o, "path_manager", json_object_new_string("userspace"));
	json_object_object_add(o, "connections", json_object_new_int64(
			       (int64_t)model_conn_count(s->env.model)));
	json_object_object_add(o, "subflows", json_object_new_int64((int64_t)subflows));
	json_object_object_add(o, "interfaces", json_object_new_int64(
			       (int64_t)ctl_handlers_usable_ifaces(s)));
	json_object_object_add(o, "uptime_s", json_object_new_int64(
			       (int64_t)((ctl_handlers_now(s) - s->env.started_ms) / 1000)));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	ctl_status_refusals(o, engine_get_stats(s->env.engine));
	json_object_object_add(o, "netlink_dropped", json_object_new_int64(
			       s->env.netlink_dropped ? (int64_t)s->env.netlink_dropped(
							       s->env.arg) : 0));
	json_object_object_add(o, "resyncs", json_object_new_int64(s->env.resync ?
			       (int64_t)resync_count(s->env.resync) : 0));
	return ctl_call_result(c, o);
}

static int ctl_token_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The tokens of every connection, by token so that answers are stable:
 * 0 or -ENOMEM. */
static int ctl_handlers_tokens(const struct ctl_server *s,
			       struct ctl_conn_list *l)
{
	l->n = l->next = 0;
	l->tokens = calloc(model_conn_count(s->env.model) + 1,
			   sizeof(*l->tokens));
	if (!l->tokens)
		return -ENOMEM;
	for (struct model_conn *m = model_conn_next(s->env.model, NULL); m;
	     m = model_conn_next(s->env.model, m))
		l->tokens[l->n++] = m->pub.token;
	qsort(l->tokens, l->n, sizeof(*l->tokens), ctl_token_cmp);
	return 0;
}

int ctl_handlers_list_conn(struct ctl_server *s, uint32_t token,
			   struct json_object **out)
{
	struct model_conn *m = model_conn_find(s->env.model, token);

	if (!m)
		return -ENOENT;
	*out = ctl_handlers_conn(s, m, false);
	return *out ? 0 : -ENOMEM;
}

static int ctl_handlers_list_event(struct ctl_server *s,
				   const struct ctl_conn_list *l, uint64_t seq,
				   struct json_object **out)
{
	const struct history_entry *e = history_get(s->env.history, seq);

	if (!e || (l->by_token && e->token != l->token))
		return -ENOENT;
	*out = ctl_json_history(e);
	return *out ? 0 : -ENOMEM;
}

int ctl_handlers_list_next(struct ctl_server *s, struct ctl_conn_list *l,
			   struct json_object **out)
{
	size_t i = l->next++;

	if (l->events)
		return ctl_handlers_list_event(s, l, i, out);
	return ctl_handlers_list_conn(s, l->tokens[i], out);
}

/* All in one go, for callers that cannot take slices (unit tests and
 * fuzzers through ctl_server_answer()). */
static bool ctl_handlers_fill(struct ctl_server *s, struct json_object *list,
			      struct ctl_conn_list *l)
{
	while (l->next < l->n) {
		struct json_object *conn = NULL;
		int err = ctl_handlers_list_next(s, l, &conn);

		if (err == -ENOENT)
			continue;
		if (err < 0 || json_object_array_add(list, conn) < 0) {
			json_object_put(conn);
			return false;
		}
	}
	return true;
}

/* With a client that takes slices the list is left empty here and the
 * tokens are handed over (reply->list): ctl_client.c makes the answer a
 * slice per turn of the loop. */
static int ctl_cmd_connections(struct ctl_call *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	struct ctl_conn_list l = { 0 };
	bool ok = o && list && ctl_handlers_tokens(c->s, &l) == 0 &&
		  json_object_object_add(o, "connections", list) == 0;

	if (!ok) {
		free(l.tokens);
		json_object_put(o);
		json_object_put(list);
		return ctl_call_result(c, NULL);
	}
	if (c->reply->may_list) {
		c->reply->list = l;
		return ctl_call_result(c, o);
	}
	ok = ctl_handlers_fill(c->s, list, &l);	/* o holds list */
	free(l.tokens);
	if (!ok) {
		json_object_put(o);
		return ctl_call_result(c, NULL);
	}
	return ctl_call_result(c, o);
}

/* The decision history, from since_ms ago (all of it without), of one
 * connection with a token: made a slice per turn like "connections".
 * Where to start is a binary search; the entries are read as the slices
 * go, without a copy. */
static int ctl_cmd_events(struct ctl_call *c)
{
	struct ctl_server *s = c->s;
	const struct ctl_request *r = c->req;
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	uint64_t now = ctl_handlers_now(s);
	struct ctl_conn_list l = {
		.events = true, .n = history_next(s->env.history),
		.by_token = r->has & CTL_REQ_TOKEN, .token = r->token,
	};
	bool ok = o && list && json_object_object_add(o, "events", list) == 0;

	if (!ok) {
		json_object_put(o);
		json_object_put(list);
		return ctl_call_result(c, NULL);
	}
	l.next = (r->has & CTL_REQ_SINCE) && r->since_ms < now ?
		 history_since(s->env.history, now - r->since_ms) :
		 history_first(s->env.history);
	if (c->reply->may_list) {
		c->reply->list = l;
		return ctl_call_result(c, o);
	}
	if (!ctl_handlers_fill(s, list, &l)) {
		json_object_put(o);
		return ctl_call_result(c, NULL);
	}
	return ctl_call_result(c, o);
}

static int ctl_handlers_find_conn(struct ctl_call *c, struct model_conn **out)
{
	*out = model_conn_find(c->s->env.model, c->req->token);
	if (*out)
		return 0;
	return ctl_call_fail(c, -ENOENT, "no connection with token %08x",
			     c->req->token);
}

/* The kernel's figures for each subflow of one connection, into the
 * subflows of its answer (same order as the model's). */
static void ctl_handlers_stats(struct ctl_server *s, const struct model_conn *m,
			       struct json_object *o)
{
	struct json_object *subs = json_object_object_get(o, "subflows");
	struct ctl_subflow_stats *st;

	if (!s->env.subflow_stats || !subs || !m->pub.n_subflows)
		return;
	st = calloc(m->pub.n_subflows, sizeof(*st));
	if (!st)
		return;
	s->env.subflow_stats(s->env.arg, &m->pub, st);
	for (size_t i = 0; i < m->pub.n_subflows &&
	     i < json_object_array_length(subs); i++) {
		struct json_object *sf = json_object_array_get_idx(subs, i);

		if (!st[i].found)
			continue;
		json_object_object_add(sf, "rtt_us",
				       json_object_new_int64(st[i].rtt_us));
		json_object_object_add(sf, "bytes_sent",
				       json_object_new_int64((int64_t)st[i].bytes_sent));
		json_object_object_add(sf, "bytes_received",
				       json_object_new_int64((int64_t)st[i].bytes_received));
		json_object_object_add(sf, "retransmits",
				       json_object_new_int64(st[i].retransmits));
		json_object_object_add(sf, "unacked",
				       json_object_new_int64(st[i].unacked));
	}
	free(st);
}

static int ctl_cmd_connection(struct ctl_call *c)
{
	struct model_conn *m;
	struct json_object *o;
	int err = ctl_handlers_find_conn(c, &m);

	if (err < 0)
		return err;
	o = ctl_handlers_conn(c->s, m, true);
	if (o)
		ctl_handlers_stats(c->s, m, o);
	return ctl_call_result(c, o);
}

static struct json_object *ctl_handlers_iface(struct ctl_server *s,
					      const struct iface_info *i)
{
	size_t n = iface_addrs(s->env.ifaces, i->ifindex, NULL, 0);
	struct mptcpd_addr *v = calloc(n + 1, sizeof(*v));
	struct json_object *o;

	if (!v)
		return NULL;
	n = iface_addrs(s->env.ifaces, i->ifindex, v, n);
	o = ctl_json_iface(i, v, n);
	if (o)
		ctl_waiting_iface(s, i, v, n, o);
	free(v);
	return o;
}

static int ctl_cmd_interfaces(struct ctl_call *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	struct iface_info info;
	bool ok = o && list;

	for (size_t i = 0; ok && iface_info_at(c->s->env.ifaces, i, &info); i++) {
		struct json_object *one = ctl_handlers_iface(c->s, &info);

		ok = one && json_object_array_add(list, one) == 0;
	}
	if (!ok || json_object_object_add(o, "interfaces", list) < 0) {
		json_object_put(o);
		json_object_put(list);
		return ctl_call_result(c, NULL);
	}
	return ctl_call_result(c, o);
}

/* Built-in names from the registry's table, then the plugins'. */
static void ctl_handlers_available(const struct ctl_server *s,
				   struct json_object *list)
{
	const struct plugin_set *p = s->env.plugins ? s->env.plugins(s->env.arg)
						    : NULL;
	const struct mptcpd_strategy *st;

	for (size_t i = 0; (st = strategy_builtin_at(i)); i++)
		json_object_array_add(list, json_object_new_string(st->name));
	for (size_t i = 0; p && i < plugin_count(p); i++)
		json_object_array_add(list, json_object_new_string(plugin_name(p, i)));
}

static struct json_object *ctl_handlers_strategy_result(struct ctl_server *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();

	if (!o || !list) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	ctl_handlers_available(s, list);
	json_object_object_add(o, "strategy", json_object_new_string(
			       engine_strategy(s->env.engine)->name));
	json_object_object_add(o, "available", list);
	return o;
}

static int ctl_cmd_strategy(struct ctl_call *c)
{
	struct ctl_server *s = c->s;
	char esc[256];	/* client text, escaped for the log */
	int err;

	if (c->req->has & CTL_REQ_NAME) {
		err = s->env.set_strategy ? s->env.set_strategy(s->env.arg,
								c->req->name)
					  : -EOPNOTSUPP;
		if (err == -ENOENT)
			return ctl_call_fail(c, err, "no strategy called \"%s\" "
					     "(see \"available\" in the answer "
					     "to strategy without a name)",
					     c->req->name);
		if (err < 0)
			return ctl_call_fail(c, err, "cannot switch strategy: %s",
					     strerror(-err));
		ctl_escape(esc, sizeof(esc), c->req->name);
		log_notice(LOG_SUB_CORE, "control: strategy set to %s", esc);
	}
	return ctl_call_result(c, ctl_handlers_strategy_result(s));
}

static int ctl_cmd_interface(struct ctl_call *c)
{
	const struct ctl_request *r = c->req;
	struct engine_iface_change ch = { 0 };
	struct iface_info info;
	char esc[128];	/* client text, escaped for the log */
	int err;

	ch.has_type = r->has & CTL_REQ_TYPE;
	ch.type = r->type;
	ch.has_metered = r->has & CTL_REQ_METERED;
	ch.metered = r->metered;
	ch.type_auto = r->type_auto;
	ch.metered_auto = r->metered_auto;
	ch.has_exclude = r->has & CTL_REQ_EXCLUDE;
	ch.exclude = r->exclude;
	err = engine_set_iface(c->s->env.engine, r->dev, &ch);
	if (err < 0 || !iface_info_by_name(c->s->env.ifaces, r->dev, &info))
		return ctl_call_fail(c, -ENOENT, "no interface called %s", r->dev);
	ctl_escape(esc, sizeof(esc), r->dev);
	/* An include that cannot take effect is not a silent success. */
	if (ch.has_exclude && !ch.exclude && info.excluded)
		return ctl_call_fail(c, -EINVAL, "%s stays excluded: the "
				     "configuration excludes it ([interfaces] "
				     "include/exclude of mptcpd.conf; lo and "
				     "virtual interfaces are excluded by "
				     "default)", esc);
	log_notice(LOG_SUB_CORE, "control: interface %s changed at run time", esc);
	return ctl_call_result(c, ctl_handlers_iface(c->s, &info));
}

static struct json_object *ctl_handlers_empty(void)
{
	return json_object_new_object();
}

/* A usable local address, or NULL (message set). */
static const struct mptcpd_local_addr *
ctl_handlers_local(struct ctl_call *c, const struct mptcpd_addr *a)
{
	const struct mptcpd_local_addr *l = iface_usable_find(c->s->env.ifaces, a);
	char buf[ADDR_STRLEN];

	if (!l)
		ctl_call_fail(c, -ENOENT, "%s is not a usable local address",
			      addr_str(a, buf, sizeof(buf)));
	return l;
}

/* The engine's verdict on a manual action as one exact answer: 0 when it
 * was sent, else the error, with a message that says why and what to do.
 * ifname: the local address's interface, for a join (else NULL). */
static int ctl_handlers_verdict(struct ctl_call *c, enum engine_verdict v,
				const struct mptcpd_action *a, const char *ifname)
{
	switch (v) {
	case ENGINE_VERDICT_SENT:
		return 0;
	case ENGINE_VERDICT_ALREADY:
		if (a->type == MPTCPD_ACTION_ANNOUNCE)
			return ctl_call_fail(c, -EEXIST, "already announced on "
					     "this connection, with id %u",
					     a->local_id);
		return ctl_call_fail(c, -EEXIST, "the connection already has "
				     "this subflow");
	case ENGINE_VERDICT_NO_ROUTE:
		return ctl_call_fail(c, -EAGAIN, "not sent: no route through %s "
				     "to the peer yet; try again once it has "
				     "one", ifname ? ifname : "its interface");
	case ENGINE_VERDICT_NOT_ESTABLISHED:
		return ctl_call_fail(c, -EAGAIN, "not sent: the connection is "
				     "not fully established yet; try again "
				     "once it is");
	case ENGINE_VERDICT_NO_SUBFLOW:
		return ctl_call_fail(c, -ENOENT, "the connection has no such "
				     "subflow (see mptcpd-ctl connection "
				     "%08x for its subflows and ports)",
				     a->token);
	case ENGINE_VERDICT_BACKING_OFF:
		return ctl_call_fail(c, -EAGAIN, "not sent: the pair failed "
				     "lately and is backing off; try again "
				     "later (see the log)");
	case ENGINE_VERDICT_LIMIT:
		return ctl_call_fail(c, -ENOSPC, "not sent: no local ID is free "
				     "on this connection (all 255 in use)");
	case ENGINE_VERDICT_INVALID:
		return ctl_call_fail(c, -EINVAL, "the connection's initial "
				     "address (ID 0) cannot be announced");
	case ENGINE_VERDICT_NO_CONN:
		return ctl_call_fail(c, -ENOENT, "no connection with token %08x",
				     a->token);
	case ENGINE_VERDICT_FAILED:
		return ctl_call_fail(c, -EIO, "not sent: out of memory or the "
				     "kernel could not be asked (see the log)");
	}
	return ctl_call_fail(c, -EIO, "unknown verdict %d", (int)v);
}

static int ctl_subflow_add(struct ctl_call *c, struct model_conn *m)
{
	const struct ctl_request *r = c->req;
	const struct mptcpd_local_addr *l = ctl_handlers_local(c, &r->local);
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SUBFLOW_CREATE };
	int err;

	if (!l)
		return -ENOENT;
	a.token = r->token;
	a.local = r->local;
	a.remote = r->remote;
	if (!a.remote.port)
		a.remote.port = m->pub.remote.port;
	a.backup = r->backup;
	a.ifindex = l->ifindex;
	err = ctl_handlers_verdict(c, engine_manual(c->s->env.engine, &a), &a,
				   l->ifname);
	return err < 0 ? err : ctl_call_result(c, ctl_handlers_empty());
}

/* subflow del id N: the one established subflow with local ID N; its
 * ends into a.  Several (one address joined to several peer addresses)
 * need the ends spelt out. */
static int ctl_subflow_by_id(struct ctl_call *c, const struct model_conn *m,
			     struct mptcpd_action *a)
{
	size_t found = 0;

	for (size_t i = 0; i < m->pub.n_subflows; i++) {
		const struct mptcpd_subflow *s = &m->pub.subflows[i];

		if (s->local_id != c->req->addr_id ||
		    s->state != MPTCPD_SUBFLOW_ESTABLISHED)
			continue;
		a->local = s->local;
		a->remote = s->remote;
		found++;
	}
	if (found == 0)
		return ctl_call_fail(c, -ENOENT, "the connection has no "
				     "established subflow with id %u",
				     c->req->addr_id);
	if (found > 1)
		return ctl_call_fail(c, -EINVAL, "%zu subflows have id %u: "
				     "name one by its addresses and ports",
				     found, c->req->addr_id);
	return 0;
}

static int ctl_cmd_subflow(struct ctl_call *c)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SUBFLOW_DESTROY };
	struct model_conn *m;
	int err = ctl_handlers_find_conn(c, &m);

	if (err < 0)
		return err;
	if (c->req->add)
		return ctl_subflow_add(c, m);
	a.token = c->req->token;
	a.local = c->req->local;
	a.remote = c->req->remote;
	if (c->req->has & CTL_REQ_ID) {
		err = ctl_subflow_by_id(c, m, &a);
		if (err < 0)
			return err;
	}
	err = ctl_handlers_verdict(c, engine_manual(c->s->env.engine, &a), &a,
				   NULL);
	return err < 0 ? err : ctl_call_result(c, ctl_handlers_empty());
}

static int ctl_cmd_announce(struct ctl_call *c)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_ANNOUNCE };
	const struct mptcpd_local_addr *l;
	struct json_object *o;
	int err;

	l = ctl_handlers_local(c, &c->req->address);
	if (!l)
		return -ENOENT;
	a.token = c->req->token;
	a.local = l->addr;
	a.ifindex = l->ifindex;
	err = ctl_handlers_verdict(c, engine_manual(c->s->env.engine, &a), &a,
				   l->ifname);
	if (err < 0)
		return err;
	o = json_object_new_object();
	if (o)
		json_object_object_add(o, "id", json_object_new_int(a.local_id));
	return ctl_call_result(c, o);
}

static int ctl_cmd_remove(struct ctl_call *c)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_REMOVE };
	struct model_conn *m;
	int err = ctl_handlers_find_conn(c, &m);

	if (err < 0)
		return err;
	a.token = c->req->token;
	a.local_id = c->req->addr_id;
	for (size_t i = 0; i < m->pub.n_announced; i++)
		if (m->pub.announced[i].id == a.local_id)
			a.local = m->pub.announced[i].addr;
	err = ctl_handlers_verdict(c, engine_manual(c->s->env.engine, &a), &a,
				   NULL);
	return err < 0 ? err : ctl_call_result(c, ctl_handlers_empty());
}

static int ctl_cmd_monitor(struct ctl_call *c)
{
	c->reply->subscribe = true;
	return ctl_call_result(c, ctl_handlers_empty());
}

/* "a\nb\n" -> ["a", "b"]; NULL when there is no line. */
static struct json_object *ctl_handlers_lines(const char *text)
{
	struct json_object *v = NULL;

	for (const char *nl; *text; text = nl + (*nl != '\0')) {
		nl = text + strcspn(text, "\n");
		if (nl == text)
			continue;
		if (!v)
			v = json_object_new_array();
		if (v)
			json_object_array_add(v, json_object_new_string_len(
					      text, (int)(nl - text)));
	}
	return v;
}

static int ctl_cmd_reload(struct ctl_call *c)
{
	struct ctl_server *s = c->s;
	struct json_object *o;
	char why[3072] = "";
	int err = s->env.reload ? s->env.reload(s->env.arg, why, sizeof(why))
				: -EOPNOTSUPP;

	if (err < 0) {
		/* The reasons themselves, as the log has them. */
		c->reasons = ctl_handlers_lines(why);
		return ctl_call_fail(c, -EIO, "the configuration file was refused "
				     "and the running configuration is kept%s",
				     c->reasons ? "" : ": see the daemon's log "
				     "for the reasons");
	}
	o = json_object_new_object();
	if (o)
		json_object_object_add(o, "strategy", json_object_new_string(
				       engine_strategy(s->env.engine)->name));
	return ctl_call_result(c, o);
}

static const char *ctl_handlers_type_word(int type)
{
	return ctl_value_to_word(ctl_words_iface_type, type, "?");
}

/* One rule: what it matches and does, in the file's words, the strategy
 * its connections get, and how many live ones it has now. */
static struct json_object *ctl_handlers_policy(struct ctl_server *s,
					       const struct policy_rule *r,
					       size_t live)
{
	struct json_object *o = json_object_new_object();
	const char *strategy = r->strategy[0] ? r->strategy :
			       engine_strategy(s->env.engine)->name;
	char text[1024];

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "line", json_object_new_int64(r->line));
	policy_describe_match(r, text, sizeof(text));
	json_object_object_add(o, "match", json_object_new_string(text));
	policy_describe_actions(r, ctl_handlers_type_word, text, sizeof(text));
	json_object_object_add(o, "actions", json_object_new_string(text));
	json_object_object_add(o, "strategy", json_object_new_string(strategy));
	json_object_object_add(o, "connections",
			       json_object_new_int64((int64_t)live));
	return o;
}

/* The rules with their live connections: one walk of the connections,
 * for an operator's command (not on any periodic path). */
static int ctl_cmd_policy(struct ctl_call *c)
{
	struct ctl_server *s = c->s;
	size_t n = engine_policy_count(s->env.engine);
	size_t *live = calloc(n ? n : 1, sizeof(*live));
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	bool ok = o && list && live;

	for (const struct model_conn *m = model_conn_next(s->env.model, NULL);
	     ok && m; m = model_conn_next(s->env.model, m)) {
		const struct policy_rule *r = engine_conn_policy(s->env.engine, m);

		if (r)
			live[r - engine_policy_rule(s->env.engine, 0)]++;
	}
	for (size_t i = 0; ok && i < n; i++) {
		struct json_object *one = ctl_handlers_policy(
			s, engine_policy_rule(s->env.engine, i), live[i]);

		ok = one && json_object_array_add(list, one) == 0;
	}
	free(live);
	if (!ok || json_object_object_add(o, "policies", list) < 0) {
		json_object_put(o);
		json_object_put(list);
		return ctl_call_result(c, NULL);
	}
	json_object_object_add(o, "default", json_object_new_string(
			       engine_strategy(s->env.engine)->name));
	return ctl_call_result(c, o);
}

/* The counters since start; per-interface bytes after a dump that the
 * client may read in slices (ctl_stats.c). */
static int ctl_cmd_stats(struct ctl_call *c)
{
	struct json_object *o;
	int err = ctl_stats_answer(c->s, c->req->id, c->reply, &o);

	if (err < 0)
		return ctl_call_result(c, NULL);
	/* With a job the line is made later; this one is dropped. */
	return ctl_call_result(c, o ? o : json_object_new_object());
}

struct ctl_handler {
	int (*run)(struct ctl_call *c);
	bool mutating;
	bool mutating_with_args;	/* read-only without arguments */
};

/* Indexed by enum ctl_cmd. */
static const struct ctl_handler ctl_handlers[CTL_CMD_COUNT] = {
	[CTL_CMD_STATUS] = { ctl_cmd_status, false, false },
	[CTL_CMD_CONNECTIONS] = { ctl_cmd_connections, false, false },
	[CTL_CMD_CONNECTION] = { ctl_cmd_connection, false, false },
	[CTL_CMD_INTERFACES] = { ctl_cmd_interfaces, false, false },
	[CTL_CMD_STRATEGY] = { ctl_cmd_strategy, false, true },
	[CTL_CMD_INTERFACE] = { ctl_cmd_interface, true, true },
	[CTL_CMD_SUBFLOW] = { ctl_cmd_subflow, true, true },
	[CTL_CMD_ANNOUNCE] = { ctl_cmd_announce, true, true },
	[CTL_CMD_REMOVE] = { ctl_cmd_remove, true, true },
	[CTL_CMD_MONITOR] = { ctl_cmd_monitor, false, false },
	[CTL_CMD_RELOAD] = { ctl_cmd_reload, true, true },
	[CTL_CMD_POLICY] = { ctl_cmd_policy, false, false },
	[CTL_CMD_EVENTS] = { ctl_cmd_events, false, false },
	[CTL_CMD_STATS] = { ctl_cmd_stats, false, false },
};

/* Root, or the control group as the peer's primary or one of its
 * supplementary groups (members usually have it as a supplementary one). */
static bool ctl_handlers_allowed(const struct ctl_server *s,
				 const struct ctl_peer *peer)
{
	return ctl_server_peer_rank(s, peer) != CTL_PEER_OTHER;
}

static const char *ctl_handlers_code(int err)
{
	switch (-err) {
	case EPERM:
		return CTL_ERR_PERM;
	case ENOENT:
	case ENODEV:
		return CTL_ERR_NOT_FOUND;
	case EINVAL:
		return CTL_ERR_BAD_REQUEST;
	case EEXIST:
		return CTL_ERR_EXISTS;
	case EAGAIN:
		return CTL_ERR_AGAIN;
	default:
		return CTL_ERR_FAILED;
	}
}

static struct json_object *ctl_handlers_error(const struct ctl_request *req,
					      int err, struct ctl_call *c)
{
	struct json_object *o = ctl_json_error(true, req->id,
					       ctl_handlers_code(err), c->msg);
	struct json_object *e;

	if (o && c->reasons && json_object_object_get_ex(o, "error", &e))
		json_object_object_add(e, "reasons", c->reasons);
	else
		json_object_put(c->reasons);
	return o;
}

struct json_object *ctl_handlers_dispatch(struct ctl_server *s,
					  const struct ctl_request *req,
					  const struct ctl_peer *peer,
					  struct ctl_reply *reply)
{
	const struct ctl_handler *h = &ctl_handlers[req->cmd];
	struct ctl_call c = { .s = s, .req = req, .reply = reply };
	bool mutating = h->mutating || (h->mutating_with_args && req->has);
	int err;

	if (mutating && !ctl_handlers_allowed(s, peer))
		return ctl_json_error(true, req->id, CTL_ERR_PERM, "changing the "
				      "daemon's state needs root or the control "
				      "group");
	err = h->run(&c);
	if (err < 0)
		return ctl_handlers_error(req, err, &c);
	return ctl_json_ok(true, req->id, c.result);
}
