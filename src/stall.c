/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-subflow ACK-progress bookkeeping behind stall detection (see
 * stall.h).  Subflows live in a chained hash table keyed by token and
 * 4-tuple, grown when the load passes one entry per bucket: a poll feeds
 * every subflow of every connection, ten times a second, so each sample
 * must be O(1).  Each entry carries the number of the last round that saw
 * it, and stall_round_end sweeps the ones left behind.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "stall.h"
#include "addr.h"
#include "diag.h"

#define STALL_INITIAL_BUCKETS	64
/* The TCP state in sock_diag: only an established subflow is judged.  A
 * SYN in flight is not a stall (its RTT is unknown and the kernel times
 * the handshake out itself), nor is a closing subflow. */
#define STALL_TCP_ESTABLISHED	1

struct stall_entry {
	struct stall_entry *next;
	uint32_t hash;
	uint32_t token;
	struct mptcpd_addr local;
	struct mptcpd_addr remote;
	uint64_t round;		/* last round that sampled it */
	uint64_t bytes_acked;	/* at the last sample */
	uint64_t since_ms;	/* start of the current no-progress window */
	bool busy;		/* had data in flight at the last sample */
	bool stalled;		/* fired, no progress since */
};

struct stall {
	struct stall_entry **buckets;
	size_t n_buckets;	/* a power of two */
	size_t n_entries;
	uint64_t round;
	uint64_t now_ms;
};

static uint32_t stall_fnv(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t stall_hash_addr(uint32_t h, const struct mptcpd_addr *a)
{
	h = stall_fnv(h, &a->port, sizeof(a->port));
	if (a->family == AF_INET)
		return stall_fnv(h, &a->u.v4, sizeof(a->u.v4));
	if (a->family == AF_INET6)
		return stall_fnv(h, &a->u.v6, sizeof(a->u.v6));
	return h;
}

static uint32_t stall_hash(const struct diag_subflow *s)
{
	uint32_t h = 2166136261u;

	h = stall_fnv(h, &s->token, sizeof(s->token));
	h = stall_hash_addr(h, &s->local);
	return stall_hash_addr(h, &s->remote);
}

static bool stall_entry_is(const struct stall_entry *e, uint32_t hash,
			    const struct diag_subflow *s)
{
	return e->hash == hash && e->token == s->token &&
	       addr_equal(&e->local, &s->local) &&
	       addr_equal(&e->remote, &s->remote);
}

static struct stall_entry *stall_find(const struct stall *h,
					const struct diag_subflow *s,
					uint32_t hash)
{
	struct stall_entry *e = h->buckets[hash & (h->n_buckets - 1)];

	while (e && !stall_entry_is(e, hash, s))
		e = e->next;
	return e;
}

struct stall *stall_new(void)
{
	struct stall *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->n_buckets = STALL_INITIAL_BUCKETS;
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	if (!h->buckets) {
		free(h);
		return NULL;
	}
	return h;
}

void stall_free(struct stall *h)
{
	struct stall_entry *e, *next;

	if (!h)
		return;
	for (size_t i = 0; i < h->n_buckets; i++)
		for (e = h->buckets[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(h->buckets);
	free(h);
}

/* Doubling keeps chains short.  A failed allocation only leaves them
 * longer, so it is not an error. */
static void stall_grow(struct stall *h)
{
	size_t n = h->n_buckets * 2;
	struct stall_entry **b = calloc(n, sizeof(*b));
	struct stall_entry *e, *next;

	if (!b)
		return;
	for (size_t i = 0; i < h->n_buckets; i++)
		for (e = h->buckets[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	free(h->buckets);
	h->buckets = b;
	h->n_buckets = n;
}

/* A new subflow starts a fresh window: nothing is known of its past. */
static struct stall_entry *stall_add(struct stall *h,
				       const struct diag_subflow *s,
				       uint32_t hash)
{
	struct stall_entry *e = calloc(1, sizeof(*e));
	size_t b;

	if (!e)
		return NULL;
	e->hash = hash;
	e->token = s->token;
	e->local = s->local;
	e->remote = s->remote;
	e->bytes_acked = s->bytes_acked;
	e->since_ms = h->now_ms;
	if (h->n_entries >= h->n_buckets)
		stall_grow(h);
	b = hash & (h->n_buckets - 1);
	e->next = h->buckets[b];
	h->buckets[b] = e;
	h->n_entries++;
	return e;
}

uint64_t stall_threshold_ms(uint32_t rtt_us)
{
	uint64_t t = (uint64_t)STALL_RTT_FACTOR * rtt_us / 1000 +
		     STALL_SLACK_MS;

	return t > STALL_MIN_MS ? t : STALL_MIN_MS;
}

static bool stall_judgeable(const struct diag_subflow *s)
{
	return s->has_tcp_info && s->has_bytes_acked &&
	       s->state == STALL_TCP_ESTABLISHED && s->unacked > 0;
}

/* Progress, or data newly in flight after an idle spell, opens a new
 * window: an idle subflow that starts sending is not dead at once. */
static bool stall_update(struct stall_entry *e, const struct diag_subflow *s,
			  uint64_t now_ms)
{
	if (!stall_judgeable(s)) {
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
	    now_ms - e->since_ms < stall_threshold_ms(s->rtt_us))
		return false;
	/* A lossy but live path (a rate limiter dropping, say) still brings
	 * duplicate ACKs: only a path that brings nothing at all is dead.
	 * Moving traffic off a slow path would send it to a worse one. */
	if (s->last_ack_recv_ms < stall_threshold_ms(s->rtt_us))
		return false;
	e->stalled = true;
	return true;
}

void stall_round_begin(struct stall *h, uint64_t now_ms)
{
	h->round++;
	h->now_ms = now_ms;
}

bool stall_sample(struct stall *h, const struct diag_subflow *s)
{
	uint32_t hash = stall_hash(s);
	struct stall_entry *e = stall_find(h, s, hash);

	if (!e) {
		e = stall_add(h, s, hash);
		if (!e)
			return false;
	}
	e->round = h->round;
	return stall_update(e, s, h->now_ms);
}

void stall_round_end(struct stall *h)
{
	struct stall_entry **pp, *e;

	for (size_t i = 0; i < h->n_buckets; i++) {
		pp = &h->buckets[i];
		while ((e = *pp)) {
			if (e->round == h->round) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e);
			h->n_entries--;
		}
	}
}

bool stall_is_stalled(const struct stall *h, const struct diag_subflow *s)
{
	const struct stall_entry *e = stall_find(h, s, stall_hash(s));

	return e && e->stalled;
}

size_t stall_count(const struct stall *h)
{
	return h->n_entries;
}
