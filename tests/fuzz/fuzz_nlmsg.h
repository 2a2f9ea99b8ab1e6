/* SPDX-License-Identifier: BSD-3-Clause */
/* The entry point of the fuzz targets that take one netlink message: the
 * input's first nlmsg_len bytes, copied into a buffer of exactly that
 * size so that AddressSanitizer sees any read past the message. */
#ifndef MPTCPD_FUZZ_NLMSG_H
#define MPTCPD_FUZZ_NLMSG_H

#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void fuzz_one_nlmsg(const uint8_t *data, size_t size,
				  void (*fn)(const struct nlmsghdr *nlh))
{
	struct nlmsghdr hdr;
	void *copy;

	if (size < sizeof(hdr))
		return;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.nlmsg_len < sizeof(hdr) || hdr.nlmsg_len > size)
		return;
	copy = malloc(hdr.nlmsg_len);
	if (!copy)
		return;
	memcpy(copy, data, hdr.nlmsg_len);
	fn(copy);
	free(copy);
}

#endif
