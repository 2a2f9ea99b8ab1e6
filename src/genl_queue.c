/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command window and the waiting queue (genl_queue.h): plain rings,
 * no I/O, so that a unit test drives every case in microseconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "genl_queue.h"

#define GENL_RING_MIN	64

static int genl_ring_reserve(struct genl_ring *r, size_t max)
{
	struct genl_sent *v;
	size_t cap, i;

	if (r->n < r->cap)
		return 0;
	if (r->n >= max)
		return -ENOBUFS;
	cap = r->cap ? r->cap * 2 : GENL_RING_MIN;
	if (cap > max)
		cap = max;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		v[i] = r->v[(r->head + i) % r->cap];
	free(r->v);
	r->v = v;
	r->cap = cap;
	r->head = 0;
	return 0;
}

/* The caller reserved room. */
static void genl_ring_push(struct genl_ring *r, uint32_t seq,
			   const struct mptcpd_action *a)
{
	struct genl_sent *s = &r->v[(r->head + r->n) % r->cap];

	s->seq = seq;
	s->action = *a;
	r->n++;
}

static void genl_ring_pop(struct genl_ring *r, struct genl_sent *out)
{
	*out = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->n--;
}

/* A drained waiting ring gives its memory back: a mass action's queue
 * must not stay in the RSS for good. */
static void genl_ring_shrink(struct genl_ring *r)
{
	if (r->n || r->cap <= GENL_RING_MIN)
		return;
	free(r->v);
	r->v = NULL;
	r->cap = 0;
	r->head = 0;
}

size_t genl_queue_window_for(int rcvbuf)
{
	size_t w = rcvbuf > 0 ? (size_t)rcvbuf / 2 / GENL_QUEUE_ACK_COST : 0;

	if (w < GENL_QUEUE_WINDOW_MIN)
		return GENL_QUEUE_WINDOW_MIN;
	return w > GENL_QUEUE_WINDOW_MAX ? GENL_QUEUE_WINDOW_MAX : w;
}

int genl_queue_init(struct genl_queue *q, size_t window, size_t wait_max)
{
	memset(q, 0, sizeof(*q));
	if (!window)
		window = 1;
	q->inflight.v = calloc(window, sizeof(*q->inflight.v));
	if (!q->inflight.v)
		return -ENOMEM;
	q->inflight.cap = window;
	q->window = window;
	q->wait_max = wait_max;
	return 0;
}

void genl_queue_clear(struct genl_queue *q)
{
	free(q->inflight.v);
	for (int c = 0; c < GENL_QUEUE_CLASSES; c++)
		free(q->wait[c].v);
	memset(q, 0, sizeof(*q));
}

enum genl_queue_class genl_queue_class_of(const struct mptcpd_action *a)
{
	switch (a->type) {
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
	case MPTCPD_ACTION_REMOVE:
		return GENL_QUEUE_BREAK;
	case MPTCPD_ACTION_ANNOUNCE:
	case MPTCPD_ACTION_SUBFLOW_CREATE:
	case MPTCPD_ACTION_SET_BACKUP:
		break;
	}
	return GENL_QUEUE_MAKE;
}

size_t genl_queue_waiting(const struct genl_queue *q)
{
	size_t n = 0;

	for (int c = 0; c < GENL_QUEUE_CLASSES; c++)
		n += q->wait[c].n;
	return n;
}

size_t genl_queue_inflight(const struct genl_queue *q)
{
	return q->inflight.n;
}

size_t genl_queue_len(const struct genl_queue *q)
{
	return q->inflight.n + genl_queue_waiting(q);
}

bool genl_queue_may_send(const struct genl_queue *q)
{
	return q->inflight.n < q->window && genl_queue_waiting(q) == 0;
}

int genl_queue_wait(struct genl_queue *q, const struct mptcpd_action *a)
{
	struct genl_ring *r = &q->wait[genl_queue_class_of(a)];
	int err;

	if (genl_queue_waiting(q) >= q->wait_max) {
		q->refused++;
		return -ENOBUFS;
	}
	err = genl_ring_reserve(r, q->wait_max);
	if (err) {
		q->refused++;
		return err;
	}
	genl_ring_push(r, 0, a);
	return 0;
}

bool genl_queue_next(struct genl_queue *q, struct mptcpd_action *out)
{
	struct genl_sent s;

	if (q->inflight.n >= q->window)
		return false;
	for (int c = 0; c < GENL_QUEUE_CLASSES; c++) {
		struct genl_ring *r = &q->wait[c];

		if (!r->n)
			continue;
		genl_ring_pop(r, &s);
		genl_ring_shrink(r);
		*out = s.action;
		return true;
	}
	return false;
}

int genl_queue_sent(struct genl_queue *q, uint32_t seq,
		    const struct mptcpd_action *a)
{
	if (q->inflight.n >= q->window)
		return -ENOBUFS;
	genl_ring_push(&q->inflight, seq, a);
	return 0;
}

bool genl_queue_ack(struct genl_queue *q, uint32_t seq,
		    struct mptcpd_action *out, size_t *lost)
{
	struct genl_ring *r = &q->inflight;
	struct genl_sent s;

	*lost = 0;
	while (r->n > 0) {
		/* Sequence numbers wrap: compare by difference. */
		if ((int32_t)(r->v[r->head].seq - seq) > 0)
			break;
		genl_ring_pop(r, &s);
		if (s.seq == seq) {
			*out = s.action;
			return true;
		}
		(*lost)++;
		q->acks_lost++;
	}
	return false;
}

size_t genl_queue_drop_inflight(struct genl_queue *q)
{
	size_t n = q->inflight.n;

	q->inflight.n = 0;
	q->inflight.head = 0;
	q->acks_lost += n;
	return n;
}
