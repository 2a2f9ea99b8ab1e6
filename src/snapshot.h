/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A point-in-time picture of the kernel's MPTCP connections, gathered from
 * sock_diag and GET_ADDR at start-up or after lost events, for the engine
 * to adopt.  Plain data.
 */
#ifndef MPTCPD_SNAPSHOT_H
#define MPTCPD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "genl.h"

struct snapshot_id {
	uint32_t token;
	struct genl_local_entry entry;
};

struct snapshot {
	struct diag_conn *conns;
	size_t n_conns, cap_conns;
	struct diag_subflow *subflows;
	size_t n_subflows, cap_subflows;
	struct snapshot_id *ids;
	size_t n_ids, cap_ids;
};

void snapshot_init(struct snapshot *s);
void snapshot_clear(struct snapshot *s);
/* Callbacks for diag_dump_conns / diag_dump_subflows (arg = snapshot). */
void snapshot_add_conn(void *snap, const struct diag_conn *c);
void snapshot_add_subflow(void *snap, const struct diag_subflow *sf);
void snapshot_add_id(struct snapshot *s, uint32_t token,
		     const struct genl_local_entry *e);
/* A connection we can manage: established, not a listener, no fallback. */
bool snapshot_conn_managed(const struct diag_conn *c);
/* Is there a listener for this connection's local address and port? */
bool snapshot_conn_server_side(const struct snapshot *s,
			       const struct diag_conn *c);

#endif
