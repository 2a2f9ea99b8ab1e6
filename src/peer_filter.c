/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>

#include "addr.h"
#include "peer_filter.h"

static const char *const peer_words[] = {
	[PEER_ACCEPT] = "accepted",
	[PEER_UNSPECIFIED] = "unspecified",
	[PEER_LOOPBACK] = "loopback",
	[PEER_MULTICAST] = "multicast",
	[PEER_BROADCAST] = "broadcast",
	[PEER_LINK_LOCAL] = "link-local",
	[PEER_OWN_ADDRESS] = "own-address",
	[PEER_LOCAL_SUBNET] = "local-subnet",
};

const char *peer_verdict_word(enum peer_verdict v)
{
	if ((size_t)v >= sizeof(peer_words) / sizeof(peer_words[0]))
		return "?";
	return peer_words[v];
}

/* What the address is by its value alone, whoever owns it. */
static enum peer_verdict peer_by_value(const struct mptcpd_addr *a)
{
	if (a->family == AF_INET) {
		uint32_t v = ntohl(a->u.v4.s_addr);

		if ((v >> 24) == 0)
			return PEER_UNSPECIFIED;
		if (v == 0xffffffffu)
			return PEER_BROADCAST;
		if ((v >> 28) == 0xe)
			return PEER_MULTICAST;
	} else if (a->family == AF_INET6) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a->u.v6))
			return PEER_UNSPECIFIED;
		if (IN6_IS_ADDR_MULTICAST(&a->u.v6))
			return PEER_MULTICAST;
	} else {
		return PEER_UNSPECIFIED;
	}
	return addr_is_loopback(a) ? PEER_LOOPBACK : PEER_ACCEPT;
}

/* The all-ones host part of an IPv4 subnet (not on /31 and /32, where
 * every address is a host). */
static bool peer_directed_broadcast(const struct mptcpd_addr *a,
				    unsigned int plen)
{
	uint32_t host_mask;

	if (a->family != AF_INET || plen >= 31)
		return false;
	host_mask = plen ? 0xffffffffu >> plen : 0xffffffffu;
	return (ntohl(a->u.v4.s_addr) & host_mask) == host_mask;
}

/* Our own LAN is reachable without the peer: a join there could only
 * reach a neighbour of ours, unless the peer itself lives on it. */
static enum peer_verdict peer_by_subnet(const struct peer_host *host,
					const struct mptcpd_addr *a,
					const struct mptcpd_addr *initial_remote)
{
	struct mptcpd_addr net;
	unsigned int plen;

	if (!host->connected_prefix(host->arg, a, &net, &plen))
		return PEER_ACCEPT;
	if (peer_directed_broadcast(a, plen))
		return PEER_BROADCAST;
	if (initial_remote && addr_in_prefix(initial_remote, &net, plen))
		return PEER_ACCEPT;
	return PEER_LOCAL_SUBNET;
}

enum peer_verdict peer_check(const struct peer_host *host,
			     const struct mptcpd_addr *announced,
			     const struct mptcpd_addr *initial_remote)
{
	struct mptcpd_addr a = *announced;
	enum peer_verdict v;

	a.port = 0;
	addr_unmap_v4(&a);
	v = peer_by_value(&a);
	if (v != PEER_ACCEPT)
		return v;
	if (addr_is_link_local(&a) &&
	    !(initial_remote && addr_is_link_local(initial_remote)))
		return PEER_LINK_LOCAL;
	if (host->is_own(host->arg, &a))
		return PEER_OWN_ADDRESS;
	return peer_by_subnet(host, &a, initial_remote);
}
