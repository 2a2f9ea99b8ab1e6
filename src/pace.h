/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When to read the kernel's event socket.  Quiet: at once, every event
 * handled the moment it arrives.  In a storm (a local user opening and
 * closing thousands of connections a second), a wakeup per event or two
 * costs more in context switches than the events themselves: reading is
 * then paused PACE_GAP_MS after each read, so each read takes a whole
 * batch.  Real connections' events wait at most that long meanwhile.
 * Pure: the daemon passes the loop's clock.
 */
#ifndef MPTCPD_PACE_H
#define MPTCPD_PACE_H

#include <stdbool.h>
#include <stdint.h>

#define PACE_WINDOW_MS 10	/* wakeups are counted per window */
#define PACE_ENTER 20		/* > this many in a window: a storm (2000/s) */
#define PACE_KEEP 5		/* paced, >= this many reads found data */
#define PACE_GAP_MS 1		/* the pause after a read while paced */

struct pace {
	uint64_t window_ms;	/* start of the current window */
	unsigned int wakeups;	/* reads in it */
	bool paced;
};

/* After a read of the event socket at now_ms: true when reading should
 * pause for PACE_GAP_MS. */
bool pace_after_read(struct pace *p, uint64_t now_ms);

#endif
