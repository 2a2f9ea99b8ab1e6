/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

struct history {
	struct history_entry *v;	/* cap slots; seq s lives at s % cap */
	size_t cap;
	uint64_t next;			/* the next entry's seq */
	uint64_t first;			/* the oldest entry kept */
};

struct history *history_new(size_t cap)
{
	struct history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->next = h->first = 1;
	if (history_resize(h, cap) < 0) {
		free(h);
		return NULL;
	}
	return h;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	free(h->v);
	free(h);
}

size_t history_cap(const struct history *h)
{
	return h ? h->cap : 0;
}

int history_resize(struct history *h, size_t cap)
{
	struct history_entry *v = NULL;
	uint64_t first = h->next;

	if (cap > HISTORY_SIZE_MAX)
		cap = HISTORY_SIZE_MAX;
	if (cap == h->cap)
		return 0;
	if (cap && !(v = calloc(cap, sizeof(*v))))
		return -ENOMEM;
	/* The newest entries that fit, each in its new slot. */
	for (uint64_t s = h->next; s > h->first && h->next - s < cap; s--) {
		v[(s - 1) % cap] = h->v[(s - 1) % h->cap];
		first = s - 1;
	}
	free(h->v);
	h->v = v;
	h->cap = cap;
	h->first = first;
	return 0;
}

struct history_entry *history_add(struct history *h, enum history_kind kind,
				  uint64_t mono_ms, int64_t wall_ms)
{
	struct history_entry *e;

	if (!h || !h->cap)
		return NULL;
	e = &h->v[h->next % h->cap];
	memset(e, 0, sizeof(*e));
	e->seq = h->next++;
	e->kind = kind;
	e->mono_ms = mono_ms;
	e->wall_ms = wall_ms;
	if (h->next - h->first > h->cap)
		h->first = h->next - h->cap;
	return e;
}

void history_set(char *field, size_t size, const char *text)
{
	snprintf(field, size, "%s", text ? text : "");
}

const char *history_tag(const struct history_entry *e)
{
	return e->reason;
}

/* Same address, or both none (a REMOVE by ID alone has no address). */
static bool history_same_addr(const struct mptcpd_addr *x,
			      const struct mptcpd_addr *y)
{
	if (x->family == AF_UNSPEC || y->family == AF_UNSPEC)
		return x->family == y->family;
	return mptcpd_addr_same_ip(x, y);
}

static bool history_same_command(const struct history_entry *e,
				 const struct mptcpd_action *a)
{
	if (e->kind != HISTORY_ACTION || e->token != a->token ||
	    e->action != a->type || !history_same_addr(&e->local, &a->local))
		return false;
	switch (a->type) {
	case MPTCPD_ACTION_REMOVE:
		return e->local_id == a->local_id;
	case MPTCPD_ACTION_ANNOUNCE:
		return true;
	case MPTCPD_ACTION_SUBFLOW_CREATE:
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
	case MPTCPD_ACTION_SET_BACKUP:
		return history_same_addr(&e->remote, &a->remote);
	}
	return false;
}

bool history_outcome(struct history *h, const struct mptcpd_action *a,
		     enum history_outcome outcome, int err)
{
	uintptr_t p = (uintptr_t)a->reason, base, off;
	struct history_entry *e;

	if (!h || !h->cap || !a->reason)
		return false;
	/* Pointers compared as integers: the tag of a command sent before a
	 * resize points into memory that is no longer ours, never read. */
	base = (uintptr_t)h->v;
	if (p < base || p >= base + h->cap * sizeof(*e))
		return false;
	off = p - base;
	if (off % sizeof(*e) != offsetof(struct history_entry, reason))
		return false;
	e = &h->v[off / sizeof(*e)];
	/* The slot may hold a newer entry now (the ring went round). */
	if (e->outcome != HISTORY_OUTCOME_SENT || !history_same_command(e, a))
		return false;
	e->outcome = outcome;
	e->err = err;
	return true;
}

uint64_t history_first(const struct history *h)
{
	return h ? h->first : 1;
}

uint64_t history_next(const struct history *h)
{
	return h ? h->next : 1;
}

const struct history_entry *history_get(const struct history *h, uint64_t seq)
{
	if (!h || !h->cap || seq < h->first || seq >= h->next)
		return NULL;
	return &h->v[seq % h->cap];
}

uint64_t history_since(const struct history *h, uint64_t mono_ms)
{
	uint64_t lo, hi;

	if (!h || !h->cap)
		return history_next(h);
	lo = h->first;
	hi = h->next;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (h->v[mid % h->cap].mono_ms < mono_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *history_kind_word(enum history_kind k)
{
	switch (k) {
	case HISTORY_ACTION:
		return "action";
	case HISTORY_STRATEGY:
		return "strategy";
	case HISTORY_RELOAD:
		return "reload";
	case HISTORY_PATH_DEAD:
		return "path-dead";
	case HISTORY_PATH_ALIVE:
		return "path-alive";
	}
	return "?";
}

const char *history_outcome_word(enum history_outcome o)
{
	switch (o) {
	case HISTORY_OUTCOME_NONE:
		return NULL;
	case HISTORY_OUTCOME_SENT:
		return "sent";
	case HISTORY_OUTCOME_DONE:
		return "done";
	case HISTORY_OUTCOME_REFUSED:
		return "refused";
	case HISTORY_OUTCOME_NOT_SENT:
		return "not sent";
	}
	return "?";
}
