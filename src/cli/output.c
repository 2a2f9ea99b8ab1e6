/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text and JSON back ends of mptcpd-ctl.  Text output goes through a small
 * table so that columns line up across rows of the same kind (connection
 * lines with connection lines, subflow lines with subflow lines), the way
 * `ss` lays them out.  The daemon's JSON is read tolerantly: a missing
 * member prints as "?" rather than failing the whole command.  Every
 * string in the text output goes through ctl_escape() (an interface name
 * may hold a terminal escape sequence); the JSON output is json-c's.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "cli/output.h"

#define OUTPUT_COLS 8
#define OUTPUT_KINDS 3

struct output_row {
	int kind;
	int n;
	char *cell[OUTPUT_COLS];
};

/* Rows are kept until every width is known.  Freed by output_table_print(). */
struct output_table {
	struct output_row *row;
	size_t n, cap;
	size_t width[OUTPUT_KINDS][OUTPUT_COLS];
	bool failed;
};

/* ---- reading the daemon's JSON ---- */

static struct json_object *output_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object))
		return NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

/* A member as text; JSON null (the daemon does not know) and absent
 * members give dflt. */
static const char *output_str_or(struct json_object *o, const char *key,
				 const char *dflt)
{
	struct json_object *v = output_get(o, key);
	const char *s = v ? json_object_get_string(v) : NULL;

	return s && s[0] ? s : dflt;
}

static const char *output_str(struct json_object *o, const char *key)
{
	return output_str_or(o, key, "?");
}

static bool output_bool(struct json_object *o, const char *key)
{
	return json_object_get_boolean(output_get(o, key));
}

static size_t output_len(struct json_object *array)
{
	return json_object_is_type(array, json_type_array) ?
	       json_object_array_length(array) : 0;
}

/* "192.0.2.2:443", "[2001:db8::2]:443", or the bare address when the
 * port is 0 or absent. */
static void output_endpoint(struct json_object *addr, char *buf, size_t len)
{
	const char *a = output_str(addr, "address");
	int32_t port = json_object_get_int(output_get(addr, "port"));

	if (port <= 0)
		snprintf(buf, len, "%s", a);
	else if (strchr(a, ':'))
		snprintf(buf, len, "[%s]:%d", a, port);
	else
		snprintf(buf, len, "%s:%d", a, port);
}

static void output_duration(int64_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)s / 60, (long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)s / 3600,
			 (long long)s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)s / 86400,
			 (long long)s % 86400 / 3600);
}

char *output_escape(const char *s)
{
	size_t len = ctl_escape(NULL, 0, s);
	char *e = malloc(len + 1);

	if (e)
		ctl_escape(e, len + 1, s);
	return e;
}

/* fputs of a daemon's string, escaped. */
static void output_puts(FILE *out, const char *s)
{
	char *e = output_escape(s);

	fputs(e ? e : "?", out);
	free(e);
}

/* ---- the table ---- */

static struct output_row *output_table_row(struct output_table *t, int kind)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct output_row *r = realloc(t->row, cap * sizeof(*r));

		if (!r) {
			t->failed = true;
			return NULL;
		}
		t->row = r;
		t->cap = cap;
	}
	memset(&t->row[t->n], 0, sizeof(t->row[0]));
	t->row[t->n].kind = kind;
	return &t->row[t->n++];
}

__attribute__((format(printf, 3, 4)))
static void output_cell(struct output_table *t, struct output_row *r,
			const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	if (!r || r->n == OUTPUT_COLS)
		return;
	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len >= 0 && ctl_escape(NULL, 0, s) != (size_t)len) {
		char *e = output_escape(s);	/* our formats need none */

		free(s);
		s = e;
		len = e ? (int)strlen(e) : -1;
	}
	if (len < 0) {
		t->failed = true;
		return;
	}
	if ((size_t)len > t->width[r->kind][r->n])
		t->width[r->kind][r->n] = len;
	r->cell[r->n++] = s;
}

static void output_row_print(FILE *out, const struct output_table *t,
			     const struct output_row *r)
{
	int last = r->n - 1;

	while (last > 0 && !r->cell[last][0])	/* no trailing blanks */
		last--;
	for (int i = 0; i < last; i++)
		if (t->width[r->kind][i] > 0)	/* a column empty in every row */
			fprintf(out, "%-*s ", (int)t->width[r->kind][i], r->cell[i]);
	if (last >= 0)
		fputs(r->cell[last], out);
	fputc('\n', out);
}

static int output_table_print(FILE *out, struct output_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (!t->failed)
			output_row_print(out, t, &t->row[i]);
		for (int c = 0; c < t->row[i].n; c++)
			free(t->row[i].cell[c]);
	}
	free(t->row);
	return t->failed ? -ENOMEM : 0;
}

/* ---- text layouts, one per result shape ---- */

static void output_kv(struct output_table *t, const char *key, const char *value)
{
	struct output_row *r = output_table_row(t, 0);

	output_cell(t, r, "%s", key);
	output_cell(t, r, "%s", value);
}

static int output_status(FILE *out, struct json_object *res)
{
	struct output_table t = { 0 };
	char up[32];

	output_duration(json_object_get_int64(output_get(res, "uptime_s")),
			up, sizeof(up));
	output_kv(&t, "version", output_str(res, "version"));
	output_kv(&t, "strategy", output_str(res, "strategy"));
	output_kv(&t, "path manager", output_str(res, "path_manager"));
	output_kv(&t, "connections", output_str(res, "connections"));
	output_kv(&t, "subflows", output_str(res, "subflows"));
	output_kv(&t, "interfaces", output_str(res, "interfaces"));
	output_kv(&t, "uptime", up);
	output_kv(&t, "pid", output_str(res, "pid"));
	/* Counts since start; a daemon older than them sends none. */
	if (output_get(res, "announcements_refused")) {
		output_kv(&t, "refused adds", output_str(res, "announcements_refused"));
		output_kv(&t, "local conns", output_str(res, "local_connections"));
		output_kv(&t, "join timeouts", output_str(res, "joins_timed_out"));
		output_kv(&t, "over caps", output_str_or(res, "subflows_over_cap", "0"));
		output_kv(&t, "forged netlink", output_str_or(res, "netlink_dropped", "0"));
		output_kv(&t, "resyncs", output_str_or(res, "resyncs", "0"));
	}
	return output_table_print(out, &t);
}

static void output_subflow_row(struct output_table *t, struct json_object *sf)
{
	struct output_row *r = output_table_row(t, 1);
	char local[64], remote[64];

	output_endpoint(output_get(sf, "local"), local, sizeof(local));
	output_endpoint(output_get(sf, "remote"), remote, sizeof(remote));
	output_cell(t, r, "  subflow");
	output_cell(t, r, "id %s", output_str(sf, "id"));
	output_cell(t, r, "%s", local);
	output_cell(t, r, "->");
	output_cell(t, r, "%s", remote);
	output_cell(t, r, "dev %s", output_str_or(sf, "dev", "-"));
	output_cell(t, r, "%s%s%s", output_bool(sf, "backup") ? "backup " : "",
		    output_bool(sf, "stalled") ? "stalled " : "",
		    output_str(sf, "state"));
	/* "connection TOKEN" adds what the kernel says of it. */
	if (output_get(sf, "rtt_us"))
		output_cell(t, r, "rtt %.1fms sent %s recv %s retrans %s",
			    (double)json_object_get_int64(output_get(sf, "rtt_us")) / 1000,
			    output_str(sf, "bytes_sent"), output_str(sf, "bytes_received"),
			    output_str(sf, "retransmits"));
}

/* Remote addresses the peer announced, and the ones we announced. */
static void output_id_rows(struct output_table *t, struct json_object *list,
			   const char *label)
{
	char addr[64];

	for (size_t i = 0; i < output_len(list); i++) {
		struct json_object *a = json_object_array_get_idx(list, i);
		struct output_row *r = output_table_row(t, 2);

		output_endpoint(a, addr, sizeof(addr));
		output_cell(t, r, "  %s", label);
		output_cell(t, r, "id %s", output_str(a, "id"));
		output_cell(t, r, "%s", addr);
	}
}

/* What the daemon waits for: pairs backing off and when they may go,
 * joins held for a route, stalled subflows.  The daemon's own words
 * ("text") when it says them; older daemons only said backoffs. */
static void output_waiting_rows(struct output_table *t, struct json_object *list)
{
	char local[64], remote[64], in[32];

	for (size_t i = 0; i < output_len(list); i++) {
		struct json_object *w = json_object_array_get_idx(list, i);
		struct output_row *r = output_table_row(t, 2);
		int64_t ms = json_object_get_int64(output_get(w, "retry_in_ms"));

		output_endpoint(output_get(w, "local"), local, sizeof(local));
		output_endpoint(output_get(w, "remote"), remote, sizeof(remote));
		output_duration((ms + 999) / 1000, in, sizeof(in));
		output_cell(t, r, "  waiting");
		if (output_get(w, "local"))
			output_cell(t, r, "%s -> %s", local, remote);
		else
			output_cell(t, r, "%s", remote);
		if (output_get(w, "failures"))
			output_cell(t, r, "%s after %s failure%s, next try in %s",
				    output_str(w, "why"), output_str(w, "failures"),
				    strcmp(output_str(w, "failures"), "1") ? "s" : "",
				    in);
		else
			output_cell(t, r, "%s", output_str(w, "text"));
	}
}

static void output_connection_rows(struct output_table *t, struct json_object *c)
{
	struct output_row *r = output_table_row(t, 0);
	struct json_object *subflows = output_get(c, "subflows");
	char local[64], remote[64], age[32], adopted[32];

	output_endpoint(output_get(c, "local"), local, sizeof(local));
	output_endpoint(output_get(c, "remote"), remote, sizeof(remote));
	/* An adopted connection's age is unknown; older daemons do not
	 * say "adopted_s". */
	if (output_get(c, "adopted_s"))
		output_duration(json_object_get_int64(output_get(c, "adopted_s")),
				adopted, sizeof(adopted));
	output_duration(json_object_get_int64(output_get(c, "age_s")), age, sizeof(age));
	output_cell(t, r, "token %s", output_str(c, "token"));
	output_cell(t, r, "%s", local);
	output_cell(t, r, "->");
	output_cell(t, r, "%s", remote);
	output_cell(t, r, "%s", output_bool(c, "server_side") ? "server" : "client");
	if (output_get(c, "state"))
		output_cell(t, r, "%s", output_str(c, "state"));
	if (output_get(c, "adopted_s"))
		output_cell(t, r, "age unknown (adopted %s ago)", adopted);
	else
		output_cell(t, r, "age %s", age);
	/* Older daemons do not say: no cell then. */
	if (output_get(c, "strategy")) {
		if (output_get(c, "policy") &&
		    json_object_get_type(output_get(c, "policy")) == json_type_string)
			output_cell(t, r, "policy %s: %s", output_str(c, "policy"),
				    output_str(c, "strategy"));
		else
			output_cell(t, r, "%s", output_str(c, "strategy"));
	}
	for (size_t i = 0; i < output_len(subflows); i++)
		output_subflow_row(t, json_object_array_get_idx(subflows, i));
	output_id_rows(t, output_get(c, "remote_addresses"), "remote");
	output_id_rows(t, output_get(c, "announced"), "announced");
	output_waiting_rows(t, output_get(c, "waiting"));
}

static int output_connections(FILE *out, struct json_object *res)
{
	struct json_object *list = output_get(res, "connections");
	struct output_table t = { 0 };

	for (size_t i = 0; i < output_len(list); i++)
		output_connection_rows(&t, json_object_array_get_idx(list, i));
	return output_table_print(out, &t);
}

static int output_connection(FILE *out, struct json_object *res)
{
	struct output_table t = { 0 };

	output_connection_rows(&t, res);
	return output_table_print(out, &t);
}

static void output_iface_row(struct output_table *t, struct json_object *ifc)
{
	struct output_row *r = output_table_row(t, 0);
	struct json_object *addrs = output_get(ifc, "addresses");
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);

	for (size_t i = 0; f && i < output_len(addrs); i++)
		fprintf(f, "%s%s", i ? " " : "",
			json_object_get_string(json_object_array_get_idx(addrs, i)));
	if (!f || fclose(f))
		t->failed = true;
	output_cell(t, r, "%s", output_str(ifc, "dev"));
	output_cell(t, r, "index %s", output_str(ifc, "index"));
	output_cell(t, r, "%s", output_bool(ifc, "up") ? "up" : "down");
	output_cell(t, r, "type %s (%s)", output_str(ifc, "type"),
		    output_str(ifc, "type_source"));
	output_cell(t, r, "metered %s (%s)", output_str(ifc, "metered"),
		    output_str(ifc, "metered_source"));
	output_cell(t, r, "%s", output_bool(ifc, "excluded") ? "excluded" : "");
	output_cell(t, r, "%s", list ? list : "");
	free(list);
}

/* An interface's waits, under it: "no route to 203.0.113.1 yet",
 * "stalled since 02:18:18.200". */
static void output_iface_waiting(struct output_table *t, struct json_object *ifc)
{
	struct json_object *list = output_get(ifc, "waiting");

	for (size_t i = 0; i < output_len(list); i++) {
		struct json_object *w = json_object_array_get_idx(list, i);
		struct output_row *r = output_table_row(t, 1);
		char where[64] = "";

		if (output_get(w, "local"))
			output_endpoint(output_get(w, "local"), where, sizeof(where));
		output_cell(t, r, "  waiting");
		output_cell(t, r, "%s", where);
		output_cell(t, r, "%s", output_str(w, "text"));
	}
}

static int output_interfaces(FILE *out, struct json_object *res)
{
	struct json_object *list = output_get(res, "interfaces");
	struct output_table t = { 0 };

	for (size_t i = 0; i < output_len(list); i++) {
		output_iface_row(&t, json_object_array_get_idx(list, i));
		output_iface_waiting(&t, json_object_array_get_idx(list, i));
	}
	return output_table_print(out, &t);
}

/* "policy": the rules in file order, then the default for the rest. */
static int output_policy(FILE *out, struct json_object *res)
{
	struct json_object *list = output_get(res, "policies");
	struct output_table t = { 0 };

	for (size_t i = 0; i < output_len(list); i++) {
		struct json_object *p = json_object_array_get_idx(list, i);
		struct output_row *r = output_table_row(&t, 0);
		const char *match = output_str_or(p, "match", "");
		const char *actions = output_str_or(p, "actions", "");

		output_cell(&t, r, "policy %s", output_str(p, "name"));
		output_cell(&t, r, "line %s", output_str(p, "line"));
		output_cell(&t, r, "%s", *match ? match : "(every connection)");
		output_cell(&t, r, "-> %s%s%s", output_str(p, "strategy"),
			    *actions ? " " : "", actions);
		output_cell(&t, r, "%s connection%s", output_str(p, "connections"),
			    strcmp(output_str(p, "connections"), "1") ? "s" : "");
	}
	if (output_table_print(out, &t) < 0)
		return -1;
	fputs("otherwise ", out);
	output_puts(out, output_str(res, "default"));
	fputc('\n', out);
	return 0;
}

static int output_interface(FILE *out, struct json_object *res)
{
	struct output_table t = { 0 };

	output_iface_row(&t, res);
	return output_table_print(out, &t);
}

static int output_strategy(FILE *out, struct json_object *res)
{
	struct json_object *avail = output_get(res, "available");

	fputs("strategy ", out);
	output_puts(out, output_str(res, "strategy"));
	fputc('\n', out);
	if (!avail)	/* reload answers with the strategy alone */
		return 0;
	fputs("available", out);
	for (size_t i = 0; i < output_len(avail); i++) {
		const char *name = json_object_get_string(
			json_object_array_get_idx(avail, i));

		fputc(' ', out);
		output_puts(out, name ? name : "?");
	}
	fputc('\n', out);
	return 0;
}

static int output_announce(FILE *out, struct json_object *res)
{
	fputs("id ", out);
	output_puts(out, output_str(res, "id"));
	fputc('\n', out);
	return 0;
}

/* " key value", both escaped. */
static void output_pair(FILE *out, const char *key, const char *value)
{
	fputc(' ', out);
	output_puts(out, key);
	if (!value)
		return;
	fputc(' ', out);
	output_puts(out, value);
}

static void output_member(FILE *out, const char *key, struct json_object *v)
{
	char ep[64];

	switch (json_object_get_type(v)) {
	case json_type_null:
		break;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			output_pair(out, key, NULL);
		break;
	case json_type_string:
		output_pair(out, key, json_object_get_string(v));
		break;
	case json_type_object:
		if (output_get(v, "address")) {
			output_endpoint(v, ep, sizeof(ep));
			output_pair(out, key, ep);
			break;
		}
		/* fall through */
	case json_type_array:
	case json_type_double:
	case json_type_int:
		output_pair(out, key, json_object_to_json_string_ext(v,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		break;
	}
}

/* " key value" for every member: events, and results of commands this
 * version does not know. */
/* Every member but skip and skip2, and the event stamps, shown apart. */
static void output_flat(FILE *out, struct json_object *o, const char *skip,
			const char *skip2)
{
	json_object_object_foreach(o, key, v)
		if ((!skip || strcmp(key, skip)) && (!skip2 || strcmp(key, skip2)) &&
		    strcmp(key, "time") && strcmp(key, "mono_ms"))
			output_member(out, key, v);
}

static int output_generic(FILE *out, struct json_object *res)
{
	if (json_object_object_length(res) == 0)
		return 0;
	output_flat(out, res, NULL, NULL);
	fputc('\n', out);
	return 0;
}

static void output_event_type(FILE *out, const char *type);

/* One decision of the history: "02:18:18.200 action token 1a2b3c4d
 * promote wwan0 subflow: ... -> done", its cause on a second line. */
static void output_history_entry(FILE *out, struct json_object *e)
{
	const char *time = output_str(e, "time");
	const char *outcome = output_str_or(e, "outcome", NULL);

	fprintf(out, "%.12s ", strlen(time) >= 23 ? time + 11 : time);
	output_event_type(out, output_str(e, "kind"));
	if (output_get(e, "token")) {
		fputs(" token ", out);
		output_puts(out, output_str(e, "token"));
	}
	fputc(' ', out);
	output_puts(out, output_str(e, "reason"));
	if (outcome) {
		fputs(" -> ", out);
		output_puts(out, outcome);
		if (output_get(e, "error")) {
			fputc(' ', out);
			output_puts(out, output_str(e, "error"));
		}
	}
	fputc('\n', out);
	if (output_get(e, "cause")) {
		fputs("             cause: ", out);
		output_puts(out, output_str(e, "cause"));
		fputc('\n', out);
	}
}

static int output_events(FILE *out, struct json_object *res)
{
	struct json_object *list = output_get(res, "events");

	for (size_t i = 0; i < output_len(list); i++)
		output_history_entry(out, json_object_array_get_idx(list, i));
	if (!output_len(list))
		fputs("no decisions recorded in that time\n", out);
	return 0;
}

/* "stats": one line per counter, the lists' entries indented below. */
static void output_stats_list(struct output_table *t, struct json_object *list,
			      const char *k1, const char *k2)
{
	for (size_t i = 0; i < output_len(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);
		struct output_row *r = output_table_row(t, 0);

		if (k2)
			output_cell(t, r, "  %s %s", output_str(e, k1),
				    output_str(e, k2));
		else
			output_cell(t, r, "  %s", output_str(e, k1));
		output_cell(t, r, "%s", output_str(e, "count"));
	}
}

static int output_stats(FILE *out, struct json_object *res)
{
	struct output_table t = { 0 };
	struct json_object *sf = output_get(res, "subflows");
	struct json_object *h = output_get(res, "handovers");
	struct json_object *lat = output_get(h, "latency");
	struct json_object *ifs = output_get(res, "interfaces");
	struct json_object *m = output_get(res, "metered");
	char up[32];

	output_duration(json_object_get_int64(output_get(res, "uptime_ms")) / 1000,
			up, sizeof(up));
	output_kv(&t, "since start", up);
	output_kv(&t, "connections", output_str(res, "connections"));
	output_kv(&t, "local conns", output_str(res, "local_connections"));
	output_kv(&t, "conns gone", output_str(res, "connections_gone"));
	output_kv(&t, "joins requested", output_str(sf, "requested"));
	output_kv(&t, "subflows up", output_str(sf, "established"));
	output_kv(&t, "joins failed", output_str(sf, "failed"));
	output_stats_list(&t, output_get(sf, "failed_by"), "errno", NULL);
	output_kv(&t, "subflows closed", output_str(sf, "closed"));
	output_stats_list(&t, output_get(sf, "closed_by"), "reason", "reset_reason");
	output_kv(&t, "join timeouts", output_str(sf, "joins_timed_out"));
	output_kv(&t, "over caps", output_str(sf, "over_cap"));
	output_kv(&t, "promotions", output_str(h, "promotions"));
	output_kv(&t, "demotions", output_str(h, "demotions"));
	if (json_object_get_int64(output_get(lat, "count")) > 0) {
		struct output_row *r = output_table_row(&t, 0);

		output_cell(&t, r, "handover latency");
		output_cell(&t, r, "%.1f ms mean of %s",
			    (double)json_object_get_int64(output_get(lat, "sum_ms")) /
			    (double)json_object_get_int64(output_get(lat, "count")),
			    output_str(lat, "count"));
	}
	output_kv(&t, "stalls", output_str(res, "stalls"));
	output_kv(&t, "announced", output_str(res, "announcements_sent"));
	output_kv(&t, "refused adds", output_str(res, "announcements_refused"));
	output_kv(&t, "resyncs", output_str(res, "resyncs"));
	output_kv(&t, "events lost", output_str(res, "events_lost"));
	output_kv(&t, "acks lost", output_str(res, "acks_lost"));
	output_kv(&t, "commands failed", output_str(res, "commands_failed"));
	output_kv(&t, "metered sent", output_str(m, "bytes_sent"));
	output_kv(&t, "metered received", output_str(m, "bytes_received"));
	for (size_t i = 0; i < output_len(ifs); i++) {
		struct json_object *e = json_object_array_get_idx(ifs, i);
		struct output_row *r = output_table_row(&t, 1);

		output_cell(&t, r, "%s", output_str(e, "dev"));
		output_cell(&t, r, "subflows %s", output_str(e, "subflows"));
		output_cell(&t, r, "sent %s", output_str(e, "bytes_sent"));
		output_cell(&t, r, "received %s", output_str(e, "bytes_received"));
		output_cell(&t, r, "active %.1f s%s",
			    (double)json_object_get_int64(output_get(e, "active_ms")) / 1000.0,
			    output_bool(e, "active") ? " (now)" : "");
	}
	return output_table_print(out, &t);
}

static int output_text(FILE *out, const char *command, struct json_object *res)
{
	static const struct {
		const char *command;
		int (*print)(FILE *out, struct json_object *res);
	} LAYOUTS[] = {
		{ "status", output_status }, { "connections", output_connections },
		{ "connection", output_connection }, { "interfaces", output_interfaces },
		{ "interface", output_interface }, { "strategy", output_strategy },
		{ "reload", output_strategy }, { "announce", output_announce },
		{ "policy", output_policy }, { "events", output_events },
		{ "stats", output_stats },
	};

	for (size_t i = 0; i < sizeof(LAYOUTS) / sizeof(LAYOUTS[0]); i++)
		if (!strcmp(LAYOUTS[i].command, command))
			return LAYOUTS[i].print(out, res);
	return output_generic(out, res);
}

static int output_json(FILE *out, struct json_object *o)
{
	fprintf(out, "%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

static int output_flush(FILE *out, int err)
{
	errno = 0;
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return err;
}

int output_result(FILE *out, enum output_format fmt, const char *command,
		  struct json_object *result)
{
	int err = 0;

	switch (fmt) {
	case OUTPUT_FORMAT_TEXT:
		err = output_text(out, command, result);
		break;
	case OUTPUT_FORMAT_JSON:
		err = output_json(out, result);
		break;
	case OUTPUT_FORMAT_OPENMETRICS:
		err = strcmp(command, "stats") ? output_json(out, result) :
		      openmetrics_stats(out, result);
		break;
	}
	return output_flush(out, err);
}

static void output_event_type(FILE *out, const char *type)
{
	char *e = output_escape(type);

	fprintf(out, "%-19s", e ? e : "?");
	free(e);
}

int output_event(FILE *out, enum output_format fmt, struct json_object *event)
{
	switch (fmt) {
	case OUTPUT_FORMAT_TEXT:
		/* The time of day first (ip -ts monitor's place), when the
		 * daemon stamped it: "2026-12-02T16:08:03.123Z". */
		if (json_object_is_type(output_get(event, "time"), json_type_string) &&
		    strlen(output_str(event, "time")) >= 23)
			fprintf(out, "%.12s ", output_str(event, "time") + 11);
		/* Like `ip mptcp monitor`: the event type next, padded. */
		output_event_type(out, output_str(event, "type"));
		/* An action event: "action subflow-create token ...", not
		 * "action action subflow-create". */
		if (!strcmp(output_str(event, "type"), "action") &&
		    json_object_is_type(output_get(event, "action"), json_type_string)) {
			fputc(' ', out);
			output_puts(out, output_str(event, "action"));
			output_flat(out, event, "type", "action");
		} else {
			output_flat(out, event, "type", NULL);
		}
		fputc('\n', out);
		break;
	case OUTPUT_FORMAT_JSON:
	case OUTPUT_FORMAT_OPENMETRICS:
		output_json(out, event);
		break;
	}
	return output_flush(out, 0);
}
