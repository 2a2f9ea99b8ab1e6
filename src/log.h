/* SPDX-License-Identifier: BSD-3-Clause */
/* Tagged logging: stderr, the journal, or a sink installed by tests. */
#ifndef MPTCPD_LOG_H
#define MPTCPD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

/* Subsystems, for narrowing debug output with -d. */
enum log_subsys {
	LOG_SUB_CORE = 1u << 0,
	LOG_SUB_GENL = 1u << 1,
	LOG_SUB_RTNL = 1u << 2,
	LOG_SUB_DIAG = 1u << 3,
	LOG_SUB_ENGINE = 1u << 4,
	LOG_SUB_STRATEGY = 1u << 5,
	LOG_SUB_CONFIG = 1u << 6,
	LOG_SUB_ALL = 0xffffffffu,
};

enum log_target {
	LOG_TARGET_STDERR = 0,
	LOG_TARGET_JOURNAL = 1,
};

typedef void (*log_sink_fn)(int level, enum log_subsys sub, const char *msg,
			    void *arg);

void log_set_level(int level);		/* LOG_ERR .. LOG_DEBUG */
void log_set_debug_mask(unsigned int mask);	/* which subsystems debug */
void log_set_target(enum log_target target);
void log_set_sink(log_sink_fn sink, void *arg);	/* NULL restores default */
int log_parse_level(const char *name);	/* -1 when unknown */
int log_parse_subsys(const char *list, unsigned int *mask); /* "genl,rtnl" */
/* Would a message at this level and subsystem be written? Lets callers
 * skip formatting arguments for debug lines on hot paths. */
bool log_enabled(int level, enum log_subsys sub);
void log_msg(int level, enum log_subsys sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(sub, ...)	log_msg(LOG_ERR, sub, __VA_ARGS__)
#define log_warn(sub, ...)	log_msg(LOG_WARNING, sub, __VA_ARGS__)
#define log_notice(sub, ...)	log_msg(LOG_NOTICE, sub, __VA_ARGS__)
#define log_info(sub, ...)	log_msg(LOG_INFO, sub, __VA_ARGS__)
#define log_debug(sub, ...)	log_msg(LOG_DEBUG, sub, __VA_ARGS__)

#endif
