/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's picture of MPTCP connections: by local token, with their
 * subflows, the peer's announced addresses and a local address-ID
 * allocator.  Plain data, no I/O.  The engine is its only writer.
 */
#ifndef MPTCPD_MODEL_H
#define MPTCPD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "heap.h"
#include "mptcpd/strategy.h"

struct model;

/* Per-connection table caps: a peer that joins and closes subflows, or
 * announces addresses, without end must not grow the daemon.  Subflows:
 * the configuration's max-subflows (255) plus the initial one; remotes: one
 * per remote ID; pairs: room for every subflow plus as many backing off.
 * At a cap, the add functions return NULL / -ENOSPC. */
#define MODEL_SUBFLOWS_MAX 256
#define MODEL_REMOTES_MAX 256
#define MODEL_PAIRS_MAX 512

/* Local address-ID binding of one connection. */
struct model_id {
	uint8_t id;
	struct mptcpd_addr addr;	/* port 0 */
	bool removed;			/* REMOVE acked: the kernel forgot it */
};

/* What the engine remembers about one (local, remote) pair of a
 * connection, across the subflows that come and go on it (backoff.c). */
struct model_pair {
	struct mptcpd_addr local;	/* port 0 */
	struct mptcpd_addr remote;	/* with port */
	unsigned int failures;		/* in a row */
	uint64_t retry_ms;		/* not before this; 0 = free to try */
	bool destroying;		/* we asked the kernel to close it */
	bool joined;			/* we asked for a join on it */
	uint64_t stalled_ms;		/* its subflow stalled then; 0: not */
	/* Flag changes (SET_BACKUP) the kernel refused in a row, and not
	 * before when to ask again (engine_exec.c). */
	unsigned int flag_failures;
	uint64_t flag_retry_ms;
};

/* The counters' record of one subflow (engine_acct.c), beside it in
 * model_conn.acct: the interface it counts for, whether it counts as
 * carrying traffic there now, and its byte counts when last read. */
struct model_subflow_acct {
	int ifindex;			/* 0: not known (yet) */
	uint8_t slot;			/* stats ifaces[slot - 1]; 0: none */
	bool metered;			/* its interface's class when known */
	bool active;			/* established, not backup: counted */
	bool counted;			/* counted as established once */
	uint64_t sent, received;	/* at the last stats request */
};

struct model_conn {
	struct mptcpd_conn pub;		/* the strategies' read-only view */
	struct mptcpd_subflow *subflows;	/* pub.subflows aliases this */
	size_t cap_subflows;
	struct model_subflow_acct *acct;	/* acct[i] is subflows[i]'s */
	size_t cap_acct;
	struct mptcpd_remote_addr *remotes;	/* pub.remotes aliases this */
	size_t cap_remotes;
	struct model_id *ids;		/* local IDs in use (1..255) */
	size_t n_ids, cap_ids;
	struct model_pair *pairs;
	size_t n_pairs, cap_pairs;
	struct mptcpd_announced *announced;	/* pub.announced aliases */
	size_t cap_announced;
	void *strategy_data;		/* pub.data; malloc'd, freed with us */
	uint64_t created_ms;
	/* Found by adoption, not seen from CREATED on: created_ms is when we
	 * adopted it (sock_diag does not tell when a socket was made). */
	bool adopted;
	/* Per-connection policy (engine_policy.c), chosen at the first
	 * decision: the index of the [policy] rule that matched (-1: none,
	 * [core] applies) and the strategy it named (NULL: the default). */
	bool policy_chosen;
	int policy;
	const struct mptcpd_strategy *strategy;
	/* The socket's owner, looked up once, only when a rule needs it:
	 * uid ((uint32_t)-1 when the lookup failed) and cgroup v2 path
	 * (malloc'd, freed with us; NULL when unknown). */
	bool owner_known;
	uint8_t owner_tries;		/* lookups answered "not yet" */
	uint32_t uid;
	char *cgroup;
	/* Server side: our last announcement (engine_exec.c paces them),
	 * its ID while the peer may still be taking it in (0: none), and
	 * whether another waits for it (the timer looks again). */
	uint64_t announce_ms;
	uint8_t announce_wait;
	bool announce_held;
	bool refusal_logged;		/* a peer's announcement refused */
	bool cap_logged;		/* a table of it was full */
	/* A promotion sent and not answered yet: when its trigger happened
	 * (0: none); the kernel's yes counts the handover (engine_acct.c). */
	uint64_t handover_ms;
	struct heap_node due;		/* in the model's due heap (key: ms) */
	/* In the model's RTT list (model_rtt_watch), and when its subflows'
	 * RTTs were last read. */
	bool rtt_watched;
	bool rtt_updated;		/* a subflow's srtt read, not told */
	uint64_t rtt_read_ms;
	struct model_conn *rtt_prev, *rtt_next;
	struct model *model;		/* its model, for the counters */
	struct model_conn *next;	/* hash chain */
};

struct model *model_new(void);
void model_free(struct model *m);

size_t model_conn_count(const struct model *m);
struct model_conn *model_conn_find(const struct model *m, uint32_t token);
/* Find or create; NULL only on allocation failure. */
struct model_conn *model_conn_get(struct model *m, uint32_t token);
void model_conn_del(struct model *m, uint32_t token);
/* Iterate: pass NULL first; returns NULL at the end.  Do not delete while
 * iterating; collect tokens first. */
struct model_conn *model_conn_next(const struct model *m,
				   const struct model_conn *prev);
/* The connection after token's place in that order, whether or not token
 * is still there (then the rest of its hash chain may be seen again): a
 * cursor for walks spread over many loop iterations, which connections
 * closing in between must not send back to the start.  NULL at the end. */
struct model_conn *model_conn_after(const struct model *m, uint32_t token);

/* When the engine must look at the connection again (a pending join's
 * timeout, a pair's backoff running out), 0 for never.  The model keeps
 * these due times in a heap, so that a timer tick finds the k connections
 * due in O(k log n) and never walks the others.  Cannot fail: the room
 * is reserved when the connection is made. */
void model_conn_set_due(struct model *m, struct model_conn *c, uint64_t at_ms);
static inline uint64_t model_conn_due(const struct model_conn *c)
{
	return heap_node_queued(&c->due) ? c->due.key : 0;
}
/* The connection due first, or NULL when none is due at all. */
struct model_conn *model_conn_due_first(const struct model *m);
/* Subflows of every connection, kept as they come and go: what "status"
 * reports, without a walk over the connections. */
size_t model_subflow_count(const struct model *m);

/* A place in a walk over the connections that survives changes between
 * its steps: work done a few connections per tick, round-robin.  Zeroed,
 * it starts at the beginning. */
struct model_cursor {
	size_t bucket;
	uint32_t token;		/* the last one returned, in bucket */
	bool valid;		/* token means something */
};
/* The connection after the cursor (wrapping around at the end), looking
 * at no more than *budget hash buckets (decremented): a table grown for a
 * burst and emptied since costs a bounded amount per call.  NULL when the
 * budget ran out first or the model is empty.  A connection added or
 * deleted between calls is simply met or not in this round; none is
 * returned twice in a row while others wait. */
struct model_conn *model_conn_cursor_next(const struct model *m,
					  struct model_cursor *cur,
					  size_t *budget);

/* The connections whose subflows' RTTs are read from the kernel, kept as
 * their own list so that a tick that reads a few of them never looks at
 * the others (and costs nothing while the list is empty).  The list is in
 * the order they were read, least recently first; a connection that
 * joins it comes first.  Deleting a connection takes it out. */
void model_rtt_watch(struct model *m, struct model_conn *c, bool on);
struct model_conn *model_rtt_first(const struct model *m);
/* c was read at now_ms: it goes to the end of the line. */
void model_rtt_read(struct model *m, struct model_conn *c, uint64_t now_ms);
size_t model_rtt_count(const struct model *m);

/* Subflows.  Matching is on local IP, remote IP and remote port; the
 * local port is not known for pending ones. */
struct mptcpd_subflow *model_subflow_find(struct model_conn *c,
					  const struct mptcpd_addr *local,
					  const struct mptcpd_addr *remote);
struct mptcpd_subflow *model_subflow_add(struct model_conn *c,
					 const struct mptcpd_subflow *s);
void model_subflow_del(struct model_conn *c, struct mptcpd_subflow *s);
/* Keep only the pending subflows (adoption: the kernel's list replaces
 * the others). */
void model_subflow_keep_pending(struct model_conn *c);
/* The counters' record of s (a subflow of c). */
static inline struct model_subflow_acct *
model_subflow_acct(struct model_conn *c, const struct mptcpd_subflow *s)
{
	return &c->acct[s - c->subflows];
}
/* Called for every subflow that leaves the model (deleted, dropped by
 * model_subflow_keep_pending, or with its connection; not at
 * model_free), before it goes, so that the counters can close its
 * record.  One hook; NULL: none. */
typedef void (*model_subflow_gone_fn)(void *arg, struct model_conn *c,
				      struct mptcpd_subflow *s);
void model_set_subflow_gone(struct model *m, model_subflow_gone_fn fn,
			    void *arg);

/* Remote (announced) addresses, by remote ID. */
struct mptcpd_remote_addr *model_remote_find(struct model_conn *c, uint8_t id);
int model_remote_set(struct model_conn *c, uint8_t id,
		     const struct mptcpd_addr *addr);
void model_remote_del(struct model_conn *c, uint8_t id);

/* Pair bookkeeping: find, or find-or-add (NULL on allocation failure or
 * at MODEL_PAIRS_MAX), or forget one (p is invalid afterwards). */
struct model_pair *model_pair_find(struct model_conn *c,
				   const struct mptcpd_addr *local,
				   const struct mptcpd_addr *remote);
struct model_pair *model_pair_get(struct model_conn *c,
				  const struct mptcpd_addr *local,
				  const struct mptcpd_addr *remote);
void model_pair_del(struct model_conn *c, struct model_pair *p);

/* Addresses we announced on the connection, by local ID. */
int model_announced_add(struct model_conn *c, uint8_t id,
			const struct mptcpd_addr *addr);
void model_announced_del(struct model_conn *c, uint8_t id);

/* Local address IDs.  The initial subflow's address is ID 0 and never
 * reused for another address.  Every other address gets the lowest free
 * ID in 1..255 and keeps it until a REMOVE of that ID is acked, because
 * the kernel keeps (address, ID) in the connection's list until then and
 * rejects the address under another ID or the ID for another address.
 * A removed ID is free again once no subflow and no announcement of the
 * model uses it; its address, back before that, gets it again.
 * -ENOSPC when full. */
int model_local_id(struct model_conn *c, const struct mptcpd_addr *addr);
/* Record an ID the kernel already holds (adoption, a join the peer
 * opened).  -EEXIST on conflict with an ID the kernel still holds. */
int model_local_id_reserve(struct model_conn *c, uint8_t id,
			   const struct mptcpd_addr *addr);
/* A REMOVE of id was acked: the kernel no longer holds it. */
void model_local_id_release(struct model_conn *c, uint8_t id);

#endif
