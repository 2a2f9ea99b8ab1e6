/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The resync's state machine: IDLE -> WAITING (a wake-up is due) ->
 * RUNNING (the snapshot is taken; its connection records are adopted a
 * slice per wake-up) -> IDLE.  The snapshot is indexed by token, so each
 * record costs a binary search and the whole reconcile O(n log n).
 *
 * Live events keep being applied to the model between slices; the records
 * they overtake are marked (resync_note_event) so that the older snapshot
 * never undoes them: a connection closed since is not brought back, one
 * the live events established is left as they made it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "resync.h"
#include "snapshot.h"

enum resync_state { RESYNC_IDLE, RESYNC_WAITING, RESYNC_RUNNING };

struct resync {
	struct engine *engine;
	struct resync_ops ops;
	void *arg;
	uint64_t min_gap_ms, slice_ms;
	enum resync_state state;
	bool again;		/* events lost during this one */
	bool no_ids;		/* the kernel has no per-connection GET_ADDR */
	bool started;		/* last_start_ms is set */
	uint64_t last_start_ms;
	struct snapshot snap;
	size_t next;		/* the next conns[] record to adopt */
	size_t adopted;
	uint64_t count, slices;
};

struct resync *resync_new(struct engine *e, const struct resync_ops *ops,
			  void *arg, uint64_t min_gap_ms, uint64_t slice_ms)
{
	struct resync *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->engine = e;
	r->ops = *ops;
	r->arg = arg;
	r->min_gap_ms = min_gap_ms;
	r->slice_ms = slice_ms;
	snapshot_init(&r->snap);
	return r;
}

void resync_free(struct resync *r)
{
	if (!r)
		return;
	snapshot_clear(&r->snap);
	free(r);
}

bool resync_request(struct resync *r)
{
	uint64_t delay = RESYNC_SETTLE_MS;

	if (r->state == RESYNC_RUNNING)
		r->again = true;
	if (r->state != RESYNC_IDLE)
		return false;
	if (r->started) {
		uint64_t since = r->ops.now_ms(r->arg) - r->last_start_ms;

		if (since < r->min_gap_ms && r->min_gap_ms - since > delay)
			delay = r->min_gap_ms - since;
	}
	r->state = RESYNC_WAITING;
	r->ops.wake(r->arg, delay);
	return true;
}

static void resync_finish(struct resync *r)
{
	engine_adopt_log(r->adopted);
	snapshot_clear(&r->snap);
	r->state = RESYNC_IDLE;
	if (r->ops.done)
		r->ops.done(r->arg);
	if (r->again) {
		r->again = false;
		log_notice(LOG_SUB_CORE, "more events were lost during the "
			   "resync: another one follows");
		resync_request(r);
	}
}

/* The snapshot, and what can be settled at once: the connections that
 * vanished go, the listeners are replaced.  The records wait for the
 * next slices. */
static void resync_start(struct resync *r)
{
	int err;

	r->count++;
	r->started = true;
	r->last_start_ms = r->ops.now_ms(r->arg);
	log_notice(LOG_SUB_CORE, "resynchronising with the kernel after lost "
		   "events");
	snapshot_clear(&r->snap);
	err = r->ops.take(r->arg, &r->snap);
	if (err == 0)
		err = snapshot_index(&r->snap);
	if (err < 0) {
		log_warn(LOG_SUB_DIAG, "cannot resynchronise (%s): connections "
			 "whose events were lost stay unmanaged",
			 strerror(-err));
		r->adopted = 0;
		resync_finish(r);
		return;
	}
	engine_adopt_begin(r->engine, &r->snap);
	r->next = r->snap.n_listeners;
	r->adopted = 0;
	r->state = RESYNC_RUNNING;
	r->ops.wake(r->arg, 0);
}

/* One record: its IDs from the kernel now (they are only needed for it),
 * then the engine. */
static void resync_adopt_next(struct resync *r)
{
	struct snapshot_conn *k = &r->snap.conns[r->next++];

	if (!snapshot_conn_managed(k) || k->live_closed)
		return;
	r->snap.n_ids = 0;
	if (!r->no_ids && r->ops.ids(r->arg, &r->snap, k->token) == -EOPNOTSUPP)
		r->no_ids = true;
	r->adopted += engine_adopt_one(r->engine, &r->snap, k);
}

/* Records until the slice's time is up; at least one, so that a slow
 * clock cannot stall the resync. */
static void resync_slice(struct resync *r)
{
	uint64_t t0 = r->ops.now_ms(r->arg);

	r->slices++;
	while (r->next < r->snap.n_conns) {
		resync_adopt_next(r);
		if (r->ops.now_ms(r->arg) - t0 >= r->slice_ms)
			break;
	}
	if (r->next < r->snap.n_conns)
		r->ops.wake(r->arg, 0);
	else
		resync_finish(r);
}

void resync_run(struct resync *r)
{
	if (r->state == RESYNC_WAITING)
		resync_start(r);
	else if (r->state == RESYNC_RUNNING)
		resync_slice(r);
}

void resync_note_event(struct resync *r, const struct mptcpd_event *ev)
{
	struct snapshot_conn *k;

	if (r->state != RESYNC_RUNNING)
		return;
	k = snapshot_find_conn(&r->snap, ev->token);
	if (!k)
		return;
	k->live_event = true;
	if (ev->type == MPTCPD_EVENT_CLOSED)
		k->live_closed = true;
}

bool resync_busy(const struct resync *r)
{
	return r->state != RESYNC_IDLE;
}

uint64_t resync_count(const struct resync *r)
{
	return r->count;
}

uint64_t resync_slices(const struct resync *r)
{
	return r->slices;
}
