/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "reconcile.h"

size_t reconcile_pick(struct reconcile *r, const struct model *m,
		      uint32_t *tokens, size_t max)
{
	size_t budget = RECONCILE_BUCKETS_PER_TICK, n = 0;
	const struct model_conn *c;

	while (n < max &&
	       (c = model_conn_cursor_next(m, &r->cursor, &budget))) {
		/* Fewer connections than max: the round came back to the
		 * first one of this tick. */
		if (n && c->pub.token == tokens[0])
			break;
		tokens[n++] = c->pub.token;
	}
	return n;
}

bool reconcile_answer(struct reconcile *r, int err)
{
	r->checked++;
	if (err == 0) {
		r->lookup_works = true;
		return false;
	}
	if (err != -ENOENT || !r->lookup_works)
		return false;
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
