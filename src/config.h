/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd.conf: INI file parsed with inih, validated into struct config.
 * Command-line options are applied on top by the daemon.
 */
#ifndef MPTCPD_CONFIG_H
#define MPTCPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mptcpd/strategy.h"
#include "policy.h"

#define CONFIG_NAME_MAX 64
#define CONFIG_PATH_MAX 256
#define CONFIG_GLOB_MAX 64
#define CONFIG_GROUP_MAX 32	/* characters of a group name (useradd's) */

struct glob_list {
	size_t n;
	char **v;		/* owned; each a fnmatch(3) pattern */
};

/* [core] announce: which of the server's other addresses to announce on
 * server-side connections. */
enum config_announce {
	CONFIG_ANNOUNCE_ALL,
	CONFIG_ANNOUNCE_NONE,
	CONFIG_ANNOUNCE_LIST,		/* only those in announce_addrs */
};

struct addr_list {
	size_t n;
	struct mptcpd_addr *v;		/* owned; port 0 */
};

/* One [interface GLOB] section, in file order. */
struct config_iface_rule {
	char glob[CONFIG_GLOB_MAX];	/* fnmatch(3) pattern */
	bool has_type;
	enum mptcpd_iface_type type;
	bool has_metered;
	enum mptcpd_metered metered;	/* UNKNOWN: explicitly not known */
	unsigned int line;		/* of the section header */
};

struct config {
	char strategy[CONFIG_NAME_MAX];	/* [core] strategy */
	unsigned int max_subflows;	/* [core] max-subflows, 1..255 */
	int log_level;			/* [core] log-level, LOG_* */
	char plugin_dir[CONFIG_PATH_MAX];	/* [core] plugin-dir, absolute */
	bool unknown_metered;		/* [core] unknown-metered */
	enum config_announce announce;	/* [core] announce */
	struct addr_list announce_addrs;	/* when CONFIG_ANNOUNCE_LIST */
	unsigned int backoff_initial_ms;	/* [core] backoff-initial-ms */
	unsigned int backoff_max_ms;	/* [core] backoff-max-ms, >= initial */
	/* [core] control-group: who besides root may change the daemon's
	 * state over the control socket; "" = root only.  Only the name's
	 * form is checked here: the daemon looks the group up. */
	char control_group[CONFIG_GROUP_MAX + 1];
	/* [core] accept-announcements: may a peer's ADD_ADDR make us join
	 * at all?  [core] max-announcements: how many of one connection's
	 * announced addresses are taken, the rest refused (0..255). */
	bool accept_announcements;
	unsigned int max_announcements;
	/* [core] rtt-switch-ratio (in percent: 150 = 1.5), rtt-switch-
	 * margin-ms, rtt-switch-hold-ms: when a strategy that follows the
	 * lowest RTT (interactive) moves data to another path. */
	unsigned int rtt_switch_ratio_pct;
	unsigned int rtt_switch_margin_ms;
	unsigned int rtt_switch_hold_ms;
	/* [core] history-size: decisions kept for mptcpd-ctl events
	 * (0..HISTORY_SIZE_MAX; 0: none). */
	unsigned int history_size;
	struct glob_list include;	/* [interfaces] include */
	struct glob_list exclude;	/* [interfaces] exclude */
	struct {
		size_t n;
		struct config_iface_rule *v;	/* owned */
	} iface_rules;			/* [interface GLOB] sections */
	struct {
		size_t n;
		struct policy_rule *v;	/* owned */
	} policies;			/* [policy NAME] sections, in order */
};

/* Defaults: fullmesh, 8 subflows, info, PLUGINDIR, unknown counts as not
 * metered, announce all, backoff 1 s..60 s, no control group (root
 * only), peers' announcements accepted up to 8 per connection, no include
 * list (= all), the default exclusion list, no interface rules, RTT
 * switches at 1.5x and +20 ms for 500 ms. */
void config_init(struct config *cfg);
void config_free(struct config *cfg);

/* Parse a file on top of the defaults already in cfg.  Each bad line is
 * logged as "FILE:LINE: what is wrong".  0, -ENOENT (file missing, logged),
 * or -EINVAL (at least one error; cfg then holds no partial result).
 * Keys replace earlier values; [interface] sections are appended to the
 * rules already in cfg. */
int config_load(struct config *cfg, const char *path);

/* The reasons a file was refused, as the log gives them ("FILE:LINE:
 * what is wrong", one a line), for whoever asked for the load (mptcpd-ctl
 * reload answers with them).  Cut to fit; n counts them all. */
struct config_report {
	char text[3072];
	size_t len;
	unsigned int n;
};
void config_report_add(struct config_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* What the file names that only the daemon can check (the strategies it
 * can run, with the plugins of the file's plugin-dir; the groups of the
 * system), asked at the end of the file's one pass so that an unknown
 * name is reported at its line among every other error.  Any member may
 * be NULL. */
struct config_checks {
	bool (*strategy_known)(void *arg, const char *plugin_dir,
			       const char *name);
	/* "" when the strategy names are all known, else what is known
	 * ("built-in are ..., and N plugins were loaded from DIR"). */
	const char *(*strategies_known)(void *arg);
	/* 0, -ENOENT (no such group) or another -errno of the lookup. */
	int (*group_known)(void *arg, const char *name);
	void *arg;
	struct config_report *report;	/* NULL: the log only */
};
/* config_load(), with those checks. */
int config_load_checked(struct config *cfg, const char *path,
			const struct config_checks *checks);
/* Same, from a string (for tests and fuzzers); name is used in messages. */
int config_load_string(struct config *cfg, const char *text, const char *name);

/* Is this interface name allowed by include/exclude? */
bool config_iface_allowed(const struct config *cfg, const char *ifname);

/* The type / metered state that [interface] sections give this interface:
 * true and *out set when a matching section has the key (the last one
 * wins), false when none does (detection then decides). */
bool config_iface_type(const struct config *cfg, const char *ifname,
		       enum mptcpd_iface_type *type);
bool config_iface_metered(const struct config *cfg, const char *ifname,
			  enum mptcpd_metered *metered);

#endif
