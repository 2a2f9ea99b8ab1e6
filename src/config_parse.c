/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd.conf: inih does the INI syntax, this file feeds it and hands each
 * key to its setter (config_keys.c).
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
 * differs from the current rule's starts a new rule.  "[policy NAME]"
 * sections are numbered the same way; their names must differ.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "log.h"

/* Each syntax error costs one more pass over the text: bound the work. */
#define CONFIG_SYNTAX_ERRORS_MAX 64
#define CONFIG_FILE_MAX (1024 * 1024)
/* inih's MAX_SECTION (private to ini.c): longer names are cut. */
#define CONFIG_INI_SECTION_MAX 50

static const char *const config_sections[] = { "core", "interfaces" };

/* ---- messages ---- */

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
	if (p->checks && p->checks->report)
		config_report_add(p->checks->report, "%s:%u: %s", p->name, line, msg);
}

void config_report_add(struct config_report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->n++;
	if (r->len + 1 >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n;
	if (r->len + 1 >= sizeof(r->text)) {
		r->len = sizeof(r->text) - 1;
		return;
	}
	r->text[r->len++] = '\n';
	r->text[r->len] = '\0';
}

void config_error_at(struct config_parse *p, unsigned int line,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(p, line, fmt, ap);
	va_end(ap);
}

/* At the line being parsed. */
void config_error(struct config_parse *p, const char *fmt, ...)
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

/* Keys of Intel's mptcpd (Debian's package "mptcpd"), whose file has the
 * same path: one left behind when that package was replaced by ours must
 * be recognised as such, not reported as typos. */
static bool config_intel_key(const char *name)
{
	static const char *const keys[] = {
		"log", "path-manager", "addr-flags", "notify-flags",
		"load-plugins",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(name, keys[i]) == 0)
			return true;
	return false;
}

static void config_unknown_key(struct config_parse *p, const char *kind,
			       const char *section, const char *name)
{
	char known[256];
	int k = config_key_find(NULL, name, false);

	if (config_intel_key(name)) {
		config_error(p, "unknown key '%s' in [%s]: this looks like the "
			     "file of Intel's mptcpd (Debian's package mptcpd), "
			     "another program that this one replaced; write "
			     "this mptcpd's settings instead (mptcpd.conf(5))",
			     name, section);
		return;
	}
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

/* [Core] -> core; [Interface wlan*] or [interfaces wlan*] -> interface wlan*;
 * [Policy ssh] or [policies ssh] -> policy ssh. */
static const char *config_section_hint(const char *section, char *buf,
				       size_t size)
{
	size_t word = strcspn(section, " \t");

	for (size_t i = 0; i < sizeof(config_sections) / sizeof(config_sections[0]); i++)
		if (strcasecmp(section, config_sections[i]) == 0)
			return config_sections[i];
	if (section[word] == '\0')
		return NULL;
	if (word >= strlen(CONFIG_IFACE) &&
	    strncasecmp(section, "interfaces", word) == 0)
		snprintf(buf, size, CONFIG_IFACE " %s",
			 section + word + strspn(section + word, " \t"));
	else if (word >= strlen(CONFIG_POLICY) - 1 &&
		 (strncasecmp(section, "policy", word) == 0 ||
		  strncasecmp(section, "policies", word) == 0))
		snprintf(buf, size, CONFIG_POLICY " %s",
			 section + word + strspn(section + word, " \t"));
	else
		return NULL;
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
		config_error(p, "unknown section [%s] (known sections: [core], [interfaces], [" CONFIG_IFACE_LABEL "], [" CONFIG_POLICY_LABEL "])",
			     section);
}

static void config_outside_section(struct config_parse *p, const char *name)
{
	int k = config_key_find(NULL, name, true);

	if (k >= 0)
		config_error(p, "key '%s' is outside any section; put it under [%s]",
			     name, config_section_label(config_keys[k].section));
	else
		config_error(p, "key '%s' is outside any section (sections are [core], [interfaces], [" CONFIG_IFACE_LABEL "] and [" CONFIG_POLICY_LABEL "])",
			     name);
}

/* ---- [interface GLOB] sections ---- */

/* "KIND ARG" -> ARG (maybe empty); NULL for any other section. */
static const char *config_section_arg(const char *section, const char *kind)
{
	size_t n = strlen(kind);

	if (strncmp(section, kind, n) != 0)
		return NULL;
	if (section[n] != '\0' && section[n] != ' ' && section[n] != '\t')
		return NULL;
	return section + n + strspn(section + n, " \t");
}

/* "interface GLOB" -> GLOB (maybe empty); NULL for any other section. */
static const char *config_iface_glob(const char *section)
{
	return config_section_arg(section, CONFIG_IFACE);
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

/* ---- [policy NAME] sections ---- */

/* Is there a policy for the keys of the current section?  Made at the
 * section's first key; none when its header is bad. */
static bool config_policy(struct config_parse *p, const char *section,
			  const char *name)
{
	if (p->policy_section_no == p->section_no)
		return p->policy_ok;
	p->policy_section_no = p->section_no;
	p->policy_ok = false;
	for (int k = CONFIG_KEY_POLICY_REMOTE_PORT; k <= CONFIG_KEY_POLICY_METERED; k++)
		p->seen[k] = 0;
	if (!config_policy_name_valid(p, section, name))
		return false;
	if (config_policies_add(&p->cfg, name, p->section_line) < 0) {
		p->oom = true;
		return false;
	}
	p->policy_ok = true;
	return true;
}

/* ---- the inih handler ---- */

/* Mistakes common to every key, caught before the key's own checks. */
static bool config_value_plain(struct config_parse *p, const char *name,
			       const char *value)
{
	/* Anywhere: in a list (include = wlan* "wwan*") a quoted word would
	 * otherwise be a name with quotes in it. */
	if (strpbrk(value, "\"'")) {
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
	const char *policy = config_section_arg(section, CONFIG_POLICY);

	if (glob) {
		p->bad_section[0] = '\0';
		return config_rule(p, section, glob) ? CONFIG_IFACE : NULL;
	}
	if (policy) {
		p->bad_section[0] = '\0';
		return config_policy(p, section, policy) ? CONFIG_POLICY : NULL;
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
	p->policy_section_no = 0;
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

/* The names only the daemon knows, at their lines (struct
 * config_checks): the strategies once plugin-dir is known, whatever the
 * order of the keys. */
static void config_check_names(struct config_parse *p)
{
	const struct config_checks *c = p->checks;
	const struct config *cfg = &p->cfg;
	unsigned int line = p->seen[CONFIG_KEY_STRATEGY];
	int err;

	if (!c)
		return;
	if (c->strategy_known && line && !p->rejected[CONFIG_KEY_STRATEGY] &&
	    !c->strategy_known(c->arg, cfg->plugin_dir, cfg->strategy))
		config_error_at(p, line, "strategy: unknown strategy '%s': %s",
				cfg->strategy, c->strategies_known ?
				c->strategies_known(c->arg) : "");
	for (size_t i = 0; c->strategy_known && i < cfg->policies.n; i++) {
		const struct policy_rule *r = &cfg->policies.v[i];

		if (r->strategy[0] &&
		    !c->strategy_known(c->arg, cfg->plugin_dir, r->strategy))
			config_error_at(p, r->line, "[policy %s]: unknown strategy "
					"'%s': %s", r->name, r->strategy,
					c->strategies_known ?
					c->strategies_known(c->arg) : "");
	}
	line = p->seen[CONFIG_KEY_CONTROL_GROUP];
	if (!c->group_known || !line || !cfg->control_group[0] ||
	    p->rejected[CONFIG_KEY_CONTROL_GROUP])
		return;
	err = c->group_known(c->arg, cfg->control_group);
	if (err == -ENOENT)
		config_error_at(p, line, "control-group: there is no group '%s'; "
				"create it with 'groupadd --system %s' (and add "
				"its members with 'usermod -aG %s USER'), or "
				"change the key", cfg->control_group,
				cfg->control_group, cfg->control_group);
	else if (err < 0)
		config_error_at(p, line, "control-group: cannot look up group "
				"'%s': %s", cfg->control_group, strerror(-err));
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
	config_check_names(p);
	return p->oom ? -ENOMEM : p->errors ? -EINVAL : 0;
}

static int config_parse_text(struct config *cfg, const char *text, size_t len,
			     const char *name, const struct config_checks *checks)
{
	unsigned int bad[CONFIG_SYNTAX_ERRORS_MAX];
	struct config_parse p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.checks = checks;
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
	return config_load_checked(cfg, path, NULL);
}

int config_load_checked(struct config *cfg, const char *path,
			const struct config_checks *checks)
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
		if (checks && checks->report)
			config_report_add(checks->report, "cannot open %s: %s",
					  path, strerror(-ret));
		return ret;
	}
	ret = config_slurp(f, &text, &len);
	fclose(f);
	if (ret < 0) {
		log_err(LOG_SUB_CONFIG, "cannot read configuration file %s: %s",
			path, strerror(-ret));
		if (checks && checks->report)
			config_report_add(checks->report, "cannot read %s: %s",
					  path, strerror(-ret));
		return ret;
	}
	ret = config_parse_text(cfg, text, len, path, checks);
	free(text);
	return ret;
}

int config_load_string(struct config *cfg, const char *text, const char *name)
{
	if (!text)
		return -EINVAL;
	return config_parse_text(cfg, text, strlen(text), name ? name : "<string>",
				 NULL);
}
