/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's counters since start, for operators (mptcpd-ctl stats, the
 * OpenMetrics exposition): plain data, no I/O, no clock reads (callers
 * pass the time).  One struct, owned by the daemon context through its
 * engine; every table has a fixed size, and every function is O(1) or
 * O(table size) with a small constant table, never a walk over
 * connections or subflows: counting costs nothing measurable per event.
 *
 * Per-interface bytes: the kernel tells a subflow's byte counts only
 * through sock_diag, and a scan of every subflow per tick would cost with
 * the number of connections.  So they are read when an operator asks
 * ("stats" makes one sock_diag dump, in slices): each live subflow's
 * counts are remembered beside it in the model (engine_bytes_seen), and
 * when it leaves the model its last counts move into its interface's
 * closed totals (stats_bytes_closed).  The figure reported is the closed
 * totals plus the last counts of the subflows alive (engine_bytes_sum:
 * one walk of them per request, not per tick).  It never goes back, and
 * no dump, failed, partial or concurrent, can make it; bytes a subflow
 * moved after the last request before it closed are not counted (a lower
 * bound: ask often, e.g. the contrib/prometheus timer, to keep it close).
 */
#ifndef MPTCPD_STATS_H
#define MPTCPD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct errnos kept for failed joins; the rest count as "other". */
#define STATS_ERRNOS_MAX 16
/* Interfaces kept; more are counted in ifaces_dropped only. */
#define STATS_IFACES_MAX 32
/* The kernel's MP_TCPRST reasons (MPTCP_RST_E*: 0..6); 7 is any other. */
#define STATS_RESETS 8
/* Upper bounds of the handover latency buckets, in milliseconds; one more
 * bucket (+Inf) follows. */
#define STATS_LATENCY_BUCKETS 12
extern const uint32_t stats_latency_bounds_ms[STATS_LATENCY_BUCKETS];

/* Why a subflow closed. */
enum stats_close {
	STATS_CLOSE_REQUESTED = 0,	/* we asked for it (strategy, user) */
	STATS_CLOSE_ERROR,		/* the socket had an error (sk_err) */
	STATS_CLOSE_RESET,		/* reset (MP_TCPRST), no socket error */
	STATS_CLOSE_OTHER,		/* none of these: an orderly close */
	STATS_CLOSE_COUNT,
};

struct stats_errno {
	int err;			/* positive errno; 0: slot free */
	uint64_t count;
};

struct stats_hist {
	uint64_t bucket[STATS_LATENCY_BUCKETS + 1];	/* not cumulative */
	uint64_t count;
	uint64_t sum_ms;
};

struct stats_iface {
	int ifindex;
	char name[16];
	uint64_t subflows;		/* established on it */
	uint64_t sent, received;	/* closed subflows' last counts */
	uint64_t active_ms;		/* carried non-backup subflows */
	uint64_t active_since_ms;	/* while n_active > 0 */
	uint32_t n_active;		/* non-backup established now */
};

struct stats {
	uint64_t conns;			/* connections managed */
	uint64_t subflows_requested;	/* joins sent */
	uint64_t subflows_established;	/* joined (ours or the peer's) */
	struct stats_errno failed[STATS_ERRNOS_MAX];
	uint64_t failed_other;		/* errnos past the table */
	uint64_t closed[STATS_CLOSE_COUNT][STATS_RESETS];
	uint64_t promotions, demotions;
	struct stats_hist handover;	/* trigger -> promotion sent */
	uint64_t stalls;		/* subflows found stalled */
	uint64_t announcements_sent;
	uint64_t announcements_refused;	/* peers' ADD_ADDR not joined */
	uint64_t events_lost;		/* event socket overflows */
	uint64_t commands_failed;	/* refused, or not sent */
	/* What the engine refused or left alone (was engine_stats). */
	uint64_t local_conns_ignored;	/* both ends on this host */
	uint64_t joins_timed_out;	/* pending with no kernel word */
	uint64_t over_cap;		/* subflows, pairs not tracked: full */
	uint64_t conns_gone;		/* the kernel had no such connection */
	uint64_t acks_lost;		/* answers lost; resync covered them */
	/* Bytes over metered interfaces (as classed when the subflow was
	 * established): closed subflows' last counts. */
	uint64_t metered_sent, metered_received;
	uint64_t dumps;			/* byte readings (sock_diag) begun */
	struct stats_iface ifaces[STATS_IFACES_MAX];
	size_t n_ifaces;
	uint64_t ifaces_dropped;
};

void stats_init(struct stats *st);

/* A join (or the kernel's answer to one) failed with errno err (> 0). */
void stats_join_failed(struct stats *st, int err);
/* A subflow closed: why, and the kernel's reset reason (any value). */
void stats_closed(struct stats *st, enum stats_close why, uint32_t reset);
/* A promotion was sent latency_ms after the event that caused it. */
void stats_promoted(struct stats *st, uint64_t latency_ms);

/* The interface's entry, made on first use (name copied); NULL when the
 * table is full (counted) or ifindex <= 0. */
struct stats_iface *stats_iface(struct stats *st, int ifindex,
				const char *name);
/* The interface's entry if it has one (no entry made, nothing counted). */
const struct stats_iface *stats_iface_find(const struct stats *st, int ifindex);
/* An established non-backup subflow starts (+1) or stops (-1) being
 * carried by the interface: its active time runs while any is. */
void stats_iface_active(struct stats_iface *i, int delta, uint64_t now_ms);
/* Active time up to now, the running stretch included. */
uint64_t stats_iface_active_ms(const struct stats_iface *i, uint64_t now_ms);

/* A subflow that leaves with these last counts (see the top of this
 * file); i NULL: no interface known. */
void stats_bytes_closed(struct stats *st, struct stats_iface *i, bool metered,
			uint64_t sent, uint64_t received);

/* The byte figures reported: closed totals plus the live subflows' last
 * counts; sent[k] is st->ifaces[k]'s. */
struct stats_bytes {
	uint64_t sent[STATS_IFACES_MAX], received[STATS_IFACES_MAX];
	uint64_t metered_sent, metered_received;
};
/* b from the closed totals, then each live subflow's last counts. */
void stats_bytes_init(const struct stats *st, struct stats_bytes *b);
void stats_bytes_add(const struct stats *st, struct stats_bytes *b,
		     const struct stats_iface *i, bool metered,
		     uint64_t sent, uint64_t received);

/* The words of the enums, as the protocol and the metrics spell them. */
const char *stats_close_word(enum stats_close why);
const char *stats_reset_word(unsigned int reset);	/* 0..STATS_RESETS-1 */

#endif
