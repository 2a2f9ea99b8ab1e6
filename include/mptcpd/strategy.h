/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd strategy API, version 1.
 *
 * A strategy decides which subflows and announcements an MPTCP connection
 * should have.  It is a pure function: it receives one event, a read-only
 * view of the connection and of the host, and appends actions to a list.
 * It never does I/O and never reads the clock (the host view carries the
 * time).  The daemon applies the event to its model *before* calling the
 * strategy, runs the returned actions, and reports kernel errors back as
 * MPTCPD_EVENT_ACTION_FAILED.
 *
 * Lifetimes: the event, the connection, the host and everything they point
 * to (event->addr, event->action, conn->subflows, host->addrs...) belong
 * to the daemon and are valid only during the decide() call.  Copy what
 * must outlive it into conn->data.
 *
 * The built-in strategies (src/strategies/) implement this same interface;
 * they also share helpers internal to the daemon, which a plugin cannot
 * use.  Everything here is part of the ABI: structures only grow at the
 * end, enum values are never renumbered, and MPTCPD_STRATEGY_ABI_VERSION
 * changes when they must.
 */
#ifndef MPTCPD_STRATEGY_H
#define MPTCPD_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: struct mptcpd_conn gained held/n_held.
 * 3: struct mptcpd_subflow gained srtt_us/rtt_at_ms (its stride changed),
 *    struct mptcpd_action gained reason (its stride changed), and there is
 *    MPTCPD_STRATEGY_WATCH_RTT with MPTCPD_EVENT_RTT_UPDATED. */
#define MPTCPD_STRATEGY_ABI_VERSION 3

/* An IPv4 or IPv6 address with an optional port, port in host order. */
struct mptcpd_addr {
	sa_family_t family;	/* AF_INET or AF_INET6; AF_UNSPEC = none */
	uint16_t port;		/* host byte order; 0 = no port */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* What kind of link an interface is: detected (sysfs DEVTYPE, wireless
 * directory, ARPHRD type, name), or set by configuration or at run time. */
enum mptcpd_iface_type {
	MPTCPD_IFACE_OTHER = 0,
	MPTCPD_IFACE_ETHERNET = 1,
	MPTCPD_IFACE_WIFI = 2,
	MPTCPD_IFACE_CELLULAR = 3,
};

enum mptcpd_metered {
	MPTCPD_METERED_UNKNOWN = 0,
	MPTCPD_METERED_NO = 1,
	MPTCPD_METERED_YES = 2,
};

/* A local address the daemon considers usable right now. */
struct mptcpd_local_addr {
	struct mptcpd_addr addr;	/* port is 0 */
	int ifindex;
	char ifname[16];
	enum mptcpd_iface_type type;
	/* Costs money per byte.  Already resolved: an interface whose state
	 * is unknown counts as configured ([core] unknown-metered). */
	bool metered;
};

enum mptcpd_subflow_state {
	MPTCPD_SUBFLOW_PENDING = 0,	/* SUBFLOW_CREATE sent, no event yet */
	MPTCPD_SUBFLOW_ESTABLISHED = 1,
};

struct mptcpd_subflow {
	struct mptcpd_addr local;	/* port known once established */
	struct mptcpd_addr remote;
	uint8_t local_id;
	uint8_t remote_id;
	bool backup;
	enum mptcpd_subflow_state state;
	int ifindex;			/* 0 when not bound to a device */
	uint64_t since_ms;	/* requested (pending) or established at */
	bool stalled;		/* unacked data and no ack progress */
	/* ABI 3: the kernel's smoothed RTT of this subflow (tcp_info), in
	 * microseconds, and how fresh it is: when the subflow last sent data
	 * (host->now_ms scale), since the kernel takes RTT samples only from
	 * the ACKs of data.  A subflow that carries nothing (a backup) keeps
	 * the srtt of its last data, or of its handshake: compare rtt_at_ms
	 * with host->now_ms before trusting it.  Both 0 until sampled.
	 * Sampled only for strategies with MPTCPD_STRATEGY_WATCH_RTT, while
	 * the connection has more than one established subflow. */
	uint32_t srtt_us;
	uint64_t rtt_at_ms;
};

/* An address the peer announced (ADD_ADDR), or its initial one (id 0). */
struct mptcpd_remote_addr {
	uint8_t id;
	struct mptcpd_addr addr;	/* port 0 = the connection's port */
};

/* A (local, remote) pair the engine will not send a join for before
 * until_ms: its joins failed lately and it is backing off, or its last
 * join went unanswered and the kernel may still be sending its SYNs.  A
 * SUBFLOW_CREATE for it now is dropped (ENGINE: backing off), so a
 * strategy with a subflow budget leaves that slot to another path. */
struct mptcpd_held_pair {
	struct mptcpd_addr local;	/* port 0 */
	struct mptcpd_addr remote;	/* with port */
	uint64_t until_ms;		/* host->now_ms scale */
};

/* An address this host announced (ADD_ADDR) on a connection. */
struct mptcpd_announced {
	uint8_t id;
	struct mptcpd_addr addr;	/* port 0 = the connection's port */
};

struct mptcpd_conn {
	uint32_t token;			/* our local token */
	struct mptcpd_addr local;	/* initial subflow, with ports */
	struct mptcpd_addr remote;
	bool server_side;
	bool deny_join_id0;	/* no subflow to remote (RFC 8684 C flag) */
	bool established;	/* ESTABLISHED seen (or adopted) */
	size_t n_subflows;
	const struct mptcpd_subflow *subflows;
	size_t n_remotes;		/* announced addresses, initial excluded */
	const struct mptcpd_remote_addr *remotes;
	size_t n_announced;		/* server side: what we announced */
	const struct mptcpd_announced *announced;
	/* The strategy's own per-connection memory: conn_data_size zeroed
	 * bytes, allocated by the daemon with the connection and freed with
	 * it.  NULL when the strategy asked for none. */
	void *data;
	/* Pairs held back until a later time (ABI 2): see struct
	 * mptcpd_held_pair.  Filled for each decide() call. */
	size_t n_held;
	const struct mptcpd_held_pair *held;
};

struct mptcpd_host {
	size_t n_addrs;
	const struct mptcpd_local_addr *addrs;	/* usable local addresses */
	unsigned int max_subflows;	/* per connection, initial included */
	uint64_t now_ms;		/* monotonic clock, milliseconds */
	/* Server side: the usable addresses the configuration lets us
	 * announce ([core] announce), and the MPTCP listening sockets of
	 * this namespace (address and port; an unspecified address is a
	 * wildcard, and "::" serves IPv4 too). */
	size_t n_announce;
	const struct mptcpd_local_addr *announce;
	size_t n_listeners;
	const struct mptcpd_addr *listeners;
	/* ABI 3: the operator's hysteresis for strategies that put data on
	 * the path with the lowest RTT ([core] rtt-switch-ratio,
	 * rtt-switch-margin-ms, rtt-switch-hold-ms): move off the active
	 * path when its srtt exceeds the best alternative's both by the
	 * factor ratio_pct / 100 and by margin_us, for hold_ms in a row. */
	unsigned int rtt_switch_ratio_pct;	/* 100..1000; 150 = 1.5 */
	uint32_t rtt_switch_margin_us;
	uint32_t rtt_switch_hold_ms;
};

/*
 * Who is told what.  A kernel event goes to its own connection (found by
 * token) once the model reflects it; one for a token the daemon does not
 * know is dropped, except CREATED and ESTABLISHED, which make the
 * connection.  IPv4-mapped IPv6 addresses arrive as plain IPv4.  CLOSED is
 * the connection's last call (conn->data is freed right after); a
 * connection found gone after lost events is dropped without one.
 * LISTENER_* go to every server-side connection, never to a client-side
 * one, with the listening address and port in event->local and token 0
 * (use conn->token); host->listeners already reflects them.  ADDR_* go to
 * every connection, client or server side, established or not.  Daemon
 * events (32 and up) set event->token to the connection's and fields to 0:
 * read only what their comments below name.
 */
enum mptcpd_event_type {
	/* Kernel events (mptcp_pm_events group). */
	MPTCPD_EVENT_CREATED = 1,
	MPTCPD_EVENT_ESTABLISHED = 2,
	MPTCPD_EVENT_CLOSED = 3,
	MPTCPD_EVENT_ANNOUNCED = 4,
	MPTCPD_EVENT_REMOVED = 5,
	MPTCPD_EVENT_SUB_ESTABLISHED = 6,
	MPTCPD_EVENT_SUB_CLOSED = 7,
	MPTCPD_EVENT_SUB_PRIORITY = 8,
	MPTCPD_EVENT_LISTENER_CREATED = 9,
	MPTCPD_EVENT_LISTENER_CLOSED = 10,
	/* Daemon events. */
	/* An existing connection, its view rebuilt from the kernel (at
	 * start-up, after lost events); also sent to every connection when
	 * another strategy takes over (reload, mptcpd-ctl), with conn->data
	 * new and zeroed.  token only. */
	MPTCPD_EVENT_ADOPTED = 32,
	/* A local address became usable, got a new route, or changed class
	 * (type, metered): may repeat for the same address, so strategies must
	 * be idempotent here.  addr; host->addrs already holds it. */
	MPTCPD_EVENT_ADDR_ADDED = 33,
	/* A local address went away.  addr; host->addrs no longer holds it,
	 * but its subflows stay in the view until the kernel closes them. */
	MPTCPD_EVENT_ADDR_REMOVED = 34,
	/* The kernel refused an action (the strategy's or mptcpd-ctl's):
	 * action is the command as sent (local_id filled in), action_error
	 * the kernel's -errno, -ENOBUFS when its answer was lost.  The view is
	 * already rolled back (pending subflow gone, backup flag restored,
	 * announcement forgotten; a refused REMOVE is replaced by destroying
	 * the subflows of that ID), and a failed SUBFLOW_CREATE has started
	 * its pair's backoff.  Not reported: destroying a subflow already gone
	 * (success), and a command that could not even be queued (logged). */
	MPTCPD_EVENT_ACTION_FAILED = 35,
	/* A subflow has unacked data and no ack progress for
	 * max(150 ms, 2 srtt + 40 ms): the path is dead although the link is
	 * up.  Only reported to strategies with MPTCPD_STRATEGY_WATCH_STALLS,
	 * once per subflow; local and remote (with ports) are set although
	 * fields is 0, and the subflow's stalled flag is set in the view.
	 * When that makes its local address's path dead (nothing heard from
	 * it at all), every established subflow from that address, on every
	 * connection, is flagged stalled too (idle ones cannot tell), and each
	 * connection concerned gets one such event naming one of them. */
	MPTCPD_EVENT_SUB_STALLED = 36,
	/* The backoff delay the daemon imposed on one or more (local, remote)
	 * pairs of this connection ran out: the strategy may ask for those
	 * subflows again.  token only: which pairs is not said, so
	 * reconcile the whole connection. */
	MPTCPD_EVENT_RETRY = 37,
	/* ABI 3: the subflows' srtt_us in the view were read again from the
	 * kernel (at least one of them).  Only reported to strategies with
	 * MPTCPD_STRATEGY_WATCH_RTT.  token only. */
	MPTCPD_EVENT_RTT_UPDATED = 38,
};

/* Which optional fields of struct mptcpd_event the kernel sent (0 in daemon
 * events).  A kernel event lacking what its type needs never reaches a
 * strategy: CREATED, ESTABLISHED and SUB_* always carry TOKEN, LOCAL and
 * REMOTE (SUB_* also both IDs), ANNOUNCED TOKEN, REMOTE and REMOTE_ID,
 * REMOVED TOKEN and REMOTE_ID, CLOSED TOKEN, LISTENER_* LOCAL. */
enum mptcpd_event_field {
	MPTCPD_FIELD_TOKEN = 1u << 0,
	MPTCPD_FIELD_LOCAL = 1u << 1,
	MPTCPD_FIELD_REMOTE = 1u << 2,
	MPTCPD_FIELD_LOCAL_ID = 1u << 3,
	MPTCPD_FIELD_REMOTE_ID = 1u << 4,
	MPTCPD_FIELD_BACKUP = 1u << 5,
	MPTCPD_FIELD_ERROR = 1u << 6,
	MPTCPD_FIELD_FLAGS = 1u << 7,
	MPTCPD_FIELD_IFINDEX = 1u << 8,
	MPTCPD_FIELD_RESET = 1u << 9,
	MPTCPD_FIELD_SERVER_SIDE = 1u << 10,
	MPTCPD_FIELD_TIMEOUT = 1u << 11,
};

struct mptcpd_action;

struct mptcpd_event {
	enum mptcpd_event_type type;
	uint32_t fields;		/* enum mptcpd_event_field bits */
	uint32_t token;
	struct mptcpd_addr local;	/* saddr/sport */
	struct mptcpd_addr remote;	/* daddr/dport */
	uint8_t local_id;
	uint8_t remote_id;
	bool backup;
	bool server_side;
	bool deny_join_id0;
	uint8_t error;			/* sk_err copy (SUB_CLOSED) */
	uint16_t flags;			/* MPTCP_PM_EV_FLAG_* */
	int ifindex;
	uint32_t reset_reason;
	uint32_t reset_flags;
	uint32_t timeout;
	/* ADDR_ADDED / ADDR_REMOVED: the address concerned; else NULL. */
	const struct mptcpd_local_addr *addr;
	/* ACTION_FAILED: the action and the kernel's -errno; else NULL, 0. */
	const struct mptcpd_action *action;
	int action_error;
};

enum mptcpd_action_type {
	MPTCPD_ACTION_ANNOUNCE = 1,
	MPTCPD_ACTION_REMOVE = 2,
	MPTCPD_ACTION_SUBFLOW_CREATE = 3,
	MPTCPD_ACTION_SUBFLOW_DESTROY = 4,
	MPTCPD_ACTION_SET_BACKUP = 5,
};

/*
 * The daemon runs the actions in order once decide() returns.  It drops,
 * with at most a debug log: a SUBFLOW_CREATE for a pair (local address,
 * remote address and port) that already has a subflow, established or
 * pending; one bound to an interface with no route to the peer yet
 * (ADDR_ADDED comes again with the route); one for a pair in backoff
 * (RETRY follows); a SET_BACKUP to the flag the subflow already has.  It
 * refuses, with a warning, an ANNOUNCE of the connection's initial address
 * (ID 0).  It does not enforce host->max_subflows: the strategy must.
 */
struct mptcpd_action {
	enum mptcpd_action_type type;
	uint32_t token;
	struct mptcpd_addr local;	/* SUBFLOW_*: source; ANNOUNCE: address */
	struct mptcpd_addr remote;	/* SUBFLOW_*, SET_BACKUP: peer */
	uint8_t local_id;	/* REMOVE: set by the strategy; others: the daemon */
	bool backup;		/* SUBFLOW_CREATE, SET_BACKUP */
	int ifindex;		/* device to bind the subflow to; 0 = none */
	/* ABI 3: why, in the strategy's words, for operators (logs, monitor,
	 * history): the rule that chose this action, e.g. "no working
	 * non-cellular subflow".  A string with static storage duration (a
	 * literal), never one built in conn->data or on the stack; NULL:
	 * none given.  The daemon adds what the action does and the
	 * triggering event itself: "promote wwan0 subflow: no working
	 * non-cellular subflow (address-removed 192.0.2.2 wlan0)". */
	const char *reason;
};

/* More actions than this in one call: the rest is dropped, with a
 * warning, until the strategy is asked again. */
#define MPTCPD_ACTIONS_MAX 64

struct mptcpd_actions {
	size_t n;
	bool overflow;		/* a push was refused: the list was full */
	struct mptcpd_action v[MPTCPD_ACTIONS_MAX];
};

/* Append a zeroed action; NULL (and overflow set) when the list is full. */
static inline struct mptcpd_action *
mptcpd_actions_push(struct mptcpd_actions *list, enum mptcpd_action_type type,
		    uint32_t token)
{
	struct mptcpd_action *a;

	if (list->n >= MPTCPD_ACTIONS_MAX) {
		list->overflow = true;
		return NULL;
	}
	a = &list->v[list->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->token = token;
	return a;
}

/* Same address (and family); ports are ignored. */
static inline bool mptcpd_addr_same_ip(const struct mptcpd_addr *a,
				       const struct mptcpd_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	if (a->family == AF_INET6)
		return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
	return false;
}

/* struct mptcpd_strategy.flags */
enum mptcpd_strategy_flag {
	/* Watch the subflows' progress (a few lookups every 100 ms, while
	 * this strategy is the default or a [policy] rule names it) and
	 * report MPTCPD_EVENT_SUB_STALLED. */
	MPTCPD_STRATEGY_WATCH_STALLS = 1u << 0,
	/* ABI 3: keep the subflows' srtt_us fresh (read from the kernel a
	 * few connections at a time, each about every 200 ms while it has
	 * more than one subflow) and report MPTCPD_EVENT_RTT_UPDATED. */
	MPTCPD_STRATEGY_WATCH_RTT = 1u << 1,
};

struct mptcpd_strategy {
	unsigned int abi_version;	/* MPTCPD_STRATEGY_ABI_VERSION */
	/* What [core] strategy names: 1 to 63 characters among a-z 0-9 _ -,
	 * unique among the built-in and loaded strategies (a plugin breaking
	 * this is refused, as is one asking more than 64 KiB of conn_data_size
	 * or having no decide). */
	const char *name;
	const char *description;
	unsigned int flags;		/* enum mptcpd_strategy_flag */
	size_t conn_data_size;		/* see struct mptcpd_conn.data */
	/* Called once per event and connection; appends to out, which is
	 * empty on entry. */
	void (*decide)(const struct mptcpd_event *event,
		       const struct mptcpd_conn *conn,
		       const struct mptcpd_host *host,
		       struct mptcpd_actions *out);
};

/*
 * Out-of-tree strategies: a shared object in the plugin directory
 * ([core] plugin-dir) that defines
 *
 *	const struct mptcpd_strategy mptcpd_strategy = { ... };
 *
 * mptcpd loads every *.so there at start-up, refuses one whose
 * abi_version differs from its own or whose name clashes with another
 * strategy, and runs it for the connections [core] strategy or a
 * [policy] rule (mptcpd.conf(5)) gives it.  A plugin may use
 * only this header (and libc); it must not keep global mutable state.
 */
#define MPTCPD_STRATEGY_SYMBOL "mptcpd_strategy"

#ifdef __cplusplus
}
#endif

#endif /* MPTCPD_STRATEGY_H */
