/* SPDX-License-Identifier: BSD-3-Clause */
/* What engine.c, engine_exec.c and engine_adopt.c share. */
#ifndef MPTCPD_ENGINE_PRIV_H
#define MPTCPD_ENGINE_PRIV_H

#include "backoff.h"
#include "engine.h"
#include "model.h"
#include "policy.h"
#include "stats.h"

struct iface_table;

/* A join still pending this long (no SUB_ESTABLISHED, no SUB_CLOSED: the
 * SYNs went unanswered, or an event was lost) stops counting as one of the
 * connection's subflows and counts as a failure of its pair: three SYNs
 * (0, 1, 3 s) had no answer, and a path that slow carries nothing useful. */
#define ENGINE_JOIN_TIMEOUT_MS 5000
/* The kernel keeps sending that join's SYNs for about two minutes
 * (tcp_syn_retries): the pair is not asked for again meanwhile, so that no
 * second join of the same pair races the first. */
#define ENGINE_JOIN_HOLD_MS 130000

/* Server side, one announcement at a time per connection: the next goes
 * when the peer joined the last one, or this long after it.  A peer's
 * kernel path manager takes an ADD_ADDR in only when it is done with the
 * one before (it joins, then echoes); one arriving meanwhile is dropped
 * unechoed, and our kernel sends it again only after its retransmission
 * timeout (about 200 ms): a duplicate, and a late join.  The kernel's own
 * path manager waits for each echo, which we do not see; the join comes
 * a handshake later than the echo, and a peer that never joins must not
 * wait for ever.  The join is what lets the next one go in practice; the
 * timer is for peers that do not join (Linux's default limits accept no
 * address), so it may be long.  At 50 ms it went off first in bursts:
 * a burst of 1,000 lost a fifth of the second ADD_ADDRs to busy peers,
 * heard again ~230 ms later and joined 90th percentile 230-240 ms after
 * establishment; at 150 ms none was lost in four runs and the 90th
 * percentile join came after 65-118 ms. */
#define ENGINE_ANNOUNCE_GAP_MS 150

/* One mass action's counts (engine_sweep.c). */
struct engine_sweep {
	bool open;
	char label[96];			/* "eth0 192.0.2.2 gone" */
	unsigned int causes;		/* events merged into it */
	uint64_t start_ms;
	uint64_t conns;			/* connections commands went for */
	uint64_t sent, not_sent;	/* commands handed over, refused */
	uint64_t promoted, demoted, joins, announced, withdrawn, closed;
	uint64_t failed, gone, acks_lost;
	int first_err;
};

/* Dead paths whose joins are held (engine_hold_path); more at once are
 * not held. */
#define ENGINE_HELD_PATHS_MAX 8

struct engine_held_path {
	struct mptcpd_addr local;	/* port 0 */
	uint64_t probe_until_ms;	/* the probe join's time to answer */
	uint64_t since_ms;		/* judged dead then */
};

struct engine {
	struct model *model;
	struct iface_table *ifaces;
	const struct mptcpd_strategy *strategy;
	unsigned int max_subflows;
	bool join_backup_honoured;	/* engine_set_join_backup_honoured() */
	struct backoff_policy backoff;
	struct engine_ops ops;
	void *ops_arg;
	uint64_t wakeup_ms;		/* the retry time asked of ops.schedule */
	bool announce_all;		/* [core] announce = all */
	struct mptcpd_addr *announce_list;	/* [core] announce = ADDR... */
	size_t n_announce_list;
	struct mptcpd_local_addr *announce_buf;	/* host view scratch */
	struct mptcpd_addr *listeners;	/* MPTCP listening sockets */
	size_t n_listeners, cap_listeners;
	struct mptcpd_actions actions;	/* scratch list, reused per call */
	bool accept_announcements;	/* [core] accept-announcements */
	unsigned int max_announcements;	/* [core] max-announcements */
	uint64_t last_refusal_log_ms;	/* engine_peer.c's log limit */
	struct stats *st;		/* the counters: the daemon's, or */
	struct stats own_stats;		/* these until engine_set_stats() */
	/* When the event behind the decision being made happened (0: now);
	 * a handover's latency counts from it. */
	uint64_t trigger_ms;
	/* The type of that event, while a decision runs (0 outside one). */
	int trigger_event;
	struct mptcpd_held_pair *held;	/* conn->held scratch, reused */
	size_t cap_held;
	struct engine_sweep sweep;	/* the mass action under way */
	/* [policy] rules (a copy) and the strategy each names (NULL: the
	 * default), engine_policy.c. */
	struct policy_rule *policies;
	const struct mptcpd_strategy **policy_strategies;
	size_t n_policies;
	struct mptcpd_local_addr *policy_addrs;	/* host view scratch */
	size_t cap_policy_addrs;
	/* Why the actions being run are asked for: the triggering event and
	 * who decided ("subflow-stalled 192.0.2.2 (backup-cellular)"), set
	 * for the length of one decision; "" outside one. */
	char cause[288];
	/* Its parts: the event alone ("address-removed 192.0.2.2 wlan0"),
	 * the strategy and the rule (NULL: none) deciding. */
	char cause_event[112];
	const char *cause_strategy, *cause_policy;
	struct engine_held_path held_paths[ENGINE_HELD_PATHS_MAX];
	/* [core] rtt-switch-*, for the host view. */
	unsigned int rtt_ratio_pct;
	uint32_t rtt_margin_us, rtt_hold_ms;
	size_t n_held_paths;
};

/* Ask the strategy about one connection and run what it returns. */
void engine_decide(struct engine *e, struct model_conn *c,
		   const struct mptcpd_event *ev);
/* Run one action: local IDs, pending subflows, backoff; then send.
 * Says what was done; strategies' callers may ignore it. */
enum engine_verdict engine_execute(struct engine *e, struct model_conn *c,
				   struct mptcpd_action *a);
/* The initial subflow is in the model from ESTABLISHED on. */
void engine_add_initial(struct model_conn *c);
/* Listening sockets: add one, remove one, or forget all. */
void engine_listener_add(struct engine *e, const struct mptcpd_addr *a);
void engine_listener_del(struct engine *e, const struct mptcpd_addr *a);
/* Timer visits per engine_on_timer() call: each may ask the strategy,
 * so a mass timeout is spread over loop turns (tens of microseconds each:
 * a few milliseconds per turn). */
#define ENGINE_TIMER_BATCH 256

/* Make sure ops.schedule() will wake us by at_ms. */
void engine_wake_at(struct engine *e, uint64_t at_ms);
/* Make sure the connection is visited by at_ms (its due time in the
 * model only moves earlier here; the visit sets the exact next one). */
void engine_conn_wake(struct engine *e, struct model_conn *c, uint64_t at_ms);
/* The connection's due time from what it has pending or held (after
 * adoption changed its subflows behind the engine's back). */
void engine_conn_rearm(struct engine *e, struct model_conn *c);
/* engine_why.c: the interface an action concerns (NULL: unknown), and
 * the one-line story of an action (struct engine_why.reason) into buf. */
const char *engine_why_dev(struct engine *e, struct model_conn *c,
			   const struct mptcpd_action *a);
void engine_why_text(struct engine *e, struct model_conn *c,
		     const struct mptcpd_action *a, char *buf, size_t len);
void engine_log_action(int level, const struct mptcpd_action *a,
		       const char *what);
/* A strategy's ANNOUNCE for c must wait (ENGINE_ANNOUNCE_GAP_MS): the
 * timer asks again.  Manual announcements do not wait. */
bool engine_announce_held(struct engine *e, struct model_conn *c,
			  uint64_t now_ms);
/* When a held announcement may go. */
static inline uint64_t engine_announce_at(const struct model_conn *c)
{
	return c->announce_ms + ENGINE_ANNOUNCE_GAP_MS;
}
/* The timer's look at a connection whose announcement waited: true when
 * its time came (the strategy is asked again). */
bool engine_announce_due(struct model_conn *c, uint64_t now_ms);
/* Take back what preparing a (now failed or never sent) action made the
 * model believe. */
void engine_unprepare(struct engine *e, struct model_conn *c,
		      const struct mptcpd_action *a);
/* The pair of a's subflow while a refused flag change of it backs off
 * (engine.c, engine_flag_refused), else NULL. */
const struct model_pair *engine_flag_backing_off(struct model_conn *c,
						 const struct mptcpd_action *a,
						 uint64_t now);
/* A connection's table is full (what: "subflow", "pair"): counted,
 * logged once per connection. */
void engine_over_cap(struct engine *e, struct model_conn *c, const char *what);
/* engine_policy.c: the connection's rule, chosen at its first decision
 * (once its addresses are known); the view and the actions cut to it. */
void engine_policy_choose(struct engine *e, struct model_conn *c);
void engine_policy_host(struct engine *e, const struct model_conn *c,
			struct mptcpd_host *host);
void engine_policy_actions(struct engine *e, const struct model_conn *c,
			   const struct mptcpd_host *host,
			   struct mptcpd_actions *out);
/* engine_rtt.c: put the connection in or out of the RTT readings, from
 * its strategy and subflows (at each decision). */
void engine_rtt_track(struct engine *e, struct model_conn *c);
/* Does the default strategy or one a rule names have this flag? */
bool engine_policy_uses(const struct engine *e, unsigned int flag);
/* engine_peer.c: may the peer's announcement (ev) be joined?  True when
 * refused (counted, logged once per connection). */
bool engine_peer_refuses(struct engine *e, struct model_conn *c,
			 const struct mptcpd_event *ev);
/* Both ends of the connection of ev on this host (loopback, or one of
 * our own addresses as the remote)? */
bool engine_conn_is_local(const struct engine *e,
			  const struct mptcpd_event *ev);

/* engine_acct.c: the counters' per-subflow records (model_subflow_acct).
 * Every call is O(1).  After s's state or backup flag changed: */
void engine_acct_update(struct engine *e, struct model_conn *c,
			struct mptcpd_subflow *s);
/* The model's hook: s leaves the model. */
void engine_acct_gone(void *arg, struct model_conn *c,
		      struct mptcpd_subflow *s);
/* Adoption replaces a connection's subflows with the kernel's: the byte
 * records of those that have any are kept aside (malloc'd into *out, NULL
 * when none or out of memory; their count), cleared so that leaving the
 * model does not count them as closed, and put back on the same subflows
 * afterwards, or counted as closed for the subflows the kernel no longer
 * has (engine_acct_restore frees them).  Without this a resync would
 * count a subflow's bytes twice. */
struct engine_acct_keep {
	struct mptcpd_addr local, remote;
	struct model_subflow_acct r;
};
size_t engine_acct_keep(struct model_conn *c, struct engine_acct_keep **out);
void engine_acct_restore(struct engine *e, struct model_conn *c,
			 struct engine_acct_keep *keep, size_t n);
/* A subflow of c closed (SUB_CLOSED, or our destroy acked): why. */
void engine_acct_closed(struct engine *e, struct model_conn *c,
			const struct mptcpd_subflow *s,
			const struct mptcpd_event *ev);
/* An action was handed to the kernel (in a decision, trigger_* say
 * why), and the kernel's answer to it. */
void engine_acct_sent(struct engine *e, struct model_conn *c,
		      const struct mptcpd_action *a);
void engine_acct_result(struct engine *e, struct model_conn *c,
			const struct mptcpd_action *a, int err);

/* engine_sweep.c: a mass action opens a sweep (merged into one already
 * open); engine_sweep_conn() after each connection's decision, given
 * sweep.sent before it; engine_sweep_end_if_quiet() after the last.  The
 * counts come from engine_execute() and engine_on_result(); the line is
 * logged by engine_sweep_close() (engine_on_idle). */
void engine_sweep_open(struct engine *e, const char *label);
void engine_sweep_conn(struct engine *e, uint64_t sent_before);
void engine_sweep_end_if_quiet(struct engine *e);
void engine_sweep_sent(struct engine *e, const struct mptcpd_action *a,
		       bool ok);
void engine_sweep_result(struct engine *e, const struct mptcpd_action *a,
			 int err);
void engine_sweep_acks_lost(struct engine *e, size_t n);
void engine_sweep_close(struct engine *e);

#endif
