/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The resync's state machine: IDLE -> WAITING (a wake-up is due) ->
 * DUMPING (the snapshot is read from the kernel a slice per wake-up) ->
 * RUNNING (its connection records are adopted a slice per wake-up) ->
 * IDLE.  The snapshot is indexed by token, so each record costs a binary
 * search and the whole reconcile O(n log n).
 *
 * Live events keep being applied to the model between slices; the records
 * they overtake are marked (resync_note_event) so that the older snapshot
 * never undoes them: a connection closed since is not brought back, one
 * the live events established is left as they made it, and one created
 * after the dump passed its place is not dropped as vanished.  A listener
 * that comes or goes during the dump cannot be placed that way: another
 * resync follows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "resync.h"
#include "snapshot.h"

enum resync_state { RESYNC_IDLE, RESYNC_WAITING, RESYNC_DUMPING,
		    RESYNC_RUNNING };

struct resync {
	struct engine *engine;
	struct resync_ops ops;
	void *arg;
	uint64_t max_gap_ms, slice_ms;
	enum resync_state state;
	bool again;		/* events lost during this one */
	bool no_ids;		/* the kernel has no per-connection GET_ADDR */
	bool started;		/* last_start_ms is set */
	bool begun;		/* the reconcile has indexed the snapshot */
	uint64_t last_start_ms;
	uint64_t last_took_ms;	/* start to finish, of the last one */
	struct snapshot snap;
	/* conns[] indexes in the order of adoption (engine_adopt_first's
	 * first), and the next one to adopt. */
	size_t *order, n_order;
	size_t next;
	size_t adopted;
	uint64_t slices_this, longest_ms;	/* of the resync running */
	uint64_t most_cpu_us;			/* of one of its slices */
	uint64_t count, slices;
};

struct resync *resync_new(struct engine *e, const struct resync_ops *ops,
			  void *arg, uint64_t max_gap_ms, uint64_t slice_ms)
{
	struct resync *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->engine = e;
	r->ops = *ops;
	r->arg = arg;
	r->max_gap_ms = max_gap_ms;
	r->slice_ms = slice_ms;
	snapshot_init(&r->snap);
	return r;
}

void resync_free(struct resync *r)
{
	if (!r)
		return;
	if (r->state == RESYNC_DUMPING && r->ops.take_abort)
		r->ops.take_abort(r->arg);
	snapshot_clear(&r->snap);
	free(r->order);
	free(r);
}

bool resync_request(struct resync *r)
{
	uint64_t delay = RESYNC_SETTLE_MS;

	if (r->state == RESYNC_DUMPING || r->state == RESYNC_RUNNING)
		r->again = true;
	if (r->state != RESYNC_IDLE)
		return false;
	if (r->started) {
		uint64_t since = r->ops.now_ms(r->arg) - r->last_start_ms;
		uint64_t gap = r->last_took_ms * RESYNC_GAP_FACTOR;

		if (gap > r->max_gap_ms)
			gap = r->max_gap_ms;
		if (since < gap && gap - since > delay)
			delay = gap - since;
	}
	r->state = RESYNC_WAITING;
	r->ops.wake(r->arg, delay);
	return true;
}

static uint64_t resync_cpu_us(struct resync *r)
{
	return r->ops.cpu_us ? r->ops.cpu_us(r->arg) : 0;
}

/* A slice that began at t0 (c0 of CPU time) ended now: the longest, and
 * the most CPU time one took, are logged at the end, so an operator (and
 * a test) can see the loop was never held long. */
static void resync_slice_done(struct resync *r, uint64_t t0, uint64_t c0)
{
	uint64_t took = r->ops.now_ms(r->arg) - t0;
	uint64_t cpu = resync_cpu_us(r) - c0;

	if (cpu > r->most_cpu_us)
		r->most_cpu_us = cpu;

	r->slices++;
	r->slices_this++;
	if (took > r->longest_ms)
		r->longest_ms = took;
}

/* failed: a resync that fails fails fast, and the next one waits the
 * longest gap, not three times a millisecond. */
static void resync_finish(struct resync *r, bool failed)
{
	uint64_t took = r->ops.now_ms(r->arg) - r->last_start_ms;

	r->last_took_ms = failed ? r->max_gap_ms : took;
	engine_adopt_log(r->adopted);
	log_info(LOG_SUB_CORE, "resync done in %llu slice%s over %llu ms, the "
		 "longest %llu ms (on the CPU at most %llu ms)",
		 (unsigned long long)r->slices_this,
		 r->slices_this == 1 ? "" : "s", (unsigned long long)took,
		 (unsigned long long)r->longest_ms,
		 (unsigned long long)((r->most_cpu_us + 500) / 1000));
	snapshot_clear(&r->snap);
	free(r->order);
	r->order = NULL;
	r->n_order = 0;
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

static void resync_give_up(struct resync *r, int err)
{
	log_warn(LOG_SUB_DIAG, "cannot resynchronise (%s): connections whose "
		 "events were lost stay unmanaged", strerror(-err));
	r->adopted = 0;
	resync_finish(r, true);
}

static void resync_start(struct resync *r)
{
	r->count++;
	r->started = true;
	r->last_start_ms = r->ops.now_ms(r->arg);
	log_notice(LOG_SUB_CORE, "resynchronising with the kernel after lost "
		   "events");
	snapshot_clear(&r->snap);
	r->slices_this = 0;
	r->longest_ms = 0;
	r->most_cpu_us = 0;
	r->state = RESYNC_DUMPING;
}

/* The snapshot is complete: the next slice starts the reconcile (after
 * the dump's slice, whose time is spent). */
static void resync_dumped(struct resync *r)
{
	r->begun = false;
	r->adopted = 0;
	r->state = RESYNC_RUNNING;
	r->ops.wake(r->arg, 0);
}

/* The records to adopt, those the engine wants first at the front (the
 * others fill the array from its end, in reverse).  In a burst that
 * overflowed, they are the connections still waiting for their joins;
 * the rest, most often as the model has them already, come after
 * instead of between them.  Records with nothing to adopt (unmanaged,
 * or closed by a live event) are left out.  0 or -ENOMEM. */
static int resync_order(struct resync *r)
{
	size_t n = r->snap.n_conns - r->snap.n_listeners;
	size_t front = 0, back = n;

	free(r->order);
	r->order = n ? malloc(n * sizeof(*r->order)) : NULL;
	r->n_order = 0;
	if (n && !r->order)
		return -ENOMEM;
	for (size_t i = r->snap.n_listeners; i < r->snap.n_conns; i++) {
		const struct snapshot_conn *k = &r->snap.conns[i];

		if (!snapshot_conn_managed(k) || k->live_closed)
			continue;
		if (engine_adopt_first(r->engine, k))
			r->order[front++] = i;
		else
			r->order[--back] = i;
	}
	/* The others, moved up against the first ones. */
	memmove(r->order + front, r->order + back, (n - back) * sizeof(*r->order));
	r->n_order = front + (n - back);
	return 0;
}

/* What can be settled at once: the records are indexed and ordered, the
 * connections that vanished go and the listeners are replaced.  The
 * records wait for the rest of this slice and the next ones.  0 or
 * -errno. */
static int resync_begin(struct resync *r)
{
	int err = snapshot_index(&r->snap);

	if (err < 0)
		return err;
	/* Before anything changes: a resync that cannot go on leaves the
	 * model as it was. */
	err = resync_order(r);
	if (err < 0)
		return err;
	engine_adopt_begin(r->engine, &r->snap);
	r->next = 0;
	r->begun = true;
	return 0;
}

/* Datagrams of the dumps until the slice's time is up. */
static void resync_dump_slice(struct resync *r)
{
	uint64_t t0 = r->ops.now_ms(r->arg), c0 = resync_cpu_us(r);
	int done;

	do {
		done = r->ops.take_step(r->arg, &r->snap);
	} while (done == 0 && r->ops.now_ms(r->arg) - t0 < r->slice_ms);
	resync_slice_done(r, t0, c0);
	if (done < 0)
		resync_give_up(r, done);
	else if (done == 1)
		resync_dumped(r);
	else
		r->ops.wake(r->arg, 0);
}

/* One record: its IDs from the kernel now (they are only needed for it),
 * then the engine. */
static void resync_adopt_next(struct resync *r)
{
	struct snapshot_conn *k = &r->snap.conns[r->order[r->next++]];

	/* Unmanaged records are not in the order; a live CLOSED may have
	 * come since it was made. */
	if (k->live_closed)
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
	uint64_t t0 = r->ops.now_ms(r->arg), c0 = resync_cpu_us(r);
	int err;

	if (!r->begun) {
		err = resync_begin(r);
		if (err < 0) {
			resync_give_up(r, err);
			return;
		}
	}
	while (r->next < r->n_order) {
		resync_adopt_next(r);
		if (r->ops.now_ms(r->arg) - t0 >= r->slice_ms)
			break;
	}
	resync_slice_done(r, t0, c0);
	if (r->next < r->n_order)
		r->ops.wake(r->arg, 0);
	else
		resync_finish(r, false);
}

void resync_run(struct resync *r)
{
	if (r->state == RESYNC_WAITING)
		resync_start(r);
	if (r->state == RESYNC_DUMPING)
		resync_dump_slice(r);
	else if (r->state == RESYNC_RUNNING)
		resync_slice(r);
}

/* Until the reconcile begins, the records are not indexed: the event is
 * noted, and snapshot_index() marks the records it overtook. */
static void resync_note_dumping(struct resync *r, const struct mptcpd_event *ev)
{
	if (ev->type == MPTCPD_EVENT_LISTENER_CREATED ||
	    ev->type == MPTCPD_EVENT_LISTENER_CLOSED) {
		r->again = true;
		return;
	}
	if (!ev->token)
		return;
	if (snapshot_note_live(&r->snap, ev->token,
			       ev->type == MPTCPD_EVENT_CLOSED) < 0)
		r->again = true;	/* too many to tell: look again */
}

void resync_note_event(struct resync *r, const struct mptcpd_event *ev)
{
	struct snapshot_conn *k;

	if (r->state == RESYNC_DUMPING ||
	    (r->state == RESYNC_RUNNING && !r->begun)) {
		resync_note_dumping(r, ev);
		return;
	}
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
