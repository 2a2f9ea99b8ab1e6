/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters since start (stats.h).  Each function touches a fixed number
 * of fields or walks one small fixed table: O(1) per event, whatever the
 * number of connections.
 */
#include <string.h>

#include "stats.h"

/* From "as fast as the loop" to "the SYNs of a join timed out": a
 * handover on a link event takes well under a millisecond to decide,
 * one on a stall verdict a few hundred, a mass one seconds. */
const uint32_t stats_latency_bounds_ms[STATS_LATENCY_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

void stats_init(struct stats *st)
{
	memset(st, 0, sizeof(*st));
}

void stats_join_failed(struct stats *st, int err)
{
	struct stats_errno *free_slot = NULL;

	/* No errno (the kernel tells none without an established
	 * connection): an empty slot has err 0 and must stay empty. */
	if (err <= 0) {
		st->failed_other++;
		return;
	}
	for (size_t i = 0; i < STATS_ERRNOS_MAX; i++) {
		struct stats_errno *e = &st->failed[i];

		if (e->err == err) {
			e->count++;
			return;
		}
		if (!e->err && !free_slot)
			free_slot = e;
	}
	if (!free_slot) {
		st->failed_other++;
		return;
	}
	free_slot->err = err;
	free_slot->count = 1;
}

void stats_closed(struct stats *st, enum stats_close why, uint32_t reset)
{
	if ((unsigned int)why >= STATS_CLOSE_COUNT)
		why = STATS_CLOSE_OTHER;
	if (reset >= STATS_RESETS)
		reset = STATS_RESETS - 1;
	st->closed[why][reset]++;
}

void stats_promoted(struct stats *st, uint64_t latency_ms)
{
	size_t b = 0;

	while (b < STATS_LATENCY_BUCKETS && latency_ms > stats_latency_bounds_ms[b])
		b++;
	st->promotions++;
	st->handover.bucket[b]++;
	st->handover.count++;
	st->handover.sum_ms += latency_ms;
}

struct stats_iface *stats_iface(struct stats *st, int ifindex,
				const char *name)
{
	struct stats_iface *i;

	if (ifindex <= 0)
		return NULL;
	/* iface_name() says "?" for a link it does not know: no name. */
	if (name && (!name[0] || !strcmp(name, "?")))
		name = NULL;
	/* The name is the series' label: a link deleted and created again
	 * (a modem's wwan0 after a reset) has a new index but is the same
	 * series, and takes no second entry. */
	for (size_t k = 0; k < st->n_ifaces; k++) {
		i = &st->ifaces[k];
		if (i->ifindex == ifindex && (!name || !i->name[0] ||
					      !strncmp(i->name, name,
						       sizeof(i->name) - 1)))
			goto named;
	}
	for (size_t k = 0; name && k < st->n_ifaces; k++) {
		i = &st->ifaces[k];
		if (!strncmp(i->name, name, sizeof(i->name) - 1)) {
			i->ifindex = ifindex;
			return i;
		}
	}
	if (st->n_ifaces == STATS_IFACES_MAX) {
		st->ifaces_dropped++;
		return NULL;
	}
	i = &st->ifaces[st->n_ifaces++];
	memset(i, 0, sizeof(*i));
	i->ifindex = ifindex;
named:
	if (name && !i->name[0])
		strncpy(i->name, name, sizeof(i->name) - 1);
	return i;
}

const struct stats_iface *stats_iface_find(const struct stats *st, int ifindex)
{
	for (size_t k = 0; k < st->n_ifaces; k++)
		if (st->ifaces[k].ifindex == ifindex)
			return &st->ifaces[k];
	return NULL;
}

void stats_iface_active(struct stats_iface *i, int delta, uint64_t now_ms)
{
	if (!i)
		return;
	if (delta > 0) {
		if (i->n_active++ == 0)
			i->active_since_ms = now_ms;
		return;
	}
	if (i->n_active == 0)
		return;		/* our bug; do not wrap */
	if (--i->n_active == 0 && now_ms > i->active_since_ms)
		i->active_ms += now_ms - i->active_since_ms;
}

uint64_t stats_iface_active_ms(const struct stats_iface *i, uint64_t now_ms)
{
	uint64_t ms = i->active_ms;

	if (i->n_active && now_ms > i->active_since_ms)
		ms += now_ms - i->active_since_ms;
	return ms;
}

void stats_bytes_closed(struct stats *st, struct stats_iface *i, bool metered,
			uint64_t sent, uint64_t received)
{
	if (i) {
		i->sent += sent;
		i->received += received;
	}
	if (metered) {
		st->metered_sent += sent;
		st->metered_received += received;
	}
}

void stats_bytes_init(const struct stats *st, struct stats_bytes *b)
{
	memset(b, 0, sizeof(*b));
	for (size_t k = 0; k < st->n_ifaces; k++) {
		b->sent[k] = st->ifaces[k].sent;
		b->received[k] = st->ifaces[k].received;
	}
	b->metered_sent = st->metered_sent;
	b->metered_received = st->metered_received;
}

void stats_bytes_add(const struct stats *st, struct stats_bytes *b,
		     const struct stats_iface *i, bool metered,
		     uint64_t sent, uint64_t received)
{
	if (i && i >= st->ifaces && i < st->ifaces + st->n_ifaces) {
		b->sent[i - st->ifaces] += sent;
		b->received[i - st->ifaces] += received;
	}
	if (metered) {
		b->metered_sent += sent;
		b->metered_received += received;
	}
}

const char *stats_close_word(enum stats_close why)
{
	switch (why) {
	case STATS_CLOSE_REQUESTED:
		return "requested";
	case STATS_CLOSE_ERROR:
		return "error";
	case STATS_CLOSE_RESET:
		return "reset";
	case STATS_CLOSE_OTHER:
	case STATS_CLOSE_COUNT:
		break;
	}
	return "other";
}

/* MPTCP_RST_E* (RFC 8684 3.6): the reset reasons a peer or our kernel
 * gives; 0 also stands for "no reset". */
const char *stats_reset_word(unsigned int reset)
{
	static const char *const words[STATS_RESETS] = {
		"unspecified", "mptcp-error", "no-resources", "prohibited",
		"too-much-outstanding", "bad-performance", "middlebox", "other",
	};

	return words[reset < STATS_RESETS ? reset : STATS_RESETS - 1];
}
