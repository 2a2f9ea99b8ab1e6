/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model reconciled with the kernel a few connections at a time: each
 * tick the next RECONCILE_PER_TICK connections, round-robin, are asked of
 * the kernel by token (sock_diag's exact lookup: one hash lookup each),
 * and those it no longer has at two looks a tick apart are forgotten (at
 * the first look its CLOSED may just be waiting in our socket; most
 * are).  A connection escapes the
 * events when a CLOSED is lost or raced by our commands; nothing else
 * would remove it.  The cost per tick is bounded whatever the number of
 * connections (idle ones only make a round longer), and the forgotten are
 * logged in aggregate.  Pure: the daemon does the lookups and the timer.
 */
#ifndef MPTCPD_RECONCILE_H
#define MPTCPD_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"

#define RECONCILE_PERIOD_MS 250
#define RECONCILE_PER_TICK 32		/* lookups per tick: 128/s */
#define RECONCILE_BUCKETS_PER_TICK 1024	/* hash buckets looked at per tick */
#define RECONCILE_LOG_EVERY_MS 10000	/* at most one line per this */

struct reconcile {
	struct model_cursor cursor;
	/* Not found at the last tick (looked at again first), and at this
	 * one (for the next). */
	uint32_t again[RECONCILE_PER_TICK], suspects[RECONCILE_PER_TICK];
	size_t n_again, n_suspects;
	/* A lookup found a connection once: "not found" can be believed
	 * (a kernel without mptcp_diag answers "not found" to everything). */
	bool lookup_works;
	uint64_t checked, forgotten;	/* since start */
	uint64_t unlogged;		/* forgotten since the last line */
	uint64_t logged_ms;
};

/* The tokens to ask about this tick: first those the kernel did not have
 * at the last tick and the model still has, then the next ones
 * round-robin over the model, looking at no more than
 * RECONCILE_BUCKETS_PER_TICK hash buckets; at most max (room for
 * 2 * RECONCILE_PER_TICK is enough), each once.  Returns how many were
 * written to tokens. */
size_t reconcile_pick(struct reconcile *r, const struct model *m,
		      uint32_t *tokens, size_t max);
/* The kernel's answer about a token picked this tick (0: it has it,
 * -ENOENT: it has not, another -errno: no answer): true when the
 * connection is to be forgotten (counted): not found at the last tick
 * either, and still in the model (no CLOSED came in between). */
bool reconcile_answer(struct reconcile *r, uint32_t token, int err);
/* Is a log line due at now_ms?  Then *n is the count to report (since
 * the last line), and the count starts again. */
bool reconcile_log_due(struct reconcile *r, uint64_t now_ms, uint64_t *n);

#endif
