/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole input is one message as the command socket
 * or a dump socket may receive it: an ACK or error (NLMSG_ERROR, capped
 * or echoing the request), a dump's NLMSG_DONE, or anything else.  It
 * goes to genl's ACK decoder and to nlutil's extended-ack decoder, which
 * diag and the GET_ADDR dump call as well.  libnl and our own walkers
 * hand on only messages whose nlmsg_len fits what was read, so inputs
 * that do not are skipped; the rest are copied to a block of exactly
 * nlmsg_len bytes, so ASan catches any read past the message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "genl_priv.h"
#include "fuzz_nlmsg.h"
#include "nlutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The text must be a NUL-terminated string inside the message. */
static void fuzz_nl_ack_text(const struct nlmsghdr *nlh, const char *text)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	if (text && (text < (const char *)nlh + NLMSG_HDRLEN || text >= end ||
		     !memchr(text, '\0', (size_t)(end - text))))
		abort();
}

static void fuzz_nl_ack_msg(const struct nlmsghdr *nlh)
{
	const char *text = nlutil_ext_ack(nlh);
	const char *extack = NULL;
	int error = 0;

	fuzz_nl_ack_text(nlh, text);
	if (text && nlh->nlmsg_type != NLMSG_ERROR &&
	    nlh->nlmsg_type != NLMSG_DONE)
		abort();
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return;
	/* genl reads ACKs only from NLMSG_ERROR messages. */
	if (genl_parse_ack(nlh, &error, &extack) == 0) {
		if (error > 0 || extack != text)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one_nlmsg(data, size, fuzz_nl_ack_msg);
	return 0;
}
