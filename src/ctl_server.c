/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: accepting clients, framing lines, bounded queues,
 * credentials, and the event stream.  Requests are fully validated by
 * ctl_json_parse_request() before ctl_handlers.c runs them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "iface.h"
#include "log.h"
#include "loop.h"

/* Bytes read from one client per wake-up, so one busy client cannot
 * starve the others (the loop is level-triggered: the rest comes next). */
#define CTL_READ_BUDGET (64 * 1024)
#define CTL_IN_CHUNK 4096
/* At most one "no free slot" warning per minute: refusals are cheap to
 * provoke, the log should not be. */
#define CTL_REFUSED_LOG_MS (60 * 1000)

struct ctl_client {
	struct ctl_server *s;
	int fd;
	struct loop_io *io;
	struct ucred cred;
	gid_t *groups;			/* supplementary (SO_PEERGROUPS); owned */
	size_t n_groups;
	char *in;			/* partial request line */
	size_t in_len, in_cap;
	char *out;			/* unsent answers and events */
	size_t out_len, out_off, out_cap;
	uint64_t active_ms;		/* when its last request came */
	struct ctl_ring idle_link;	/* in s->idle unless a monitor */
	struct ctl_ring backlog_link;	/* in s->backlog while waiting */
	bool waiting;			/* complete requests not answered yet */
	bool monitor;			/* subscribed to the event stream */
	bool closing;			/* flush what is queued, then close */
	bool dead;			/* closed; freed by ctl_server_reap */
	struct ctl_client *next;
};

#define CTL_CLIENT_OF(link, member) \
	((struct ctl_client *)((char *)(link) - offsetof(struct ctl_client, member)))

/* ---- Lists ------------------------------------------------------------- */

static void ctl_ring_init(struct ctl_ring *r)
{
	r->prev = r->next = r;
}

static bool ctl_ring_empty(const struct ctl_ring *r)
{
	return r->next == r;
}

/* Leaves whatever list it is in; harmless when in none. */
static void ctl_ring_unlink(struct ctl_ring *r)
{
	r->prev->next = r->next;
	r->next->prev = r->prev;
	ctl_ring_init(r);
}

static void ctl_ring_append(struct ctl_ring *head, struct ctl_ring *r)
{
	ctl_ring_unlink(r);
	r->prev = head->prev;
	r->next = head;
	head->prev->next = r;
	head->prev = r;
}

/* Moves every element of from to the empty list to. */
static void ctl_ring_take(struct ctl_ring *to, struct ctl_ring *from)
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

/* ---- Requests ---------------------------------------------------------- */

const char *ctl_server_ifname(void *arg, int ifindex)
{
	struct ctl_server *s = arg;
	const char *name = iface_name(s->env.ifaces, ifindex);

	return strcmp(name, "?") == 0 ? NULL : name;
}

static struct json_object *ctl_server_answer_peer(struct ctl_server *s,
						  const char *line, size_t len,
						  const struct ctl_peer *peer,
						  bool *subscribe)
{
	const struct ucred *cred = peer->cred;
	struct ctl_request req;
	const char *code = CTL_ERR_BAD_REQUEST;
	char msg[256], esc[4 * sizeof(msg)];

	*subscribe = false;
	if (ctl_json_parse_request(line, len, &req, &code, msg, sizeof(msg)) < 0) {
		/* The message quotes the request: the client's bytes. */
		ctl_escape(esc, sizeof(esc), msg);
		log_debug(LOG_SUB_CORE, "control: pid %d: refused request: %s",
			  (int)cred->pid, esc);
		return ctl_json_error(req.has_id, req.id, code, msg);
	}
	log_debug(LOG_SUB_CORE, "control: pid %d uid %u: %s", (int)cred->pid,
		  (unsigned int)cred->uid, ctl_json_cmd_name(req.cmd));
	return ctl_handlers_dispatch(s, &req, peer, subscribe);
}

struct json_object *ctl_server_answer(struct ctl_server *s, const char *line,
				      size_t len, const struct ucred *cred,
				      bool *subscribe)
{
	const struct ctl_peer peer = { .cred = cred };

	return ctl_server_answer_peer(s, line, len, &peer, subscribe);
}

enum ctl_peer_rank ctl_server_peer_rank(const struct ctl_server *s,
					const struct ctl_peer *peer)
{
	if (peer->cred->uid == 0)
		return CTL_PEER_ROOT;
	if (s->group == (gid_t)-1)
		return CTL_PEER_OTHER;
	if (peer->cred->gid == s->group)
		return CTL_PEER_GROUP;
	for (size_t i = 0; i < peer->n_groups; i++)
		if (peer->groups[i] == s->group)
			return CTL_PEER_GROUP;
	return CTL_PEER_OTHER;
}

/* ---- Clients ----------------------------------------------------------- */

static void ctl_client_free(struct ctl_client *c)
{
	free(c->groups);
	free(c->in);
	free(c->out);
	free(c);
}

/* Free the dropped clients once no callback can still hold them. */
static void ctl_server_reap(struct ctl_server *s)
{
	struct ctl_client **pp = &s->clients;

	if (s->busy)
		return;
	while (*pp) {
		struct ctl_client *c = *pp;

		if (c->dead) {
			*pp = c->next;
			ctl_client_free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void ctl_client_drop(struct ctl_client *c, const char *why)
{
	struct ctl_server *s = c->s;

	if (c->dead)
		return;
	if (why)
		log_warn(LOG_SUB_CORE, "control: dropping client pid %d uid %u: %s",
			 (int)c->cred.pid, (unsigned int)c->cred.uid, why);
	loop_io_del(s->env.loop, c->io);
	c->io = NULL;
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	ctl_ring_unlink(&c->idle_link);
	ctl_ring_unlink(&c->backlog_link);
	s->n_clients--;
	if (c->monitor)
		s->n_monitors--;
	ctl_server_reap(s);
}

/* ---- Idle clients ------------------------------------------------------ */

static void ctl_server_idle_fire(void *arg);

/* One timer for all: due when the longest silent client has been silent
 * for idle_ms.  A client's request only moves it to the end of the list,
 * so the loop does no work per client until one really expires. */
static void ctl_server_idle_arm(struct ctl_server *s, uint64_t now)
{
	const struct ctl_client *first;
	uint64_t due;

	if (s->idle_timer || ctl_ring_empty(&s->idle))
		return;
	first = CTL_CLIENT_OF(s->idle.next, idle_link);
	due = first->active_ms + s->idle_ms;
	/* Without the timer (no memory) the next request tries again. */
	s->idle_timer = loop_timer_add(s->env.loop,
				       due > now ? (double)(due - now) / 1000.0 : 0,
				       0, ctl_server_idle_fire, s);
}

static void ctl_server_idle_fire(void *arg)
{
	struct ctl_server *s = arg;
	uint64_t now = loop_now_ms(s->env.loop);

	loop_timer_del(s->env.loop, s->idle_timer);	/* one-shot: done */
	s->idle_timer = NULL;
	s->busy++;
	while (!ctl_ring_empty(&s->idle)) {
		struct ctl_client *c = CTL_CLIENT_OF(s->idle.next, idle_link);

		if (c->active_ms + s->idle_ms > now)
			break;
		log_debug(LOG_SUB_CORE, "control: closing client pid %d uid %u: "
			  "no request for %llu ms", (int)c->cred.pid,
			  (unsigned int)c->cred.uid, (unsigned long long)s->idle_ms);
		ctl_client_drop(c, NULL);
	}
	s->busy--;
	ctl_server_reap(s);
	ctl_server_idle_arm(s, now);
}

/* A request came (or the client connected): the idle clock starts again. */
static void ctl_client_touch(struct ctl_client *c)
{
	struct ctl_server *s = c->s;

	if (c->monitor)
		return;
	c->active_ms = loop_now_ms(s->env.loop);
	ctl_ring_append(&s->idle, &c->idle_link);
	ctl_server_idle_arm(s, c->active_ms);
}

/* ---- Output and flow control ------------------------------------------- */

static void ctl_server_backlog_fire(void *arg);

/* Its requests left over are answered on the loop's next turn. */
static void ctl_client_defer(struct ctl_client *c)
{
	struct ctl_server *s = c->s;

	if (ctl_ring_empty(&c->backlog_link))
		ctl_ring_append(&s->backlog, &c->backlog_link);
	if (!s->backlog_timer)
		s->backlog_timer = loop_timer_add(s->env.loop, 0, 0,
						  ctl_server_backlog_fire, s);
}

static size_t ctl_client_unsent(const struct ctl_client *c)
{
	return c->out_len - c->out_off;
}

/* Read only while its output is below the high-water mark and no request
 * of it waits: a client that does not read its answers, or sends faster
 * than it is answered, is slowed down to its own pace, not dropped. */
static void ctl_client_watch(struct ctl_client *c)
{
	bool below = ctl_client_unsent(c) < CTL_SERVER_OUT_HIGH;

	if (c->waiting && below && !c->closing)
		ctl_client_defer(c);
	loop_io_set(c->s->env.loop, c->io, !c->closing && below && !c->waiting,
		    ctl_client_unsent(c) > 0);
}

static void ctl_client_flush(struct ctl_client *c)
{
	while (c->out_len > c->out_off) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			ctl_client_drop(c, NULL);	/* it went away */
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->out_cap > CTL_MSG_MAX) {	/* do not keep a burst's peak */
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->closing) {
			ctl_client_drop(c, NULL);
			return;
		}
	}
	ctl_client_watch(c);
}

static int ctl_client_reserve(struct ctl_client *c, size_t len)
{
	size_t need, cap;
	char *nv;

	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	need = c->out_len + len;
	if (need <= c->out_cap)
		return 0;
	cap = c->out_cap ? c->out_cap : 4096;
	while (cap < need)
		cap *= 2;
	nv = realloc(c->out, cap);
	if (!nv)
		return -ENOMEM;
	c->out = nv;
	c->out_cap = cap;
	return 0;
}

/* Queue one line and push what the socket takes now.  Requests stop being
 * answered at CTL_SERVER_OUT_HIGH, so only a monitor that does not read
 * its events reaches the cap: it is dropped rather than letting memory
 * grow or the loop wait for it. */
static void ctl_client_queue(struct ctl_client *c, const char *text, size_t len)
{
	if (c->dead)
		return;
	if (ctl_client_unsent(c) >= CTL_SERVER_OUT_MAX) {
		ctl_client_drop(c, c->monitor ? "it does not read its event stream "
				"(queue full)" : "it does not read its answers "
				"(queue full)");
		return;
	}
	if (ctl_client_reserve(c, len + 1) < 0) {
		ctl_client_drop(c, "out of memory for its answers");
		return;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	ctl_client_flush(c);
}

/* An answer over the protocol's cap is replaced by an error the client
 * can act on (only "connections" grows so). */
static struct json_object *ctl_client_too_big(struct json_object *line,
					      size_t len)
{
	struct json_object *id = NULL;
	char msg[192];

	json_object_object_get_ex(line, "id", &id);
	snprintf(msg, sizeof(msg), "the answer would be %zu bytes, over the "
		 "protocol's limit of %d: ask for one connection at a time "
		 "(\"connection\" with its token)", len + 1, CTL_ANSWER_MAX);
	return ctl_json_error(id != NULL, json_object_get_int64(id),
			      CTL_ERR_TOO_BIG, msg);
}

static void ctl_client_send(struct ctl_client *c, struct json_object *line)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	size_t len;
	const char *text;

	if (!line) {
		ctl_client_drop(c, "out of memory for its answer");
		return;
	}
	text = json_object_to_json_string_length(line, flags, &len);
	if (text && len >= CTL_ANSWER_MAX) {	/* the newline counts */
		struct json_object *err = ctl_client_too_big(line, len);

		json_object_put(line);
		if (!err) {
			ctl_client_drop(c, "out of memory for its answer");
			return;
		}
		line = err;
		text = json_object_to_json_string_length(line, flags, &len);
	}
	ctl_client_queue(c, text, len);
	json_object_put(line);
}

/* ---- Input ------------------------------------------------------------- */

static void ctl_client_line(struct ctl_client *c, const char *line, size_t len)
{
	const struct ctl_peer peer = {
		.cred = &c->cred, .groups = c->groups, .n_groups = c->n_groups,
	};
	bool subscribe = false;
	struct json_object *answer;

	ctl_client_touch(c);
	answer = ctl_server_answer_peer(c->s, line, len, &peer, &subscribe);
	ctl_client_send(c, answer);
	if (subscribe && !c->dead && !c->monitor) {
		c->monitor = true;
		c->s->n_monitors++;
		ctl_ring_unlink(&c->idle_link);	/* it waits for events */
	}
}

static void ctl_client_too_long(struct ctl_client *c)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "a request line is at most %d bytes; "
		 "closing", CTL_MSG_MAX);
	ctl_client_send(c, ctl_json_error(false, 0, CTL_ERR_TOO_BIG, msg));
	if (!c->dead) {
		c->closing = true;
		ctl_client_flush(c);
	}
}

/* Answer up to CTL_SERVER_BATCH complete lines, fewer once its unsent
 * output reaches the high-water mark; keep the rest (c->waiting when a
 * complete line is among it). */
static void ctl_client_lines(struct ctl_client *c)
{
	size_t start = 0;
	char *nl = NULL;

	c->waiting = false;
	for (int n = 0; !c->dead && !c->closing; n++) {
		nl = memchr(c->in + start, '\n', c->in_len - start);
		if (!nl || n == CTL_SERVER_BATCH ||
		    ctl_client_unsent(c) >= CTL_SERVER_OUT_HIGH)
			break;
		ctl_client_line(c, c->in + start, (size_t)(nl - (c->in + start)) + 1);
		start = (size_t)(nl - c->in) + 1;
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	c->waiting = nl && !c->closing;
	if (!c->waiting && c->in_len >= CTL_MSG_MAX && !c->closing)
		ctl_client_too_long(c);
	else if (!c->closing)
		ctl_client_watch(c);
}

static int ctl_client_grow_in(struct ctl_client *c)
{
	size_t cap = c->in_cap ? c->in_cap * 2 : CTL_IN_CHUNK;
	char *nv;

	if (cap > CTL_MSG_MAX)
		cap = CTL_MSG_MAX;
	nv = realloc(c->in, cap);
	if (!nv)
		return -ENOMEM;
	c->in = nv;
	c->in_cap = cap;
	return 0;
}

/* The peer closed its side: answer what came, then close. */
static void ctl_client_eof(struct ctl_client *c)
{
	if (c->out_len == c->out_off) {
		ctl_client_drop(c, NULL);
		return;
	}
	c->closing = true;
	ctl_client_watch(c);
}

static void ctl_client_read(struct ctl_client *c)
{
	size_t budget = CTL_READ_BUDGET;

	while (budget && !c->dead && !c->closing && !c->waiting &&
	       ctl_client_unsent(c) < CTL_SERVER_OUT_HIGH) {
		ssize_t n;

		if (c->in_len == c->in_cap && ctl_client_grow_in(c) < 0) {
			ctl_client_drop(c, "out of memory for its request");
			return;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			ctl_client_eof(c);
			return;
		}
		c->in_len += (size_t)n;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		ctl_client_lines(c);
	}
}

static void ctl_client_ready(void *arg)
{
	struct ctl_client *c = arg;
	struct ctl_server *s = c->s;

	s->busy++;
	if (c->out_len > c->out_off)
		ctl_client_flush(c);
	if (!c->dead && !c->closing)
		ctl_client_read(c);
	s->busy--;
	ctl_server_reap(s);
}

/* One round: every client waiting at the start gets one more batch; those
 * with still more go to the end, behind the sockets that became ready. */
static void ctl_server_backlog_fire(void *arg)
{
	struct ctl_server *s = arg;
	struct ctl_ring round;

	loop_timer_del(s->env.loop, s->backlog_timer);	/* one-shot: done */
	s->backlog_timer = NULL;
	ctl_ring_take(&round, &s->backlog);
	s->busy++;
	while (!ctl_ring_empty(&round)) {
		struct ctl_client *c = CTL_CLIENT_OF(round.next, backlog_link);

		ctl_ring_unlink(&c->backlog_link);
		ctl_client_lines(c);
	}
	s->busy--;
	ctl_server_reap(s);
}

/* ---- Accepting --------------------------------------------------------- */

/* The peer's supplementary groups as they were at connect(), like
 * SO_PEERCRED (Linux 4.13+).  The kernel says how much room it needs when
 * the buffer is too small (ERANGE); that size does not change, so one
 * retry is enough: the bound is only a guard.  *groups is the caller's to
 * free, also on failure. */
#ifdef SO_PEERGROUPS
static int ctl_server_get_groups(int fd, gid_t **groups, size_t *n)
{
	socklen_t cap = 16 * sizeof(gid_t);

	for (int tries = 0; tries < 3; tries++) {
		gid_t *v = realloc(*groups, cap);
		socklen_t len = cap;

		if (!v)
			return -ENOMEM;
		*groups = v;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) == 0) {
			*n = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE || len <= cap)
			return -errno;
		cap = len;
	}
	return -ERANGE;
}
#else
static int ctl_server_get_groups(int fd, gid_t **groups, size_t *n)
{
	(void)fd;
	(void)groups;
	(void)n;
	return -ENOPROTOOPT;
}
#endif

/* Without the list a member whose control group is supplementary can
 * still read, just not change anything: worth a warning, not a refusal. */
static void ctl_server_groups(int fd, const struct ucred *cred, gid_t **groups,
			      size_t *n)
{
	int err = ctl_server_get_groups(fd, groups, n);

	if (err == -ENOPROTOOPT)
		log_debug(LOG_SUB_CORE, "control: SO_PEERGROUPS is not supported "
			  "(Linux < 4.13): only a client's primary group counts");
	else if (err < 0)
		log_warn(LOG_SUB_CORE, "control: pid %d: cannot read its groups "
			 "(%s): only its primary group counts", (int)cred->pid,
			 strerror(-err));
	if (err < 0)
		*n = 0;
}

static size_t ctl_server_slots(enum ctl_peer_rank rank)
{
	switch (rank) {
	case CTL_PEER_OTHER:
		return CTL_SERVER_CLIENTS_MAX - CTL_SERVER_RESERVED;
	case CTL_PEER_GROUP:
		return CTL_SERVER_CLIENTS_MAX - CTL_SERVER_RESERVED_ROOT;
	case CTL_PEER_ROOT:
		break;
	}
	return CTL_SERVER_CLIENTS_MAX;
}

/* One error line (the socket's buffer is empty: it fits), then close. */
static void ctl_server_refuse(struct ctl_server *s, int fd,
			      const struct ctl_peer *peer)
{
	uint64_t now = loop_now_ms(s->env.loop);
	struct json_object *e;
	char msg[160];
	size_t len;

	snprintf(msg, sizeof(msg), "mptcpd has %zu control clients, all the slots "
		 "open to uid %u; try again later", s->n_clients,
		 (unsigned int)peer->cred->uid);
	e = ctl_json_error(false, 0, CTL_ERR_BUSY, msg);
	if (e) {
		const char *text = json_object_to_json_string_length(e,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		char line[256];

		if ((size_t)snprintf(line, sizeof(line), "%s\n", text) < sizeof(line) &&
		    send(fd, line, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug(LOG_SUB_CORE, "control: refusal: %s", strerror(errno));
		json_object_put(e);
	}
	close(fd);
	if (s->refused_logged_ms && now - s->refused_logged_ms < CTL_REFUSED_LOG_MS)
		return;
	s->refused_logged_ms = now;
	log_warn(LOG_SUB_CORE, "control: %zu clients already: refusing pid %d uid "
		 "%u (the last %d of %d slots are kept for root and the control "
		 "group); not logged again for a minute", s->n_clients,
		 (int)peer->cred->pid, (unsigned int)peer->cred->uid,
		 CTL_SERVER_RESERVED, CTL_SERVER_CLIENTS_MAX);
}

int ctl_server_add_peer(struct ctl_server *s, int fd,
			const struct ctl_peer *peer)
{
	enum ctl_peer_rank rank = ctl_server_peer_rank(s, peer);
	struct ctl_client *c;

	if (s->n_clients >= ctl_server_slots(rank)) {
		ctl_server_refuse(s, fd, peer);
		return -EUSERS;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->s = s;
	c->fd = fd;
	c->cred = *peer->cred;
	ctl_ring_init(&c->idle_link);
	ctl_ring_init(&c->backlog_link);
	if (peer->n_groups) {
		c->groups = malloc(peer->n_groups * sizeof(gid_t));
		if (!c->groups)
			goto fail;
		memcpy(c->groups, peer->groups, peer->n_groups * sizeof(gid_t));
		c->n_groups = peer->n_groups;
	}
	c->io = loop_io_add(s->env.loop, fd, ctl_client_ready, c);
	if (!c->io)
		goto fail;
	c->next = s->clients;
	s->clients = c;
	s->n_clients++;
	ctl_client_touch(c);
	return 0;
fail:
	log_warn(LOG_SUB_CORE, "control: cannot take a client: out of memory");
	if (c)
		free(c->groups);
	free(c);
	close(fd);
	return -ENOMEM;
}

static void ctl_server_take(struct ctl_server *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ctl_peer peer = { .cred = &cred };
	gid_t *groups = NULL;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn(LOG_SUB_CORE, "control: cannot take a client: %s",
			 strerror(errno));
		close(fd);
		return;
	}
	ctl_server_groups(fd, &cred, &groups, &peer.n_groups);
	peer.groups = groups;
	ctl_server_add_peer(s, fd, &peer);
	free(groups);
}

static void ctl_server_accept(void *arg)
{
	struct ctl_server *s = arg;

	for (int i = 0; i < 32; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn(LOG_SUB_CORE, "control: accept: %s",
					 strerror(errno));
			return;
		}
		ctl_server_take(s, fd);
	}
}

/* ---- Events ------------------------------------------------------------ */

static void ctl_server_broadcast(struct ctl_server *s, struct json_object *ev)
{
	struct json_object *line = ctl_json_event_line(ev);
	const char *text;
	size_t len;

	if (!line)
		return;
	text = json_object_to_json_string_length(line, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (c->monitor && !c->dead)
			ctl_client_queue(c, text, len);
	s->busy--;
	ctl_server_reap(s);
	json_object_put(line);
}

void ctl_server_publish_event(struct ctl_server *s,
			      const struct mptcpd_event *ev)
{
	if (s && s->n_monitors)
		ctl_server_broadcast(s, ctl_json_event(ev, ctl_server_ifname, s));
}

void ctl_server_publish_action(struct ctl_server *s,
			       const struct mptcpd_action *a)
{
	if (s && s->n_monitors)
		ctl_server_broadcast(s, ctl_json_action(a, ctl_server_ifname, s));
}

/* ---- The socket -------------------------------------------------------- */

static int ctl_server_mkdir(const char *dir)
{
	if (mkdir(dir, 0750) == 0)
		return chmod(dir, 0750) < 0 ? -errno : 0;	/* past umask */
	return errno == EEXIST ? 0 : -errno;
}

/* A socket file nobody answers on is left over from a crash. */
static int ctl_server_clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, err = 0;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;		/* not ours to remove */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		err = -EADDRINUSE;
	else if (errno != ENOENT && unlink(sun->sun_path) < 0 && errno != ENOENT)
		err = -errno;
	close(fd);
	return err;
}

static int ctl_server_listen(struct ctl_server *s, const char *dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int err;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir,
			     CTL_SOCKET_NAME) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	err = ctl_server_mkdir(dir);
	if (err == 0)
		err = ctl_server_clear_stale(&sun);
	if (err < 0)
		return err;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -errno;
	snprintf(s->path, sizeof(s->path), "%s", sun.sun_path);
	/* Who may connect is the directory's business (0750); what they
	 * may change is checked per request with SO_PEERCRED. */
	if (chmod(s->path, 0666) < 0 || listen(s->fd, 64) < 0)
		return -errno;
	s->io = loop_io_add(s->env.loop, s->fd, ctl_server_accept, s);
	return s->io ? 0 : -ENOMEM;
}

int ctl_server_new(struct ctl_server **out, const char *dir,
		   const struct ctl_server_env *env)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	int err = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->env = *env;
	s->group = (gid_t)-1;
	s->fd = -1;
	s->idle_ms = CTL_SERVER_IDLE_MS;
	ctl_ring_init(&s->idle);
	ctl_ring_init(&s->backlog);
	if (dir && env->loop)
		err = ctl_server_listen(s, dir);
	if (err < 0) {
		log_err(LOG_SUB_CORE, "control socket %s/%s: %s", dir,
			CTL_SOCKET_NAME, err == -EADDRINUSE ? "another daemon "
			"answers there" : strerror(-err));
		ctl_server_free(s);
		return err;
	}
	if (s->path[0])
		log_info(LOG_SUB_CORE, "control socket: %s", s->path);
	*out = s;
	return 0;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		ctl_client_drop(c, NULL);
	s->busy--;
	ctl_server_reap(s);
	loop_timer_del(s->env.loop, s->idle_timer);
	loop_timer_del(s->env.loop, s->backlog_timer);
	if (s->io)
		loop_io_del(s->env.loop, s->io);
	if (s->fd >= 0)
		close(s->fd);
	if (s->path[0])
		unlink(s->path);
	free(s);
}

void ctl_server_set_group(struct ctl_server *s, gid_t gid)
{
	s->group = gid;
}

size_t ctl_server_clients(const struct ctl_server *s)
{
	return s->n_clients;
}
