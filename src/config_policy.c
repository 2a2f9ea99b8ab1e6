/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of the [policy NAME] sections (policy.h says what a rule is):
 * match keys (remote-port, remote-prefix, local-port, server-side, user,
 * cgroup) and actions (strategy, max-subflows, interfaces, metered).
 * Each setter checks its value and stores it in the section's rule, the
 * last one config_policies_add() made.  Whether a named strategy exists
 * is only known once the plugins are loaded: the daemon checks that, with
 * the rule's line.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"
#include "ctl_proto.h"

static const struct ctl_word config_policy_metered_words[] = {
	{ "allow", POLICY_METERED_ALLOW },
	{ "backup-only", POLICY_METERED_BACKUP_ONLY },
	{ "never", POLICY_METERED_NEVER },
	{ NULL, 0 },
};

static struct policy_rule *config_policy_last(struct config_parse *p)
{
	return &p->cfg.policies.v[p->cfg.policies.n - 1];
}

bool config_policy_name_valid(struct config_parse *p, const char *section,
			      const char *name)
{
	unsigned int line = p->section_line;
	size_t len = strlen(name), ok = strspn(name, CONFIG_NAME_CHARS);

	if (len == 0) {
		config_error_at(p, line, "[%s]: missing the policy's name, as in [policy ssh]",
				section);
	} else if (ok != len) {
		config_error_at(p, line, "[%s]: the name contains '%c' (allowed: a-z, 0-9, '-' and '_')",
				section, name[ok]);
	} else if (len >= POLICY_NAME_MAX) {
		config_error_at(p, line, "[%s]: name too long (at most %d characters)",
				section, POLICY_NAME_MAX - 1);
	} else if (p->cfg.policies.n >= POLICY_RULES_MAX) {
		config_error_at(p, line, "[%s]: too many [policy] sections (at most %d)",
				section, POLICY_RULES_MAX);
	} else {
		for (size_t i = 0; i < p->cfg.policies.n; i++) {
			if (strcmp(p->cfg.policies.v[i].name, name) == 0) {
				config_error_at(p, line, "[%s]: a policy of that name is already defined on line %u",
						section, p->cfg.policies.v[i].line);
				return false;
			}
		}
		return true;
	}
	return false;
}

/* Calls item() for each item of a list value (space and/or comma
 * separated); stops at the first it refuses. */
static void config_policy_items(struct config_parse *p, enum config_key key,
				const char *value, bool continued,
				const char *what,
				bool (*item)(struct config_parse *p,
					     const char *name, const char *tok))
{
	const char *name = config_keys[key].name;
	char buf[256];
	char *save = NULL, *tok;

	if (!config_list_valid(p, name, value, continued, what))
		return;
	if (!continued && value[0] == '\0') {
		config_error(p, "%s: empty value (expected %s or more)", name,
			     what);
		return;
	}
	if (strlen(value) >= sizeof(buf)) {
		config_error(p, "%s: line too long", name);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, CONFIG_SEPARATORS, &save); tok;
	     tok = strtok_r(NULL, CONFIG_SEPARATORS, &save))
		if (!item(p, name, tok))
			return;
}

static bool config_policy_port(struct config_parse *p, const char *name,
			       const char *tok)
{
	struct policy_rule *r = config_policy_last(p);
	bool remote = strcmp(name, "remote-port") == 0;
	size_t *n = remote ? &r->n_remote_ports : &r->n_local_ports;
	struct policy_port_range *v = remote ? r->remote_ports : r->local_ports;
	const char *why;

	if (*n >= POLICY_RANGES_MAX) {
		config_error(p, "%s: at most %d ports or ranges", name,
			     POLICY_RANGES_MAX);
		return false;
	}
	if (policy_parse_port_range(tok, &v[*n], &why) < 0) {
		config_error(p, "%s: '%s': %s", name, tok, why);
		return false;
	}
	(*n)++;
	return true;
}

void config_set_policy_ports(struct config_parse *p, enum config_key key,
			     const char *value, bool continued)
{
	config_policy_items(p, key, value, continued, "a port or range",
			    config_policy_port);
}

static bool config_policy_prefix(struct config_parse *p, const char *name,
				 const char *tok)
{
	struct policy_rule *r = config_policy_last(p);
	const char *why;

	if (r->n_prefixes >= POLICY_PREFIXES_MAX) {
		config_error(p, "%s: at most %d prefixes", name,
			     POLICY_PREFIXES_MAX);
		return false;
	}
	if (policy_parse_prefix(tok, &r->remote_prefixes[r->n_prefixes],
				&why) < 0) {
		config_error(p, "%s: '%s': %s", name, tok, why);
		return false;
	}
	r->n_prefixes++;
	return true;
}

void config_set_policy_prefixes(struct config_parse *p, enum config_key key,
				const char *value, bool continued)
{
	config_policy_items(p, key, value, continued, "a prefix",
			    config_policy_prefix);
}

void config_set_policy_side(struct config_parse *p, enum config_key key,
			    const char *value, bool continued)
{
	int v;
	(void)continued;	/* single-valued: continuations never get here */

	if (config_word(p, config_keys[key].name, value, config_yes_no, &v))
		config_policy_last(p)->side = v ? POLICY_SIDE_SERVER :
						  POLICY_SIDE_CLIENT;
}

/* A user name (looked up now: a typo is an error at this line, not a rule
 * that silently never matches) or a numeric uid. */
void config_set_policy_user(struct config_parse *p, enum config_key key,
			    const char *value, bool continued)
{
	struct policy_rule *r = config_policy_last(p);
	const char *name = config_keys[key].name;
	struct passwd pw, *found = NULL;
	char buf[4096];
	char *end;
	unsigned long uid;
	(void)continued;	/* single-valued: continuations never get here */

	if (value[0] == '\0') {
		config_error(p, "%s: empty value (expected a user name or uid)",
			     name);
		return;
	}
	if (strlen(value) >= sizeof(r->user)) {
		config_error(p, "%s: '%s' is too long", name, value);
		return;
	}
	if (value[0] >= '0' && value[0] <= '9') {
		uid = strtoul(value, &end, 10);
		if (*end || uid >= (unsigned long)(uid_t)-1) {
			config_error(p, "%s: '%s' is not a uid", name, value);
			return;
		}
		r->uid = (uint32_t)uid;
	} else {
		if (getpwnam_r(value, &pw, buf, sizeof(buf), &found) != 0 ||
		    !found) {
			config_error(p, "%s: no user '%s' on this system (write a name from /etc/passwd or a numeric uid)",
				     name, value);
			return;
		}
		r->uid = (uint32_t)found->pw_uid;
	}
	snprintf(r->user, sizeof(r->user), "%s", value);
	r->has_user = true;
}

static bool config_policy_cgroup(struct config_parse *p, const char *name,
				 const char *tok)
{
	struct policy_rule *r = config_policy_last(p);

	while (*tok == '/')
		tok++;	/* the match ignores the path's leading '/' too */
	if (*tok == '\0') {
		config_error(p, "%s: '/' alone names the root cgroup; write a pattern such as 'system.slice/ssh.service'",
			     name);
		return false;
	}
	if (r->n_cgroups >= POLICY_CGROUPS_MAX) {
		config_error(p, "%s: at most %d patterns", name,
			     POLICY_CGROUPS_MAX);
		return false;
	}
	if (strlen(tok) >= POLICY_CGROUP_MAX) {
		config_error(p, "%s: pattern too long (at most %d characters)",
			     name, POLICY_CGROUP_MAX - 1);
		return false;
	}
	snprintf(r->cgroups[r->n_cgroups++], POLICY_CGROUP_MAX, "%s", tok);
	return true;
}

void config_set_policy_cgroups(struct config_parse *p, enum config_key key,
			       const char *value, bool continued)
{
	config_policy_items(p, key, value, continued, "a cgroup pattern",
			    config_policy_cgroup);
}

void config_set_policy_strategy(struct config_parse *p, enum config_key key,
				const char *value, bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_strategy_name(p, config_keys[key].name, value,
			     config_policy_last(p)->strategy);
}

void config_set_policy_max_subflows(struct config_parse *p,
				    enum config_key key, const char *value,
				    bool continued)
{
	(void)continued;	/* single-valued: continuations never get here */
	config_uint(p, config_keys[key].name, value, CONFIG_SUBFLOWS_MIN,
		    CONFIG_SUBFLOWS_MAX, &config_policy_last(p)->max_subflows);
}

static bool config_policy_iface_type(struct config_parse *p, const char *name,
				     const char *tok)
{
	enum mptcpd_iface_type type;

	if (!config_type_word(p, name, tok, &type))
		return false;
	config_policy_last(p)->iface_types |= 1u << type;
	return true;
}

void config_set_policy_interfaces(struct config_parse *p, enum config_key key,
				  const char *value, bool continued)
{
	config_policy_items(p, key, value, continued, "an interface type",
			    config_policy_iface_type);
}

void config_set_policy_metered(struct config_parse *p, enum config_key key,
			       const char *value, bool continued)
{
	int v;
	(void)continued;	/* single-valued: continuations never get here */

	if (config_word(p, config_keys[key].name, value,
			config_policy_metered_words, &v))
		config_policy_last(p)->metered = (enum policy_metered)v;
}
