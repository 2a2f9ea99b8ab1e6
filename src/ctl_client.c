/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One control client: its request and answer buffers, line framing,
 * flow control (not read while its answers pile up, its requests answered
 * a batch per turn of the loop), its idle clock, and its end.  The server
 * (ctl_server.c) admits it and runs its requests.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "log.h"
#include "loop.h"

/* Bytes read from one client per wake-up, so one busy client cannot
 * starve the others (the loop is level-triggered: the rest comes next). */
#define CTL_READ_BUDGET (64 * 1024)
#define CTL_IN_CHUNK 4096
/* A slice of a "connections" or "events" answer lasts about this long: well under the
 * 20 ms a callback may hold the loop, and long enough that a loop busy
 * with other work does not stretch the answer over hundreds of turns
 * (10,000 connections, some 5 us each: about ten turns).  The clock is
 * read every CTL_CLIENT_LIST_CHECK connections. */
#define CTL_CLIENT_LIST_SLICE_NS (5 * 1000 * 1000)
#define CTL_CLIENT_LIST_CHECK 32
/* How the answer's text ends after the list: the result and the line. */
#define CTL_CLIENT_LIST_TAIL "]}}"

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
	bool dead;			/* closed; freed by ctl_client_reap */
	/* A "connections" answer being made a slice per turn: its requests
	 * after it wait, its events are queued before it. */
	bool listing;
	struct ctl_conn_list list;	/* the tokens, where it is */
	char *part;			/* the answer's text so far */
	size_t part_len, part_cap;
	struct json_object *part_line;	/* the answer with an empty list */
	/* A "stats" answer reading its dump a slice per turn (listing is
	 * set too: the same turns, the same waiting requests). */
	struct ctl_stats_job *job;
	struct ctl_client *next;
};

#define CTL_CLIENT_OF(link, member) \
	((struct ctl_client *)((char *)(link) - offsetof(struct ctl_client, member)))

/* ---- Clients ----------------------------------------------------------- */

static void ctl_client_free(struct ctl_client *c)
{
	ctl_stats_job_free(c->s, c->job);
	free(c->list.tokens);
	free(c->part);
	json_object_put(c->part_line);
	free(c->groups);
	free(c->in);
	free(c->out);
	free(c);
}

/* Free the dropped clients once no callback can still hold them. */
static void ctl_client_reap(struct ctl_server *s)
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
	ctl_client_reap(s);
}

/* ---- Idle clients ------------------------------------------------------ */

static void ctl_client_idle_fire(void *arg);

/* One timer for all: due when the longest silent client has been silent
 * for idle_ms.  A client's request only moves it to the end of the list,
 * so the loop does no work per client until one really expires. */
static void ctl_client_idle_arm(struct ctl_server *s, uint64_t now)
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
				       0, ctl_client_idle_fire, s);
}

static void ctl_client_idle_fire(void *arg)
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
	ctl_client_reap(s);
	ctl_client_idle_arm(s, now);
}

/* A request came (or the client connected): the idle clock starts again. */
static void ctl_client_touch(struct ctl_client *c)
{
	struct ctl_server *s = c->s;

	if (c->monitor)
		return;
	c->active_ms = loop_now_ms(s->env.loop);
	ctl_ring_append(&s->idle, &c->idle_link);
	ctl_client_idle_arm(s, c->active_ms);
}

/* ---- Output and flow control ------------------------------------------- */

static void ctl_client_backlog_fire(void *arg);

/* Its requests left over are answered on the loop's next turn. */
static void ctl_client_defer(struct ctl_client *c)
{
	struct ctl_server *s = c->s;

	if (ctl_ring_empty(&c->backlog_link))
		ctl_ring_append(&s->backlog, &c->backlog_link);
	if (!s->backlog_timer)
		s->backlog_timer = loop_timer_add(s->env.loop, 0, 0,
						  ctl_client_backlog_fire, s);
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

	if (((c->waiting && !c->closing) || c->listing) && below)
		ctl_client_defer(c);
	loop_io_set(c->s->env.loop, c->io,
		    !c->closing && below && !c->waiting && !c->listing,
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
		if (c->closing && !c->listing) {
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

/* ---- The "connections" answer in slices -------------------------------- */

/* Grow the answer being made to hold len more bytes. */
static int ctl_client_part_reserve(struct ctl_client *c, size_t len)
{
	size_t cap = c->part_cap ? c->part_cap : 4096;
	char *nv;

	if (c->part_len + len <= c->part_cap)
		return 0;
	while (cap < c->part_len + len)
		cap *= 2;
	nv = realloc(c->part, cap);
	if (!nv)
		return -ENOMEM;
	c->part = nv;
	c->part_cap = cap;
	return 0;
}

static int ctl_client_part_add(struct ctl_client *c, const char *text,
			       size_t len)
{
	if (ctl_client_part_reserve(c, len) < 0)
		return -ENOMEM;
	memcpy(c->part + c->part_len, text, len);
	c->part_len += len;
	return 0;
}

static void ctl_client_list_end(struct ctl_client *c)
{
	free(c->list.tokens);
	c->list.tokens = NULL;
	c->listing = false;
	free(c->part);
	c->part = NULL;
	c->part_len = c->part_cap = 0;
	json_object_put(c->part_line);
	c->part_line = NULL;
}

/* The whole line made: queued, or the protocol's error when it grew past
 * CTL_ANSWER_MAX (nothing of it was sent: it is sent whole or not at all,
 * as every answer). */
static void ctl_client_list_done(struct ctl_client *c)
{
	struct json_object *err;

	if (ctl_client_part_add(c, CTL_CLIENT_LIST_TAIL,
				sizeof(CTL_CLIENT_LIST_TAIL) - 1) < 0) {
		ctl_client_list_end(c);
		ctl_client_drop(c, "out of memory for its answer");
		return;
	}
	if (c->part_len < CTL_ANSWER_MAX) {
		char *text = c->part;
		size_t len = c->part_len;

		c->part = NULL;		/* ended first: a closing client */
		ctl_client_list_end(c);	/* may go once it is sent */
		ctl_client_queue(c, text, len);
		free(text);
		return;
	}
	err = ctl_client_too_big(c->part_line, c->part_len);
	ctl_client_list_end(c);
	ctl_client_send(c, err);
}

static uint64_t ctl_client_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Has this slice had its time?  (The loop's own clock stands still
 * within a callback.) */
static bool ctl_client_slice_over(uint64_t start_ns, unsigned int done)
{
	return done && done % CTL_CLIENT_LIST_CHECK == 0 &&
	       ctl_client_clock_ns() - start_ns >= CTL_CLIENT_LIST_SLICE_NS;
}

/* The "stats" dump's slice: datagrams for CTL_CLIENT_LIST_SLICE_NS at
 * most (each holds a few dozen subflows), then the answer once it is
 * over.  True when the answer is queued. */
static bool ctl_client_job_step(struct ctl_client *c)
{
	uint64_t start = ctl_client_clock_ns();
	struct ctl_stats_job *j = c->job;

	ctl_client_touch(c);
	for (;;) {
		if (ctl_stats_job_step(c->s, j))
			break;
		if (ctl_client_clock_ns() - start >= CTL_CLIENT_LIST_SLICE_NS)
			return false;
	}
	c->job = NULL;
	c->listing = false;
	ctl_client_send(c, ctl_stats_job_finish(c->s, j));
	return true;
}

/* One slice of CTL_CLIENT_LIST_SLICE_NS, so that ten thousand connections
 * never hold the loop for long; the client's next turn in the backlog
 * round makes the next.  True when the answer is done (queued), or the
 * client dropped. */
static bool ctl_client_list_step(struct ctl_client *c)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	struct ctl_conn_list *l = &c->list;
	uint64_t start = ctl_client_clock_ns();

	if (c->job)
		return ctl_client_job_step(c);
	/* Being answered is not being idle (CTL_SERVER_IDLE_MS). */
	ctl_client_touch(c);
	for (unsigned int i = 0; !ctl_client_slice_over(start, i) &&
	     l->next < l->n && c->part_len < CTL_ANSWER_MAX; i++) {
		struct json_object *o = NULL;
		int err = ctl_handlers_list_next(c->s, l, &o);
		const char *text;
		size_t len;

		if (err == -ENOENT)
			continue;	/* closed since the request */
		text = err < 0 ? NULL : json_object_to_json_string_length(o, flags,
									   &len);
		if (!text || (c->part[c->part_len - 1] != '[' &&
			      ctl_client_part_add(c, ",", 1) < 0) ||
		    ctl_client_part_add(c, text, len) < 0) {
			json_object_put(o);
			ctl_client_list_end(c);
			ctl_client_drop(c, "out of memory for its answer");
			return true;
		}
		json_object_put(o);
	}
	if (l->next < l->n && c->part_len < CTL_ANSWER_MAX)
		return false;
	ctl_client_list_done(c);
	return true;
}

/* The answer's text with an empty list ends with the list and the two
 * objects around it (the envelope's "result" is its last member, the
 * list the result's only one): it is cut there and the elements go in
 * between.  The line is kept for its id, should the answer grow too big. */
static void ctl_client_list_begin(struct ctl_client *c,
				  struct json_object *line,
				  struct ctl_conn_list *l)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	static const char empty[] = "[" CTL_CLIENT_LIST_TAIL;
	size_t len, cut;
	const char *text = json_object_to_json_string_length(line, flags, &len);

	c->list = *l;
	c->part_line = line;
	c->listing = true;
	if (!text || len < sizeof(empty) - 1 ||
	    memcmp(text + len - (sizeof(empty) - 1), empty, sizeof(empty) - 1)) {
		ctl_client_list_end(c);
		ctl_client_drop(c, text ? "internal error: unexpected answer "
				"shape" : "out of memory for its answer");
		return;
	}
	cut = len - (sizeof(CTL_CLIENT_LIST_TAIL) - 1);
	if (ctl_client_part_add(c, text, cut) < 0) {
		ctl_client_list_end(c);
		ctl_client_drop(c, "out of memory for its answer");
		return;
	}
	ctl_client_list_step(c);	/* small lists: done at once */
}

/* ---- Input ------------------------------------------------------------- */

static void ctl_client_line(struct ctl_client *c, const char *line, size_t len)
{
	const struct ctl_peer peer = {
		.cred = &c->cred, .groups = c->groups, .n_groups = c->n_groups,
	};
	struct ctl_reply reply = { .may_list = true };
	struct json_object *answer;

	ctl_client_touch(c);
	answer = ctl_server_answer_peer(c->s, line, len, &peer, &reply);
	if (reply.job) {
		json_object_put(answer);
		c->job = reply.job;
		c->listing = true;
		ctl_client_job_step(c);	/* a small host: done at once */
		return;
	}
	if (answer && (reply.list.tokens || reply.list.events)) {
		ctl_client_list_begin(c, answer, &reply.list);
		return;
	}
	free(reply.list.tokens);
	ctl_client_send(c, answer);
	if (reply.subscribe && !c->dead && !c->monitor) {
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

	if (c->listing && !ctl_client_list_step(c)) {
		ctl_client_watch(c);	/* the next slice, next turn */
		return;
	}
	c->waiting = false;
	for (int n = 0; !c->dead && !c->closing; n++) {
		nl = memchr(c->in + start, '\n', c->in_len - start);
		if (!nl || n == CTL_SERVER_BATCH || c->listing ||
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
	if (!c->waiting && !c->listing && c->in_len >= CTL_MSG_MAX &&
	    !c->closing)
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
	if (c->out_len == c->out_off && !c->listing) {
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
	       !c->listing && ctl_client_unsent(c) < CTL_SERVER_OUT_HIGH) {
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
	ctl_client_reap(s);
}

/* One round: every client waiting at the start gets one more batch; those
 * with still more go to the end, behind the sockets that became ready. */
static void ctl_client_backlog_fire(void *arg)
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
	ctl_client_reap(s);
}

/* ---- The server's clients --------------------------------------------- */

int ctl_client_new(struct ctl_server *s, int fd, const struct ctl_peer *peer)
{
	struct ctl_client *c = calloc(1, sizeof(*c));

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

void ctl_client_broadcast(struct ctl_server *s, const char *text, size_t len)
{
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (c->monitor && !c->dead)
			ctl_client_queue(c, text, len);
	s->busy--;
	ctl_client_reap(s);
}

void ctl_client_drop_all(struct ctl_server *s)
{
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		ctl_client_drop(c, NULL);
	s->busy--;
	ctl_client_reap(s);
}
