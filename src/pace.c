/* SPDX-License-Identifier: BSD-3-Clause */
#include "pace.h"

/* A window over: decide how the next one reads.  Paced, a window holds at
 * most one read per PACE_GAP_MS; fewer than PACE_KEEP means the storm
 * has passed. */
static void pace_window_end(struct pace *p, uint64_t now_ms)
{
	if (p->paced)
		p->paced = p->wakeups >= PACE_KEEP;
	else
		p->paced = p->wakeups > PACE_ENTER;
	p->window_ms = now_ms;
	p->wakeups = 0;
}

bool pace_after_read(struct pace *p, uint64_t now_ms)
{
	if (now_ms < p->window_ms || now_ms - p->window_ms >= PACE_WINDOW_MS)
		pace_window_end(p, now_ms);
	p->wakeups++;
	if (!p->paced && p->wakeups > PACE_ENTER)
		p->paced = true;	/* no need to wait for the window's end */
	return p->paced;
}
