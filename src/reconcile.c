/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "reconcile.h"

static bool reconcile_has(const uint32_t *v, size_t n, uint32_t token)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == token)
			return true;
	return false;
}

size_t reconcile_pick(struct reconcile *r, const struct model *m,
		      uint32_t *tokens, size_t max)
{
	size_t budget = RECONCILE_BUCKETS_PER_TICK, n = 0, first;
	const struct model_conn *c;

	/* Last tick's suspects that no CLOSED has removed since. */
	r->n_again = 0;
	for (size_t i = 0; i < r->n_suspects && n < max; i++)
		if (model_conn_find(m, r->suspects[i]))
			tokens[n++] = r->again[r->n_again++] = r->suspects[i];
	r->n_suspects = 0;
	first = n;
	while (n < max && n - first < RECONCILE_PER_TICK &&
	       (c = model_conn_cursor_next(m, &r->cursor, &budget))) {
		/* Fewer connections than that: the round came back to the
		 * first one of this tick. */
		if (n > first && c->pub.token == tokens[first])
			break;
		if (reconcile_has(r->again, r->n_again, c->pub.token))
			continue;
		tokens[n++] = c->pub.token;
	}
	return n;
}

bool reconcile_answer(struct reconcile *r, uint32_t token, int err)
{
	r->checked++;
	if (err == 0) {
		r->lookup_works = true;
		return false;
	}
	if (err != -ENOENT || !r->lookup_works)
		return false;
	if (!reconcile_has(r->again, r->n_again, token)) {
		if (r->n_suspects < RECONCILE_PER_TICK)
			r->suspects[r->n_suspects++] = token;
		return false;	/* its CLOSED may be on its way */
	}
	r->forgotten++;
	r->unlogged++;
	return true;
}

bool reconcile_log_due(struct reconcile *r, uint64_t now_ms, uint64_t *n)
{
	if (!r->unlogged ||
	    (r->logged_ms && now_ms < r->logged_ms + RECONCILE_LOG_EVERY_MS))
		return false;
	*n = r->unlogged;
	r->unlogged = 0;
	r->logged_ms = now_ms;
	return true;
}
