/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket (protocol: ctl_proto.h): a non-blocking UNIX stream
 * server in RUNDIR/NETNS/control (ctl_ns_dir()).  Many clients at once; every
 * client's input is capped at CTL_MSG_MAX, its answers at CTL_ANSWER_MAX
 * and its unsent output at CTL_SERVER_OUT_MAX (a monitor that does not read
 * its events is dropped), so the daemon's memory stays bounded and its loop
 * never blocks; the limits below keep any local user from starving the
 * others or locking root out.  Read commands answer from the model
 * and the interface table; mutating ones (SO_PEERCRED uid 0, or the control
 * group as the peer's primary group or, by SO_PEERGROUPS, one of its
 * supplementary groups) go through the engine, the interface table and the
 * daemon.
 */
#ifndef MPTCPD_CTL_SERVER_H
#define MPTCPD_CTL_SERVER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ctl_proto.h"
#include "mptcpd/strategy.h"

#define CTL_SERVER_OUT_MAX (1024 * 1024)
/* A client with more unsent output than this is not read from (nor are its
 * pipelined requests answered) until it has read some: a slow reader or a
 * request flood costs at most this plus one answer, not a drop. */
#define CTL_SERVER_OUT_HIGH (256 * 1024)
/* Requests of one client answered per turn of the loop: the rest wait for
 * the next turn, after every other client has had its own. */
#define CTL_SERVER_BATCH 8
/* A client that sends no complete request for this long is closed (not a
 * monitor: it waits for events by design).  mptcpd-ctl asks at once and a
 * script between requests rarely waits this long; a held-open socket only
 * takes a slot that someone else may need. */
#define CTL_SERVER_IDLE_MS (30 * 1000)
#define CTL_SERVER_CLIENTS_MAX 256
/* Of those slots, the last CTL_SERVER_RESERVED are kept for root and the
 * control group, and the last CTL_SERVER_RESERVED_ROOT of them for root
 * alone: anyone who can reach the socket may fill the rest with idle or
 * slowloris clients, a member of the group all but root's, and root's
 * `mptcpd-ctl status` still gets in. */
#define CTL_SERVER_RESERVED 16
#define CTL_SERVER_RESERVED_ROOT 4

struct loop;
struct model;
struct iface_table;
struct engine;
struct plugin_set;
struct ctl_server;
struct resync;
struct history;

/* What the server reads and whom it asks; everything outlives the server. */
/* One subflow as the kernel sees it (struct tcp_info). */
struct ctl_subflow_stats {
	bool found;
	uint32_t rtt_us;		/* smoothed */
	uint64_t bytes_sent;		/* acked by the peer */
	uint64_t bytes_received;
	uint32_t retransmits;		/* segments, ever */
	uint32_t unacked;		/* segments in flight */
};

struct ctl_server_env {
	struct loop *loop;		/* NULL: no socket (unit tests) */
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	const struct resync *resync;	/* NULL: none (unit tests) */
	uint64_t started_ms;		/* now_ms() at start-up */
	uint64_t (*now_ms)(void *arg);
	/* Run the built-in or plugin strategy called name: 0 or -ENOENT. */
	int (*set_strategy)(void *arg, const char *name);
	/* Re-read the configuration file: 0, or -errno when it was refused
	 * (the running configuration is kept) with its reasons in why, one
	 * a line ("FILE:LINE: what is wrong"). */
	int (*reload)(void *arg, char *why, size_t len);
	/* The plugins loaded now (replaced on reload); may return NULL. */
	const struct plugin_set *(*plugins)(void *arg);
	/* Netlink datagrams dropped for not coming from the kernel; may be
	 * NULL. */
	uint64_t (*netlink_dropped)(void *arg);
	/* What the kernel says of c's established subflows now (sock_diag
	 * exact lookups; for "connection TOKEN", never on a periodic path):
	 * out[i] for c->subflows[i], found set when the kernel answered.
	 * May be NULL. */
	void (*subflow_stats)(void *arg, const struct mptcpd_conn *c,
			      struct ctl_subflow_stats *out);
	/* The decision history ("events"); NULL: none. */
	const struct history *history;
	/* The per-interface bytes of "stats" (stats.h): begin one sock_diag
	 * dump of the subflows (its handle; NULL: cannot, or another request's
	 * dump runs: the answer then has the last readings), read one datagram
	 * of it (1: over, 0: more, -errno: failed), end it.  The counts go
	 * to the engine as they come.  May be NULL. */
	void *(*bytes_begin)(void *arg);
	int (*bytes_step)(void *arg, void *dump);
	void (*bytes_end)(void *arg, void *dump);
	void *arg;
};

/* Listen on dir/control (normally dir = ctl_ns_dir(); dir created 0750 if missing; a stale socket is
 * replaced, a live one is -EADDRINUSE).  dir NULL or env->loop NULL: no
 * socket, only ctl_server_answer() works.  0 or -errno (logged). */
int ctl_server_new(struct ctl_server **out, const char *dir,
		   const struct ctl_server_env *env);
/* Closes every client and removes the socket file. */
void ctl_server_free(struct ctl_server *s);
/* Who besides root may run mutating commands; (gid_t)-1 = root only
 * (the default).  Members reach the socket only if the daemon also gives
 * them the directory ([core] control-group does both). */
void ctl_server_set_group(struct ctl_server *s, gid_t gid);
size_t ctl_server_clients(const struct ctl_server *s);

/* The live stream for "monitor" subscribers (engine observe_* hooks). */
void ctl_server_publish_event(struct ctl_server *s,
			      const struct mptcpd_event *ev);
/* cause: the event that led to it and who decided, or NULL; reason: the
 * whole story ("promote wwan0 subflow: no working non-cellular subflow
 * (address-removed 192.0.2.2 wlan0)"), or NULL. */
void ctl_server_publish_action(struct ctl_server *s,
			       const struct mptcpd_action *a, const char *cause,
			       const char *reason);

/* One request line from a client with these credentials: the answer line
 * (caller puts it; NULL only when out of memory).  *subscribe is set when
 * the client asked for the event stream.  CTL_ANSWER_MAX is applied when
 * an answer is queued for a socket client, not here. */
struct json_object *ctl_server_answer(struct ctl_server *s, const char *line,
				      size_t len, const struct ucred *cred,
				      bool *subscribe);

#endif
