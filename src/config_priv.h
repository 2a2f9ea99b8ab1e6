/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the three files of the configuration share: config.c (struct
 * config and its queries), config_keys.c (the key table, its setters and
 * the words values are made of), config_parse.c (inih, the reader, the
 * passes and the messages).
 */
#ifndef MPTCPD_CONFIG_PRIV_H
#define MPTCPD_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define CONFIG_SEPARATORS " \t,"	/* between the items of a list */
#define CONFIG_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"
#define CONFIG_SUBFLOWS_MIN 1
#define CONFIG_SUBFLOWS_MAX 255
/* The table's name for every [interface GLOB] section, and how messages
 * write such a section. */
#define CONFIG_IFACE "interface"
#define CONFIG_IFACE_LABEL "interface PATTERN"
/* The same for every [policy NAME] section. */
#define CONFIG_POLICY "policy"
#define CONFIG_POLICY_LABEL "policy NAME"

enum config_key {
	CONFIG_KEY_STRATEGY,
	CONFIG_KEY_MAX_SUBFLOWS,
	CONFIG_KEY_LOG_LEVEL,
	CONFIG_KEY_PLUGIN_DIR,
	CONFIG_KEY_UNKNOWN_METERED,
	CONFIG_KEY_ANNOUNCE,
	CONFIG_KEY_BACKOFF_INITIAL,
	CONFIG_KEY_BACKOFF_MAX,
	CONFIG_KEY_CONTROL_GROUP,
	CONFIG_KEY_ACCEPT_ANNOUNCEMENTS,
	CONFIG_KEY_MAX_ANNOUNCEMENTS,
	CONFIG_KEY_RTT_SWITCH_RATIO,
	CONFIG_KEY_RTT_SWITCH_MARGIN,
	CONFIG_KEY_RTT_SWITCH_HOLD,
	CONFIG_KEY_HISTORY_SIZE,
	CONFIG_KEY_INCLUDE,
	CONFIG_KEY_EXCLUDE,
	CONFIG_KEY_IFACE_TYPE,
	CONFIG_KEY_IFACE_METERED,
	CONFIG_KEY_POLICY_REMOTE_PORT,
	CONFIG_KEY_POLICY_REMOTE_PREFIX,
	CONFIG_KEY_POLICY_LOCAL_PORT,
	CONFIG_KEY_POLICY_SERVER_SIDE,
	CONFIG_KEY_POLICY_USER,
	CONFIG_KEY_POLICY_CGROUP,
	CONFIG_KEY_POLICY_STRATEGY,
	CONFIG_KEY_POLICY_MAX_SUBFLOWS,
	CONFIG_KEY_POLICY_INTERFACES,
	CONFIG_KEY_POLICY_METERED,
	CONFIG_KEY_COUNT,
};

/* One parse: the reader's position, the copy being built, the errors. */
struct config_parse {
	struct config cfg;		/* built on a copy; swapped in on success */
	const char *name;		/* file name for messages */
	const char *text;
	size_t len, pos;
	unsigned int lineno;		/* lines handed to inih so far */
	bool indented;			/* that line starts with white space */
	bool after_key;			/* inih's prev_name is set: an indented
					 * line continues, is not a header */
	unsigned int section_no;	/* section headers seen so far */
	unsigned int section_line;	/* line of the latest header */
	unsigned int rule_section_no;	/* section of the current rule */
	bool rule_ok;			/* its header was valid */
	unsigned int policy_section_no;	/* section of the current policy */
	bool policy_ok;			/* its header was valid */
	const unsigned int *bad;	/* syntax-error lines, ascending, blanked */
	size_t nbad, bad_next;
	bool report;			/* the final pass: log and apply */
	unsigned int errors;
	bool oom;
	unsigned int seen[CONFIG_KEY_COUNT];	/* line that set it, 0 = unset */
	bool rejected[CONFIG_KEY_COUNT];	/* its value was bad */
	char last_section[64];		/* previous handler call, to tell */
	char last_name[64];		/* continuation lines apart */
	char bad_section[64];		/* unknown section already reported */
	const struct config_checks *checks;	/* NULL: none */
};

typedef void (*config_set_fn)(struct config_parse *p, enum config_key key,
			      const char *value, bool continued);

struct config_key_info {
	const char *section;		/* CONFIG_IFACE: any [interface GLOB],
					 * CONFIG_POLICY: any [policy NAME] */
	const char *name;
	config_set_fn set;
	bool list;			/* accepts continuation lines */
};

/* Indexed by enum config_key; tests/man_check.sh reads it from
 * config_keys.c. */
extern const struct config_key_info config_keys[CONFIG_KEY_COUNT];

/* config.c */
void config_globs_clear(struct glob_list *l);
/* Append the patterns of a space and/or comma separated list. */
int config_globs_parse(struct glob_list *l, const char *text);
int config_addrs_add(struct addr_list *l, const struct mptcpd_addr *a);
int config_rules_add(struct config *cfg, const char *glob, unsigned int line);
int config_policies_add(struct config *cfg, const char *name,
			unsigned int line);
/* Deep copy.  dst owns nothing of src's, even half-way, so that a failure
 * can free dst without touching src. */
int config_copy(struct config *dst, const struct config *src);

/* config_keys.c: helpers the setters share.  Each reports its own error
 * (at the current line) and returns false. */
struct ctl_word;
extern const struct ctl_word *const config_yes_no;
bool config_word(struct config_parse *p, const char *name, const char *value,
		 const struct ctl_word *words, int *out);
bool config_type_word(struct config_parse *p, const char *name,
		      const char *value, enum mptcpd_iface_type *out);
bool config_uint(struct config_parse *p, const char *name, const char *value,
		 unsigned long min, unsigned long max, unsigned int *out);
/* A strategy name: a-z, 0-9, '-', '_', shorter than CONFIG_NAME_MAX. */
bool config_strategy_name(struct config_parse *p, const char *name,
			  const char *value, char out[CONFIG_NAME_MAX]);
/* The checks every list value (and continuation line) passes; what is
 * the noun for one item, in messages. */
bool config_list_valid(struct config_parse *p, const char *name,
		       const char *value, bool continued, const char *what);

/* config_policy.c: the setters of the [policy NAME] keys, and the check
 * of a new section's name. */
void config_set_policy_ports(struct config_parse *p, enum config_key key,
			     const char *value, bool continued);
void config_set_policy_prefixes(struct config_parse *p, enum config_key key,
				const char *value, bool continued);
void config_set_policy_side(struct config_parse *p, enum config_key key,
			    const char *value, bool continued);
void config_set_policy_user(struct config_parse *p, enum config_key key,
			    const char *value, bool continued);
void config_set_policy_cgroups(struct config_parse *p, enum config_key key,
			       const char *value, bool continued);
void config_set_policy_strategy(struct config_parse *p, enum config_key key,
				const char *value, bool continued);
void config_set_policy_max_subflows(struct config_parse *p,
				    enum config_key key, const char *value,
				    bool continued);
void config_set_policy_interfaces(struct config_parse *p, enum config_key key,
				  const char *value, bool continued);
void config_set_policy_metered(struct config_parse *p, enum config_key key,
			       const char *value, bool continued);
/* Is this [policy NAME] header's name usable (reported at the header's
 * line when not)? */
bool config_policy_name_valid(struct config_parse *p, const char *section,
			      const char *name);

/* config_keys.c */
/* The key of a section ("core", CONFIG_IFACE; NULL: any) by name; loosely
 * also matches Max_Subflows and friends.  -1 when none. */
int config_key_find(const char *section, const char *name, bool loosely);
/* "strategy, max-subflows, log-level" for one section. */
const char *config_key_names(const char *section, char *buf, size_t size);
/* After the pass, the one check across keys. */
void config_check_backoff(struct config_parse *p);

/* config_parse.c: errors, counted and logged only by the final pass. */
void config_error(struct config_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* at the current line */
void config_error_at(struct config_parse *p, unsigned int line,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
