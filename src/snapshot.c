/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The adoption snapshot, and the translation into it of what the diag and
 * genl edges report: TCP states and kernel endpoint flags end here.
 */
#include <netinet/tcp.h>
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

bool snapshot_conn_managed(const struct snapshot_conn *c)
{
	return !c->listener && !c->fallback && c->established;
}

bool snapshot_conn_server_side(const struct snapshot *s,
			       const struct snapshot_conn *c)
{
	for (size_t i = 0; i < s->n_conns; i++) {
		const struct snapshot_conn *l = &s->conns[i];

		if (l->listener &&
		    addr_listener_serves(&l->local, &c->local, c->local.port))
			return true;
	}
	return false;
}
