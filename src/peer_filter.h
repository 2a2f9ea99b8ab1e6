/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which addresses a remote peer may make us join (ADD_ADDR).  The peer
 * chooses them, so every one is checked before any SYN leaves: a join to
 * loopback, to ourselves or into our own LAN is at best a wasted subflow
 * slot and at worst a probe of hosts the peer cannot reach itself.
 * Pure: what the host owns comes in through struct peer_host.
 */
#ifndef MPTCPD_PEER_FILTER_H
#define MPTCPD_PEER_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

enum peer_verdict {
	PEER_ACCEPT = 0,
	PEER_UNSPECIFIED,	/* 0.0.0.0/8, :: */
	PEER_LOOPBACK,		/* 127/8, ::1 */
	PEER_MULTICAST,		/* 224/4, ff00::/8 */
	PEER_BROADCAST,		/* 255.255.255.255, a connected subnet's */
	PEER_LINK_LOCAL,	/* 169.254/16, fe80::/10, on a routed connection */
	PEER_OWN_ADDRESS,	/* one of this host's addresses */
	PEER_LOCAL_SUBNET,	/* inside a subnet we are directly connected to */
};

/* What the host knows about itself; both callbacks are required. */
struct peer_host {
	/* Is a one of this host's addresses? */
	bool (*is_own)(void *arg, const struct mptcpd_addr *a);
	/* The directly connected prefix that holds a, if any. */
	bool (*connected_prefix)(void *arg, const struct mptcpd_addr *a,
				 struct mptcpd_addr *net, unsigned int *plen);
	void *arg;
};

/* May a connection whose first subflow went to initial_remote join the
 * announced address?  PEER_ACCEPT or the reason it may not. */
enum peer_verdict peer_check(const struct peer_host *host,
			     const struct mptcpd_addr *announced,
			     const struct mptcpd_addr *initial_remote);

/* "loopback", "own-address", ...: the word logs and counters use. */
const char *peer_verdict_word(enum peer_verdict v);

#endif
