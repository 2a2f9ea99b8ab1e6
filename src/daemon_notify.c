/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the service manager hears from the daemon: READY=1 once started,
 * STOPPING=1 on the way out, a STATUS= line when the picture changes, and
 * the watchdog ping.  Outside systemd all of it is a no-op (sd.c).
 */
#include "daemon_priv.h"
#include "loop.h"
#include "model.h"
#include "sd.h"

void daemon_notify_status(struct daemon *d)
{
	sd_status("%s: %zu connection%s managed", d->cfg.strategy,
		  model_conn_count(d->model),
		  model_conn_count(d->model) == 1 ? "" : "s");
}

void daemon_notify_ready(struct daemon *d)
{
	sd_ready();
	daemon_notify_status(d);
}

void daemon_notify_stopping(void)
{
	sd_stopping();
}

/* The watchdog ping (when WatchdogSec= is set) and a fresh STATUS= line,
 * from the loop itself, so a stuck loop stops both. */
static void daemon_notify_tick(void *arg)
{
	struct daemon *d = arg;

	if (d->watchdog_usec)
		sd_watchdog_ping();
	daemon_notify_status(d);
}

/* Every 10 s, or twice per watchdog period when that is shorter. */
void daemon_notify_start(struct daemon *d)
{
	double period = 10.0;

	if (!sd_supervised())
		return;
	d->watchdog_usec = sd_watchdog_usec();
	if (d->watchdog_usec && d->watchdog_usec / 2e6 < period)
		period = d->watchdog_usec / 2e6;
	d->notify_tick = loop_timer_add(d->loop, period, period,
					daemon_notify_tick, d);
}
