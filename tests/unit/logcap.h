/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's log messages captured through log_set_sink, for the unit
 * tests that check what was said (configuration errors, mostly). */
#ifndef MPTCPD_TEST_LOGCAP_H
#define MPTCPD_TEST_LOGCAP_H

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MSGS_MAX 256

static struct {
	size_t n;
	char *msg[MSGS_MAX];
	int level[MSGS_MAX];
	enum log_subsys sub[MSGS_MAX];
} msgs;

static inline void msgs_sink(int level, enum log_subsys sub, const char *msg,
			     void *arg)
{
	(void)arg;
	if (msgs.n == MSGS_MAX)
		return;
	msgs.level[msgs.n] = level;
	msgs.sub[msgs.n] = sub;
	msgs.msg[msgs.n++] = strdup(msg);
}

static inline void msgs_clear(void)
{
	for (size_t i = 0; i < msgs.n; i++)
		free(msgs.msg[i]);
	msgs.n = 0;
}

/* Index of the first message containing both strings (b may be NULL), or
 * -1. */
static inline int msgs_find(const char *a, const char *b)
{
	for (size_t i = 0; i < msgs.n; i++)
		if (strstr(msgs.msg[i], a) && (!b || strstr(msgs.msg[i], b)))
			return (int)i;
	return -1;
}

#endif
