/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of mptcpd.conf: the table (tests/man_check.sh reads it here),
 * one setter per key that checks a value and stores it, and the words
 * values are made of.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config_priv.h"
#include "history.h"
#include "ctl_proto.h"
#include "log.h"

#define CONFIG_ANNOUNCEMENTS_MAX 255
#define CONFIG_BACKOFF_INITIAL_MIN 100
#define CONFIG_BACKOFF_INITIAL_MAX 60000
#define CONFIG_BACKOFF_MAX_MAX 3600000
#define CONFIG_GROUP_FIRST "abcdefghijklmnopqrstuvwxyz_"
#define CONFIG_RTT_RATIO_MAX 1000	/* percent: 10x */
#define CONFIG_RTT_MARGIN_MAX 10000
#define CONFIG_RTT_HOLD_MAX 60000
#define CONFIG_LEVELS "err, warning, notice, info or debug"

/* ---- words ----
 * Interface types and metered states are the control protocol's words
 * (ctl_proto.h's tables), so the file, the socket, the logs and the CLI
 * spell them alike; config accepts them in any letter case. */

static const struct ctl_word config_yes_no_words[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 },
};
const struct ctl_word *const config_yes_no = config_yes_no_words;

static const struct ctl_word config_announce_words[] = {
	{ "all", CONFIG_ANNOUNCE_ALL }, { "none", CONFIG_ANNOUNCE_NONE },
	{ NULL, 0 },
};

static bool config_word_find(const struct ctl_word *words,
			     const char *value, int *out)
{
	for (; words->word; words++) {
		if (strcasecmp(value, words->word) == 0) {
			*out = words->value;
			return true;
		}
	}
	return false;
}

/* "a, b, c or d": the words of a table, for messages. */
static const char *config_expect(const struct ctl_word *words, char *buf,
				 size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const struct ctl_word *w = words; w->word && off < len; w++) {
		const char *sep = w == words ? "" : (w + 1)->word ? ", " : " or ";
		int n = snprintf(buf + off, len - off, "%s%s", sep, w->word);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* One of words (any letter case). */
bool config_word(struct config_parse *p, const char *name,
			const char *value, const struct ctl_word *words, int *out)
{
	char expect[96];

	if (*value == '\0')
		config_error(p, "%s: empty value (expected %s)", name,
			     config_expect(words, expect, sizeof(expect)));
	else if (config_word_find(words, value, out))
		return true;
	else
		config_error(p, "%s: unknown value '%s' (expected %s)", name,
			     value, config_expect(words, expect, sizeof(expect)));
	return false;
}

/* The interface types and metered states, as [interface] type and
 * metered write them. */
bool config_type_word(struct config_parse *p, const char *name,
			     const char *value, enum mptcpd_iface_type *out)
{
	int v;

	if (!config_word(p, name, value, ctl_words_iface_type, &v))
		return false;
	*out = (enum mptcpd_iface_type)v;
	return true;
}

static bool config_metered_word(struct config_parse *p, const char *name,
				const char *value, enum mptcpd_metered *out)
{
	int v;

	if (!config_word(p, name, value, ctl_words_metered, &v))
		return false;
	*out = (enum mptcpd_metered)v;
	return true;
}

/* ---- value helpers ---- */

/* An unsigned integer min..max; false (reported) otherwise. */
bool config_uint(struct config_parse *p, const char *name,
			const char *value, unsigned long min, unsigned long max,
			unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*value == '\0') {
		config_error(p, "%s: empty value (expected an integer %lu..%lu)",
			     name, min, max);
		return false;
	}
	if (!isdigit((unsigned char)*value)) {
		config_error(p, "%s: '%s' is not a number (expected an integer %lu..%lu)",
			     name, value, min, max);
		return false;
	}
	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end != '\0') {
		config_error(p, "%s: trailing garbage '%s' after the number (expected an integer %lu..%lu)",
			     name, end, min, max);
		return false;
	}
	if (errno == ERANGE || v < min || v > max) {
		config_error(p, "%s: '%s' is out of range (%lu..%lu)", name,
			     value, min, max);
		return false;
	}
	*out = (unsigned int)v;
	return true;
}

/* ---- [core] setters ---- */

bool config_strategy_name(struct config_parse *p, const char *name,
			  const char *value, char out[CONFIG_NAME_MAX])
{
	size_t len = strlen(value), ok = strspn(value, CONFIG_NAME_CHARS);

	if (len == 0) {
		config_error(p, "%s: empty value (expected a strategy name such as 'fullmesh')",
			     name);
	} else if (len >= CONFIG_NAME_MAX) {
		config_error(p, "%s: '%s' is too long (at most %d characters)",
			     name, value, CONFIG_NAME_MAX - 1);
	} else if (ok != len) {
		config_error(p, "%s: '%s' contains '%c' (allowed: a-z, 0-9, '-' and '_')",
			     name, value, value[ok]);
	} else {
		memcpy(out, value, len + 1);
		return true;
	}
	return false;
}

static void config_set_strategy(struct config_parse *p, enum config_key key,
				const char *value, bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_strategy_name(p, config_keys[key].name, value, p->cfg.strategy);
}

static void config_set_max_subflows(struct config_parse *p, enum config_key key,
				    const char *value, bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_uint(p, config_keys[key].name, value, CONFIG_SUBFLOWS_MIN,
		    CONFIG_SUBFLOWS_MAX, &p->cfg.max_subflows);
}

static void config_set_accept_announcements(struct config_parse *p,
					    enum config_key key,
					    const char *value, bool continued)
{
	int v;
	(void)continued;	/* single-valued: continuations never get here */

	if (config_word(p, config_keys[key].name, value, config_yes_no, &v))
		p->cfg.accept_announcements = v;
}

static void config_set_max_announcements(struct config_parse *p,
					 enum config_key key,
					 const char *value, bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_uint(p, config_keys[key].name, value, 0,
		    CONFIG_ANNOUNCEMENTS_MAX, &p->cfg.max_announcements);
}

static void config_set_history_size(struct config_parse *p,
				    enum config_key key, const char *value,
				    bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_uint(p, config_keys[key].name, value, 0, HISTORY_SIZE_MAX,
		    &p->cfg.history_size);
}

static void config_set_log_level(struct config_parse *p, enum config_key key,
				 const char *value, bool continued)
{
	const char *name = config_keys[key].name;
	int level;
	(void)continued;	/* single-valued: continuations never get here */

	if (*value == '\0') {
		config_error(p, "%s: empty value (expected %s)", name, CONFIG_LEVELS);
		return;
	}
	level = log_parse_level(value);
	if (level < 0)
		config_error(p, "%s: unknown level '%s' (expected %s)", name,
			     value, CONFIG_LEVELS);
	else
		p->cfg.log_level = level;
}

/* Only the form is checked: the plugin loader reports a missing directory. */
static void config_set_plugin_dir(struct config_parse *p, enum config_key key,
				  const char *value, bool continued)
{
	const char *name = config_keys[key].name;
	size_t len = strlen(value);
	(void)continued;	/* single-valued: continuations never get here */

	if (len == 0)
		config_error(p, "%s: empty value (expected an absolute directory path)",
			     name);
	else if (value[0] != '/')
		config_error(p, "%s: '%s' is not an absolute path (it must start with '/')",
			     name, value);
	else if (len >= sizeof(p->cfg.plugin_dir))	/* longer than a line */
		config_error(p, "%s: path is too long (at most %zu characters)",
			     name, sizeof(p->cfg.plugin_dir) - 1);
	else
		memcpy(p->cfg.plugin_dir, value, len + 1);
}

static void config_set_unknown_metered(struct config_parse *p,
				       enum config_key key, const char *value,
				       bool continued)
{
	int v;
	(void)continued;	/* single-valued: continuations never get here */

	if (config_word(p, config_keys[key].name, value, config_yes_no, &v))
		p->cfg.unknown_metered = v;
}

static void config_set_backoff(struct config_parse *p, enum config_key key,
			       const char *value, bool continued)
{
	const char *name = config_keys[key].name;
	(void)continued;	/* single-valued: continuations never get here */

	if (key == CONFIG_KEY_BACKOFF_INITIAL)
		config_uint(p, name, value, CONFIG_BACKOFF_INITIAL_MIN,
			    CONFIG_BACKOFF_INITIAL_MAX, &p->cfg.backoff_initial_ms);
	else
		config_uint(p, name, value, CONFIG_BACKOFF_INITIAL_MIN,
			    CONFIG_BACKOFF_MAX_MAX, &p->cfg.backoff_max_ms);
}

/* "1", "1.5", "2.25": a factor 1..10 with at most two decimals, kept in
 * percent so that the strategies compare integers. */
static bool config_ratio(struct config_parse *p, const char *name,
			 const char *value, unsigned int *pct)
{
	unsigned int whole = 0, frac = 0, digits = 0;
	const char *c = value;

	while (isdigit((unsigned char)*c) && whole <= CONFIG_RTT_RATIO_MAX)
		whole = whole * 10 + (unsigned int)(*c++ - '0');
	if (c != value && *c == '.')
		for (c++; isdigit((unsigned char)*c) && digits < 3; c++, digits++)
			frac = frac * 10 + (unsigned int)(*c - '0');
	if (c == value || *c != '\0' || digits > 2 || (value[0] && c[-1] == '.')) {
		config_error(p, "%s: '%s' is not a factor (expected a number "
			     "1..10 with at most two decimals, such as 1.5)",
			     name, value);
		return false;
	}
	if (digits == 1)
		frac *= 10;
	if (whole * 100 + frac < 100 || whole * 100 + frac > CONFIG_RTT_RATIO_MAX) {
		config_error(p, "%s: '%s' is out of range (1..10)", name, value);
		return false;
	}
	*pct = whole * 100 + frac;
	return true;
}

static void config_set_rtt_switch(struct config_parse *p, enum config_key key,
				  const char *value, bool continued)
{
	const char *name = config_keys[key].name;
	(void)continued;	/* single-valued: continuations never get here */

	if (key == CONFIG_KEY_RTT_SWITCH_RATIO)
		config_ratio(p, name, value, &p->cfg.rtt_switch_ratio_pct);
	else if (key == CONFIG_KEY_RTT_SWITCH_MARGIN)
		config_uint(p, name, value, 0, CONFIG_RTT_MARGIN_MAX,
			    &p->cfg.rtt_switch_margin_ms);
	else
		config_uint(p, name, value, 0, CONFIG_RTT_HOLD_MAX,
			    &p->cfg.rtt_switch_hold_ms);
}

/* The portable form of a group name (what useradd/groupadd accept without
 * --badname), so a typo is caught here rather than by a lookup.  Empty:
 * root only.  Whether the group exists is the daemon's check (it may be
 * created after the file is written). */
static void config_set_control_group(struct config_parse *p,
				     enum config_key key, const char *value,
				     bool continued)
{
	const char *name = config_keys[key].name;
	size_t len = strlen(value), ok = strspn(value, CONFIG_NAME_CHARS);
	(void)continued;	/* single-valued: continuations never get here */

	if (len > CONFIG_GROUP_MAX)
		config_error(p, "%s: '%s' is too long (a group name has at most %d characters)",
			     name, value, CONFIG_GROUP_MAX);
	else if (len > 0 && !strchr(CONFIG_GROUP_FIRST, value[0]))
		config_error(p, "%s: '%s' must start with a-z or '_' (a group name)",
			     name, value);
	else if (ok != len)
		config_error(p, "%s: '%s' contains '%c' (a group name is made of a-z, 0-9, '-' and '_')",
			     name, value, value[ok]);
	else
		memcpy(p->cfg.control_group, value, len + 1);
}

/* After the pass, with both values final; reported at the later of the
 * lines that set them, naming the other. */
void config_check_backoff(struct config_parse *p)
{
	unsigned int li = p->seen[CONFIG_KEY_BACKOFF_INITIAL];
	unsigned int lm = p->seen[CONFIG_KEY_BACKOFF_MAX];
	unsigned int initial = p->cfg.backoff_initial_ms, max = p->cfg.backoff_max_ms;

	if (p->rejected[CONFIG_KEY_BACKOFF_INITIAL] ||
	    p->rejected[CONFIG_KEY_BACKOFF_MAX] || max >= initial)
		return;
	if (li && lm)
		config_error_at(p, li > lm ? li : lm,
				"backoff-max-ms (%u, line %u) is less than backoff-initial-ms (%u, line %u)",
				max, lm, initial, li);
	else if (lm)
		config_error_at(p, lm, "backoff-max-ms: %u is less than backoff-initial-ms (%u, not set in this file)",
				max, initial);
	else
		config_error_at(p, li, "backoff-initial-ms: %u is more than backoff-max-ms (%u, not set in this file)",
				initial, max);
}

/* ---- lists: [core] announce, [interfaces] include/exclude ---- */

/* what: "a pattern", "an address". */
bool config_list_valid(struct config_parse *p, const char *name,
			      const char *value, bool continued,
			      const char *what)
{
	size_t len = strlen(value);

	if (continued && len > 1 && value[0] == '[' && value[len - 1] == ']') {
		config_error(p, "%s: indented section header '%s' is read as a continuation of '%s' (start it in the first column)",
			     name, value, name);
		return false;
	}
	if (strchr(value, '=')) {
		config_error(p, "%s: '=' in %s: an indented line continues the previous value (start keys in the first column)",
			     name, what);
		return false;
	}
	return true;
}

/* A new "include =" or "exclude =" replaces the list (the defaults too);
 * its continuation lines add to it. */
static void config_set_globs(struct config_parse *p, enum config_key key,
			     const char *value, bool continued)
{
	struct glob_list *l = key == CONFIG_KEY_INCLUDE ? &p->cfg.include :
							  &p->cfg.exclude;

	if (!config_list_valid(p, config_keys[key].name, value, continued,
			       "a pattern"))
		return;
	if (!continued)
		config_globs_clear(l);
	if (config_globs_parse(l, value) < 0)
		p->oom = true;
}

/* Addresses a server could never usefully tell a client about. */
static bool config_addr_announceable(const struct mptcpd_addr *a)
{
	if (addr_is_loopback(a) || addr_is_link_local(a))
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr != htonl(INADDR_ANY) &&
		       !IN_MULTICAST(ntohl(a->u.v4.s_addr));
	return !IN6_IS_ADDR_UNSPECIFIED(&a->u.v6) &&
	       !IN6_IS_ADDR_MULTICAST(&a->u.v6);
}

static bool config_announce_token(struct config_parse *p, const char *name,
				  const char *tok, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct mptcpd_addr a;
	int ignored;

	snprintf(buf, sizeof(buf), "%.*s", (int)len, tok);
	if (len < sizeof(buf) &&
	    config_word_find(config_announce_words, buf, &ignored)) {
		config_error(p, "%s: '%s' cannot be combined with addresses",
			     name, buf);
		return false;
	}
	if (len >= sizeof(buf) || addr_parse(buf, &a) < 0) {
		config_error(p, "%s: '%.*s' is not an IPv4 or IPv6 address (expected all, none or addresses)",
			     name, (int)len, tok);
		return false;
	}
	if (!config_addr_announceable(&a)) {
		config_error(p, "%s: %s cannot be announced (unspecified, loopback, link-local or multicast)",
			     name, buf);
		return false;
	}
	if (config_addrs_add(&p->cfg.announce_addrs, &a) < 0)
		p->oom = true;
	return !p->oom;
}

static void config_announce_list(struct config_parse *p, const char *name,
				 const char *value)
{
	const char *s = value + strspn(value, CONFIG_SEPARATORS);

	while (*s) {
		size_t len = strcspn(s, CONFIG_SEPARATORS);

		if (!config_announce_token(p, name, s, len))
			return;
		s += len;
		s += strspn(s, CONFIG_SEPARATORS);
	}
}

/* "all" or "none" alone, or addresses; continuation lines add addresses.
 * A new "announce =" replaces the list. */
static void config_set_announce(struct config_parse *p, enum config_key key,
				const char *value, bool continued)
{
	const char *name = config_keys[key].name;
	int mode;

	if (!config_list_valid(p, name, value, continued, "an address"))
		return;
	if (continued && p->cfg.announce != CONFIG_ANNOUNCE_LIST) {
		config_error(p, "%s: addresses cannot follow '%s'", name,
			     p->cfg.announce == CONFIG_ANNOUNCE_ALL ? "all" : "none");
		return;
	}
	if (!continued) {
		p->cfg.announce_addrs.n = 0;
		p->cfg.announce = CONFIG_ANNOUNCE_LIST;
		if (*value == '\0') {
			config_error(p, "%s: empty value (expected all, none or addresses)",
				     name);
			return;
		}
		if (config_word_find(config_announce_words, value, &mode)) {
			p->cfg.announce = (enum config_announce)mode;
			return;
		}
	}
	config_announce_list(p, name, value);
}

/* ---- [interface GLOB] keys ---- */

/* The rule config_rule() made for the current section. */
static struct config_iface_rule *config_rule_last(struct config_parse *p)
{
	return &p->cfg.iface_rules.v[p->cfg.iface_rules.n - 1];
}

static void config_set_iface_type(struct config_parse *p, enum config_key key,
				  const char *value, bool continued)
{
	struct config_iface_rule *r = config_rule_last(p);
	(void)continued;	/* single-valued: continuations never get here */

	if (config_type_word(p, config_keys[key].name, value, &r->type))
		r->has_type = true;
}

static void config_set_iface_metered(struct config_parse *p,
				     enum config_key key, const char *value,
				     bool continued)
{
	struct config_iface_rule *r = config_rule_last(p);
	(void)continued;	/* single-valued: continuations never get here */

	if (config_metered_word(p, config_keys[key].name, value, &r->metered))
		r->has_metered = true;
}

const struct config_key_info config_keys[CONFIG_KEY_COUNT] = {
	[CONFIG_KEY_STRATEGY] = { "core", "strategy", config_set_strategy, false },
	[CONFIG_KEY_MAX_SUBFLOWS] = { "core", "max-subflows", config_set_max_subflows, false },
	[CONFIG_KEY_LOG_LEVEL] = { "core", "log-level", config_set_log_level, false },
	[CONFIG_KEY_PLUGIN_DIR] = { "core", "plugin-dir", config_set_plugin_dir, false },
	[CONFIG_KEY_UNKNOWN_METERED] = { "core", "unknown-metered", config_set_unknown_metered, false },
	[CONFIG_KEY_ANNOUNCE] = { "core", "announce", config_set_announce, true },
	[CONFIG_KEY_BACKOFF_INITIAL] = { "core", "backoff-initial-ms", config_set_backoff, false },
	[CONFIG_KEY_BACKOFF_MAX] = { "core", "backoff-max-ms", config_set_backoff, false },
	[CONFIG_KEY_CONTROL_GROUP] = { "core", "control-group", config_set_control_group, false },
	[CONFIG_KEY_ACCEPT_ANNOUNCEMENTS] = { "core", "accept-announcements", config_set_accept_announcements, false },
	[CONFIG_KEY_MAX_ANNOUNCEMENTS] = { "core", "max-announcements", config_set_max_announcements, false },
	[CONFIG_KEY_RTT_SWITCH_RATIO] = { "core", "rtt-switch-ratio", config_set_rtt_switch, false },
	[CONFIG_KEY_RTT_SWITCH_MARGIN] = { "core", "rtt-switch-margin-ms", config_set_rtt_switch, false },
	[CONFIG_KEY_RTT_SWITCH_HOLD] = { "core", "rtt-switch-hold-ms", config_set_rtt_switch, false },
	[CONFIG_KEY_HISTORY_SIZE] = { "core", "history-size", config_set_history_size, false },
	[CONFIG_KEY_INCLUDE] = { "interfaces", "include", config_set_globs, true },
	[CONFIG_KEY_EXCLUDE] = { "interfaces", "exclude", config_set_globs, true },
	[CONFIG_KEY_IFACE_TYPE] = { CONFIG_IFACE, "type", config_set_iface_type, false },
	[CONFIG_KEY_IFACE_METERED] = { CONFIG_IFACE, "metered", config_set_iface_metered, false },
	[CONFIG_KEY_POLICY_REMOTE_PORT] = { CONFIG_POLICY, "remote-port", config_set_policy_ports, true },
	[CONFIG_KEY_POLICY_REMOTE_PREFIX] = { CONFIG_POLICY, "remote-prefix", config_set_policy_prefixes, true },
	[CONFIG_KEY_POLICY_LOCAL_PORT] = { CONFIG_POLICY, "local-port", config_set_policy_ports, true },
	[CONFIG_KEY_POLICY_SERVER_SIDE] = { CONFIG_POLICY, "server-side", config_set_policy_side, false },
	[CONFIG_KEY_POLICY_USER] = { CONFIG_POLICY, "user", config_set_policy_user, false },
	[CONFIG_KEY_POLICY_CGROUP] = { CONFIG_POLICY, "cgroup", config_set_policy_cgroups, true },
	[CONFIG_KEY_POLICY_STRATEGY] = { CONFIG_POLICY, "strategy", config_set_policy_strategy, false },
	[CONFIG_KEY_POLICY_MAX_SUBFLOWS] = { CONFIG_POLICY, "max-subflows", config_set_policy_max_subflows, false },
	[CONFIG_KEY_POLICY_INTERFACES] = { CONFIG_POLICY, "interfaces", config_set_policy_interfaces, true },
	[CONFIG_KEY_POLICY_METERED] = { CONFIG_POLICY, "metered", config_set_policy_metered, false },
};

/* ---- finding keys ---- */

const char *config_key_names(const char *section, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		if (strcmp(config_keys[i].section, section) != 0)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 used ? ", " : "", config_keys[i].name);
		if (used >= size)
			break;
	}
	return buf;
}

/* Lower-case, with '_' and ' ' as '-': catches Max_Subflows and friends. */
static bool config_same_loosely(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (*a == '_' || *a == ' ') ? '-' : (char)tolower((unsigned char)*a);

		if (ca != *b)
			return false;
	}
	return *a == '\0' && *b == '\0';
}

int config_key_find(const char *section, const char *name, bool loosely)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = &config_keys[i];

		if (section && strcmp(k->section, section) != 0)
			continue;
		if (loosely ? config_same_loosely(name, k->name) :
			      strcmp(name, k->name) == 0)
			return (int)i;
	}
	return -1;
}

/* kind is the table's section ("core", "interface"), section the name in
 * the file ("interface wlan*"). */
