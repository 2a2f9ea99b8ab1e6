/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Freed heap pages go back to the system once a minute.  A mass action
 * (an address change under thousands of connections) grows every live
 * connection's tables at once; when those connections close, their
 * blocks are free but scattered among live ones, and glibc gives back
 * only the top of the heap, so the peak stayed in the RSS (the soak saw
 * a step of 1 MB, for good, at its first address change).  malloc_trim()
 * hands back every whole free page; it walks the allocator's free lists,
 * not the connections, so its cost follows the heap's fragmentation, not
 * the number of idle connections.
 */
#include <errno.h>
#include <malloc.h>
#include <time.h>

#include "daemon_priv.h"
#include "log.h"
#include "loop.h"

#define DAEMON_TRIM_PERIOD_S	60

static double daemon_trim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void daemon_trim_tick(void *arg)
{
	double t0 = daemon_trim_now_ms();
	int gave = malloc_trim(0);

	(void)arg;
	log_debug(LOG_SUB_CORE, "memory: %s (%.2f ms)", gave ?
		  "free heap pages given back" : "nothing to give back",
		  daemon_trim_now_ms() - t0);
}

int daemon_trim_start(struct daemon *d)
{
	d->trim_timer = loop_timer_add(d->loop, DAEMON_TRIM_PERIOD_S,
				       DAEMON_TRIM_PERIOD_S, daemon_trim_tick,
				       d);
	return d->trim_timer ? 0 : -ENOMEM;
}

void daemon_trim_stop(struct daemon *d)
{
	if (d->loop)
		loop_timer_del(d->loop, d->trim_timer);
	d->trim_timer = NULL;
}
