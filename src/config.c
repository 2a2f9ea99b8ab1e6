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
 *     the same key, so include/exclude lists may span several lines;
 *   - lines are at most ini_max_line (200) bytes including the newline.
 *
 * inih reports syntax errors only as "the first bad line" and does not give
 * the handler line numbers (INI_HANDLER_LINENO is 0 in Debian's build).  So
 * we feed it through our own reader that counts lines, and find every
 * syntax error by re-running the parse with the bad lines found so far
 * blanked out.  The last run does the real work and reports in line order.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"

#define CONFIG_SUBFLOWS_MIN 1
#define CONFIG_SUBFLOWS_MAX 255
/* Each syntax error costs one more pass over the text: bound the work. */
#define CONFIG_SYNTAX_ERRORS_MAX 64
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_SEPARATORS " \t,"
#define CONFIG_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"
#define CONFIG_LEVELS "err, warning, notice, info or debug"

static const char config_default_exclude[] =
	"veth* docker* br-* virbr* vnet* tun* tap* wg* zt* tailscale* lo";

enum config_key {
	CONFIG_KEY_STRATEGY,
	CONFIG_KEY_MAX_SUBFLOWS,
	CONFIG_KEY_LOG_LEVEL,
	CONFIG_KEY_INCLUDE,
	CONFIG_KEY_EXCLUDE,
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
	const unsigned int *bad;	/* syntax-error lines, ascending, blanked */
	size_t nbad, bad_next;
	bool report;			/* the final pass: log and apply */
	unsigned int errors;
	bool oom;
	unsigned int seen[CONFIG_KEY_COUNT];	/* line that set it, 0 = unset */
	char last_section[64];		/* previous handler call, to tell */
	char last_name[64];		/* continuation lines apart */
	char bad_section[64];		/* unknown section already reported */
};

typedef void (*config_set_fn)(struct config_parse *p, enum config_key key,
			      const char *value, bool continued);

struct config_key_info {
	const char *section;
	const char *name;
	config_set_fn set;
	bool list;			/* accepts continuation lines */
};

static const struct config_key_info config_keys[CONFIG_KEY_COUNT];

static const char *const config_sections[] = { "core", "interfaces" };

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

/* ---- public basics ---- */

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", "fullmesh");
	cfg->max_subflows = 8;
	cfg->log_level = LOG_INFO;
	if (config_globs_parse(&cfg->exclude, config_default_exclude) < 0)
		log_err(LOG_SUB_CONFIG, "out of memory for the default exclude list");
}

void config_free(struct config *cfg)
{
	config_globs_clear(&cfg->include);
	config_globs_clear(&cfg->exclude);
}

static int config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	if (config_globs_copy(&dst->include, &src->include) < 0)
		goto fail;
	if (config_globs_copy(&dst->exclude, &src->exclude) < 0)
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

/* ---- messages ---- */

static void config_error(struct config_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Only the final pass reports; the earlier ones just look for bad syntax. */
static void config_error(struct config_parse *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!p->report)
		return;
	p->errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err(LOG_SUB_CONFIG, "%s:%u: %s", p->name, p->lineno, msg);
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

static void config_unknown_key(struct config_parse *p, const char *section,
			       const char *name)
{
	char known[128];
	int k = config_key_find(NULL, name, false);

	if (k >= 0) {
		config_error(p, "unknown key '%s' in [%s]; it belongs in [%s]",
			     name, section, config_keys[k].section);
		return;
	}
	k = config_key_find(NULL, name, true);
	if (k >= 0) {
		config_error(p, "unknown key '%s' in [%s]; did you mean '%s' in [%s]?",
			     name, section, config_keys[k].name,
			     config_keys[k].section);
		return;
	}
	config_error(p, "unknown key '%s' in [%s] (known keys: %s)", name,
		     section, config_key_names(section, known, sizeof(known)));
}

static bool config_section_known(const char *section)
{
	for (size_t i = 0; i < sizeof(config_sections) / sizeof(config_sections[0]); i++)
		if (strcmp(section, config_sections[i]) == 0)
			return true;
	return false;
}

/* inih tells us about a section only through its keys: report it once,
 * at its first key. */
static void config_unknown_section(struct config_parse *p, const char *section)
{
	if (strcmp(section, p->bad_section) == 0)
		return;
	snprintf(p->bad_section, sizeof(p->bad_section), "%s", section);
	for (size_t i = 0; i < sizeof(config_sections) / sizeof(config_sections[0]); i++) {
		if (strcasecmp(section, config_sections[i]) == 0) {
			config_error(p, "unknown section [%s]; did you mean [%s]?",
				     section, config_sections[i]);
			return;
		}
	}
	config_error(p, "unknown section [%s] (known sections: [core], [interfaces])",
		     section);
}

static void config_outside_section(struct config_parse *p, const char *name)
{
	int k = config_key_find(NULL, name, true);

	if (k >= 0)
		config_error(p, "key '%s' is outside any section; put it under [%s]",
			     name, config_keys[k].section);
	else
		config_error(p, "key '%s' is outside any section (sections are [core] and [interfaces])",
			     name);
}

/* ---- value setters ---- */

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
	const char *name = config_keys[key].name;
	unsigned long v;
	char *end;
	(void)continued;	/* single-valued: continuations never get here */

	if (*value == '\0') {
		config_error(p, "%s: empty value (expected an integer %d..%d)",
			     name, CONFIG_SUBFLOWS_MIN, CONFIG_SUBFLOWS_MAX);
		return;
	}
	if (!isdigit((unsigned char)*value)) {
		config_error(p, "%s: '%s' is not a number (expected an integer %d..%d)",
			     name, value, CONFIG_SUBFLOWS_MIN, CONFIG_SUBFLOWS_MAX);
		return;
	}
	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end != '\0')
		config_error(p, "%s: trailing garbage '%s' after the number (expected an integer %d..%d)",
			     name, end, CONFIG_SUBFLOWS_MIN, CONFIG_SUBFLOWS_MAX);
	else if (errno == ERANGE || v < CONFIG_SUBFLOWS_MIN || v > CONFIG_SUBFLOWS_MAX)
		config_error(p, "%s: '%s' is out of range (%d..%d)", name, value,
			     CONFIG_SUBFLOWS_MIN, CONFIG_SUBFLOWS_MAX);
	else
		p->cfg.max_subflows = (unsigned int)v;
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

static bool config_globs_valid(struct config_parse *p, const char *name,
			       const char *value, bool continued)
{
	size_t len = strlen(value);

	if (continued && len > 1 && value[0] == '[' && value[len - 1] == ']') {
		config_error(p, "%s: indented section header '%s' is read as a continuation of '%s' (start it in the first column)",
			     name, value, name);
		return false;
	}
	if (strchr(value, '=')) {
		config_error(p, "%s: '=' in a pattern: an indented line continues the previous value (start keys in the first column)",
			     name);
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

	if (!config_globs_valid(p, config_keys[key].name, value, continued))
		return;
	if (!continued)
		config_globs_clear(l);
	if (config_globs_parse(l, value) < 0)
		p->oom = true;
}

static const struct config_key_info config_keys[CONFIG_KEY_COUNT] = {
	[CONFIG_KEY_STRATEGY] = { "core", "strategy", config_set_strategy, false },
	[CONFIG_KEY_MAX_SUBFLOWS] = { "core", "max-subflows", config_set_max_subflows, false },
	[CONFIG_KEY_LOG_LEVEL] = { "core", "log-level", config_set_log_level, false },
	[CONFIG_KEY_INCLUDE] = { "interfaces", "include", config_set_globs, true },
	[CONFIG_KEY_EXCLUDE] = { "interfaces", "exclude", config_set_globs, true },
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

	if (continued && !k->list) {
		config_error(p, "%s takes a single value, but this indented line continues it (start keys in the first column)",
			     k->name);
		return;
	}
	if (!continued && p->seen[key]) {
		config_error(p, "duplicate key '%s' (already set on line %u)",
			     k->name, p->seen[key]);
		return;
	}
	if (!continued)
		p->seen[key] = p->lineno;
	if (config_value_plain(p, k->name, value))
		k->set(p, key, value, continued);
}

/* inih calls this for each "key = value" and for each continuation line
 * (with the same key).  Always returns success: we count errors ourselves
 * so that inih's return value means "syntax error on this line". */
static int config_handler(void *user, const char *section, const char *name,
			  const char *value)
{
	struct config_parse *p = user;
	bool continued = p->indented && strcmp(section, p->last_section) == 0 &&
			 strcmp(name, p->last_name) == 0;
	int key;

	if (!continued) {
		snprintf(p->last_section, sizeof(p->last_section), "%s", section);
		snprintf(p->last_name, sizeof(p->last_name), "%s", name);
	}
	if (section[0] == '\0') {
		if (!continued)
			config_outside_section(p, name);
		return 1;
	}
	if (!config_section_known(section)) {
		config_unknown_section(p, section);
		return 1;
	}
	p->bad_section[0] = '\0';
	key = config_key_find(section, name, false);
	if (key < 0) {
		if (!continued)
			config_unknown_key(p, section, name);
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

static int config_parse_text(struct config *cfg, const char *text, size_t len,
			     const char *name)
{
	unsigned int bad[CONFIG_SYNTAX_ERRORS_MAX];
	struct config_parse p;
	int ret, line;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.text = text;
	p.len = len;
	config_find_syntax_errors(&p, bad, CONFIG_SYNTAX_ERRORS_MAX);
	ret = config_copy(&p.cfg, cfg);
	if (ret < 0)
		goto out;
	p.report = true;
	line = config_pass(&p, config_handler);
	if (line > 0) {
		p.lineno = (unsigned int)line;
		config_error(&p, "syntax error; too many errors, not checking further lines");
	}
	ret = p.oom ? -ENOMEM : p.errors ? -EINVAL : 0;
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
