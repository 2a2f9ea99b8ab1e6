/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole input is one message of the start-up
 * GET_ADDR dump, decoded as genl_dump.c's receive callback does: its
 * final status (NLMSG_ERROR, NLMSG_DONE with extended-ack text) or one
 * address entry.  libnl delivers only messages whose nlmsg_len fits what
 * was read, so inputs that do not are skipped; the rest are copied to a
 * block of exactly nlmsg_len bytes, so ASan catches any read past the
 * message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "genl.h"
#include "genl_priv.h"
#include "fuzz_nlmsg.h"
#include "nlutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The extended-ack text, if any, must end inside the message. */
static void fuzz_genl_dump_text(const struct nlmsghdr *nlh, const char *text)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	if (text && (text < (const char *)nlh || text >= end ||
		     !memchr(text, '\0', (size_t)(end - text))))
		abort();
}

static void fuzz_genl_dump_msg(const struct nlmsghdr *nlh)
{
	struct genl_local_entry e;
	const char *extack = NULL;
	int error = 0;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (genl_parse_ack(nlh, &error, &extack) == 0 && error > 0)
			abort();
		fuzz_genl_dump_text(nlh, extack);
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		fuzz_genl_dump_text(nlh, nlutil_ext_ack(nlh));
	} else if (genl_parse_entry(nlh, &e) == 0 &&
		   e.addr.family != AF_INET && e.addr.family != AF_INET6) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one_nlmsg(data, size, fuzz_genl_dump_msg);
	return 0;
}
