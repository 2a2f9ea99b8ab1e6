/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink: follows links, addresses and routes (a monitor socket, and a
 * dump to start from) and reports them as plain structs; deciding what is
 * usable is iface.c's job.  The only file that speaks NETLINK_ROUTE.
 */
#ifndef MPTCPD_RTNL_H
#define MPTCPD_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

struct rtnl;

struct rtnl_link_update {
	int ifindex;
	char name[16];
	unsigned int flags;	/* IFF_* (IFF_UP, IFF_RUNNING, IFF_LOOPBACK) */
	unsigned int arphrd;	/* ARPHRD_* */
	bool deleted;		/* RTM_DELLINK */
};

struct rtnl_addr_update {
	int ifindex;
	struct mptcpd_addr addr;	/* port 0 */
	uint8_t prefixlen;
	uint8_t scope;		/* RT_SCOPE_* */
	uint32_t flags;		/* IFA_F_* */
	bool deleted;		/* RTM_DELADDR */
};

/* A unicast route of the main table that leaves through one device. */
struct rtnl_route_update {
	int ifindex;		/* RTA_OIF */
	uint8_t family;
	struct mptcpd_addr dst;	/* all zeroes for a default route */
	uint8_t dst_len;	/* 0 = a default route */
	bool deleted;		/* RTM_DELROUTE */
};

struct rtnl_callbacks {
	void (*link)(void *arg, const struct rtnl_link_update *link);
	void (*addr)(void *arg, const struct rtnl_addr_update *addr);
	/* Routes are followed because an address often comes before its
	 * route (DHCP, NetworkManager): a subflow tried in between fails. */
	void (*route)(void *arg, const struct rtnl_route_update *route);
	/* Updates were lost (ENOBUFS); a fresh rtnl_dump() is needed. */
	void (*overflow)(void *arg);
};

/* Subscribe to the link, IPv4/IPv6 address and IPv4/IPv6 route groups.
 * 0 or -errno (logged). */
int rtnl_new(struct rtnl **out, const struct rtnl_callbacks *cb,
	       void *arg);
void rtnl_free(struct rtnl *n);
/* Synchronous dump of all links, then all addresses, then all routes, via
 * the callbacks. */
int rtnl_dump(struct rtnl *n);
int rtnl_fd(const struct rtnl *n);
/* Datagrams refused because the kernel did not send them (another local
 * program did). */
uint64_t rtnl_dropped(const struct rtnl *n);
void rtnl_readable(struct rtnl *n);

/* Decoders of one rtnetlink message (nlmsg_len <= len), exposed so that
 * check_rtnl and fuzz_rtnl drive them without a kernel.
 * 0: *out filled; 1 (addr and route): a family or route we do not track;
 * -EINVAL: malformed. */
struct nlmsghdr;
int rtnl_parse_link(const struct nlmsghdr *nlh, size_t len,
		      struct rtnl_link_update *out);
int rtnl_parse_route(const struct nlmsghdr *nlh, size_t len,
		       struct rtnl_route_update *out);
int rtnl_parse_addr(const struct nlmsghdr *nlh, size_t len,
		      struct rtnl_addr_update *out);

#endif
