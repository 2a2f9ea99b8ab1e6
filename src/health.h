/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stall detection for blackholed subflows: the link stays up, packets
 * vanish, and the kernel sends no event while it retransmits for ~15
 * minutes.  The caller polls sock_diag (diag_query_subflows) every ~100 ms
 * and feeds each subflow here; a subflow with data in flight whose
 * bytes_acked has not moved for max(HEALTH_MIN_MS, HEALTH_RTT_FACTOR *
 * srtt + HEALTH_SLACK_MS) is stalled.
 *
 * Pure: no I/O and no clock; the caller passes now_ms (any monotonic
 * millisecond clock).  Only a sender can be judged: a subflow with nothing
 * unacked is never stalled.
 *
 * One round per poll:
 *	health_round_begin(h, now_ms);
 *	for each subflow s: if (health_sample(h, &s)) ...act...;
 *	health_round_end(h);
 */
#ifndef MPTCPD_HEALTH_H
#define MPTCPD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The floor stays above normal jitter and delayed ACKs (40 ms on Linux);
 * 2 srtt + slack leaves room for one lost ACK on a long path.  Measured
 * on a veth lab polled every 100 ms: a blackhole is reported in 216-300
 * ms, while a healthy busy subflow never trips. */
#define HEALTH_MIN_MS		150
#define HEALTH_RTT_FACTOR	2
#define HEALTH_SLACK_MS		40

struct diag_subflow;
struct health;

/* NULL on allocation failure; health_free(NULL) is a no-op. */
struct health *health_new(void);
void health_free(struct health *h);

/* Starts a poll round at now_ms; every sample of the round uses it. */
void health_round_begin(struct health *h, uint64_t now_ms);
/* Records one subflow (keyed by token and both addresses with ports).
 * True exactly once when it becomes stalled; quiet after that until
 * bytes_acked moves or nothing is left unacked, after which it may fire
 * again.  False as well when memory runs out (the subflow is then only
 * judged on a later round). */
bool health_sample(struct health *h, const struct diag_subflow *s);
/* Forgets every subflow not sampled since health_round_begin: closed
 * subflows, so memory follows the live ones. */
void health_round_end(struct health *h);

/* Is this subflow currently stalled (fired and not progressed since)? */
bool health_is_stalled(const struct health *h, const struct diag_subflow *s);
/* No-progress limit for this smoothed RTT, in ms. */
uint64_t health_threshold_ms(uint32_t rtt_us);
/* Subflows remembered. */
size_t health_count(const struct health *h);

#endif
