/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resynchronisation after lost events: take a fresh snapshot of the
 * kernel's connections and reconcile the model with it, both in slices of
 * bounded loop time, so that events and the control socket are served in
 * between; the next one starts at most every three times what the last
 * took (RESYNC_GAP_FACTOR, at most RESYNC_MAX_GAP_MS apart), and an
 * overflow during one asks for another after it.  No netlink and no
 * libev here: the owner supplies the clock, the dumps and the wake-ups.
 */
#ifndef MPTCPD_RESYNC_H
#define MPTCPD_RESYNC_H

#include <stdbool.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

struct engine;
struct snapshot;
struct resync;

struct resync_ops {
	/* Monotonic milliseconds, read afresh (a slice measures itself). */
	uint64_t (*now_ms)(void *arg);
	/* Read a little more of the kernel's connections and subflows into
	 * snap (the first call starts the dumps): 1 when snap is complete,
	 * 0 to call again, RESYNC_STEP_BREAK to call again in a new slice
	 * (the next step is a long one), -errno (the dumps are then given
	 * up). */
	int (*take_step)(void *arg, struct snapshot *snap);
	/* Give up dumps in progress (the resync is freed mid-way). */
	void (*take_abort)(void *arg);
	/* Append the kernel's local IDs of one connection to snap: 0 or
	 * -errno; -EOPNOTSUPP (before 6.9) stops asking. */
	int (*ids)(void *arg, struct snapshot *snap, uint32_t token);
	/* Call resync_run() after delay_ms (0: in the next loop iteration);
	 * a later call replaces an earlier one. */
	void (*wake)(void *arg, uint64_t delay_ms);
	/* A resync finished (optional). */
	void (*done)(void *arg);
	/* The thread's CPU time in microseconds (optional): the most one
	 * slice took is logged too, which tells a slice that worked long
	 * from one that other tasks kept off the CPU. */
	uint64_t (*cpu_us)(void *arg);
};

/* Settling delay before a resync starts, so that the rest of the burst
 * that overflowed is read first. */
#define RESYNC_SETTLE_MS	50
/* Between two resyncs' starts: three times what the last one took, so
 * that resyncs take at most a third of the loop's time while events keep
 * being lost, and at most this.  A fixed second made a burst that
 * overflowed for a second and a half wait a second for each resync
 * after the first (10,000 connections: the last join 2.5 s late). */
#define RESYNC_MAX_GAP_MS	1000
#define RESYNC_GAP_FACTOR	3
/* Loop time per slice: a slice stops once this is spent, after the step
 * or record under way, so that no callback holds the loop for more than
 * 20 ms (a 10,000-connection resync overflowed 50 by 20 ms). */
#define RESYNC_SLICE_MS		10
#define RESYNC_STEP_BREAK	2

struct resync *resync_new(struct engine *e, const struct resync_ops *ops,
			  void *arg, uint64_t max_gap_ms, uint64_t slice_ms);
void resync_free(struct resync *r);

/* Events were lost.  Schedules a resync (after the settling delay, or
 * when the rate limit allows), or marks the running one to be followed
 * by another.  True when this scheduled one: the caller logs then, and
 * stays quiet about the overflows that follow. */
bool resync_request(struct resync *r);
/* The wake-up asked for: start, or reconcile one more slice. */
void resync_run(struct resync *r);
/* A live event was applied to the model: while a snapshot is being
 * reconciled, its record of that connection is older than the model. */
void resync_note_event(struct resync *r, const struct mptcpd_event *ev);

bool resync_busy(const struct resync *r);	/* scheduled or running */
uint64_t resync_count(const struct resync *r);	/* resyncs started */
uint64_t resync_slices(const struct resync *r);	/* slices run */

#endif
