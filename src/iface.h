/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interfaces and local addresses, and which addresses are usable: the
 * interface is up and running, not loopback, allowed by the configuration;
 * the address is not link-local, tentative, dadfailed or deprecated.
 * Plain data, no I/O: netmon feeds it, the engine reads it.
 */
#ifndef MPTCPD_IFACE_H
#define MPTCPD_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include "mptcpd/strategy.h"
#include "netmon.h"

struct config;
struct iface_table;

/* Called for every change in the usable set. */
typedef void (*iface_change_fn)(void *arg, const struct mptcpd_local_addr *a,
				bool usable);

struct iface_table *iface_table_new(const struct config *cfg,
				    iface_change_fn change, void *arg);
void iface_table_free(struct iface_table *t);
void iface_table_set_config(struct iface_table *t, const struct config *cfg);

void iface_on_link(struct iface_table *t, const struct netmon_link *l);
void iface_on_addr(struct iface_table *t, const struct netmon_addr *a);
/* A new route through an interface: its usable addresses are reported
 * again (usable = true), so strategies retry paths that had no route. */
void iface_on_route(struct iface_table *t, const struct netmon_route *r,
		    uint64_t now_ms);
/* When a route through the interface last appeared (0 = never seen). */
uint64_t iface_route_ms(const struct iface_table *t, int ifindex);
/* Is there a route to remote through the interface (its own prefix, a
 * more specific route or a default route)?  Without one the kernel would
 * treat the peer as on-link and the join would hang in ARP for seconds. */
bool iface_routable(const struct iface_table *t, int ifindex,
		    const struct mptcpd_addr *remote);

/* A full re-dump: entries the dump does not mention between begin and
 * end are dropped, and the usable set is reported once, at the end. */
void iface_sync_begin(struct iface_table *t);
void iface_sync_end(struct iface_table *t);

/* The usable addresses, contiguous (valid until the next change). */
const struct mptcpd_local_addr *iface_usable(const struct iface_table *t,
					     size_t *n);
const struct mptcpd_local_addr *iface_usable_find(const struct iface_table *t,
					const struct mptcpd_addr *addr);
const char *iface_name(const struct iface_table *t, int ifindex);

#endif
