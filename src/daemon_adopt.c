/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's picture into the model: adoption of the existing
 * connections at start-up, all at once (nothing else is served yet), and
 * the resync after lost events, sliced (resync.c) on the loop's clock and
 * timers.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon_priv.h"
#include "diag.h"
#include "engine.h"
#include "genl.h"
#include "log.h"
#include "loop.h"
#include "resync.h"
#include "snapshot.h"

struct daemon_id_ctx {
	struct snapshot *snap;
	uint32_t token;
};

static void daemon_collect_id(void *arg, const struct genl_local_entry *e)
{
	struct daemon_id_ctx *ctx = arg;

	snapshot_add_id(ctx->snap, ctx->token, e);
}

static int daemon_take_ids(void *arg, struct snapshot *snap, uint32_t token)
{
	struct daemon *d = arg;
	struct daemon_id_ctx ctx = { snap, token };

	return genl_dump_local_addrs(d->genl, token, daemon_collect_id, &ctx);
}

/* Rebuild the connection picture from the kernel's own tables, all at
 * once: nothing else is served before READY. */
int daemon_adopt(struct daemon *d)
{
	struct snapshot snap;
	int err;

	snapshot_init(&snap);
	err = diag_dumper_run(snapshot_add_conn, snapshot_add_subflow, &snap);
	if (err < 0)
		goto out;
	for (size_t i = 0; i < snap.n_conns; i++) {
		if (!snapshot_conn_managed(&snap.conns[i]))
			continue;
		err = daemon_take_ids(d, &snap, snap.conns[i].token);
		if (err == -EOPNOTSUPP)
			break;	/* pre-6.9: IDs come from the subflows alone */
	}
	err = engine_adopt(d->engine, &snap);
out:
	if (err < 0)
		log_warn(LOG_SUB_DIAG, "cannot adopt existing connections (%s): "
			 "only connections created from now on are managed",
			 strerror(-err));
	snapshot_clear(&snap);
	daemon_notify_status(d);
	return err;
}

/* The resync's dumps, a datagram per step (diag_dumper): the dumper
 * lives from the first step to the last. */
static int daemon_take_step(void *arg, struct snapshot *snap)
{
	struct daemon *d = arg;
	int done;

	if (!d->dumper) {
		d->dumper = diag_dumper_new(snapshot_add_conn, snapshot_add_subflow,
					    snap);
		if (!d->dumper)
			return -ENOMEM;
	}
	done = diag_dumper_step(d->dumper);
	if (done == DIAG_STEP_NEXT_DUMP)
		return RESYNC_STEP_BREAK;
	if (done != 0) {
		diag_dumper_free(d->dumper);
		d->dumper = NULL;
	}
	return done;
}

static void daemon_take_abort(void *arg)
{
	struct daemon *d = arg;

	diag_dumper_free(d->dumper);
	d->dumper = NULL;
}

static uint64_t daemon_resync_now(void *arg)
{
	struct daemon *d = arg;

	return loop_now_ms(d->loop);
}

static void daemon_resync_fire(void *arg)
{
	struct daemon *d = arg;

	loop_timer_del(d->loop, d->resync_timer);	/* one-shot: done */
	d->resync_timer = NULL;
	resync_run(d->resync);
}

static void daemon_resync_wake(void *arg, uint64_t delay_ms)
{
	struct daemon *d = arg;

	loop_timer_del(d->loop, d->resync_timer);
	d->resync_timer = loop_timer_add(d->loop, (double)delay_ms / 1000.0, 0,
					 daemon_resync_fire, d);
	if (!d->resync_timer)
		log_err(LOG_SUB_CORE, "out of memory: the resync is stuck");
}

static void daemon_resync_done(void *arg)
{
	daemon_notify_status(arg);
}

static uint64_t daemon_resync_cpu_us(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct resync_ops daemon_resync_ops = {
	.now_ms = daemon_resync_now,
	.take_step = daemon_take_step,
	.take_abort = daemon_take_abort,
	.ids = daemon_take_ids,
	.wake = daemon_resync_wake,
	.done = daemon_resync_done,
	.cpu_us = daemon_resync_cpu_us,
};

int daemon_resync_init(struct daemon *d)
{
	d->resync = resync_new(d->engine, &daemon_resync_ops, d,
			       RESYNC_MAX_GAP_MS, RESYNC_SLICE_MS);
	return d->resync ? 0 : -ENOMEM;
}

void daemon_resync_free(struct daemon *d)
{
	if (d->loop)
		loop_timer_del(d->loop, d->resync_timer);
	d->resync_timer = NULL;
	resync_free(d->resync);
	d->resync = NULL;
}

/* Lost events: the picture may be wrong, so rebuild it from the kernel
 * once the current burst is over.  Only the overflow that schedules a
 * resync is a warning: a sustained overflow would flood the log. */
void daemon_on_pm_overflow(void *arg)
{
	struct daemon *d = arg;

	d->stats.events_lost++;
	if (resync_request(d->resync))
		log_warn(LOG_SUB_GENL, "MPTCP events were lost (receive buffer "
			 "overflow); resynchronising from sock_diag");
	else
		log_debug(LOG_SUB_GENL, "MPTCP events were lost again; a "
			  "resync is already due");
}
