/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is one control-protocol request line, as a
 * client may send it, handed to the parser and validator that runs before
 * any request handler.  The buffer is not NUL-terminated, as on the
 * socket, so ASan catches any read past len.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	const char *code = NULL;
	char msg[256];
	int err;

	msg[0] = '\0';
	err = ctl_json_parse_request((const char *)data, size, &req, &code,
				     msg, sizeof(msg));
	/* A rejection must carry a protocol error code and a NUL-terminated
	 * message, since both go back to the client as they are. */
	if (err < 0 && (!code || !memchr(msg, '\0', sizeof(msg))))
		abort();
	if (err == 0 && (unsigned int)req.cmd >= CTL_CMD_COUNT)
		abort();
	return 0;
}
