/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interfaces and local addresses, and which addresses are usable: the
 * interface is up and running, not loopback, allowed by the configuration;
 * the address is not link-local, tentative, dadfailed or deprecated.
 * Plain data, no I/O: rtnl feeds it, the engine reads it.
 */
#ifndef MPTCPD_IFACE_H
#define MPTCPD_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include "mptcpd/strategy.h"
#include "rtnl.h"

struct config;
struct iface_table;

/* Where an interface's type or metered state came from. */
enum iface_source {
	IFACE_SOURCE_AUTO = 0,		/* detected (ifclass.c) */
	IFACE_SOURCE_CONFIG = 1,	/* an [interface GLOB] section */
	IFACE_SOURCE_RUNTIME = 2,	/* mptcpd-ctl, NetworkManager hook */
};

struct iface_class {
	enum mptcpd_iface_type type;
	enum iface_source type_source;
	enum mptcpd_metered metered;	/* as set; unknown stays unknown */
	enum iface_source metered_source;
};

/* Called for every change in the usable set. */
typedef void (*iface_change_fn)(void *arg, const struct mptcpd_local_addr *a,
				bool usable);

struct iface_table *iface_table_new(const struct config *cfg,
				    iface_change_fn change, void *arg);
void iface_table_free(struct iface_table *t);
void iface_table_set_config(struct iface_table *t, const struct config *cfg);

/* detected: what ifclass_detect() made of the link (the daemon reads
 * sysfs; the table does no I/O). */
void iface_on_link(struct iface_table *t, const struct rtnl_link_update *l,
		   enum mptcpd_iface_type detected);
/* Run-time overrides for the interface called ifname; NULL leaves a value
 * as it is.  -ENODEV when no such interface is known. */
int iface_set_runtime(struct iface_table *t, const char *ifname,
		      const enum mptcpd_iface_type *type,
		      const enum mptcpd_metered *metered);
/* The effective class of an interface; false when unknown. */
bool iface_get_class(const struct iface_table *t, int ifindex,
		     struct iface_class *out);
void iface_on_addr(struct iface_table *t, const struct rtnl_addr_update *a);
/* A new route through an interface: its usable addresses are reported
 * again (usable = true), so strategies retry paths that had no route. */
void iface_on_route(struct iface_table *t, const struct rtnl_route_update *r,
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

/* Read access for the control socket. */
struct iface_info {
	int ifindex;
	char name[16];
	bool up;		/* up and running */
	bool excluded;		/* by [interfaces] or at run time */
	struct iface_class cls;
};
/* The i-th known interface (in no particular order); false past the end. */
bool iface_info_at(const struct iface_table *t, size_t i,
		   struct iface_info *out);
/* By name; false when unknown. */
bool iface_info_by_name(const struct iface_table *t, const char *ifname,
			struct iface_info *out);
/* The addresses known on an interface, usable or not: copies up to max
 * into out and returns how many there are. */
size_t iface_addrs(const struct iface_table *t, int ifindex,
		   struct mptcpd_addr *out, size_t max);
/* Run-time exclusion (mptcpd-ctl): an excluded interface's addresses are
 * not usable until it is included again (they are then reported anew).
 * -ENODEV when no such interface is known. */
int iface_set_runtime_excluded(struct iface_table *t, const char *ifname,
			       bool excluded);

#endif
