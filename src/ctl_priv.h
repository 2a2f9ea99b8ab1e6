/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control socket's parts share: ctl_server.c (the socket,
 * admission, the event stream), ctl_client.c (one client's buffers,
 * framing and flow control) and ctl_handlers.c (the commands and who may
 * run them).  Nothing else includes it but check_ctl_server,
 * which drives clients with made-up credentials.
 */
#ifndef MPTCPD_CTL_PRIV_H
#define MPTCPD_CTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "ctl_json.h"
#include "ctl_server.h"

struct ctl_client;
struct loop_io;
struct loop_timer;

/* A circular doubly linked list through its head: a client moves to the
 * end or leaves in O(1), whatever the number of clients. */
struct ctl_ring {
	struct ctl_ring *prev, *next;
};

static inline void ctl_ring_init(struct ctl_ring *r)
{
	r->prev = r->next = r;
}

static inline bool ctl_ring_empty(const struct ctl_ring *r)
{
	return r->next == r;
}

/* Leaves whatever list it is in; harmless when in none. */
static inline void ctl_ring_unlink(struct ctl_ring *r)
{
	r->prev->next = r->next;
	r->next->prev = r->prev;
	ctl_ring_init(r);
}

static inline void ctl_ring_append(struct ctl_ring *head, struct ctl_ring *r)
{
	ctl_ring_unlink(r);
	r->prev = head->prev;
	r->next = head;
	head->prev->next = r;
	head->prev = r;
}

/* Moves every element of from to the empty list to. */
static inline void ctl_ring_take(struct ctl_ring *to, struct ctl_ring *from)
{
	ctl_ring_init(to);
	if (ctl_ring_empty(from))
		return;
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	ctl_ring_init(from);
}

/* Which of the client slots a peer may take (CTL_SERVER_RESERVED*). */
enum ctl_peer_rank {
	CTL_PEER_OTHER = 0,
	CTL_PEER_GROUP,		/* the control group, primary or supplementary */
	CTL_PEER_ROOT,
};

/* Who sent a request: SO_PEERCRED, plus the supplementary groups when the
 * kernel told them (none for ctl_server_answer's callers). */
struct ctl_peer {
	const struct ucred *cred;
	const gid_t *groups;
	size_t n_groups;
};

struct ctl_server {
	struct ctl_server_env env;
	gid_t group;
	int fd;
	struct loop_io *io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client *clients;
	size_t n_clients, n_monitors;
	/* Clients that are not monitors, the longest silent first, and the
	 * one timer due when the first of them has been silent for idle_ms
	 * (CTL_SERVER_IDLE_MS; the unit tests shorten it). */
	struct ctl_ring idle;
	struct loop_timer *idle_timer;
	uint64_t idle_ms;
	/* Clients with requests left over from their last batch, and the
	 * zero-delay timer that takes them round by round. */
	struct ctl_ring backlog;
	struct loop_timer *backlog_timer;
	/* Callbacks in progress: clients dropped meanwhile are freed only
	 * when the outermost one returns, so no caller holds a freed one. */
	unsigned int busy;
	uint64_t refused_logged_ms;	/* last "no free slot" warning */
};

/* The name of an interface for the JSON builders (ctl_json_ifname_fn;
 * arg is the server), or NULL when unknown. */
const char *ctl_server_ifname(void *arg, int ifindex);

/* Root, a member of the control group, or anyone else.  Mutating
 * commands need one of the first two, and so do the reserved slots. */
enum ctl_peer_rank ctl_server_peer_rank(const struct ctl_server *s,
					const struct ctl_peer *peer);

/* Take a connected client (fd non-blocking) whose credentials are known:
 * 0, or -EUSERS when no slot is free for its rank (it then gets one
 * CTL_ERR_BUSY line) or -ENOMEM; on failure fd is closed.  The accept
 * path calls it with SO_PEERCRED and SO_PEERGROUPS; peer is copied. */
int ctl_server_add_peer(struct ctl_server *s, int fd,
			const struct ctl_peer *peer);

/* The "connections" answer is made a slice at a time by the client that
 * asked (ctl_client.c), so that ten thousand connections never hold the
 * loop: these are the tokens as they were at the request, in order; a
 * connection closed meanwhile is left out. */
struct ctl_conn_list {
	uint32_t *tokens;	/* malloc'd; whoever holds the list frees it */
	size_t n, next;
	/* An "events" answer instead: history seqs [next, n), tokens NULL
	 * (an entry overwritten meanwhile is left out), those of one
	 * connection only with by_token. */
	bool events;
	bool by_token;
	uint32_t token;
};

/* A "stats" answer waiting for its sock_diag dump (ctl_stats.c). */
struct ctl_stats_job;

/* What running a request asks of its client besides the answer line. */
struct ctl_reply {
	bool may_list;		/* in: the client can make the list in slices */
	bool subscribe;		/* out: "monitor": the event stream follows */
	/* out: tokens set when the answer's "connections" was left empty,
	 * to be filled from it (ctl_handlers_list_conn) */
	struct ctl_conn_list list;
	/* out: set when the answer line was left out: the client reads the
	 * dump a slice per turn (ctl_stats_job_step until it returns 1),
	 * then sends ctl_stats_job_finish()'s line (which frees the job). */
	struct ctl_stats_job *job;
};

/* One request line of this peer: the answer line (NULL only when out of
 * memory). */
struct json_object *ctl_server_answer_peer(struct ctl_server *s,
					   const char *line, size_t len,
					   const struct ctl_peer *peer,
					   struct ctl_reply *reply);

/* ctl_client.c.  A new client (fd non-blocking, its slot granted): 0 or
 * -ENOMEM (logged, fd closed). */
int ctl_client_new(struct ctl_server *s, int fd, const struct ctl_peer *peer);
/* One event line to every monitor. */
void ctl_client_broadcast(struct ctl_server *s, const char *text, size_t len);
/* Close every client (the server's end). */
void ctl_client_drop_all(struct ctl_server *s);

/* Run one validated request for this peer: the answer line (NULL only when
 * out of memory).  Mutating commands are refused unless the peer is root
 * or in the control group.  reply says what else the client must do. */
struct json_object *ctl_handlers_dispatch(struct ctl_server *s,
					  const struct ctl_request *req,
					  const struct ctl_peer *peer,
					  struct ctl_reply *reply);
/* One element of a "connections" list: 0 and *out (the caller puts it),
 * -ENOENT when the connection has closed since, or -ENOMEM. */
int ctl_handlers_list_conn(struct ctl_server *s, uint32_t token,
			   struct json_object **out);
/* The next element of l (a "connections" or "events" list), l->next
 * moved past it: as ctl_handlers_list_conn(), -ENOENT when it is left
 * out. */
int ctl_handlers_list_next(struct ctl_server *s, struct ctl_conn_list *l,
			   struct json_object **out);

/* ctl_waiting.c: what the daemon waits for.  A connection's "waiting"
 * list (NULL when empty): backoffs, and with detail (one connection)
 * joins held for a route and stalled subflows.  An interface's into o
 * (nothing when it waits for nothing). */
struct model_conn;
struct iface_info;
struct json_object *ctl_waiting_conn(struct ctl_server *s, struct model_conn *c,
				     bool detail);
void ctl_waiting_iface(struct ctl_server *s, const struct iface_info *i,
		       const struct mptcpd_addr *addrs, size_t n,
		       struct json_object *o);

/* ctl_stats.c.  The "stats" answer for request id: 0 and *out, or 0
 * and reply->job (with reply->may_list and a dump to read), or -ENOMEM. */
int ctl_stats_answer(struct ctl_server *s, int64_t id, struct ctl_reply *reply,
		     struct json_object **out);
/* One datagram of the dump: 1 when it is over (or failed), 0 for more. */
int ctl_stats_job_step(struct ctl_server *s, struct ctl_stats_job *j);
/* The answer line (NULL: out of memory); frees j. */
struct json_object *ctl_stats_job_finish(struct ctl_server *s,
					 struct ctl_stats_job *j);
/* A job whose client went away. */
void ctl_stats_job_free(struct ctl_server *s, struct ctl_stats_job *j);

#endif
