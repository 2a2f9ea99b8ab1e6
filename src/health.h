/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path health: which local paths are blackholed (the link stays up,
 * packets vanish, and the kernel says nothing while it retransmits for ~15
 * minutes).  A dead Wi-Fi is a property of the path, not of each subflow,
 * so the verdict is per path and the cost of looking is bounded per tick,
 * whatever the number of connections.
 *
 * What is looked at, every HEALTH_TICK_MS (health_plan):
 *  - "hot" subflows, those that had data in flight at their last look or
 *    sent some within HEALTH_HOT_HOLD_MS: every tick (up to a budget;
 *    beyond it those with data in flight or acked since the last look
 *    come first, and the others take turns).  Only a sender can see its
 *    data go unacknowledged, so only they can tell a dead path quickly.
 *  - every other established subflow of the model, in a slow round-robin
 *    of at most HEALTH_IDLE_BUDGET a tick, to find the ones that started
 *    sending.  A subflow just established (health_watch) is hot until
 *    its first look, so a fresh transfer is watched from its start.
 * With 10,000 idle connections a tick costs HEALTH_IDLE_BUDGET lookups
 * (about 0.25 ms of CPU) instead of 20,000; the price is that an idle
 * subflow that starts sending into an already dead path is found within
 * one round (subflows / budget ticks) rather than at once.
 *
 * The judgement (health_sample) keeps the per-subflow stall rule: a hot
 * subflow whose bytes_acked has not moved for max(HEALTH_STALL_MIN_MS,
 * HEALTH_RTT_FACTOR * srtt + HEALTH_SLACK_MS) and that heard no ACK at
 * all in that time is stalled.  Its path (its local address: one
 * interface and its gateway) is then declared dead unless another subflow
 * from that address heard an ACK after this one went silent: a peer or a
 * server that died must not move every other connection off a working
 * Wi-Fi.  A dead path is reported once, and the engine acts on every
 * connection using it at once (engine_on_path_dead).  It is alive again
 * when a subflow from it hears an ACK after the verdict, a subflow on it
 * is established (SYN and SYN/ACK went through: health_watch), or its
 * address or link changes (health_path_reset).
 *
 * Pure: no I/O, no clock; the caller passes now_ms (any monotonic
 * millisecond clock) and does the lookups.  One tick:
 *	n = health_plan(h, model, now_ms, keys, cap);
 *	look keys[0..n) up; for each answer s: act on health_sample(h, &s);
 *	health_tick_end(h);	(only when the lookups succeeded)
 */
#ifndef MPTCPD_HEALTH_H
#define MPTCPD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

/* The floor stays above normal jitter and delayed ACKs (40 ms on Linux);
 * 2 srtt + slack leaves room for one lost ACK on a long path.  Measured
 * on a veth lab polled every 100 ms: a blackhole is reported in 216-300
 * ms, while a healthy busy subflow never trips. */
#define HEALTH_STALL_MIN_MS	150
#define HEALTH_RTT_FACTOR	2
#define HEALTH_SLACK_MS		40
#define HEALTH_TICK_MS		100
/* Lookups per tick, hot and idle together: 256 exact lookups are about
 * 1 ms of CPU, 1% of a core at 10 ticks a second in the worst case (256
 * subflows sending at once); the first 256 senders are each looked at
 * every tick, more take turns. */
#define HEALTH_TICK_BUDGET	256
/* Idle subflows per tick: what an idle daemon pays, about 0.25% of a
 * core (measured: one lookup costs 3-4 us); a round over 20,000 subflows
 * takes 31 s, over 2,000 3.1 s.  A longer round only delays noticing that
 * a long-idle subflow started sending (a new subflow is looked at at
 * once): 128 made an idle daemon with 10,000 connections cost 2% of a
 * core, issue #9's bound. */
#define HEALTH_IDLE_BUDGET	64
/* However many are hot, the round-robin goes on at this pace. */
#define HEALTH_IDLE_MIN		32
/* Connections visited per tick at most, subflows or not: a table of
 * connections still without an established subflow costs no lookups but
 * must not make a tick long either. */
#define HEALTH_VISIT_BUDGET	(4 * HEALTH_IDLE_BUDGET)
/* A subflow that sent data within this is hot even when all of it is
 * acked at the moment of a look: on a fast path an application-limited
 * stream has nothing in flight most of the time, and it must be looked
 * at every tick when the path dies, not found again by the round-robin. */
#define HEALTH_HOT_HOLD_MS	2000
/* Local addresses judged; beyond, the least recently used one that is
 * not dead is forgotten. */
#define HEALTH_PATHS_MAX	64
/* tcp_info's last_ack_recv counts in jiffies (4-10 ms): an ACK heard
 * within this of the silent subflow's last one is the same moment. */
#define HEALTH_HEARD_SLACK_MS	20

struct diag_subflow;
struct diag_subflow_key;
struct model;
struct health;

enum health_verdict {
	HEALTH_VERDICT_NONE = 0,
	HEALTH_VERDICT_STALLED,		/* this subflow only: others on its
					 * path are heard */
	HEALTH_VERDICT_PATH_DEAD,	/* its local address is dead */
	HEALTH_VERDICT_PATH_ALIVE,	/* its dead path heard an ACK again */
	HEALTH_VERDICT_ON_DEAD_PATH,	/* a subflow still on a dead path: one
					 * the sweep missed, to move too */
};

/* NULL on allocation failure; health_free(NULL) is a no-op. */
struct health *health_new(void);
void health_free(struct health *h);

/* Nobody watches stalls any more (the strategies in use do not): every
 * subflow and path verdict is forgotten, so that nothing is kept for
 * subflows no tick will ever look at. */
void health_forget_all(struct health *h);
/* Starts a tick at now_ms: fills keys (at most cap, and at most
 * HEALTH_TICK_BUDGET) with the subflows to look up, hot ones first.
 * m is only read. */
size_t health_plan(struct health *h, const struct model *m, uint64_t now_ms,
		   struct diag_subflow_key *keys, size_t cap);
/* One answer of the tick (keyed by token and both addresses with
 * ports).  STALLED or PATH_DEAD exactly once when a hot subflow stalls;
 * quiet after that until its bytes_acked moves or nothing is left
 * unacked, after which it may fire again. */
enum health_verdict health_sample(struct health *h,
				  const struct diag_subflow *s);
/* Forgets the hot subflows that were looked up this tick and got no
 * answer: they are gone. */
void health_tick_end(struct health *h);

/* A subflow was just established (local and remote with ports): hot
 * until its first look, and its path is alive.  True when that path was
 * dead until now. */
bool health_watch(struct health *h, uint32_t token,
		  const struct mptcpd_addr *local,
		  const struct mptcpd_addr *remote, int ifindex);
/* The address (port ignored) appeared, went away or changed link: its
 * verdict is forgotten. */
void health_path_reset(struct health *h, const struct mptcpd_addr *local);

/* The tokens of the connections with a subflow from local that had data
 * in flight or acked at its last look (at most cap): the ones a user is
 * waiting on, to be moved first when the path dies. */
size_t health_path_senders(const struct health *h,
			   const struct mptcpd_addr *local, uint32_t *tokens,
			   size_t cap);
bool health_path_is_dead(const struct health *h,
			 const struct mptcpd_addr *local);
/* Is this subflow stalled (fired and not progressed since)? */
bool health_is_stalled(const struct health *h, const struct diag_subflow *s);
/* No-progress limit for this smoothed RTT, in ms. */
uint64_t health_threshold_ms(uint32_t rtt_us);
/* Hot subflows remembered. */
size_t health_hot_count(const struct health *h);

#endif
