/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine: applies events to the model, asks the active strategy, turns
 * the returned actions into commands (allocating local IDs and recording
 * pending subflows) and feeds kernel errors back.  The only writer of the
 * model.  Sends through a function pointer so it needs no netlink.
 */
#ifndef MPTCPD_ENGINE_H
#define MPTCPD_ENGINE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"
#include "stats.h"

struct model;
struct iface_table;
struct snapshot;
struct snapshot_conn;

/* Why an action is sent, for monitors, logs and the history; every
 * string valid only during the call. */
struct engine_why {
	/* The triggering event and who decided: "subflow-stalled 192.0.2.2
	 * (backup-cellular)"; NULL for a manual action (mptcpd-ctl). */
	const char *cause;
	/* The whole story in one line: the action, the strategy's rule and
	 * the event, "promote wwan0 subflow: no working non-cellular subflow
	 * (address-removed 192.0.2.2 wlan0)". */
	const char *reason;
	const char *strategy;	/* NULL: manual */
	const char *policy;	/* the [policy] rule; NULL: none */
	const char *dev;	/* the action's interface; NULL: unknown */
};

struct engine_ops {
	/* Queue a command; 0 or -errno. */
	int (*send)(void *arg, const struct mptcpd_action *a);
	/* Monotonic milliseconds. */
	uint64_t (*now_ms)(void *arg);
	/* Call engine_on_timer() at (or soon after) at_ms; a later call
	 * replaces an earlier request.  Optional. */
	void (*schedule)(void *arg, uint64_t at_ms);
	/* Told of every event once the model reflects it (conn is NULL for
	 * events of no connection, and after CLOSED), and of every action
	 * sent; for the control socket's live stream.  Optional. */
	void (*observe_event)(void *arg, const struct mptcpd_event *ev);
	void (*observe_action)(void *arg, const struct mptcpd_action *a,
			       const struct engine_why *why);
	/* Who owns connection token's socket: its uid and cgroup v2 path
	 * (cgroup "" when not known); 0 or -errno.  Asked at most once per
	 * connection, only when a [policy] rule naming a user or cgroup
	 * could match it.  Optional: without it such rules never match. */
	int (*owner)(void *arg, uint32_t token, uint32_t *uid, char *cgroup,
		     size_t len);
};

struct engine;

/* What the engine did with one action, decided where it decides, so that
 * the control socket can tell the user exactly that.  Strategies' actions
 * get one too; nothing needs to look at it. */
enum engine_verdict {
	ENGINE_VERDICT_SENT = 0,	/* handed to the kernel; its answer
					 * comes later (engine_on_result) */
	ENGINE_VERDICT_ALREADY,		/* already so: the subflow exists, the
					 * address is announced, the flag set */
	ENGINE_VERDICT_NO_ROUTE,	/* a join with no route through its
					 * interface to the peer yet */
	ENGINE_VERDICT_NOT_ESTABLISHED,	/* a join on a connection not fully
					 * established yet (the kernel
					 * refuses it: ENOTCONN) */
	ENGINE_VERDICT_BACKING_OFF,	/* a join whose pair failed lately, or
					 * a flag change the kernel refused
					 * lately; a RETRY event ends the
					 * delay */
	ENGINE_VERDICT_LIMIT,		/* no local ID free (all 255 in use) */
	ENGINE_VERDICT_INVALID,		/* cannot be: announcing the initial
					 * address (ID 0) */
	ENGINE_VERDICT_NO_CONN,		/* no connection with that token */
	ENGINE_VERDICT_NO_SUBFLOW,	/* closing a subflow the connection
					 * does not have (4-tuple, ports too) */
	ENGINE_VERDICT_FAILED,		/* out of memory, or not sent */
};

/* Run-time settings for one interface (mptcpd-ctl); has_* says which. */
struct engine_iface_change {
	bool has_type, has_metered, has_exclude;
	enum mptcpd_iface_type type;
	enum mptcpd_metered metered;
	/* With has_type / has_metered: drop the run-time value instead of
	 * setting one (the configuration's or the detected one applies). */
	bool type_auto, metered_auto;
	bool exclude;
};

struct engine *engine_new(struct model *m, struct iface_table *ifaces,
			  const struct mptcpd_strategy *strategy,
			  unsigned int max_subflows,
			  const struct engine_ops *ops, void *ops_arg);
void engine_free(struct engine *e);
/* The default strategy: for the connections no [policy] rule gives one. */
void engine_set_strategy(struct engine *e, const struct mptcpd_strategy *s);
/* The [policy] rules, in order, and the strategy each names (NULL: the
 * default), copied; live connections are matched again and those whose
 * policy changed handed over.  0 or -ENOMEM (the old rules stay). */
struct policy_rule;
int engine_set_policies(struct engine *e, const struct policy_rule *rules,
			const struct mptcpd_strategy *const *strategies,
			size_t n);
/* Both at once (a reload): every live connection is matched once and
 * handed over only when its strategy or its rule's content changed, to
 * the strategy it ends with, never through an interim one.  0 or
 * -ENOMEM (nothing changed). */
int engine_reconfigure(struct engine *e, const struct mptcpd_strategy *def,
		       const struct policy_rule *rules,
		       const struct mptcpd_strategy *const *strategies,
		       size_t n);
size_t engine_policy_count(const struct engine *e);
const struct policy_rule *engine_policy_rule(const struct engine *e, size_t i);
/* A connection's rule (NULL: none, [core] applies) and strategy. */
struct model_conn;
const struct policy_rule *engine_conn_policy(const struct engine *e,
					     const struct model_conn *c);
const struct mptcpd_strategy *engine_conn_strategy(const struct engine *e,
						   const struct model_conn *c);
void engine_set_max_subflows(struct engine *e, unsigned int max);
/* The kernel sets the backup bit a SUBFLOW_CREATE asks for (6.9+,
 * genl_upm_checks_flags()): a backup join we opened is backup though
 * its SUB_ESTABLISHED reports the peer's bit, 0.  Before 6.9 it is not,
 * and the strategy's MP_PRIO sets it. */
void engine_set_join_backup_honoured(struct engine *e, bool honoured);
/* What peers' announcements may do: accept none, or at most max per
 * connection (the forbidden kinds are refused either way). */
void engine_set_peer_policy(struct engine *e, bool accept, unsigned int max);

/* The counters since start (stats.h): the engine counts into st, which
 * outlives it (the daemon context owns it); until this is called it
 * counts into its own.  Read access for the control socket. */
void engine_set_stats(struct engine *e, struct stats *st);
const struct stats *engine_get_stats(const struct engine *e);
/* Per-interface bytes, read on an operator's request (stats.h): a dump
 * begins (counted), then each subflow the kernel reported, with its
 * counts; engine_bytes_sum() makes the figures to report, in one walk of
 * the subflows (per request, never per tick). */
void engine_bytes_begin(struct engine *e);
void engine_bytes_seen(struct engine *e, uint32_t token,
		       const struct mptcpd_addr *local,
		       const struct mptcpd_addr *remote,
		       uint64_t sent, uint64_t received);
void engine_bytes_sum(const struct engine *e, struct stats_bytes *b);
/* Server side: which usable addresses may be announced: all of them, or
 * only those in list (n == 0 and !all: none).  The list is copied. */
int engine_set_announce(struct engine *e, bool all,
			const struct mptcpd_addr *list, size_t n);
/* Delays before a failed (local, remote) pair may be tried again. */
void engine_set_backoff(struct engine *e, uint64_t initial_ms, uint64_t max_ms);

void engine_on_event(struct engine *e, const struct mptcpd_event *ev);
/* A local address became usable or went away (from iface_table). */
void engine_on_local_addr(struct engine *e, const struct mptcpd_local_addr *a,
			  bool usable);
/* The kernel's answer to a command: err 0 or -errno;
 * ENGINE_ERR_NO_CONN when the kernel has no such connection (it closed
 * without our hearing of it): the connection leaves the model. */
#define ENGINE_ERR_NO_CONN	(-ESTALE)
void engine_on_result(struct engine *e, const struct mptcpd_action *a, int err,
		      const char *extack);
/* The kernel has no connection with this token (the periodic
 * reconciliation asked it): the connection leaves the model as after an
 * "invalid token" answer, counted in conns_gone; not logged, the caller
 * logs them in aggregate.  True when the model had it. */
bool engine_forget(struct engine *e, uint32_t token);
/* The answers to n commands were lost (a resync follows): counted. */
void engine_on_acks_lost(struct engine *e, size_t n);
/* Every command sent has its answer: a mass action's sweep is over and
 * its one log line is written. */
void engine_on_idle(struct engine *e);
bool engine_in_sweep(const struct engine *e);
/* The subflow (local, remote) of token has unacked data and no progress. */
void engine_on_stalled(struct engine *e, uint32_t token,
		       const struct mptcpd_addr *local,
		       const struct mptcpd_addr *remote);
/* The local address's path is dead (health.h): every established subflow
 * from it, on every connection, is flagged stalled, and each connection
 * concerned gets one SUB_STALLED event naming one of them, in one sweep.
 * The connections of first[0..n_first) (those with data waiting) are told
 * at once, in begin, so their commands lead the queue; the others in
 * steps of at most budget connections, so that 10,000 decisions do not
 * hold the loop (the caller runs a step per loop iteration while step
 * returns true).  The sweep's one log line comes with its last step.
 * A connection added or rehashed away from the cursor while it runs may
 * be missed: engine_on_dead_path_conn() catches it later. */
struct engine_path_sweep {
	struct mptcpd_addr local;	/* port 0 */
	uint64_t start_ms;		/* the verdict: handovers count from it */
	uint32_t cursor;		/* last connection visited */
	bool started;
	size_t told;
};
void engine_path_dead_begin(struct engine *e, struct engine_path_sweep *sw,
			    const struct mptcpd_addr *local,
			    const uint32_t *first, size_t n_first);
bool engine_path_dead_step(struct engine *e, struct engine_path_sweep *sw,
			   size_t budget);
/* All of it at once; how many connections were told. */
size_t engine_on_path_dead(struct engine *e, const struct mptcpd_addr *local,
			   const uint32_t *first, size_t n_first);
/* While a path is dead, a join from it is sent for one connection at a
 * time (the probe: the kernel's SYN retransmissions find out when the path
 * is back) and the other connections' joins are dropped, not failed: ten
 * thousand joins into a blackhole would each cost SYNs for two minutes and
 * a timeout.  Release: the path works again (a join on it was established,
 * a subflow heard an ACK, its address changed); with redecide, every
 * connection is asked again at once, its pairs from local freed of their
 * backoff. */
void engine_hold_path(struct engine *e, const struct mptcpd_addr *local);
void engine_release_path(struct engine *e, const struct mptcpd_addr *local,
			 bool redecide);
/* When the path from local was judged dead (engine_hold_path), or 0
 * when it is not held: for `interfaces` and `connection TOKEN`. */
uint64_t engine_path_dead_since(const struct engine *e,
				const struct mptcpd_addr *local);
/* One connection's subflow from local was seen on a path already dead:
 * act as the sweep would have (nothing when flagged already). */
void engine_on_dead_path_conn(struct engine *e, uint32_t token,
			      const struct mptcpd_addr *local);
/* Backoff delays that ran out become RETRY events. */
void engine_on_timer(struct engine *e);
/* Read access for the control socket. */
const struct mptcpd_strategy *engine_strategy(const struct engine *e);
/* A manual action (mptcpd-ctl): run through the same preparation as a
 * strategy's.  An announce's a->local_id is the address's ID when SENT
 * or ALREADY. */
enum engine_verdict engine_manual(struct engine *e, struct mptcpd_action *a);
/* Apply run-time interface settings (mptcpd-ctl).  The interface table
 * reports what that makes usable, unusable or reclassified through its
 * change callback (engine_on_local_addr), and strategies re-decide there.
 * 0, or -ENODEV when no interface has that name (nothing changed). */
int engine_set_iface(struct engine *e, const char *ifname,
		     const struct engine_iface_change *ch);
/* The hysteresis of strategies that follow the lowest RTT ([core]
 * rtt-switch-*), for the host view. */
void engine_set_rtt_switch(struct engine *e, unsigned int ratio_pct,
			   unsigned int margin_ms, unsigned int hold_ms);
/* RTT readings (engine_rtt.c).  The daemon, each tick: engine_rtt_next()
 * for the connections due (the least recently read first, each read
 * about every 200 ms; NULL when none is due, at once when none is
 * watched), reads their established subflows' tcp_info, hands each
 * smoothed RTT to engine_on_rtt() (idle_ms: since the subflow last sent
 * data), then engine_rtt_done() per connection: the strategy hears
 * MPTCPD_EVENT_RTT_UPDATED if anything was stored.  Watched: connections
 * whose strategy has MPTCPD_STRATEGY_WATCH_RTT, with more than one
 * established subflow. */
const struct mptcpd_conn *engine_rtt_next(struct engine *e);
void engine_on_rtt(struct engine *e, uint32_t token,
		   const struct mptcpd_addr *local,
		   const struct mptcpd_addr *remote, uint32_t srtt_us,
		   uint32_t idle_ms);
void engine_rtt_done(struct engine *e, uint32_t token);
size_t engine_rtt_watched(const struct engine *e);
/* Does the active strategy want stall reports (and so diag polling)? */
bool engine_watches_stalls(const struct engine *e);

/* Adoption: take the picture from a snapshot (plain records the daemon
 * gathered from sock_diag and GET_ADDR), then let the strategy complete
 * every adopted connection.  Connections in the model that the snapshot
 * lacks are dropped (they closed while we were not looking).  Indexes the
 * snapshot (snapshot_index) first: 0 or -ENOMEM. */
int engine_adopt(struct engine *e, struct snapshot *snap);
/* The same in steps, for a resync spread over several loop iterations
 * (resync.c), on an indexed snapshot: begin drops the vanished
 * connections and takes the listeners, at once; then one call per
 * connection record.  A record live events have overtaken is skipped
 * (live_closed, or live_event with the connection established in the
 * model).  Returns
 * whether the connection was adopted; engine_adopt_log() reports the
 * total. */
void engine_adopt_begin(struct engine *e, const struct snapshot *snap);
bool engine_adopt_one(struct engine *e, const struct snapshot *snap,
		      const struct snapshot_conn *kconn);
/* Should this record be adopted before the others: a connection the
 * model does not hold, or holds as not yet established (its joins wait
 * for it)?  The others are most often as the model has them. */
bool engine_adopt_first(struct engine *e, const struct snapshot_conn *kconn);
void engine_adopt_log(size_t adopted);

#endif
