/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mptcpd-ctl stats --openmetrics`: the "stats" result as a text
 * exposition for Prometheus (node_exporter's textfile collector, see
 * contrib/prometheus/).  Every family has HELP and TYPE lines, a UNIT
 * line where its name ends with its unit, counters end with _total, the
 * histogram has _bucket{le=...}, _sum and _count, and the text ends with
 * "# EOF".  Counter families are typed under their _total names, as the
 * Prometheus text format that promtool and node_exporter read wants
 * (OpenMetrics would drop the suffix there; both read "# UNIT" and
 * "# EOF" as comments).  The names are documented in mptcpd-ctl(8).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "output.h"

#define OM_PREFIX "mptcpd_"

static int64_t om_int(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v ? json_object_get_int64(v) : 0;
}

static struct json_object *om_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void om_family(FILE *out, const char *name, const char *type,
		      const char *unit, const char *help)
{
	fprintf(out, "# HELP " OM_PREFIX "%s %s\n", name, help);
	fprintf(out, "# TYPE " OM_PREFIX "%s %s\n", name, type);
	if (unit)
		fprintf(out, "# UNIT " OM_PREFIX "%s %s\n", name, unit);
}

/* A family of one sample without labels. */
static void om_one(FILE *out, const char *name, const char *type,
		   const char *help, int64_t v)
{
	om_family(out, name, type, NULL, help);
	fprintf(out, OM_PREFIX "%s %" PRId64 "\n", name, v);
}

/* A label value: backslash, double quote and newline escaped (the
 * daemon's interface names are any bytes but NUL and '/'). */
static void om_label(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
}

static void om_subflows(FILE *out, struct json_object *sf)
{
	struct json_object *list;

	om_one(out, "subflows_requested_total", "counter",
	       "Joins (MP_JOIN subflows) asked of the kernel.",
	       om_int(sf, "requested"));
	om_one(out, "subflows_established_total", "counter",
	       "Subflows established, initial subflows included.",
	       om_int(sf, "established"));
	om_family(out, "subflows_failed_total", "counter", NULL,
		  "Joins that failed before being established, by errno.");
	list = om_get(sf, "failed_by");
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);

		fprintf(out, OM_PREFIX "subflows_failed_total{errno=\"");
		om_label(out, json_object_get_string(om_get(e, "errno")));
		fprintf(out, "\"} %" PRId64 "\n", om_int(e, "count"));
	}
	om_family(out, "subflows_closed_total", "counter", NULL,
		  "Established subflows closed, by reason and the kernel's "
		  "MP_TCPRST reset reason.");
	list = om_get(sf, "closed_by");
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);

		fprintf(out, OM_PREFIX "subflows_closed_total{reason=\"");
		om_label(out, json_object_get_string(om_get(e, "reason")));
		fprintf(out, "\",reset_reason=\"");
		om_label(out, json_object_get_string(om_get(e, "reset_reason")));
		fprintf(out, "\"} %" PRId64 "\n", om_int(e, "count"));
	}
	om_one(out, "joins_timed_out_total", "counter",
	       "Joins with no word from the kernel in time.",
	       om_int(sf, "joins_timed_out"));
	om_one(out, "subflows_over_cap_total", "counter",
	       "Subflows or pairs not tracked: a connection's table was full.",
	       om_int(sf, "over_cap"));
}

static void om_handovers(FILE *out, struct json_object *h)
{
	struct json_object *lat = om_get(h, "latency");
	struct json_object *b = om_get(lat, "buckets");

	om_one(out, "promotions_total", "counter", "Handovers: a backup "
	       "subflow made active, or a join replacing a lost path.",
	       om_int(h, "promotions"));
	om_one(out, "demotions_total", "counter",
	       "Subflows set to backup.", om_int(h, "demotions"));
	om_family(out, "handover_latency_seconds", "histogram", "seconds",
		  "Time from the event behind a promotion (address gone, link "
		  "down, stall verdict) to the kernel's acceptance of it.");
	for (size_t i = 0; b && i < json_object_array_length(b); i++) {
		struct json_object *e = json_object_array_get_idx(b, i);
		struct json_object *le = om_get(e, "le_ms");

		fprintf(out, OM_PREFIX "handover_latency_seconds_bucket{le=\"");
		if (le)
			fprintf(out, "%g", (double)json_object_get_int64(le) / 1000.0);
		else
			fprintf(out, "+Inf");
		fprintf(out, "\"} %" PRId64 "\n", om_int(e, "count"));
	}
	fprintf(out, OM_PREFIX "handover_latency_seconds_sum %.3f\n",
		(double)om_int(lat, "sum_ms") / 1000.0);
	fprintf(out, OM_PREFIX "handover_latency_seconds_count %" PRId64 "\n",
		om_int(lat, "count"));
}

/* Per interface: one family per figure, a sample per interface. */
static void om_ifaces(FILE *out, struct json_object *list)
{
	static const struct {
		const char *name, *key, *type, *help;
		bool ms;
	} F[] = {
		{ "interface_subflows_total", "subflows", "counter",
		  "Subflows established on the interface.", false },
		{ "interface_sent_bytes_total", "bytes_sent", "counter",
		  "Bytes sent over MPTCP subflows on the interface and acked "
		  "(closed subflows: as last read).", false },
		{ "interface_received_bytes_total", "bytes_received", "counter",
		  "Bytes received over MPTCP subflows on the interface "
		  "(closed subflows: as last read).", false },
		{ "interface_active_seconds_total", "active_ms", "counter",
		  "Time the interface carried non-backup subflows.", true },
	};

	for (size_t f = 0; f < sizeof(F) / sizeof(F[0]); f++) {
		om_family(out, F[f].name, F[f].type, NULL, F[f].help);
		for (size_t i = 0; list && i < json_object_array_length(list); i++) {
			struct json_object *e = json_object_array_get_idx(list, i);
			int64_t v = om_int(e, F[f].key);

			fprintf(out, OM_PREFIX "%s{dev=\"", F[f].name);
			om_label(out, json_object_get_string(om_get(e, "dev")));
			if (F[f].ms)
				fprintf(out, "\"} %.3f\n", (double)v / 1000.0);
			else
				fprintf(out, "\"} %" PRId64 "\n", v);
		}
	}
}

int openmetrics_stats(FILE *out, struct json_object *res)
{
	struct json_object *m = om_get(res, "metered");

	om_family(out, "uptime_seconds", "gauge", "seconds",
		  "Time since the daemon started.");
	fprintf(out, OM_PREFIX "uptime_seconds %.3f\n",
		(double)om_int(res, "uptime_ms") / 1000.0);
	om_one(out, "connections_total", "counter",
	       "MPTCP connections managed (adopted ones included).",
	       om_int(res, "connections"));
	om_one(out, "local_connections_total", "counter",
	       "Connections with both ends on this host, left alone.",
	       om_int(res, "local_connections"));
	om_one(out, "connections_gone_total", "counter", "Connections the "
	       "kernel no longer had although no CLOSED event came.",
	       om_int(res, "connections_gone"));
	om_subflows(out, om_get(res, "subflows"));
	om_handovers(out, om_get(res, "handovers"));
	om_one(out, "stalls_total", "counter",
	       "Subflows found stalled (unacked data, no progress).",
	       om_int(res, "stalls"));
	om_one(out, "announcements_sent_total", "counter",
	       "Addresses announced to peers (ADD_ADDR).",
	       om_int(res, "announcements_sent"));
	om_one(out, "announcements_refused_total", "counter",
	       "Peers' announcements not joined.",
	       om_int(res, "announcements_refused"));
	om_one(out, "resyncs_total", "counter",
	       "Rebuilds of the daemon's view from sock_diag.",
	       om_int(res, "resyncs"));
	om_one(out, "events_lost_total", "counter", "Overflows of the kernel "
	       "event socket (events lost; each starts a resync).",
	       om_int(res, "events_lost"));
	om_one(out, "command_acks_lost_total", "counter",
	       "Kernel answers to commands lost.", om_int(res, "acks_lost"));
	om_one(out, "commands_failed_total", "counter",
	       "Commands the kernel refused or that could not be sent.",
	       om_int(res, "commands_failed"));
	om_ifaces(out, om_get(res, "interfaces"));
	om_one(out, "metered_sent_bytes_total", "counter",
	       "Bytes sent over MPTCP subflows on metered interfaces.",
	       om_int(m, "bytes_sent"));
	om_one(out, "metered_received_bytes_total", "counter",
	       "Bytes received over MPTCP subflows on metered interfaces.",
	       om_int(m, "bytes_received"));
	om_one(out, "bytes_fresh", "gauge", "1 when the byte counts include "
	       "a sock_diag reading made for this request.",
	       json_object_get_boolean(om_get(res, "bytes_fresh")) ? 1 : 0);
	fputs("# EOF\n", out);
	return 0;
}
