/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision history: a bounded ring of what the daemon decided and why
 * (each action sent with its strategy's reason and its cause, strategy
 * switches, reloads, paths judged dead or alive again), so that a handover
 * can be examined after the fact (mptcpd-ctl events).  Plain data: no I/O,
 * no clock (the caller passes the times); the ring is allocated once, at
 * history_new() or history_resize(), and a record costs O(1) with no
 * allocation.  The oldest entry gives way to the newest.
 */
#ifndef MPTCPD_HISTORY_H
#define MPTCPD_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mptcpd/strategy.h"

/* [core] history-size: entries kept (0: no history). */
#define HISTORY_SIZE_DEFAULT 4096
#define HISTORY_SIZE_MAX 100000	/* about 70 MB: the bound of one table */

enum history_kind {
	HISTORY_ACTION = 0,	/* a command sent to the kernel */
	HISTORY_STRATEGY,	/* the default strategy was switched */
	HISTORY_RELOAD,		/* the configuration was reloaded */
	HISTORY_PATH_DEAD,	/* health.c judged a path dead */
	HISTORY_PATH_ALIVE,	/* ... and working again */
};

enum history_outcome {
	HISTORY_OUTCOME_NONE = 0,	/* not a command */
	HISTORY_OUTCOME_SENT,		/* sent, the kernel's answer awaited */
	HISTORY_OUTCOME_DONE,		/* the kernel did it */
	HISTORY_OUTCOME_REFUSED,	/* the kernel refused it: err */
	HISTORY_OUTCOME_NOT_SENT,	/* could not be queued: err */
};

#define HISTORY_NAME_MAX 64
#define HISTORY_REASON_MAX 224
#define HISTORY_CAUSE_MAX 192

struct history_entry {
	uint64_t seq;			/* 1, 2, ...: never reused */
	uint64_t mono_ms;		/* the daemon's monotonic clock */
	int64_t wall_ms;		/* the wall clock (UTC), ms since 1970 */
	enum history_kind kind;
	enum history_outcome outcome;
	int err;			/* REFUSED, NOT_SENT: -errno */
	uint32_t token;			/* 0: no connection */
	enum mptcpd_action_type action;	/* HISTORY_ACTION */
	struct mptcpd_addr local, remote;
	uint8_t local_id;
	bool backup;
	char dev[16];			/* the action's interface, "" unknown */
	char strategy[HISTORY_NAME_MAX];
	char policy[HISTORY_NAME_MAX];	/* "" when none ([core] applies) */
	/* "promote wwan0 subflow: no working non-cellular subflow
	 * (address-removed 192.0.2.2 wlan0)"; for other kinds what happened */
	char reason[HISTORY_REASON_MAX];
	/* the triggering event and who decided, as monitors see it */
	char cause[HISTORY_CAUSE_MAX];
};

struct history;

/* cap entries (at most HISTORY_SIZE_MAX; 0: a history that keeps
 * nothing).  NULL when out of memory. */
struct history *history_new(size_t cap);
void history_free(struct history *h);
/* Keep cap entries from now on, the newest of those kept so far: 0 or
 * -ENOMEM (the history is unchanged).  Commands in flight lose their
 * outcome update (history_outcome() no longer finds them). */
int history_resize(struct history *h, size_t cap);
size_t history_cap(const struct history *h);

/* A new entry, zeroed but for seq, kind and the times: the caller fills
 * the rest before its next call.  NULL when the history keeps nothing. */
struct history_entry *history_add(struct history *h, enum history_kind kind,
				  uint64_t mono_ms, int64_t wall_ms);
/* Copy text into one of an entry's fields, cut to fit. */
void history_set(char *field, size_t size, const char *text);
#define HISTORY_SET(field, text) history_set((field), sizeof(field), (text))

/* The kernel's answer to a command comes back with the command as sent;
 * the history finds the entry in O(1) through a tag the command carries
 * (history_tag(): the entry's own reason text, put in the command's
 * reason by whoever sends it).  A tag that is not the history's, or whose
 * entry was overwritten since by another command, changes nothing.  True
 * when an entry was updated. */
const char *history_tag(const struct history_entry *e);
bool history_outcome(struct history *h, const struct mptcpd_action *a,
		     enum history_outcome outcome, int err);

/* The seq of the oldest entry kept and the one the next entry will get:
 * entries are [first, next) (first == next: empty). */
uint64_t history_first(const struct history *h);
uint64_t history_next(const struct history *h);
/* The entry with this seq, or NULL (not yet, or overwritten). */
const struct history_entry *history_get(const struct history *h, uint64_t seq);
/* The seq of the first entry at or after mono_ms (binary search: entries
 * are in time order); history_next() when there is none. */
uint64_t history_since(const struct history *h, uint64_t mono_ms);

/* Words for logs and the protocol. */
const char *history_kind_word(enum history_kind k);
const char *history_outcome_word(enum history_outcome o);

#endif
