/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers for struct mptcpd_addr: text form, parsing, classification. */
#ifndef MPTCPD_ADDR_H
#define MPTCPD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include "mptcpd/strategy.h"

/* Big enough for "[v6]:port". */
#define ADDR_STRLEN 64

/* "192.0.2.1", "192.0.2.1:80", "[2001:db8::1]:80" (port shown when != 0). */
const char *addr_str(const struct mptcpd_addr *a, char *buf, size_t len);
/* Parse an address without port; 0 or -EINVAL. */
int addr_parse(const char *text, struct mptcpd_addr *out);
/* Same IP and same port. */
bool addr_equal(const struct mptcpd_addr *a, const struct mptcpd_addr *b);
bool addr_is_link_local(const struct mptcpd_addr *a);
bool addr_is_loopback(const struct mptcpd_addr *a);
/* Does a listening socket bound to listener accept connections and joins
 * to addr:port?  Its own address does, a wildcard does, and an IPv6
 * wildcard serves IPv4 too (dual-stack). */
bool addr_listener_serves(const struct mptcpd_addr *listener,
			  const struct mptcpd_addr *addr, uint16_t port);
/* Are the first plen bits of a those of net (same family)?  False for a
 * plen longer than the family's address. */
bool addr_in_prefix(const struct mptcpd_addr *a, const struct mptcpd_addr *net,
		    unsigned int plen);
/* Map ::ffff:a.b.c.d to plain IPv4 so both forms compare equal. */
void addr_unmap_v4(struct mptcpd_addr *a);

#endif
