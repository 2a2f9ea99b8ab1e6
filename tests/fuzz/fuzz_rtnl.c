/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole input is one rtnetlink message as the
 * monitor or dump socket would deliver it, handed to the link, address
 * and route decoders alike (each refuses the other types).  None may read
 * past the buffer, and what one accepts must be a sane update.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_rtnl_family_ok(sa_family_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static void fuzz_rtnl_decode(const struct nlmsghdr *nlh, size_t size)
{
	struct rtnl_link_update link;
	struct rtnl_addr_update addr;
	struct rtnl_route_update route;

	if (rtnl_parse_link(nlh, size, &link) == 0 &&
	    (link.ifindex <= 0 || !memchr(link.name, '\0', sizeof(link.name))))
		abort();
	if (rtnl_parse_addr(nlh, size, &addr) == 0 &&
	    (!fuzz_rtnl_family_ok(addr.addr.family) || addr.addr.port != 0))
		abort();
	if (rtnl_parse_route(nlh, size, &route) == 0 &&
	    (!fuzz_rtnl_family_ok(route.family) ||
	     route.dst.family != route.family))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *copy;

	/* libnl hands the decoders an aligned receive buffer; a copy of
	 * exactly size bytes keeps that and lets ASan catch any read past
	 * the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_rtnl_decode(copy, size);
	free(copy);
	return 0;
}
