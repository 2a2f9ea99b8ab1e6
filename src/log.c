/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sd.h"

/* The logging settings are process-wide by nature (like syslog's); they are
 * the one piece of state outside the daemon context. */
static struct {
	int level;
	unsigned int debug_mask;
	enum log_target target;
	log_sink_fn sink;
	void *sink_arg;
} log_state = { LOG_INFO, LOG_SUB_ALL, LOG_TARGET_STDERR, NULL, NULL };

static const struct {
	enum log_subsys sub;
	const char *name;
} log_subsys_names[] = {
	{ LOG_SUB_CORE, "core" },     { LOG_SUB_GENL, "genl" },
	{ LOG_SUB_RTNL, "rtnl" },     { LOG_SUB_DIAG, "diag" },
	{ LOG_SUB_ENGINE, "engine" }, { LOG_SUB_STRATEGY, "strategy" },
	{ LOG_SUB_CONFIG, "config" },
};

static const char *const log_level_names[] = {
	[LOG_ERR] = "err",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_set_level(int level) { log_state.level = level; }
void log_set_debug_mask(unsigned int mask) { log_state.debug_mask = mask; }
void log_set_target(enum log_target target) { log_state.target = target; }

void log_set_sink(log_sink_fn sink, void *arg)
{
	log_state.sink = sink;
	log_state.sink_arg = arg;
}

int log_parse_level(const char *name)
{
	for (size_t i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (log_level_names[i] && strcasecmp(name, log_level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "error") == 0)
		return LOG_ERR;
	if (strcasecmp(name, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

static const char *log_subsys_name(enum log_subsys sub)
{
	for (size_t i = 0; i < sizeof(log_subsys_names) / sizeof(log_subsys_names[0]); i++)
		if (log_subsys_names[i].sub == sub)
			return log_subsys_names[i].name;
	return "all";
}

static int log_subsys_lookup(const char *name, size_t len, unsigned int *bit)
{
	for (size_t i = 0; i < sizeof(log_subsys_names) / sizeof(log_subsys_names[0]); i++) {
		if (strlen(log_subsys_names[i].name) == len &&
		    strncmp(log_subsys_names[i].name, name, len) == 0) {
			*bit = log_subsys_names[i].sub;
			return 0;
		}
	}
	if (len == 3 && strncmp(name, "all", 3) == 0) {
		*bit = LOG_SUB_ALL;
		return 0;
	}
	return -EINVAL;
}

int log_parse_subsys(const char *list, unsigned int *mask)
{
	unsigned int out = 0, bit;
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == 0 || log_subsys_lookup(p, len, &bit) < 0)
			return -EINVAL;
		out |= bit;
		p += len;
		if (*p == ',')
			p++;
	}
	if (out == 0)
		return -EINVAL;
	*mask = out;
	return 0;
}

bool log_enabled(int level, enum log_subsys sub)
{
	if (level > log_state.level)
		return false;
	if (level == LOG_DEBUG && !(log_state.debug_mask & sub))
		return false;
	return true;
}

void log_msg(int level, enum log_subsys sub, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!log_enabled(level, sub))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (log_state.sink) {
		log_state.sink(level, sub, buf, log_state.sink_arg);
		return;
	}
	/* If the journal cannot take it (no journald here), stderr still
	 * can: a message must never vanish. */
	if (log_state.target == LOG_TARGET_JOURNAL &&
	    sd_log(level, log_subsys_name(sub), buf) >= 0)
		return;
	fprintf(stderr, "mptcpd[%s] %s: %s\n", log_subsys_name(sub),
		log_level_names[level] ? log_level_names[level] : "?", buf);
}
