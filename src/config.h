/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd.conf: INI file parsed with inih, validated into struct config.
 * Command-line options are applied on top by the daemon.
 */
#ifndef MPTCPD_CONFIG_H
#define MPTCPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_NAME_MAX 64

struct glob_list {
	size_t n;
	char **v;		/* owned; each a fnmatch(3) pattern */
};

struct config {
	char strategy[CONFIG_NAME_MAX];	/* [core] strategy */
	unsigned int max_subflows;	/* [core] max-subflows, 1..255 */
	int log_level;			/* [core] log-level, LOG_* */
	struct glob_list include;	/* [interfaces] include */
	struct glob_list exclude;	/* [interfaces] exclude */
};

/* Defaults: fullmesh, 8 subflows, info, no include list (= all), the
 * default exclusion list. */
void config_init(struct config *cfg);
void config_free(struct config *cfg);

/* Parse a file on top of the defaults already in cfg.  Each bad line is
 * logged as "FILE:LINE: what is wrong".  0, -ENOENT (file missing, logged),
 * or -EINVAL (at least one error; cfg then holds no partial result). */
int config_load(struct config *cfg, const char *path);
/* Same, from a string (for tests and fuzzers); name is used in messages. */
int config_load_string(struct config *cfg, const char *text, const char *name);

/* Is this interface name allowed by include/exclude? */
bool config_iface_allowed(const struct config *cfg, const char *ifname);

#endif
