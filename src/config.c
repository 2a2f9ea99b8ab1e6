/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd.conf: inih does the INI syntax, this file gives it meaning.
 *
 * The syntax is whatever Debian's inih (r55) accepts with its defaults,
 * which we leave alone (they are process-wide variables there):
 *   - "[section]" lines; "key = value" (or "key: value") lines;
 *   - ';' or '#' as the first non-blank character starts a comment line;
 *   - ';' preceded by white space starts a comment after a value; '#' does
 *     not (we reject '#' in values with a hint, since it would otherwise
 *     end up as part of a name or glob);
 *   - a line that starts with white space continues the previous key's
 *     value (Python configparser style): inih calls the handler again with
 *     the same key, so include/exclude/announce lists may span lines;
 *   - lines are at most ini_max_line (200) bytes including the newline;
 *     section names are silently cut to 49 characters (MAX_SECTION).
 *
 * inih reports syntax errors only as "the first bad line" and does not give
 * the handler line numbers (INI_HANDLER_LINENO is 0 in Debian's build).  So
 * we feed it through our own reader that counts lines, and find every
 * syntax error by re-running the parse with the bad lines found so far
 * blanked out.  The last run does the real work and reports in line order
 * (the one cross-key check, backoff-max-ms >= backoff-initial-ms, comes
 * after the pass, naming both lines).
 *
 * "[interface GLOB]" sections may repeat, and two sections with the same
 * name are two rules.  inih does not call the handler for section headers
 * (INI_CALL_HANDLER_ON_NEW_SECTION is 0), so the reader spots header lines
 * itself, with inih's rule, and numbers them: a key whose section number
 * differs from the current rule's starts a new rule.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "log.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/mptcpd"
#endif

#define CONFIG_SUBFLOWS_MIN 1
#define CONFIG_SUBFLOWS_MAX 255
#define CONFIG_BACKOFF_INITIAL_MIN 100
#define CONFIG_BACKOFF_INITIAL_MAX 60000
#define CONFIG_BACKOFF_MAX_MAX 3600000
/* Each syntax error costs one more pass over the text: bound the work. */
#define CONFIG_SYNTAX_ERRORS_MAX 64
#define CONFIG_FILE_MAX (1024 * 1024)
/* inih's MAX_SECTION (private to ini.c): longer names are cut. */
#define CONFIG_INI_SECTION_MAX 50
#define CONFIG_SEPARATORS " \t,"
#define CONFIG_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"
#define CONFIG_GROUP_FIRST "abcdefghijklmnopqrstuvwxyz_"
#define CONFIG_LEVELS "err, warning, notice, info or debug"
#define CONFIG_IFACE "interface"
#define CONFIG_IFACE_LABEL "interface PATTERN"

static const char config_default_exclude[] =
	"veth* docker* br-* virbr* vnet* tun* tap* wg* zt* tailscale* lo";

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
	CONFIG_KEY_INCLUDE,
	CONFIG_KEY_EXCLUDE,
	CONFIG_KEY_IFACE_TYPE,
	CONFIG_KEY_IFACE_METERED,
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
};

typedef void (*config_set_fn)(struct config_parse *p, enum config_key key,
			      const char *value, bool continued);

struct config_key_info {
	const char *section;		/* CONFIG_IFACE: any [interface GLOB] */
	const char *name;
	config_set_fn set;
	bool list;			/* accepts continuation lines */
};

static const struct config_key_info config_keys[CONFIG_KEY_COUNT];

static const char *const config_sections[] = { "core", "interfaces" };

/* Words a key accepts, and what they mean. */
struct config_word {
	const char *word;
	int value;
};

static const struct config_word config_yes_no[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 },
};

static const struct config_word config_types[] = {
	{ "wifi", MPTCPD_IFACE_WIFI }, { "cellular", MPTCPD_IFACE_CELLULAR },
	{ "ethernet", MPTCPD_IFACE_ETHERNET }, { "other", MPTCPD_IFACE_OTHER },
	{ NULL, 0 },
};

static const struct config_word config_metered[] = {
	{ "yes", MPTCPD_METERED_YES }, { "no", MPTCPD_METERED_NO },
	{ "unknown", MPTCPD_METERED_UNKNOWN }, { NULL, 0 },
};

static const struct config_word config_announce_words[] = {
	{ "all", CONFIG_ANNOUNCE_ALL }, { "none", CONFIG_ANNOUNCE_NONE },
	{ NULL, 0 },
};

/* ---- glob lists ---- */

static void config_globs_clear(struct glob_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int config_globs_add(struct glob_list *l, const char *s, size_t len)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	char *copy;

	if (!v)
		return -ENOMEM;
	l->v = v;
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	l->v[l->n++] = copy;
	return 0;
}

static int config_globs_copy(struct glob_list *dst, const struct glob_list *src)
{
	int ret = 0;

	dst->n = 0;
	dst->v = NULL;
	for (size_t i = 0; i < src->n && ret == 0; i++)
		ret = config_globs_add(dst, src->v[i], strlen(src->v[i]));
	if (ret < 0)
		config_globs_clear(dst);
	return ret;
}

/* Append the patterns of a space and/or comma separated list. */
static int config_globs_parse(struct glob_list *l, const char *text)
{
	const char *p = text + strspn(text, CONFIG_SEPARATORS);
	int ret = 0;

	while (*p && ret == 0) {
		size_t len = strcspn(p, CONFIG_SEPARATORS);

		ret = config_globs_add(l, p, len);
		p += len;
		p += strspn(p, CONFIG_SEPARATORS);
	}
	return ret;
}

static bool config_globs_match(const struct glob_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (fnmatch(l->v[i], name, 0) == 0)
			return true;
	return false;
}

/* ---- address list and interface rules ---- */

static int config_addrs_add(struct addr_list *l, const struct mptcpd_addr *a)
{
	struct mptcpd_addr *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = *a;
	return 0;
}

static int config_rules_add(struct config *cfg, const char *glob,
			    unsigned int line)
{
	struct config_iface_rule *v;

	v = realloc(cfg->iface_rules.v, (cfg->iface_rules.n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cfg->iface_rules.v = v;
	v += cfg->iface_rules.n++;
	memset(v, 0, sizeof(*v));
	snprintf(v->glob, sizeof(v->glob), "%s", glob);
	v->line = line;
	return 0;
}

/* A malloc'ed copy of n elements of size bytes (NULL for none). */
static int config_array_dup(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = malloc(n * size);
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * size);
	return 0;
}

/* ---- public basics ---- */

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", "fullmesh");
	cfg->max_subflows = 8;
	cfg->log_level = LOG_INFO;
	snprintf(cfg->plugin_dir, sizeof(cfg->plugin_dir), "%s", PLUGINDIR);
	cfg->unknown_metered = false;
	cfg->announce = CONFIG_ANNOUNCE_ALL;
	cfg->backoff_initial_ms = 1000;
	cfg->backoff_max_ms = 60000;
	if (config_globs_parse(&cfg->exclude, config_default_exclude) < 0)
		log_err(LOG_SUB_CONFIG, "out of memory for the default exclude list");
}

void config_free(struct config *cfg)
{
	config_globs_clear(&cfg->include);
	config_globs_clear(&cfg->exclude);
	free(cfg->announce_addrs.v);
	cfg->announce_addrs.v = NULL;
	cfg->announce_addrs.n = 0;
	free(cfg->iface_rules.v);
	cfg->iface_rules.v = NULL;
	cfg->iface_rules.n = 0;
}

/* Deep copy.  dst owns nothing of src's, even half-way, so that a failure
 * can free dst without touching src. */
static int config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	dst->include = (struct glob_list){ 0 };
	dst->exclude = (struct glob_list){ 0 };
	dst->announce_addrs.v = NULL;
	dst->iface_rules.v = NULL;
	if (config_globs_copy(&dst->include, &src->include) < 0 ||
	    config_globs_copy(&dst->exclude, &src->exclude) < 0 ||
	    config_array_dup((void **)&dst->announce_addrs.v, src->announce_addrs.v,
			     src->announce_addrs.n, sizeof(*src->announce_addrs.v)) < 0 ||
	    config_array_dup((void **)&dst->iface_rules.v, src->iface_rules.v,
			     src->iface_rules.n, sizeof(*src->iface_rules.v)) < 0)
		goto fail;
	return 0;
fail:
	config_free(dst);
	return -ENOMEM;
}

bool config_iface_allowed(const struct config *cfg, const char *ifname)
{
	if (cfg->include.n > 0 && !config_globs_match(&cfg->include, ifname))
		return false;
	return !config_globs_match(&cfg->exclude, ifname);
}

/* Later sections override earlier ones: search from the end. */
bool config_iface_type(const struct config *cfg, const char *ifname,
		       enum mptcpd_iface_type *type)
{
	for (size_t i = cfg->iface_rules.n; i-- > 0;) {
		const struct config_iface_rule *r = &cfg->iface_rules.v[i];

		if (r->has_type && fnmatch(r->glob, ifname, 0) == 0) {
			*type = r->type;
			return true;
		}
	}
	return false;
}

bool config_iface_metered(const struct config *cfg, const char *ifname,
			  enum mptcpd_metered *metered)
{
	for (size_t i = cfg->iface_rules.n; i-- > 0;) {
		const struct config_iface_rule *r = &cfg->iface_rules.v[i];

		if (r->has_metered && fnmatch(r->glob, ifname, 0) == 0) {
			*metered = r->metered;
			return true;
		}
	}
	return false;
}

/* ---- messages ---- */

static void config_error_at(struct config_parse *p, unsigned int line,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void config_error(struct config_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Only the final pass reports; the earlier ones just look for bad syntax. */
static void __attribute__((format(printf, 3, 0)))
config_verror(struct config_parse *p, unsigned int line, const char *fmt,
	      va_list ap)
{
	char msg[768];

	if (!p->report)
		return;
	p->errors++;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_err(LOG_SUB_CONFIG, "%s:%u: %s", p->name, line, msg);
}

static void config_error_at(struct config_parse *p, unsigned int line,
			    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(p, line, fmt, ap);
	va_end(ap);
}

/* At the line being parsed. */
static void config_error(struct config_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(p, p->lineno, fmt, ap);
	va_end(ap);
}

/* How a key's section is written in messages. */
static const char *config_section_label(const char *section)
{
	return strcmp(section, CONFIG_IFACE) == 0 ? CONFIG_IFACE_LABEL : section;
}

/* "strategy, max-subflows, log-level" for one section. */
static const char *config_key_names(const char *section, char *buf, size_t size)
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

static int config_key_find(const char *section, const char *name, bool loosely)
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
static void config_unknown_key(struct config_parse *p, const char *kind,
			       const char *section, const char *name)
{
	char known[256];
	int k = config_key_find(NULL, name, false);

	if (k >= 0) {
		config_error(p, "unknown key '%s' in [%s]; it belongs in [%s]", name,
			     section, config_section_label(config_keys[k].section));
		return;
	}
	k = config_key_find(NULL, name, true);
	if (k >= 0 && strcmp(config_keys[k].section, kind) == 0) {
		config_error(p, "unknown key '%s' in [%s]; did you mean '%s'?",
			     name, section, config_keys[k].name);
	} else if (k >= 0) {
		config_error(p, "unknown key '%s' in [%s]; did you mean '%s' in [%s]?",
			     name, section, config_keys[k].name,
			     config_section_label(config_keys[k].section));
	} else {
		config_error(p, "unknown key '%s' in [%s] (known keys: %s)", name,
			     section, config_key_names(kind, known, sizeof(known)));
	}
}

static bool config_section_known(const char *section)
{
	for (size_t i = 0; i < sizeof(config_sections) / sizeof(config_sections[0]); i++)
		if (strcmp(section, config_sections[i]) == 0)
			return true;
	return false;
}

/* [Core] -> core; [Interface wlan*] or [interfaces wlan*] -> interface wlan*. */
static const char *config_section_hint(const char *section, char *buf,
				       size_t size)
{
	size_t word = strcspn(section, " \t");

	for (size_t i = 0; i < sizeof(config_sections) / sizeof(config_sections[0]); i++)
		if (strcasecmp(section, config_sections[i]) == 0)
			return config_sections[i];
	if (section[word] == '\0' || word < strlen(CONFIG_IFACE) ||
	    strncasecmp(section, "interfaces", word) != 0)
		return NULL;
	snprintf(buf, size, CONFIG_IFACE " %s",
		 section + word + strspn(section + word, " \t"));
	return buf;
}

/* inih tells us about a section only through its keys: report it once,
 * at its first key. */
static void config_unknown_section(struct config_parse *p, const char *section)
{
	char buf[80];
	const char *hint = config_section_hint(section, buf, sizeof(buf));

	if (strcmp(section, p->bad_section) == 0)
		return;
	snprintf(p->bad_section, sizeof(p->bad_section), "%s", section);
	if (hint)
		config_error(p, "unknown section [%s]; did you mean [%s]?",
			     section, hint);
	else
		config_error(p, "unknown section [%s] (known sections: [core], [interfaces], [" CONFIG_IFACE_LABEL "])",
			     section);
}

static void config_outside_section(struct config_parse *p, const char *name)
{
	int k = config_key_find(NULL, name, true);

	if (k >= 0)
		config_error(p, "key '%s' is outside any section; put it under [%s]",
			     name, config_section_label(config_keys[k].section));
	else
		config_error(p, "key '%s' is outside any section (sections are [core], [interfaces] and [" CONFIG_IFACE_LABEL "])",
			     name);
}

/* ---- value helpers ---- */

/* An unsigned integer min..max; false (reported) otherwise. */
static bool config_uint(struct config_parse *p, const char *name,
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

static bool config_word_find(const struct config_word *words,
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

/* One of words (any letter case); expect lists them for messages. */
static bool config_word(struct config_parse *p, const char *name,
			const char *value, const struct config_word *words,
			const char *expect, int *out)
{
	if (*value == '\0')
		config_error(p, "%s: empty value (expected %s)", name, expect);
	else if (config_word_find(words, value, out))
		return true;
	else
		config_error(p, "%s: unknown value '%s' (expected %s)", name,
			     value, expect);
	return false;
}

/* ---- [core] setters ---- */

static void config_set_strategy(struct config_parse *p, enum config_key key,
				const char *value, bool continued)
{
	const char *name = config_keys[key].name;
	size_t len = strlen(value), ok = strspn(value, CONFIG_NAME_CHARS);
	(void)continued;	/* single-valued: continuations never get here */

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
		memcpy(p->cfg.strategy, value, len + 1);
	}
}

static void config_set_max_subflows(struct config_parse *p, enum config_key key,
				    const char *value, bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_uint(p, config_keys[key].name, value, CONFIG_SUBFLOWS_MIN,
		    CONFIG_SUBFLOWS_MAX, &p->cfg.max_subflows);
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

	if (config_word(p, config_keys[key].name, value, config_yes_no,
			"yes or no", &v))
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
static void config_check_backoff(struct config_parse *p)
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
static bool config_list_valid(struct config_parse *p, const char *name,
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

/* ---- [interface GLOB] sections ---- */

/* "interface GLOB" -> GLOB (maybe empty); NULL for any other section. */
static const char *config_iface_glob(const char *section)
{
	size_t n = strlen(CONFIG_IFACE);

	if (strncmp(section, CONFIG_IFACE, n) != 0)
		return NULL;
	if (section[n] != '\0' && section[n] != ' ' && section[n] != '\t')
		return NULL;
	return section + n + strspn(section + n, " \t");
}

/* Reported at the header's line, once per section. */
static bool config_glob_valid(struct config_parse *p, const char *section,
			      const char *glob)
{
	unsigned int line = p->section_line;

	if (*glob == '\0')
		config_error_at(p, line, "[%s]: missing the interface name pattern, as in [interface wlan*]",
				section);
	else if (glob[strcspn(glob, " \t")] != '\0')
		config_error_at(p, line, "[%s]: one interface name pattern per section, without white space",
				section);
	else if (strchr(glob, '['))
		config_error_at(p, line, "[%s]: '[...]' cannot be used here (the header ends at the first ']'); use '?' or '*'",
				section);
	else if (strlen(glob) >= CONFIG_GLOB_MAX)	/* inih cuts before */
		config_error_at(p, line, "[%s]: pattern too long (at most %d characters)",
				section, CONFIG_GLOB_MAX - 1);
	else
		return true;
	return false;
}

/* Is there a rule for the keys of the current section?  Made at the
 * section's first key; none when its header is bad. */
static bool config_rule(struct config_parse *p, const char *section,
			const char *glob)
{
	if (p->rule_section_no == p->section_no)
		return p->rule_ok;
	p->rule_section_no = p->section_no;
	p->rule_ok = false;
	p->seen[CONFIG_KEY_IFACE_TYPE] = 0;
	p->seen[CONFIG_KEY_IFACE_METERED] = 0;
	if (!config_glob_valid(p, section, glob))
		return false;
	if (config_rules_add(&p->cfg, glob, p->section_line) < 0) {
		p->oom = true;
		return false;
	}
	p->rule_ok = true;
	return true;
}

/* The rule config_rule() made for the current section. */
static struct config_iface_rule *config_rule_last(struct config_parse *p)
{
	return &p->cfg.iface_rules.v[p->cfg.iface_rules.n - 1];
}

static void config_set_iface_type(struct config_parse *p, enum config_key key,
				  const char *value, bool continued)
{
	struct config_iface_rule *r = config_rule_last(p);
	int v;
	(void)continued;	/* single-valued: continuations never get here */

	if (!config_word(p, config_keys[key].name, value, config_types,
			 "wifi, cellular, ethernet or other", &v))
		return;
	r->has_type = true;
	r->type = (enum mptcpd_iface_type)v;
}

static void config_set_iface_metered(struct config_parse *p,
				     enum config_key key, const char *value,
				     bool continued)
{
	struct config_iface_rule *r = config_rule_last(p);
	int v;
	(void)continued;	/* single-valued: continuations never get here */

	if (!config_word(p, config_keys[key].name, value, config_metered,
			 "yes, no or unknown", &v))
		return;
	r->has_metered = true;
	r->metered = (enum mptcpd_metered)v;
}

static const struct config_key_info config_keys[CONFIG_KEY_COUNT] = {
	[CONFIG_KEY_STRATEGY] = { "core", "strategy", config_set_strategy, false },
	[CONFIG_KEY_MAX_SUBFLOWS] = { "core", "max-subflows", config_set_max_subflows, false },
	[CONFIG_KEY_LOG_LEVEL] = { "core", "log-level", config_set_log_level, false },
	[CONFIG_KEY_PLUGIN_DIR] = { "core", "plugin-dir", config_set_plugin_dir, false },
	[CONFIG_KEY_UNKNOWN_METERED] = { "core", "unknown-metered", config_set_unknown_metered, false },
	[CONFIG_KEY_ANNOUNCE] = { "core", "announce", config_set_announce, true },
	[CONFIG_KEY_BACKOFF_INITIAL] = { "core", "backoff-initial-ms", config_set_backoff, false },
	[CONFIG_KEY_BACKOFF_MAX] = { "core", "backoff-max-ms", config_set_backoff, false },
	[CONFIG_KEY_CONTROL_GROUP] = { "core", "control-group", config_set_control_group, false },
	[CONFIG_KEY_INCLUDE] = { "interfaces", "include", config_set_globs, true },
	[CONFIG_KEY_EXCLUDE] = { "interfaces", "exclude", config_set_globs, true },
	[CONFIG_KEY_IFACE_TYPE] = { CONFIG_IFACE, "type", config_set_iface_type, false },
	[CONFIG_KEY_IFACE_METERED] = { CONFIG_IFACE, "metered", config_set_iface_metered, false },
};

/* ---- the inih handler ---- */

/* Mistakes common to every key, caught before the key's own checks. */
static bool config_value_plain(struct config_parse *p, const char *name,
			       const char *value)
{
	if (value[0] == '"' || value[0] == '\'') {
		config_error(p, "%s: values are written without quotes", name);
		return false;
	}
	if (strchr(value, '#')) {
		config_error(p, "%s: '#' starts a comment only at the beginning of a line; after a value use ' ;'",
			     name);
		return false;
	}
	return true;
}

static void config_apply(struct config_parse *p, enum config_key key,
			 const char *value, bool continued)
{
	const struct config_key_info *k = &config_keys[key];
	unsigned int errors = p->errors;

	if (continued && !k->list) {
		config_error(p, "%s takes a single value, but this indented line continues it (start keys in the first column)",
			     k->name);
	} else if (!continued && p->seen[key]) {
		config_error(p, "duplicate key '%s' (already set on line %u)",
			     k->name, p->seen[key]);
	} else {
		if (!continued)
			p->seen[key] = p->lineno;
		if (config_value_plain(p, k->name, value))
			k->set(p, key, value, continued);
	}
	if (p->errors != errors)
		p->rejected[key] = true;
}

/* The table's name for a section ("core", CONFIG_IFACE), or NULL (bad
 * section, reported). */
static const char *config_section_kind(struct config_parse *p,
				       const char *section)
{
	const char *glob = config_iface_glob(section);

	if (glob) {
		p->bad_section[0] = '\0';
		return config_rule(p, section, glob) ? CONFIG_IFACE : NULL;
	}
	if (!config_section_known(section)) {
		config_unknown_section(p, section);
		return NULL;
	}
	p->bad_section[0] = '\0';
	return section;
}

/* inih calls this for each "key = value" and for each continuation line
 * (with the same key).  Always returns success: we count errors ourselves
 * so that inih's return value means "syntax error on this line". */
static int config_handler(void *user, const char *section, const char *name,
			  const char *value)
{
	struct config_parse *p = user;
	bool continued = p->indented && p->after_key &&
			 strcmp(section, p->last_section) == 0 &&
			 strcmp(name, p->last_name) == 0;
	const char *kind;
	int key;

	if (!continued) {
		snprintf(p->last_section, sizeof(p->last_section), "%s", section);
		snprintf(p->last_name, sizeof(p->last_name), "%s", name);
	}
	p->after_key = name[0] != '\0';
	if (section[0] == '\0') {
		if (!continued)
			config_outside_section(p, name);
		return 1;
	}
	kind = config_section_kind(p, section);
	if (!kind)
		return 1;
	key = config_key_find(kind, name, false);
	if (key < 0) {
		if (!continued)
			config_unknown_key(p, kind, section, name);
		return 1;
	}
	config_apply(p, (enum config_key)key, value, continued);
	return 1;
}

static int config_handler_quiet(void *user, const char *section,
				const char *name, const char *value)
{
	(void)user;
	(void)section;
	(void)name;
	(void)value;
	return 1;
}

/* ---- the reader ---- */

static void config_syntax_error(struct config_parse *p, const char *line,
				size_t len)
{
	while (len > 0 && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	if (len > 0 && *line == '[')
		config_error(p, "section header without a closing ']'");
	else
		config_error(p, "syntax error: expected 'key = value', '[section]' or a comment starting with ';' or '#'");
}

/* Lines inih must not see: reported, then handed over as blank lines so
 * the line count stays right. */
static bool config_line_ok(struct config_parse *p, const char *line,
			   size_t len, size_t size)
{
	if (p->bad_next < p->nbad && p->bad[p->bad_next] == p->lineno) {
		p->bad_next++;
		config_syntax_error(p, line, len);
		return false;
	}
	if (memchr(line, '\0', len)) {
		config_error(p, "line contains a NUL byte");
		return false;
	}
	if (len + 2 > size) {
		config_error(p, "line is longer than %zu characters", size - 2);
		return false;
	}
	return true;
}

/* inih's rule: after optional white space (and a UTF-8 BOM on line 1), a
 * '[' starts a header unless the line is indented and continues a key.
 * Lines with a bad header were blanked before getting here. */
static void config_header(struct config_parse *p, const char *line, size_t len)
{
	size_t skip = 0;
	const char *end;

	if (p->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	while (skip < len && isspace((unsigned char)line[skip]))
		skip++;
	if (skip == len || line[skip] != '[' || (p->indented && p->after_key))
		return;
	p->section_no++;
	p->section_line = p->lineno;
	p->after_key = false;
	end = memchr(line + skip, ']', len - skip);
	if (end && (size_t)(end - line) - skip - 1 >= CONFIG_INI_SECTION_MAX)
		config_error(p, "section name is longer than %d characters",
			     CONFIG_INI_SECTION_MAX - 1);
}

/* fgets-like, but always hands out one whole line (or a blank one). */
static char *config_reader(char *buf, int size, void *stream)
{
	struct config_parse *p = stream;
	const char *line = p->text + p->pos;
	const char *nl;
	size_t len;

	if (p->pos >= p->len || size < 2)
		return NULL;
	nl = memchr(line, '\n', p->len - p->pos);
	len = nl ? (size_t)(nl - line) : p->len - p->pos;
	p->pos += len + (nl ? 1 : 0);
	p->lineno++;
	p->indented = len > 0 && isspace((unsigned char)line[0]);
	if (!config_line_ok(p, line, len, (size_t)size))
		len = 0;
	else
		config_header(p, line, len);
	memcpy(buf, line, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

/* ---- passes ---- */

static int config_pass(struct config_parse *p, ini_handler handler)
{
	p->pos = 0;
	p->lineno = 0;
	p->bad_next = 0;
	p->after_key = false;
	p->section_no = 0;
	p->rule_section_no = 0;
	return ini_parse_stream(config_reader, p, handler, p);
}

/* inih only returns the first bad line: blank it and go again. */
static void config_find_syntax_errors(struct config_parse *p,
				      unsigned int *bad, size_t max)
{
	int line;

	p->bad = bad;
	p->nbad = 0;
	while (p->nbad < max) {
		line = config_pass(p, config_handler_quiet);
		if (line <= 0)
			break;
		bad[p->nbad++] = (unsigned int)line;
	}
}

/* The pass that reports and fills p->cfg: 0, -EINVAL or -ENOMEM. */
static int config_final_pass(struct config_parse *p)
{
	int line;

	p->report = true;
	line = config_pass(p, config_handler);
	if (line > 0)
		config_error_at(p, (unsigned int)line,
				"syntax error; too many errors, not checking further lines");
	config_check_backoff(p);
	return p->oom ? -ENOMEM : p->errors ? -EINVAL : 0;
}

static int config_parse_text(struct config *cfg, const char *text, size_t len,
			     const char *name)
{
	unsigned int bad[CONFIG_SYNTAX_ERRORS_MAX];
	struct config_parse p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.text = text;
	p.len = len;
	config_find_syntax_errors(&p, bad, CONFIG_SYNTAX_ERRORS_MAX);
	ret = config_copy(&p.cfg, cfg);
	if (ret < 0)
		goto out;
	ret = config_final_pass(&p);
	if (ret < 0) {
		config_free(&p.cfg);
		goto out;
	}
	config_free(cfg);
	*cfg = p.cfg;
out:
	if (ret == -EINVAL)
		log_err(LOG_SUB_CONFIG, "%s: %u error%s; configuration not loaded",
			name, p.errors, p.errors == 1 ? "" : "s");
	else if (ret < 0)
		log_err(LOG_SUB_CONFIG, "%s: %s", name, strerror(-ret));
	return ret;
}

/* ---- entry points ---- */

static int config_slurp(FILE *f, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *grown;
	int ret = 0;

	for (;;) {
		grown = realloc(buf, cap);
		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		buf = grown;
		errno = 0;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (cap > CONFIG_FILE_MAX) {
			ret = -EFBIG;
			goto out;
		}
		cap *= 2;
	}
	if (ferror(f))
		ret = errno ? -errno : -EIO;
out:
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*text = buf;
	*len = n;
	return 0;
}

int config_load(struct config *cfg, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		log_err(LOG_SUB_CONFIG, "cannot open configuration file %s: %s",
			path, strerror(-ret));
		return ret;
	}
	ret = config_slurp(f, &text, &len);
	fclose(f);
	if (ret < 0) {
		log_err(LOG_SUB_CONFIG, "cannot read configuration file %s: %s",
			path, strerror(-ret));
		return ret;
	}
	ret = config_parse_text(cfg, text, len, path);
	free(text);
	return ret;
}

int config_load_string(struct config *cfg, const char *text, const char *name)
{
	if (!text)
		return -EINVAL;
	return config_parse_text(cfg, text, strlen(text), name ? name : "<string>");
}
