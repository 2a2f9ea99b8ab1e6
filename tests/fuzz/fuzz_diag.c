/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole input is one datagram from a sock_diag
 * socket.  It goes to the connection and subflow decoders as a single
 * reply, then through the walkers of a dump and of a batch of exact
 * lookups as the datagram they read, with debug logging on (into a sink
 * that drops it) so that the formatting of what was decoded runs too.
 * Nothing may read past the buffer, and what a decoder accepts must be
 * a socket of a family we handle.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diag.h"
#include "diag_priv.h"
#include "log.h"

/* Keys in the fake batch of lookups: replies of sequence numbers
 * FUZZ_DIAG_SEQ .. FUZZ_DIAG_SEQ + FUZZ_DIAG_KEYS - 1 answer one each. */
#define FUZZ_DIAG_SEQ	1
#define FUZZ_DIAG_KEYS	8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_diag_drop(int level, enum log_subsys sub, const char *msg,
			   void *arg)
{
}

static bool fuzz_diag_family_ok(sa_family_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static void fuzz_diag_subflow(void *arg, const struct diag_subflow *s)
{
	if (!fuzz_diag_family_ok(s->local.family) ||
	    !fuzz_diag_family_ok(s->remote.family))
		abort();
}

static void fuzz_diag_single(const struct nlmsghdr *nlh, size_t size)
{
	struct diag_subflow s;
	struct diag_conn c;

	if (diag_parse_conn(nlh, size, &c) == 0 &&
	    (!fuzz_diag_family_ok(c.local.family) ||
	     (c.listener && c.remote.family != 0)))
		abort();
	if (diag_parse_subflow(nlh, size, &s) == 0)
		fuzz_diag_subflow(NULL, &s);
}

static void fuzz_diag_walks(const void *buf, size_t size)
{
	struct diag_subflow_ctx sc = { .cb = fuzz_diag_subflow };
	struct diag_dump d = {
		.family = AF_INET, .protocol = 262, .seq = FUZZ_DIAG_SEQ,
		.fn = diag_on_subflow, .ctx = &sc,
	};
	bool answered[FUZZ_DIAG_KEYS] = { false };
	struct diag_query q = {
		.answered = answered, .seq = FUZZ_DIAG_SEQ,
		.n = FUZZ_DIAG_KEYS, .left = FUZZ_DIAG_KEYS, .sc = sc,
	};
	int err;

	err = diag_dump_walk(buf, size, &d);
	if (err > 1)
		abort();
	err = diag_query_walk(&q, buf, size);
	if (err > 0 || q.left > FUZZ_DIAG_KEYS || (q.err && q.err >= 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *copy;

	log_set_sink(fuzz_diag_drop, NULL);
	log_set_level(LOG_DEBUG);
	log_set_debug_mask(LOG_SUB_ALL);
	/* The socket's receive buffer is aligned; a copy of exactly size
	 * bytes keeps that and lets ASan catch any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_diag_single(copy, size);
	fuzz_diag_walks(copy, size);
	free(copy);
	return 0;
}
