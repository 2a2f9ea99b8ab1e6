/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "stats" answer: the counters since start (stats.h) as JSON, and
 * the one sock_diag dump that brings the per-interface bytes up to date
 * first.  The dump is read a slice per turn of the loop by the client
 * that asked (ctl_client.c), like a long "connections" answer, so that a
 * host with tens of thousands of subflows never holds the loop.  The
 * answer's size is bounded by the counters' tables, not by connections.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "engine.h"
#include "resync.h"
#include "stats.h"

struct ctl_stats_job {
	int64_t id;
	void *dump;		/* the daemon's, until ended */
	int err;		/* the dump's: 0, or -errno */
};

#define CTL_STATS_INT(v) json_object_new_int64((int64_t)(v))

static void ctl_stats_add(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, CTL_STATS_INT(v));
}

static struct json_object *ctl_stats_failed(const struct stats *st,
					    uint64_t *total)
{
	struct json_object *list = json_object_new_array();

	*total = st->failed_other;
	for (size_t i = 0; list && i < STATS_ERRNOS_MAX; i++) {
		const struct stats_errno *e = &st->failed[i];
		struct json_object *o;
		const char *name;

		if (!e->err)
			continue;
		*total += e->count;
		o = json_object_new_object();
		name = strerrorname_np(e->err);
		json_object_object_add(o, "errno", json_object_new_string(
				       name ? name : "unknown"));
		ctl_stats_add(o, "count", e->count);
		json_object_array_add(list, o);
	}
	if (list && st->failed_other) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "errno", json_object_new_string("other"));
		ctl_stats_add(o, "count", st->failed_other);
		json_object_array_add(list, o);
	}
	return list;
}

static struct json_object *ctl_stats_closed(const struct stats *st,
					    uint64_t *total)
{
	struct json_object *list = json_object_new_array();

	*total = 0;
	for (int why = 0; list && why < STATS_CLOSE_COUNT; why++)
		for (unsigned int r = 0; r < STATS_RESETS; r++) {
			uint64_t n = st->closed[why][r];
			struct json_object *o;

			if (!n)
				continue;
			*total += n;
			o = json_object_new_object();
			json_object_object_add(o, "reason", json_object_new_string(
					       stats_close_word((enum stats_close)why)));
			json_object_object_add(o, "reset_reason",
					       json_object_new_string(stats_reset_word(r)));
			ctl_stats_add(o, "count", n);
			json_object_array_add(list, o);
		}
	return list;
}

static struct json_object *ctl_stats_subflows(const struct stats *st)
{
	struct json_object *o = json_object_new_object();
	uint64_t failed, closed;

	if (!o)
		return NULL;
	ctl_stats_add(o, "requested", st->subflows_requested);
	ctl_stats_add(o, "established", st->subflows_established);
	json_object_object_add(o, "failed_by", ctl_stats_failed(st, &failed));
	ctl_stats_add(o, "failed", failed);
	json_object_object_add(o, "closed_by", ctl_stats_closed(st, &closed));
	ctl_stats_add(o, "closed", closed);
	ctl_stats_add(o, "joins_timed_out", st->joins_timed_out);
	ctl_stats_add(o, "over_cap", st->over_cap);
	return o;
}

/* Cumulative buckets, as a histogram is read: le_ms null is +Inf. */
static struct json_object *ctl_stats_latency(const struct stats_hist *h)
{
	struct json_object *o = json_object_new_object();
	struct json_object *list = json_object_new_array();
	uint64_t cum = 0;

	for (size_t b = 0; o && list && b <= STATS_LATENCY_BUCKETS; b++) {
		struct json_object *one = json_object_new_object();

		cum += h->bucket[b];
		json_object_object_add(one, "le_ms", b < STATS_LATENCY_BUCKETS ?
				       CTL_STATS_INT(stats_latency_bounds_ms[b]) :
				       NULL);
		ctl_stats_add(one, "count", cum);
		json_object_array_add(list, one);
	}
	if (!o || !list) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	json_object_object_add(o, "buckets", list);
	ctl_stats_add(o, "count", h->count);
	ctl_stats_add(o, "sum_ms", h->sum_ms);
	return o;
}

static struct json_object *ctl_stats_handovers(const struct stats *st)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	ctl_stats_add(o, "promotions", st->promotions);
	ctl_stats_add(o, "demotions", st->demotions);
	json_object_object_add(o, "latency", ctl_stats_latency(&st->handover));
	return o;
}

static struct json_object *ctl_stats_ifaces(const struct stats *st,
					    const struct stats_bytes *b,
					    uint64_t now)
{
	struct json_object *list = json_object_new_array();

	for (size_t k = 0; list && k < st->n_ifaces; k++) {
		const struct stats_iface *i = &st->ifaces[k];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "dev", json_object_new_string(i->name));
		ctl_stats_add(o, "index", (uint64_t)i->ifindex);
		ctl_stats_add(o, "subflows", i->subflows);
		ctl_stats_add(o, "bytes_sent", b->sent[k]);
		ctl_stats_add(o, "bytes_received", b->received[k]);
		ctl_stats_add(o, "active_ms", stats_iface_active_ms(i, now));
		json_object_object_add(o, "active", json_object_new_boolean(
				       i->n_active > 0));
		json_object_array_add(list, o);
	}
	return list;
}

/* The whole answer from the counters as they are now. */
static struct json_object *ctl_stats_result(struct ctl_server *s, int dump_err)
{
	const struct stats *st = engine_get_stats(s->env.engine);
	uint64_t now = s->env.now_ms ? s->env.now_ms(s->env.arg) : 0;
	struct json_object *o = json_object_new_object();
	struct json_object *m;
	struct stats_bytes b;

	if (!o)
		return NULL;
	engine_bytes_sum(s->env.engine, &b);
	ctl_stats_add(o, "uptime_ms", now - s->env.started_ms);
	ctl_stats_add(o, "connections", st->conns);
	ctl_stats_add(o, "local_connections", st->local_conns_ignored);
	ctl_stats_add(o, "connections_gone", st->conns_gone);
	json_object_object_add(o, "subflows", ctl_stats_subflows(st));
	json_object_object_add(o, "handovers", ctl_stats_handovers(st));
	ctl_stats_add(o, "stalls", st->stalls);
	ctl_stats_add(o, "announcements_sent", st->announcements_sent);
	ctl_stats_add(o, "announcements_refused", st->announcements_refused);
	ctl_stats_add(o, "resyncs", s->env.resync ? resync_count(s->env.resync) : 0);
	ctl_stats_add(o, "events_lost", st->events_lost);
	ctl_stats_add(o, "acks_lost", st->acks_lost);
	ctl_stats_add(o, "commands_failed", st->commands_failed);
	m = json_object_new_object();
	if (m) {
		ctl_stats_add(m, "bytes_sent", b.metered_sent);
		ctl_stats_add(m, "bytes_received", b.metered_received);
		json_object_object_add(o, "metered", m);
	}
	json_object_object_add(o, "interfaces", ctl_stats_ifaces(st, &b, now));
	ctl_stats_add(o, "interfaces_not_kept", st->ifaces_dropped);
	/* Whether the live subflows' bytes are from this request: false when
	 * the dump failed or could not be made (closed totals and the last
	 * dump's counts only). */
	json_object_object_add(o, "bytes_fresh", json_object_new_boolean(
			       dump_err == 0));
	return o;
}

static void ctl_stats_job_end(struct ctl_server *s, struct ctl_stats_job *j)
{
	if (j->dump && s->env.bytes_end)
		s->env.bytes_end(s->env.arg, j->dump);
	j->dump = NULL;
}

int ctl_stats_job_step(struct ctl_server *s, struct ctl_stats_job *j)
{
	int r;

	if (!j->dump)
		return 1;
	r = s->env.bytes_step(s->env.arg, j->dump);
	if (r == 0)
		return 0;
	j->err = r < 0 ? r : 0;
	ctl_stats_job_end(s, j);
	return 1;
}

struct json_object *ctl_stats_job_finish(struct ctl_server *s,
					 struct ctl_stats_job *j)
{
	struct json_object *line;

	ctl_stats_job_end(s, j);
	line = ctl_json_ok(true, j->id, ctl_stats_result(s, j->err));
	free(j);
	return line;
}

void ctl_stats_job_free(struct ctl_server *s, struct ctl_stats_job *j)
{
	if (!j)
		return;
	ctl_stats_job_end(s, j);
	free(j);
}

int ctl_stats_answer(struct ctl_server *s, int64_t id, struct ctl_reply *reply,
		     struct json_object **out)
{
	struct ctl_stats_job *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (!j)
		return -ENOMEM;
	j->id = id;
	j->err = -EOPNOTSUPP;
	if (s->env.bytes_begin && s->env.bytes_step) {
		j->dump = s->env.bytes_begin(s->env.arg);
		j->err = j->dump ? 0 : -EBUSY;
	}
	if (j->dump && reply->may_list) {
		reply->job = j;		/* the client runs it */
		return 0;
	}
	/* No client to take slices (unit tests, fuzzers): all at once. */
	while (!ctl_stats_job_step(s, j))
		;
	*out = ctl_stats_result(s, j->err);
	ctl_stats_job_free(s, j);
	return *out ? 0 : -ENOMEM;
}
