/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builders of the protocol's objects (ADDR, CONN, IFACE, events) and of
 * whole answer and event lines.  json-c's object functions only fail on
 * allocation failure; the builders then return NULL and the server
 * answers EIO.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "ctl_json.h"

static bool ctl_json_add(struct json_object *o, const char *key,
			 struct json_object *v)
{
	/* json_object_object_add() takes v even when it fails. */
	return json_object_object_add(o, key, v) == 0;
}

static bool ctl_json_add_str(struct json_object *o, const char *key,
			     const char *v)
{
	return ctl_json_add(o, key, v ? json_object_new_string(v) : NULL);
}

static bool ctl_json_add_int(struct json_object *o, const char *key, int64_t v)
{
	struct json_object *n = json_object_new_int64(v);

	return n && ctl_json_add(o, key, n);
}

static bool ctl_json_add_bool(struct json_object *o, const char *key, bool v)
{
	struct json_object *b = json_object_new_boolean(v);

	return b && ctl_json_add(o, key, b);
}

static bool ctl_json_add_token(struct json_object *o, uint32_t token)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%08x", token);
	return ctl_json_add_str(o, "token", buf);
}

/* Just the IP, no port: "192.0.2.2". */
static const char *ctl_json_ip(const struct mptcpd_addr *a, char *buf,
			       size_t len)
{
	struct mptcpd_addr ip = *a;

	ip.port = 0;
	return addr_str(&ip, buf, len);
}

static bool ctl_json_add_ip(struct json_object *o, const char *key,
			    const struct mptcpd_addr *a)
{
	char buf[ADDR_STRLEN];

	if (a->family != AF_INET && a->family != AF_INET6)
		return ctl_json_add(o, key, NULL);
	return ctl_json_add_str(o, key, ctl_json_ip(a, buf, sizeof(buf)));
}

static bool ctl_json_add_dev(struct json_object *o, int ifindex,
			     ctl_json_ifname_fn ifname, void *arg)
{
	const char *name = ifindex > 0 && ifname ? ifname(arg, ifindex) : NULL;

	return ctl_json_add_str(o, "dev", name);
}

/* A half-built object is released, so callers only check for NULL. */
static struct json_object *ctl_json_done(struct json_object *o, bool ok)
{
	if (ok)
		return o;
	json_object_put(o);
	return NULL;
}

struct json_object *ctl_json_addr(const struct mptcpd_addr *a)
{
	struct json_object *o;
	bool ok;

	if (a->family != AF_INET && a->family != AF_INET6)
		return NULL;	/* JSON null */
	o = json_object_new_object();
	if (!o)
		return NULL;
	ok = ctl_json_add_ip(o, "address", a) &&
	     ctl_json_add_int(o, "port", a->port);
	return ctl_json_done(o, ok);
}

/* An ADDR member; false only when out of memory. */
static bool ctl_json_add_addr(struct json_object *o, const char *key,
			      const struct mptcpd_addr *a)
{
	struct json_object *v = ctl_json_addr(a);

	if (!v && (a->family == AF_INET || a->family == AF_INET6))
		return false;
	return ctl_json_add(o, key, v);
}

static struct json_object *ctl_json_subflow(const struct mptcpd_subflow *s,
					    ctl_json_ifname_fn ifname, void *arg)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_addr(o, "local", &s->local) &&
	     ctl_json_add_addr(o, "remote", &s->remote) &&
	     ctl_json_add_int(o, "id", s->local_id) &&
	     ctl_json_add_int(o, "remote_id", s->remote_id) &&
	     ctl_json_add_bool(o, "backup", s->backup) &&
	     ctl_json_add_dev(o, s->ifindex, ifname, arg) &&
	     ctl_json_add_str(o, "state", s->state == MPTCPD_SUBFLOW_ESTABLISHED ?
			      "established" : "pending") &&
	     ctl_json_add_bool(o, "stalled", s->stalled);
	return ctl_json_done(o, ok);
}

/* {"id", "address"[, "port"]}: remote addresses carry their port. */
static struct json_object *ctl_json_id_addr(uint8_t id,
					    const struct mptcpd_addr *a,
					    bool with_port)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_int(o, "id", id) && ctl_json_add_ip(o, "address", a) &&
	     (!with_port || ctl_json_add_int(o, "port", a->port));
	return ctl_json_done(o, ok);
}

static bool ctl_json_push(struct json_object *array, struct json_object *v)
{
	if (!v)
		return false;
	if (json_object_array_add(array, v) == 0)
		return true;
	json_object_put(v);
	return false;
}

static bool ctl_json_conn_lists(struct json_object *o,
				const struct mptcpd_conn *c,
				ctl_json_ifname_fn ifname, void *arg)
{
	struct json_object *subs = json_object_new_array();
	struct json_object *rem = json_object_new_array();
	struct json_object *ann = json_object_new_array();
	bool ok = subs && rem && ann;

	for (size_t i = 0; ok && i < c->n_subflows; i++)
		ok = ctl_json_push(subs, ctl_json_subflow(&c->subflows[i],
							  ifname, arg));
	for (size_t i = 0; ok && i < c->n_remotes; i++)
		ok = ctl_json_push(rem, ctl_json_id_addr(c->remotes[i].id,
							 &c->remotes[i].addr, true));
	for (size_t i = 0; ok && i < c->n_announced; i++)
		ok = ctl_json_push(ann, ctl_json_id_addr(c->announced[i].id,
							 &c->announced[i].addr, false));
	if (!ok) {
		json_object_put(subs);
		json_object_put(rem);
		json_object_put(ann);
		return false;
	}
	/* Each add takes its object over, even when an earlier one failed. */
	ok = ctl_json_add(o, "subflows", subs);
	ok = ctl_json_add(o, "remote_addresses", rem) && ok;
	ok = ctl_json_add(o, "announced", ann) && ok;
	return ok;
}

struct json_object *ctl_json_conn(const struct mptcpd_conn *c, uint64_t age_s,
				  ctl_json_ifname_fn ifname, void *arg)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_token(o, c->token) &&
	     ctl_json_add_addr(o, "local", &c->local) &&
	     ctl_json_add_addr(o, "remote", &c->remote) &&
	     ctl_json_add_bool(o, "server_side", c->server_side) &&
	     ctl_json_add_str(o, "state", c->established ? "established"
							: "pending") &&
	     ctl_json_add_int(o, "age_s", (int64_t)age_s) &&
	     ctl_json_conn_lists(o, c, ifname, arg);
	return ctl_json_done(o, ok);
}

static bool ctl_json_add_ips(struct json_object *o, const char *key,
			     const struct mptcpd_addr *addrs, size_t n)
{
	struct json_object *v = json_object_new_array();
	char buf[ADDR_STRLEN];
	bool ok = v != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = ctl_json_push(v, json_object_new_string(
				   ctl_json_ip(&addrs[i], buf, sizeof(buf))));
	if (!ok) {
		json_object_put(v);
		return false;
	}
	return ctl_json_add(o, key, v);
}

static const char *ctl_json_source_name(enum iface_source s)
{
	switch (s) {
	case IFACE_SOURCE_AUTO: return "auto";
	case IFACE_SOURCE_CONFIG: return "config";
	case IFACE_SOURCE_RUNTIME: return "runtime";
	}
	return "auto";
}

struct json_object *ctl_json_iface(const struct iface_info *i,
				   const struct mptcpd_addr *addrs, size_t n)
{
	const char *type = ctl_value_to_word(ctl_words_iface_type, i->cls.type,
					     "other");
	const char *metered = ctl_value_to_word(ctl_words_metered,
						i->cls.metered, "unknown");
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_str(o, "dev", i->name) &&
	     ctl_json_add_int(o, "index", i->ifindex) &&
	     ctl_json_add_str(o, "type", type) &&
	     ctl_json_add_str(o, "type_source",
			      ctl_json_source_name(i->cls.type_source)) &&
	     ctl_json_add_str(o, "metered", metered) &&
	     ctl_json_add_str(o, "metered_source",
			      ctl_json_source_name(i->cls.metered_source)) &&
	     ctl_json_add_bool(o, "up", i->up) &&
	     ctl_json_add_bool(o, "excluded", i->excluded) &&
	     ctl_json_add_ips(o, "addresses", addrs, n);
	return ctl_json_done(o, ok);
}

/* The members an event of this type carries besides its type. */
static bool ctl_json_event_conn(struct json_object *o,
				const struct mptcpd_event *ev,
				ctl_json_ifname_fn ifname, void *arg)
{
	bool ok = true;

	if (ev->fields & MPTCPD_FIELD_TOKEN || ev->token)
		ok = ctl_json_add_token(o, ev->token);
	if (ok && ev->fields & MPTCPD_FIELD_LOCAL)
		ok = ctl_json_add_addr(o, "local", &ev->local);
	if (ok && ev->fields & MPTCPD_FIELD_REMOTE)
		ok = ctl_json_add_addr(o, "remote", &ev->remote);
	if (ok && ev->fields & MPTCPD_FIELD_LOCAL_ID)
		ok = ctl_json_add_int(o, "id", ev->local_id);
	if (ok && ev->fields & MPTCPD_FIELD_REMOTE_ID)
		ok = ctl_json_add_int(o, "remote_id", ev->remote_id);
	if (ok && ev->fields & MPTCPD_FIELD_BACKUP)
		ok = ctl_json_add_bool(o, "backup", ev->backup);
	if (ok && ev->fields & MPTCPD_FIELD_IFINDEX)
		ok = ctl_json_add_dev(o, ev->ifindex, ifname, arg);
	if (ok && ev->fields & MPTCPD_FIELD_ERROR)
		ok = ctl_json_add_int(o, "error", ev->error);
	if (ok && ev->fields & MPTCPD_FIELD_SERVER_SIDE)
		ok = ctl_json_add_bool(o, "server_side", ev->server_side);
	return ok;
}

/* Daemon events that carry no kernel fields. */
static bool ctl_json_event_extra(struct json_object *o,
				 const struct mptcpd_event *ev,
				 ctl_json_ifname_fn ifname, void *arg)
{
	if (ev->addr)
		return ctl_json_add_ip(o, "address", &ev->addr->addr) &&
		       ctl_json_add_str(o, "dev", ev->addr->ifname);
	if (ev->action)
		return ctl_json_add(o, "action", ctl_json_action(ev->action,
								 ifname, arg)) &&
		       ctl_json_add_str(o, "error", strerrorname_np(-ev->action_error)
					? strerrorname_np(-ev->action_error) : "?");
	if (ev->type == MPTCPD_EVENT_SUB_STALLED)
		return ctl_json_add_addr(o, "local", &ev->local) &&
		       ctl_json_add_addr(o, "remote", &ev->remote);
	return true;
}

struct json_object *ctl_json_event(const struct mptcpd_event *ev,
				   ctl_json_ifname_fn ifname, void *arg)
{
	const char *type = ctl_value_to_word(ctl_words_event, ev->type,
					     "unknown");
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_str(o, "type", type) &&
	     ctl_json_event_conn(o, ev, ifname, arg) &&
	     ctl_json_event_extra(o, ev, ifname, arg);
	return ctl_json_done(o, ok);
}

struct json_object *ctl_json_action(const struct mptcpd_action *a,
				    ctl_json_ifname_fn ifname, void *arg)
{
	const char *name = ctl_value_to_word(ctl_words_action, a->type,
					     "unknown");
	struct json_object *o = json_object_new_object();
	bool ok, sub = a->type != MPTCPD_ACTION_ANNOUNCE &&
		       a->type != MPTCPD_ACTION_REMOVE;

	if (!o)
		return NULL;
	ok = ctl_json_add_str(o, "type", "action") &&
	     ctl_json_add_str(o, "action", name) &&
	     ctl_json_add_token(o, a->token) &&
	     ctl_json_add_int(o, "id", a->local_id);
	if (ok && a->type != MPTCPD_ACTION_REMOVE)
		ok = ctl_json_add_addr(o, "local", &a->local);
	if (ok && sub)
		ok = ctl_json_add_addr(o, "remote", &a->remote) &&
		     ctl_json_add_bool(o, "backup", a->backup);
	if (ok && a->ifindex > 0)
		ok = ctl_json_add_dev(o, a->ifindex, ifname, arg);
	return ctl_json_done(o, ok);
}

/* "2026-12-02T02:18:18.200Z" */
static bool ctl_json_add_wall(struct json_object *o, const char *key,
			      int64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	char buf[96];

	if (!gmtime_r(&t, &tm))
		return true;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
	return ctl_json_add_str(o, key, buf);
}

static bool ctl_json_add_text(struct json_object *o, const char *key,
			      const char *text)
{
	return !text[0] || ctl_json_add_str(o, key, text);
}

static bool ctl_json_history_action(struct json_object *o,
				    const struct history_entry *e)
{
	bool ok = ctl_json_add_str(o, "action", ctl_value_to_word(
				   ctl_words_action, e->action, "unknown")) &&
		  ctl_json_add_int(o, "id", e->local_id) &&
		  ctl_json_add_addr(o, "local", &e->local);

	if (ok && e->action != MPTCPD_ACTION_ANNOUNCE &&
	    e->action != MPTCPD_ACTION_REMOVE)
		ok = ctl_json_add_addr(o, "remote", &e->remote) &&
		     ctl_json_add_bool(o, "backup", e->backup);
	if (ok && history_outcome_word(e->outcome))
		ok = ctl_json_add_str(o, "outcome",
				      history_outcome_word(e->outcome));
	if (ok && e->err)
		ok = ctl_json_add_str(o, "error", strerrorname_np(-e->err) ?
				      strerrorname_np(-e->err) : "?");
	return ok;
}

struct json_object *ctl_json_history(const struct history_entry *e)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_int(o, "seq", (int64_t)e->seq) &&
	     ctl_json_add_wall(o, "time", e->wall_ms) &&
	     ctl_json_add_int(o, "mono_ms", (int64_t)e->mono_ms) &&
	     ctl_json_add_str(o, "kind", history_kind_word(e->kind));
	if (ok && e->token)
		ok = ctl_json_add_token(o, e->token);
	if (ok && e->kind == HISTORY_ACTION)
		ok = ctl_json_history_action(o, e);
	else if (ok && (e->kind == HISTORY_PATH_DEAD ||
			e->kind == HISTORY_PATH_ALIVE))
		ok = ctl_json_add_addr(o, "local", &e->local);
	ok = ok && ctl_json_add_text(o, "dev", e->dev) &&
	     ctl_json_add_text(o, "strategy", e->strategy) &&
	     ctl_json_add_text(o, "policy", e->policy) &&
	     ctl_json_add_text(o, "reason", e->reason) &&
	     ctl_json_add_text(o, "cause", e->cause);
	return ctl_json_done(o, ok);
}

static struct json_object *ctl_json_line(bool has_id, int64_t id)
{
	struct json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = ctl_json_add_int(o, "version", CTL_PROTO_VERSION) &&
	     ctl_json_add(o, "id", has_id ? json_object_new_int64(id) : NULL);
	return ctl_json_done(o, ok);
}

struct json_object *ctl_json_ok(bool has_id, int64_t id,
				struct json_object *result)
{
	struct json_object *o = result ? ctl_json_line(has_id, id) : NULL;
	bool ok;

	if (!o) {
		json_object_put(result);
		return NULL;
	}
	ok = ctl_json_add_bool(o, "ok", true) && ctl_json_add(o, "result", result);
	return ctl_json_done(o, ok);
}

struct json_object *ctl_json_error(bool has_id, int64_t id, const char *code,
				   const char *message)
{
	struct json_object *o = ctl_json_line(has_id, id);
	struct json_object *err;
	bool ok;

	if (!o)
		return NULL;
	err = json_object_new_object();
	ok = err && ctl_json_add_str(err, "code", code) &&
	     ctl_json_add_str(err, "message", message);
	if (!ok) {
		json_object_put(err);
		json_object_put(o);
		return NULL;
	}
	ok = ctl_json_add_bool(o, "ok", false) && ctl_json_add(o, "error", err);
	return ctl_json_done(o, ok);
}

struct json_object *ctl_json_event_line(struct json_object *event)
{
	struct json_object *o = event ? json_object_new_object() : NULL;
	bool ok;

	if (!o) {
		json_object_put(event);
		return NULL;
	}
	ok = ctl_json_add_int(o, "version", CTL_PROTO_VERSION) &&
	     ctl_json_add(o, "event", event);
	return ctl_json_done(o, ok);
}
