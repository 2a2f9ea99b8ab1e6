/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interfaces and local addresses, and which addresses are usable: the
 * interface is up and running, not loopback, allowed by the configuration;
 * the address is not link-local, tentative, dadfailed or deprecated.
 * Plain data, no I/O: the daemon feeds it the records below (translated
 * from rtnl, with the configuration and detection already resolved), the
 * engine and the control socket read it.
 */
#ifndef MPTCPD_IFACE_H
#define MPTCPD_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

struct iface_table;

struct iface_link_update {
	int ifindex;
	char name[16];
	unsigned int flags;		/* IFF_* (IFF_UP, IFF_RUNNING, IFF_LOOPBACK) */
	enum mptcpd_iface_type detected;	/* what the link looks like */
	bool deleted;
};

struct iface_addr_update {
	int ifindex;
	struct mptcpd_addr addr;	/* the port is ignored */
	uint8_t prefixlen;		/* of the subnet it is on */
	uint32_t flags;			/* IFA_F_* */
	bool deleted;
};

/* A route that leaves through one device. */
struct iface_route_update {
	int ifindex;
	uint8_t family;
	struct mptcpd_addr dst;		/* all zeroes for a default route */
	uint8_t dst_len;		/* 0 = a default route */
	bool deleted;
};

/* What the configuration says about one interface, looked up by its name
 * before it reaches the table. */
struct iface_settings {
	bool allowed;			/* by [interfaces] include/exclude */
	bool has_type;			/* an [interface GLOB] section's type */
	enum mptcpd_iface_type type;
	bool has_metered;		/* ... and metered */
	enum mptcpd_metered metered;
	bool unknown_metered;		/* [core] unknown-metered */
};

/* No configuration: every interface allowed, detection decides, an
 * unknown metered state counts as not metered. */
#define IFACE_SETTINGS_DEFAULT ((struct iface_settings){ .allowed = true })

/* Where an interface's type or metered state came from. */
enum iface_source {
	IFACE_SOURCE_AUTO = 0,		/* detected, or the type's default */
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

struct iface_table *iface_table_new(iface_change_fn change, void *arg);
void iface_table_free(struct iface_table *t);

/* s: the settings for l->name (unused when l->deleted). */
void iface_on_link(struct iface_table *t, const struct iface_link_update *l,
		   const struct iface_settings *s);
/* After a configuration change: fn fills in each known interface's new
 * settings, then the usable set is recomputed and reported once. */
typedef void (*iface_settings_fn)(void *arg, const char *ifname,
				  struct iface_settings *out);
void iface_reconfigure(struct iface_table *t, iface_settings_fn fn, void *arg);
/* Run-time overrides for the interface called ifname; NULL leaves a value
 * as it is.  -ENODEV when no such interface is known. */
/* Drop the run-time type and/or metered value of ifname: the
 * configuration's or the detected one applies again.  -ENODEV when no
 * such interface is known. */
int iface_clear_runtime(struct iface_table *t, const char *ifname,
			bool type, bool metered);
int iface_set_runtime(struct iface_table *t, const char *ifname,
		      const enum mptcpd_iface_type *type,
		      const enum mptcpd_metered *metered);
void iface_on_addr(struct iface_table *t, const struct iface_addr_update *a);
/* A new route through an interface: its usable addresses are reported
 * again (usable = true), so strategies retry paths that had no route. */
void iface_on_route(struct iface_table *t, const struct iface_route_update *r,
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

/* Is a one of this host's addresses, on any interface (loopback too), or
 * a loopback address?  A connection to it has both ends here. */
bool iface_is_local(const struct iface_table *t, const struct mptcpd_addr *a);
/* The subnet of one of our addresses that holds a (a directly connected
 * network); false when a is on none of them. */
bool iface_connected_prefix(const struct iface_table *t,
			    const struct mptcpd_addr *a,
			    struct mptcpd_addr *net, unsigned int *plen);

/* Read access for the control socket. */
struct iface_info {
	int ifindex;
	char name[16];
	bool up;		/* up and running */
	bool excluded;		/* by [interfaces] or at run time */
	struct iface_class cls;
	/* A join through it waits for a route to this peer (port 0), since
	 * no_route_ms; AF_UNSPEC: it waits for none. */
	struct mptcpd_addr no_route;
	uint64_t no_route_ms;
};
/* A join through ifindex to remote waits for a route (the engine held
 * it): remembered until a route to remote comes, for `interfaces` and
 * `connection`.  O(1); the last such peer per interface. */
void iface_note_no_route(struct iface_table *t, int ifindex,
			 const struct mptcpd_addr *remote, uint64_t now_ms);
/* The interface's no-route wait (as struct iface_info), by index. */
bool iface_info_by_index(const struct iface_table *t, int ifindex,
			 struct iface_info *out);
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
