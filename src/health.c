/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path health (see health.h): the hot subflows and their ACK progress,
 * the local paths and their verdicts, and the cursor of the idle
 * round-robin over the model.
 *
 * Only hot subflows have an entry: a chained hash table keyed by token and
 * 4-tuple (a sample must be O(1)) plus a dense array the planner walks.
 * An entry goes when a look finds the subflow idle, or finds nothing: memory
 * follows the senders, not the connections.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "health.h"
#include "addr.h"
#include "diag.h"
#include "model.h"

#define HEALTH_INITIAL_BUCKETS	64
/* The TCP state in sock_diag: only an established subflow is judged.  A
 * SYN in flight is not a stall (its RTT is unknown and the kernel times
 * the handshake out itself), nor is a closing subflow. */
#define HEALTH_TCP_ESTABLISHED	1

struct health_entry {
	struct health_entry *next;	/* hash chain */
	uint32_t hash;
	uint32_t token;
	struct mptcpd_addr local;
	struct mptcpd_addr remote;
	int ifindex;
	size_t slot;		/* its index in health.hot */
	uint64_t planned;	/* last tick that looked it up */
	uint64_t seen;		/* last tick that got its answer */
	uint64_t bytes_acked;	/* at the last sample */
	uint64_t since_ms;	/* start of the current no-progress window */
	bool busy;		/* had data in flight at the last sample */
	bool active;		/* data in flight or acked at the last sample:
				 * first in the plan */
	bool sampled;		/* bytes_acked is from a sample */
	bool stalled;		/* fired, no progress since */
};

struct health_path {
	struct mptcpd_addr addr;	/* port 0; AF_UNSPEC: free slot */
	bool dead;
	uint64_t dead_ms;	/* when it was declared dead */
	uint64_t heard_ms;	/* latest ACK a subflow from it heard, as far
				 * as the samples tell */
	uint64_t used_ms;	/* last sample from it */
};

struct health {
	struct health_entry **buckets;
	size_t n_buckets;	/* a power of two */
	struct health_entry **hot;
	size_t n_hot, cap_hot;
	size_t hot_next;	/* where the next tick's turn starts */
	struct health_path paths[HEALTH_PATHS_MAX];
	uint64_t tick;
	uint64_t now_ms;
	/* The idle round-robin resumes at subflow cursor_sub of the
	 * connection cursor_token (or after its place when it closed). */
	bool cursor_set;
	uint32_t cursor_token;
	size_t cursor_sub;
};

static uint32_t health_fnv(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t health_hash_addr(uint32_t h, const struct mptcpd_addr *a)
{
	h = health_fnv(h, &a->port, sizeof(a->port));
	if (a->family == AF_INET)
		return health_fnv(h, &a->u.v4, sizeof(a->u.v4));
	if (a->family == AF_INET6)
		return health_fnv(h, &a->u.v6, sizeof(a->u.v6));
	return h;
}

static uint32_t health_hash(uint32_t token, const struct mptcpd_addr *local,
			    const struct mptcpd_addr *remote)
{
	uint32_t h = 2166136261u;

	h = health_fnv(h, &token, sizeof(token));
	h = health_hash_addr(h, local);
	return health_hash_addr(h, remote);
}

static struct health_entry **health_slot(const struct health *h,
					 uint32_t token,
					 const struct mptcpd_addr *local,
					 const struct mptcpd_addr *remote)
{
	uint32_t hash = health_hash(token, local, remote);
	struct health_entry **pp = &h->buckets[hash & (h->n_buckets - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == hash && (*pp)->token == token &&
		    addr_equal(&(*pp)->local, local) &&
		    addr_equal(&(*pp)->remote, remote))
			break;
	return pp;
}

static struct health_entry *health_find(const struct health *h,
					uint32_t token,
					const struct mptcpd_addr *local,
					const struct mptcpd_addr *remote)
{
	return *health_slot(h, token, local, remote);
}

struct health *health_new(void)
{
	struct health *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->n_buckets = HEALTH_INITIAL_BUCKETS;
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	if (!h->buckets) {
		free(h);
		return NULL;
	}
	return h;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_hot; i++)
		free(h->hot[i]);
	free(h->hot);
	free(h->buckets);
	free(h);
}

void health_forget_all(struct health *h)
{
	for (size_t i = 0; i < h->n_hot; i++)
		free(h->hot[i]);
	h->n_hot = 0;
	h->hot_next = 0;
	memset(h->buckets, 0, h->n_buckets * sizeof(*h->buckets));
	memset(h->paths, 0, sizeof(h->paths));
	h->cursor_set = false;
}

/* Doubling keeps chains short.  A failed allocation only leaves them
 * longer, so it is not an error. */
static void health_grow(struct health *h)
{
	size_t n = h->n_buckets * 2;
	struct health_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < h->n_hot; i++) {
		struct health_entry *e = h->hot[i];

		e->next = b[e->hash & (n - 1)];
		b[e->hash & (n - 1)] = e;
	}
	free(h->buckets);
	h->buckets = b;
	h->n_buckets = n;
}

/* A new hot subflow starts a fresh window: nothing is known of its past. */
static struct health_entry *health_add(struct health *h, uint32_t token,
				       const struct mptcpd_addr *local,
				       const struct mptcpd_addr *remote,
				       int ifindex)
{
	struct health_entry *e;
	size_t b;

	if (h->n_hot == h->cap_hot) {
		size_t cap = h->cap_hot ? h->cap_hot * 2 : 64;
		struct health_entry **v = realloc(h->hot, cap * sizeof(*v));

		if (!v)
			return NULL;
		h->hot = v;
		h->cap_hot = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->hash = health_hash(token, local, remote);
	e->token = token;
	e->local = *local;
	e->remote = *remote;
	e->ifindex = ifindex;
	e->since_ms = h->now_ms;
	e->seen = h->tick;
	if (h->n_hot >= h->n_buckets)
		health_grow(h);
	b = e->hash & (h->n_buckets - 1);
	e->next = h->buckets[b];
	h->buckets[b] = e;
	e->slot = h->n_hot;
	h->hot[h->n_hot++] = e;
	return e;
}

static void health_del(struct health *h, struct health_entry *e)
{
	struct health_entry **pp = health_slot(h, e->token, &e->local,
					       &e->remote);

	*pp = e->next;
	h->hot[e->slot] = h->hot[--h->n_hot];
	h->hot[e->slot]->slot = e->slot;
	free(e);
}

/* ---- Paths ---- */

static struct health_path *health_path_find(const struct health *h,
					    const struct mptcpd_addr *a)
{
	for (size_t i = 0; i < HEALTH_PATHS_MAX; i++)
		if (mptcpd_addr_same_ip(&h->paths[i].addr, a))
			return (struct health_path *)&h->paths[i];
	return NULL;
}

/* Find or make; when the table is full the least recently used live path
 * makes room (a dead one keeps its verdict).  NULL when all are dead. */
static struct health_path *health_path_get(struct health *h,
					   const struct mptcpd_addr *a)
{
	struct health_path *p = health_path_find(h, a), *victim = NULL;

	if (p)
		return p;
	for (size_t i = 0; i < HEALTH_PATHS_MAX; i++) {
		p = &h->paths[i];
		if (p->addr.family == AF_UNSPEC) {
			victim = p;
			break;
		}
		if (!p->dead && (!victim || p->used_ms < victim->used_ms))
			victim = p;
	}
	if (!victim)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->addr = *a;
	victim->addr.port = 0;
	return victim;
}

void health_path_reset(struct health *h, const struct mptcpd_addr *local)
{
	struct health_path *p = health_path_find(h, local);

	if (p)
		memset(p, 0, sizeof(*p));
}

bool health_path_is_dead(const struct health *h,
			 const struct mptcpd_addr *local)
{
	const struct health_path *p = health_path_find(h, local);

	return p && p->dead;
}

size_t health_path_senders(const struct health *h,
			   const struct mptcpd_addr *local, uint32_t *tokens,
			   size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_hot && n < cap; i++)
		if (h->hot[i]->active &&
		    mptcpd_addr_same_ip(&h->hot[i]->local, local))
			tokens[n++] = h->hot[i]->token;
	return n;
}

bool health_watch(struct health *h, uint32_t token,
		  const struct mptcpd_addr *local,
		  const struct mptcpd_addr *remote, int ifindex)
{
	struct health_path *p = health_path_find(h, local);
	bool revived = p && p->dead;

	if (p)
		p->dead = false;
	if (!health_find(h, token, local, remote))
		health_add(h, token, local, remote, ifindex);
	return revived;
}

/* ---- The plan of a tick ---- */

static void health_key(struct diag_subflow_key *k,
		       const struct mptcpd_addr *local,
		       const struct mptcpd_addr *remote, int ifindex)
{
	k->local = *local;
	k->remote = *remote;
	k->ifindex = ifindex;
}

static void health_plan_one(struct health *h, struct health_entry *e,
			    struct diag_subflow_key *k)
{
	health_key(k, &e->local, &e->remote, e->ifindex);
	e->planned = h->tick;
}

/* The hot subflows' turn: all of them while they fit in quota.  Beyond
 * it, the active ones (data in flight or acked at their last look) come
 * first, every tick: a burst of new connections, all hot until their
 * first look and for HEALTH_HOT_HOLD_MS after their last write, must not
 * push a running transfer out of the plan.  The others take turns. */
static size_t health_plan_hot(struct health *h, struct diag_subflow_key *keys,
			      size_t quota)
{
	size_t n = 0, i;

	if (h->n_hot > quota)
		for (i = 0; i < h->n_hot && n < quota; i++)
			if (h->hot[i]->active)
				health_plan_one(h, h->hot[i], &keys[n++]);
	for (i = 0; i < h->n_hot && n < quota; i++) {
		struct health_entry *e = h->hot[(h->hot_next + i) % h->n_hot];

		if (e->planned != h->tick)
			health_plan_one(h, e, &keys[n++]);
	}
	if (h->n_hot)
		h->hot_next = (h->hot_next + i) % h->n_hot;
	return n;
}

/* The next quota established subflows of the model that are not hot,
 * from the cursor on.  A tick ends at the end of the table, so a small
 * table is looked at whole every tick, never twice. */
static size_t health_plan_idle(struct health *h, const struct model *m,
			       struct diag_subflow_key *keys, size_t quota)
{
	const struct model_conn *c = NULL;
	size_t n = 0, i = 0, visits = 0;

	if (h->cursor_set) {
		c = model_conn_find(m, h->cursor_token);
		i = c ? h->cursor_sub : 0;
		if (!c)
			c = model_conn_after(m, h->cursor_token);
	} else {
		c = model_conn_next(m, NULL);
	}
	for (; c && n < quota && visits < HEALTH_VISIT_BUDGET; visits++) {
		for (; i < c->pub.n_subflows && n < quota; i++) {
			const struct mptcpd_subflow *s = &c->pub.subflows[i];

			if (s->state != MPTCPD_SUBFLOW_ESTABLISHED ||
			    health_find(h, c->pub.token, &s->local, &s->remote))
				continue;
			health_key(&keys[n++], &s->local, &s->remote,
				   s->ifindex);
		}
		if (i < c->pub.n_subflows)
			break;	/* the quota ran out inside this one */
		c = model_conn_next(m, c);
		i = 0;
	}
	h->cursor_set = c != NULL;
	if (c) {
		h->cursor_token = c->pub.token;
		h->cursor_sub = i;
	}
	return n;
}

size_t health_plan(struct health *h, const struct model *m, uint64_t now_ms,
		   struct diag_subflow_key *keys, size_t cap)
{
	size_t limit = cap < HEALTH_TICK_BUDGET ? cap : HEALTH_TICK_BUDGET;
	size_t hot_quota = limit > HEALTH_IDLE_MIN ? limit - HEALTH_IDLE_MIN : 0;
	size_t n, idle_quota;

	h->tick++;
	h->now_ms = now_ms;
	n = health_plan_hot(h, keys, hot_quota);
	idle_quota = limit - n;
	if (idle_quota > HEALTH_IDLE_BUDGET)
		idle_quota = HEALTH_IDLE_BUDGET;
	return n + health_plan_idle(h, m, keys + n, idle_quota);
}

void health_tick_end(struct health *h)
{
	for (size_t i = h->n_hot; i-- > 0;) {
		struct health_entry *e = h->hot[i];

		if (e->planned == h->tick && e->seen != h->tick)
			health_del(h, e);
	}
}

/* ---- Judgement ---- */

uint64_t health_threshold_ms(uint32_t rtt_us)
{
	uint64_t t = (uint64_t)HEALTH_RTT_FACTOR * rtt_us / 1000 +
		     HEALTH_SLACK_MS;

	return t > HEALTH_STALL_MIN_MS ? t : HEALTH_STALL_MIN_MS;
}

static bool health_judgeable(const struct diag_subflow *s)
{
	return s->has_tcp_info && s->has_bytes_acked &&
	       s->state == HEALTH_TCP_ESTABLISHED;
}

static bool health_hot(const struct diag_subflow *s)
{
	return health_judgeable(s) &&
	       (s->unacked > 0 || s->last_data_sent_ms < HEALTH_HOT_HOLD_MS);
}

/* Progress, or data newly in flight after none, opens a new window: a
 * subflow that starts sending is not dead at once.  True when it
 * stalls. */
static bool health_update(struct health_entry *e, const struct diag_subflow *s,
			  uint64_t now_ms)
{
	/* A first look says nothing of progress: a burst of connections
	 * that wrote once must not crowd a transfer out of the plan. */
	e->active = s->unacked > 0 ||
		    (e->sampled && s->bytes_acked != e->bytes_acked);
	e->sampled = true;
	if (s->unacked == 0) {
		e->busy = false;
		e->stalled = false;
		e->bytes_acked = s->bytes_acked;
		return false;
	}
	if (!e->busy || s->bytes_acked != e->bytes_acked) {
		e->busy = true;
		e->stalled = false;
		e->bytes_acked = s->bytes_acked;
		e->since_ms = now_ms;
		return false;
	}
	/* A clock that went back counts as no time spent. */
	if (e->stalled || now_ms < e->since_ms ||
	    now_ms - e->since_ms < health_threshold_ms(s->rtt_us))
		return false;
	/* A lossy but live path (a rate limiter dropping, say) still brings
	 * duplicate ACKs: only a path that brings nothing at all is dead.
	 * Moving traffic off a slow path would send it to a worse one. */
	if (s->last_ack_recv_ms < health_threshold_ms(s->rtt_us))
		return false;
	e->stalled = true;
	return true;
}

/* When s last heard an ACK, on our clock (0: unknown). */
static uint64_t health_heard(const struct health *h,
			     const struct diag_subflow *s)
{
	if (!s->has_tcp_info || s->last_ack_recv_ms > h->now_ms)
		return 0;
	return h->now_ms - s->last_ack_recv_ms;
}

/* What the sample says of its path, before the subflow is judged. */
static enum health_verdict health_path_heard(struct health *h,
					     struct health_path *p,
					     uint64_t heard)
{
	p->used_ms = h->now_ms;
	if (heard > p->heard_ms)
		p->heard_ms = heard;
	if (p->dead && heard > p->dead_ms) {
		p->dead = false;
		return HEALTH_VERDICT_PATH_ALIVE;
	}
	return HEALTH_VERDICT_NONE;
}

/* e stalled: is it its path?  Not when another subflow from the same
 * address heard an ACK after e went silent (that peer, not the path, is
 * gone), nor when the path is already dead (e came later).  e went silent
 * at its last ACK, or at the last progress we saw if that is later (its
 * last ACK is unknown, or older than our clock). */
static enum health_verdict health_stalled(struct health *h,
					  struct health_path *p,
					  const struct health_entry *e,
					  uint64_t heard)
{
	uint64_t silent = heard > e->since_ms ? heard : e->since_ms;

	if (!p || p->dead || p->heard_ms > silent + HEALTH_HEARD_SLACK_MS)
		return HEALTH_VERDICT_STALLED;
	p->dead = true;
	p->dead_ms = h->now_ms;
	return HEALTH_VERDICT_PATH_DEAD;
}

enum health_verdict health_sample(struct health *h,
				  const struct diag_subflow *s)
{
	struct health_path *p = health_path_get(h, &s->local);
	struct health_entry *e = health_find(h, s->token, &s->local, &s->remote);
	uint64_t heard = health_heard(h, s);
	enum health_verdict v = HEALTH_VERDICT_NONE;

	if (p)
		v = health_path_heard(h, p, heard);
	if (p && p->dead && s->state == HEALTH_TCP_ESTABLISHED)
		v = HEALTH_VERDICT_ON_DEAD_PATH;
	if (!health_hot(s)) {
		if (e)
			health_del(h, e);	/* idle: back to the round-robin */
		return v;
	}
	if (!e)
		e = health_add(h, s->token, &s->local, &s->remote, s->ifindex);
	if (!e)
		return v;	/* judged on a later tick */
	e->seen = h->tick;
	if (!health_update(e, s, h->now_ms))
		return v;
	return health_stalled(h, p, e, heard);
}

bool health_is_stalled(const struct health *h, const struct diag_subflow *s)
{
	const struct health_entry *e = health_find(h, s->token, &s->local,
						   &s->remote);

	return e && e->stalled;
}

size_t health_hot_count(const struct health *h)
{
	return h->n_hot;
}
