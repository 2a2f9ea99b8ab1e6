/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A point-in-time picture of the kernel's MPTCP connections, gathered from
 * sock_diag and GET_ADDR at start-up or after lost events, for the engine
 * to adopt.  The records are plain data in our own words: the builders
 * below translate what the diag and genl edges report, so that the engine
 * never sees a kernel state or flag.
 */
#ifndef MPTCPD_SNAPSHOT_H
#define MPTCPD_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

/* An MPTCP socket: a connection or a listener. */
struct snapshot_conn {
	uint32_t token;
	struct mptcpd_addr local;	/* initial subflow, with ports */
	struct mptcpd_addr remote;	/* empty for a listener */
	bool established;		/* the connection is established */
	bool fallback;			/* fell back to TCP: nothing to manage */
	bool listener;
	/* Set while a resync works through the snapshot: live events about
	 * this connection arrived after it was taken (see resync.c). */
	bool live_event;
	bool live_closed;		/* one of them was CLOSED */
};

struct snapshot_subflow {
	uint32_t token;			/* of the owning connection */
	struct mptcpd_addr local;
	struct mptcpd_addr remote;
	uint8_t local_id;
	uint8_t remote_id;
	bool backup;			/* local or remote backup bit */
	bool established;		/* fully established */
	int ifindex;			/* bound device, 0 if none */
};

/* One entry of a connection's local address list. */
struct snapshot_id {
	uint32_t token;
	uint8_t id;
	struct mptcpd_addr addr;
	bool signal;			/* announced to the peer (by us) */
};

/* A connection that live events touched while the snapshot was being
 * taken (a dump read over several loop iterations): its record, if the
 * dump caught one, may be older than the model. */
struct snapshot_live {
	uint32_t token;
	bool closed;			/* one of the events was CLOSED */
};

/* Most live notes kept during one dump: 2 MB at most, far above the
 * events of the few hundred ms a dump of 10,000 connections takes. */
#define SNAPSHOT_LIVE_MAX	(1u << 18)

/* Every record starts with its connection's token: snapshot_index()
 * sorts all four arrays by it, so that one connection's records are
 * found by binary search instead of a walk of the whole table. */
struct snapshot {
	struct snapshot_conn *conns;	/* indexed: listeners first */
	size_t n_conns, cap_conns;
	struct snapshot_subflow *subflows;
	size_t n_subflows, cap_subflows;
	struct snapshot_id *ids;
	size_t n_ids, cap_ids;
	struct snapshot_live *live;
	size_t n_live, cap_live;
	size_t n_listeners;		/* indexed: conns[0..n_listeners) */
};

void snapshot_init(struct snapshot *s);
void snapshot_clear(struct snapshot *s);

/* Builders, at the edge: each translates one record of the diag or genl
 * edge.  The first two are callbacks for diag_dump_conns and
 * diag_dump_subflows (snap: the struct snapshot).  A record that finds no
 * memory is left out (logged). */
struct diag_conn;
struct diag_subflow;
struct genl_local_entry;
void snapshot_add_conn(void *snap, const struct diag_conn *c);
void snapshot_add_subflow(void *snap, const struct diag_subflow *sf);
void snapshot_add_id(struct snapshot *s, uint32_t token,
		     const struct genl_local_entry *e);

/* A live event about this connection arrived while the snapshot was
 * being taken.  0, or -ENOSPC past SNAPSHOT_LIVE_MAX notes (or without
 * memory): the snapshot can then not tell which records are stale. */
int snapshot_note_live(struct snapshot *s, uint32_t token, bool closed);

/* Sort the records for the lookups below (stable: one connection's
 * subflows keep the kernel's order) and mark the connection records that
 * live notes overtook (live_event, live_closed).  O(n log n); 0 or
 * -ENOMEM.  Records added afterwards need another call. */
int snapshot_index(struct snapshot *s);
/* Lookups in an indexed snapshot.  The connection (not a listener) with
 * that token, or NULL; the first of a connection's subflows or IDs and
 * their number (*n = 0: none). */
struct snapshot_conn *snapshot_find_conn(const struct snapshot *s,
					 uint32_t token);
const struct snapshot_subflow *snapshot_subflows_of(const struct snapshot *s,
						    uint32_t token, size_t *n);
const struct snapshot_id *snapshot_ids_of(const struct snapshot *s,
					  uint32_t token, size_t *n);

/* Did live events touch this connection while the snapshot was being
 * taken?  (Indexed snapshot.) */
bool snapshot_live_has(const struct snapshot *s, uint32_t token);

/* A connection we can manage: established, not a listener, no fallback. */
bool snapshot_conn_managed(const struct snapshot_conn *c);
/* Is there a listener for this connection's local address and port?
 * Looks at the listeners of an indexed snapshot only. */
bool snapshot_conn_server_side(const struct snapshot *s,
			       const struct snapshot_conn *c);

#endif
