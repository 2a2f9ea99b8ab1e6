/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded exponential backoff per (local, remote) pair, for every
 * strategy: a subflow that failed or died is not asked for again before
 * its delay runs out, so a dead or flapping path cannot make the daemon
 * loop or storm the kernel.  Pure: the caller passes the time.
 */
#ifndef MPTCPD_BACKOFF_H
#define MPTCPD_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>
#include "model.h"

struct backoff_policy {
	uint64_t initial_ms;	/* first delay */
	uint64_t max_ms;	/* delays double up to this */
	uint64_t healthy_ms;	/* a subflow that lived this long was fine:
				 * its end starts the count afresh */
};

#define BACKOFF_DEFAULT_INITIAL_MS 1000
#define BACKOFF_DEFAULT_MAX_MS 60000
#define BACKOFF_DEFAULT_HEALTHY_MS 30000

/* A subflow of the pair failed to open, or closed after lived_ms
 * (0 when it never was established). */
void backoff_failed(struct model_pair *p, const struct backoff_policy *pol,
		    uint64_t now_ms, uint64_t lived_ms);
/* Conditions changed (the local address came back, got a route): the
 * pair's history no longer says anything. */
void backoff_reset(struct model_pair *p);
bool backoff_allows(const struct model_pair *p, uint64_t now_ms);

#endif
