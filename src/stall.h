/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stall detection for blackholed subflows: the link stays up, packets
 * vanish, and the kernel sends no event while it retransmits for ~15
 * minutes.  The caller polls sock_diag (diag_query_subflows) every ~100 ms
 * and feeds each subflow here; a subflow with data in flight whose
 * bytes_acked has not moved for max(STALL_MIN_MS, STALL_RTT_FACTOR *
 * srtt + STALL_SLACK_MS) is stalled.
 *
 * Pure: no I/O and no clock; the caller passes now_ms (any monotonic
 * millisecond clock).  Only a sender can be judged: a subflow with nothing
 * unacked is never stalled.
 *
 * One round per poll:
 *	stall_round_begin(h, now_ms);
 *	for each subflow s: if (stall_sample(h, &s)) ...act...;
 *	stall_round_end(h);
 */
#ifndef MPTCPD_STALL_H
#define MPTCPD_STALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The floor stays above normal jitter and delayed ACKs (40 ms on Linux);
 * 2 srtt + slack leaves room for one lost ACK on a long path.  Measured
 * on a veth lab polled every 100 ms: a blackhole is reported in 216-300
 * ms, while a healthy busy subflow never trips. */
#define STALL_MIN_MS		150
#define STALL_RTT_FACTOR	2
#define STALL_SLACK_MS		40

struct diag_subflow;
struct stall;

/* NULL on allocation failure; stall_free(NULL) is a no-op. */
struct stall *stall_new(void);
void stall_free(struct stall *h);

/* Starts a poll round at now_ms; every sample of the round uses it. */
void stall_round_begin(struct stall *h, uint64_t now_ms);
/* Records one subflow (keyed by token and both addresses with ports).
 * True exactly once when it becomes stalled; quiet after that until
 * bytes_acked moves or nothing is left unacked, after which it may fire
 * again.  False as well when memory runs out (the subflow is then only
 * judged on a later round). */
bool stall_sample(struct stall *h, const struct diag_subflow *s);
/* Forgets every subflow not sampled since stall_round_begin: closed
 * subflows, so memory follows the live ones. */
void stall_round_end(struct stall *h);

/* Is this subflow currently stalled (fired and not progressed since)? */
bool stall_is_stalled(const struct stall *h, const struct diag_subflow *s);
/* No-progress limit for this smoothed RTT, in ms. */
uint64_t stall_threshold_ms(uint32_t rtt_us);
/* Subflows remembered. */
size_t stall_count(const struct stall *h);

#endif
