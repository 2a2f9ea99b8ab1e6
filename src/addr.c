/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

const char *addr_str(const struct mptcpd_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_INET)
		inet_ntop(AF_INET, &a->u.v4, ip, sizeof(ip));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, &a->u.v6, ip, sizeof(ip));
	else
		snprintf(ip, sizeof(ip), "none");

	if (a->port == 0)
		snprintf(buf, len, "%s", ip);
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

int addr_parse(const char *text, struct mptcpd_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &out->u.v6) == 1) {
		out->family = AF_INET6;
		addr_unmap_v4(out);
		return 0;
	}
	return -EINVAL;
}

bool addr_equal(const struct mptcpd_addr *a, const struct mptcpd_addr *b)
{
	return a->port == b->port && mptcpd_addr_same_ip(a, b);
}

bool addr_is_link_local(const struct mptcpd_addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->u.v4.s_addr) & 0xffff0000u) == 0xa9fe0000u;
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_LINKLOCAL(&a->u.v6);
	return false;
}

bool addr_is_loopback(const struct mptcpd_addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->u.v4.s_addr) >> 24) == 127;
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&a->u.v6);
	return false;
}

static bool addr_is_any(const struct mptcpd_addr *a)
{
	if (a->family == AF_INET)
		return a->u.v4.s_addr == htonl(INADDR_ANY);
	return a->family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a->u.v6);
}

bool addr_listener_serves(const struct mptcpd_addr *listener,
			  const struct mptcpd_addr *addr, uint16_t port)
{
	if (listener->port != port)
		return false;
	if (mptcpd_addr_same_ip(listener, addr))
		return true;
	return addr_is_any(listener) &&
	       (listener->family == addr->family || listener->family == AF_INET6);
}

void addr_unmap_v4(struct mptcpd_addr *a)
{
	struct in_addr v4;

	if (a->family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->u.v6))
		return;
	memcpy(&v4, &a->u.v6.s6_addr[12], sizeof(v4));
	memset(&a->u, 0, sizeof(a->u));
	a->u.v4 = v4;
	a->family = AF_INET;
}

bool addr_in_prefix(const struct mptcpd_addr *a, const struct mptcpd_addr *net,
		    unsigned int plen)
{
	const uint8_t *x, *y;
	unsigned int bytes, bits;

	if (a->family != net->family)
		return false;
	if (a->family == AF_INET) {
		if (plen > 32)
			return false;
		x = (const uint8_t *)&a->u.v4;
		y = (const uint8_t *)&net->u.v4;
	} else if (a->family == AF_INET6) {
		if (plen > 128)
			return false;
		x = a->u.v6.s6_addr;
		y = net->u.v6.s6_addr;
	} else {
		return false;
	}
	bytes = plen / 8;
	bits = plen % 8;
	if (memcmp(x, y, bytes) != 0)
		return false;
	return !bits || ((x[bytes] ^ y[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}
