/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The periodic reconciliation's wiring (reconcile.h): a loop timer, the
 * sock_diag lookups by token, the engine forgetting what the kernel no
 * longer has, one log line for many.
 */
#include <errno.h>

#include "daemon_priv.h"
#include "diag.h"
#include "engine.h"
#include "log.h"
#include "loop.h"

static void daemon_reconcile_tick(void *arg)
{
	struct daemon *d = arg;
	uint32_t tokens[2 * RECONCILE_PER_TICK];
	int found[2 * RECONCILE_PER_TICK];
	size_t n = reconcile_pick(&d->reconcile, d->model, tokens,
				  2 * RECONCILE_PER_TICK);
	uint64_t forgotten;

	_Static_assert(2 * RECONCILE_PER_TICK <= DIAG_EXIST_MAX,
		       "a tick's lookups go in one batch");
	/* One socket and one sendmsg for the tick's lookups: a socket per
	 * lookup was most of what an idle daemon paid here. */
	if (n && diag_conns_exist(tokens, n, found) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (reconcile_answer(&d->reconcile, tokens[i], found[i]))
			engine_forget(d->engine, tokens[i]);
	if (reconcile_log_due(&d->reconcile, loop_now_ms(d->loop), &forgotten))
		log_info(LOG_SUB_ENGINE, "reconcile: %llu connection(s) the kernel "
			 "no longer has forgotten (no CLOSED came; "
			 "%llu since start)", (unsigned long long)forgotten,
			 (unsigned long long)d->reconcile.forgotten);
}

int daemon_reconcile_start(struct daemon *d)
{
	d->reconcile_timer = loop_timer_add(d->loop, RECONCILE_PERIOD_MS / 1e3,
					    RECONCILE_PERIOD_MS / 1e3,
					    daemon_reconcile_tick, d);
	return d->reconcile_timer ? 0 : -ENOMEM;
}

void daemon_reconcile_stop(struct daemon *d)
{
	if (d->loop)
		loop_timer_del(d->loop, d->reconcile_timer);
	d->reconcile_timer = NULL;
}
