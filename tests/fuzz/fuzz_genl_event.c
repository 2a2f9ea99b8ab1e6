/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole input is one generic-netlink message as the
 * kernel's mptcp_pm events socket would deliver it.  The parser must
 * reject anything malformed without reading past the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mptcpd_event ev;
	const char *why = NULL;
	void *copy;

	/* The event socket hands the parser an aligned receive buffer; a
	 * copy of exactly size bytes keeps that and lets ASan catch any
	 * read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	memset(&ev, 0, sizeof(ev));
	if (genl_parse_event(copy, size, &ev, &why) < 0 && !why)
		abort();	/* every rejection must say why */
	free(copy);
	return 0;
}
