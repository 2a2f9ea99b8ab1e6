/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The adoption snapshot, and the translation into it of what the diag and
 * genl edges report: TCP states and kernel endpoint flags end here.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "diag.h"
#include "genl.h"
#include "log.h"
#include "mptcp_uapi.h"
#include "snapshot.h"

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void snapshot_clear(struct snapshot *s)
{
	free(s->conns);
	free(s->subflows);
	free(s->ids);
	free(s->live);
	snapshot_init(s);
}

static void *snapshot_slot(void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, ncap * size);

		if (!nv) {
			log_err(LOG_SUB_DIAG, "out of memory taking a snapshot");
			return NULL;
		}
		*v = nv;
		*cap = ncap;
	}
	return (char *)*v + (*n)++ * size;
}

void snapshot_add_conn(void *snap, const struct diag_conn *c)
{
	struct snapshot *s = snap;
	struct snapshot_conn *slot = snapshot_slot((void **)&s->conns,
						   &s->n_conns, &s->cap_conns,
						   sizeof(*slot));

	if (!slot)
		return;
	memset(slot, 0, sizeof(*slot));
	slot->token = c->token;
	slot->local = c->local;
	slot->remote = c->remote;
	slot->established = c->state == TCP_ESTABLISHED;
	slot->fallback = c->fallback;
	slot->listener = c->listener;
}

void snapshot_add_subflow(void *snap, const struct diag_subflow *sf)
{
	struct snapshot *s = snap;
	struct snapshot_subflow *slot = snapshot_slot((void **)&s->subflows,
						      &s->n_subflows,
						      &s->cap_subflows,
						      sizeof(*slot));

	if (!slot)
		return;
	memset(slot, 0, sizeof(*slot));
	slot->token = sf->token;
	slot->local = sf->local;
	slot->remote = sf->remote;
	slot->local_id = sf->local_id;
	slot->remote_id = sf->remote_id;
	slot->backup = sf->backup;
	slot->established = sf->established;
	slot->ifindex = sf->ifindex;
}

void snapshot_add_id(struct snapshot *s, uint32_t token,
		     const struct genl_local_entry *e)
{
	struct snapshot_id *slot = snapshot_slot((void **)&s->ids, &s->n_ids,
						 &s->cap_ids, sizeof(*slot));

	if (!slot)
		return;
	memset(slot, 0, sizeof(*slot));
	slot->token = token;
	slot->id = e->id;
	slot->addr = e->addr;
	slot->signal = e->flags & MPTCP_PM_ADDR_FLAG_SIGNAL;
}

int snapshot_note_live(struct snapshot *s, uint32_t token, bool closed)
{
	struct snapshot_live *slot;

	if (s->n_live >= SNAPSHOT_LIVE_MAX)
		return -ENOSPC;
	slot = snapshot_slot((void **)&s->live, &s->n_live, &s->cap_live,
			     sizeof(*slot));
	if (!slot)
		return -ENOSPC;
	slot->token = token;
	slot->closed = closed;
	return 0;
}

/* The lookups read the token at the start of every record. */
_Static_assert(offsetof(struct snapshot_conn, token) == 0, "token first");
_Static_assert(offsetof(struct snapshot_subflow, token) == 0, "token first");
_Static_assert(offsetof(struct snapshot_id, token) == 0, "token first");
_Static_assert(offsetof(struct snapshot_live, token) == 0, "token first");

static uint32_t snapshot_token_at(const void *v, size_t i, size_t size)
{
	uint32_t t;

	memcpy(&t, (const char *)v + i * size, sizeof(t));
	return t;
}

typedef int (*snapshot_cmp)(const void *a, const void *b);

static int snapshot_cmp_token(const void *a, const void *b)
{
	uint32_t ta = snapshot_token_at(a, 0, 0), tb = snapshot_token_at(b, 0, 0);

	return ta < tb ? -1 : ta > tb;
}

/* Listeners first (snapshot_conn_server_side walks them), then the
 * connections by token. */
static int snapshot_cmp_conn(const void *a, const void *b)
{
	const struct snapshot_conn *ca = a, *cb = b;

	if (ca->listener != cb->listener)
		return ca->listener ? -1 : 1;
	return snapshot_cmp_token(a, b);
}

/* Bottom-up merge sort, stable, through a scratch array of n records. */
static int snapshot_sort(void *v, size_t n, size_t size, snapshot_cmp cmp)
{
	size_t bytes = n * size;
	char *src = v, *dst = malloc(bytes ? bytes : 1), *tmp;

	if (!dst)
		return -ENOMEM;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid || j < hi) {
				bool left = j >= hi || (i < mid &&
					cmp(src + i * size, src + j * size) <= 0);
				size_t from = left ? i++ : j++;

				memcpy(dst + k++ * size, src + from * size, size);
			}
		}
		tmp = src, src = dst, dst = tmp;
	}
	if (src != v)
		memcpy(v, src, bytes);
	free(src == v ? dst : src);
	return 0;
}

/* The notes are sorted: the records they overtook are marked. */
static void snapshot_mark_live(struct snapshot *s)
{
	for (size_t i = 0; i < s->n_live; i++) {
		struct snapshot_conn *k = snapshot_find_conn(s, s->live[i].token);

		if (!k)
			continue;
		k->live_event = true;
		if (s->live[i].closed)
			k->live_closed = true;
	}
}

int snapshot_index(struct snapshot *s)
{
	if (snapshot_sort(s->conns, s->n_conns, sizeof(*s->conns),
			  snapshot_cmp_conn) < 0 ||
	    snapshot_sort(s->subflows, s->n_subflows, sizeof(*s->subflows),
			  snapshot_cmp_token) < 0 ||
	    snapshot_sort(s->ids, s->n_ids, sizeof(*s->ids),
			  snapshot_cmp_token) < 0 ||
	    snapshot_sort(s->live, s->n_live, sizeof(*s->live),
			  snapshot_cmp_token) < 0) {
		log_err(LOG_SUB_DIAG, "out of memory indexing a snapshot");
		return -ENOMEM;
	}
	s->n_listeners = 0;
	while (s->n_listeners < s->n_conns && s->conns[s->n_listeners].listener)
		s->n_listeners++;
	snapshot_mark_live(s);
	return 0;
}

/* The first record in [lo, hi) whose token is not below token. */
static size_t snapshot_lower(const void *v, size_t lo, size_t hi, size_t size,
			     uint32_t token)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (snapshot_token_at(v, mid, size) < token)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The records [*first, *first + return) with this token. */
static size_t snapshot_range(const void *v, size_t lo, size_t hi, size_t size,
			     uint32_t token, size_t *first)
{
	size_t end;

	*first = snapshot_lower(v, lo, hi, size, token);
	for (end = *first; end < hi && snapshot_token_at(v, end, size) == token;)
		end++;
	return end - *first;
}

struct snapshot_conn *snapshot_find_conn(const struct snapshot *s,
					 uint32_t token)
{
	size_t i, n = snapshot_range(s->conns, s->n_listeners, s->n_conns,
				     sizeof(*s->conns), token, &i);

	return n ? &s->conns[i] : NULL;
}

bool snapshot_live_has(const struct snapshot *s, uint32_t token)
{
	size_t i;

	return snapshot_range(s->live, 0, s->n_live, sizeof(*s->live), token,
			      &i) > 0;
}

const struct snapshot_subflow *snapshot_subflows_of(const struct snapshot *s,
						    uint32_t token, size_t *n)
{
	size_t i;

	*n = snapshot_range(s->subflows, 0, s->n_subflows, sizeof(*s->subflows),
			    token, &i);
	return *n ? &s->subflows[i] : NULL;
}

const struct snapshot_id *snapshot_ids_of(const struct snapshot *s,
					  uint32_t token, size_t *n)
{
	size_t i;

	*n = snapshot_range(s->ids, 0, s->n_ids, sizeof(*s->ids), token, &i);
	return *n ? &s->ids[i] : NULL;
}

bool snapshot_conn_managed(const struct snapshot_conn *c)
{
	return !c->listener && !c->fallback && c->established;
}

bool snapshot_conn_server_side(const struct snapshot *s,
			       const struct snapshot_conn *c)
{
	for (size_t i = 0; i < s->n_listeners; i++) {
		const struct snapshot_conn *l = &s->conns[i];

		if (
		    addr_listener_serves(&l->local, &c->local, c->local.port))
			return true;
	}
	return false;
}
