/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct config: its defaults, copies, and the questions the daemon asks
 * it (which interfaces, which type, metered or not).  Reading the file is
 * config_parse.c's job, the keys and their values config_keys.c's.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "history.h"
#include "log.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/mptcpd"
#endif

static const char config_default_exclude[] =
	"veth* docker* br-* virbr* vnet* tun* tap* wg* zt* tailscale* lo";

/* ---- glob lists ---- */

void config_globs_clear(struct glob_list *l)
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

int config_globs_parse(struct glob_list *l, const char *text)
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

int config_addrs_add(struct addr_list *l, const struct mptcpd_addr *a)
{
	struct mptcpd_addr *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = *a;
	return 0;
}

int config_rules_add(struct config *cfg, const char *glob,
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

int config_policies_add(struct config *cfg, const char *name,
			unsigned int line)
{
	struct policy_rule *v;

	v = realloc(cfg->policies.v, (cfg->policies.n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cfg->policies.v = v;
	v += cfg->policies.n++;
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
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
	cfg->accept_announcements = true;
	cfg->max_announcements = 8;
	cfg->rtt_switch_ratio_pct = 150;
	cfg->rtt_switch_margin_ms = 20;
	cfg->rtt_switch_hold_ms = 500;
	cfg->history_size = HISTORY_SIZE_DEFAULT;
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
	free(cfg->policies.v);
	cfg->policies.v = NULL;
	cfg->policies.n = 0;
}

int config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	dst->include = (struct glob_list){ 0 };
	dst->exclude = (struct glob_list){ 0 };
	dst->announce_addrs.v = NULL;
	dst->iface_rules.v = NULL;
	dst->policies.v = NULL;
	if (config_globs_copy(&dst->include, &src->include) < 0 ||
	    config_globs_copy(&dst->exclude, &src->exclude) < 0 ||
	    config_array_dup((void **)&dst->announce_addrs.v, src->announce_addrs.v,
			     src->announce_addrs.n, sizeof(*src->announce_addrs.v)) < 0 ||
	    config_array_dup((void **)&dst->iface_rules.v, src->iface_rules.v,
			     src->iface_rules.n, sizeof(*src->iface_rules.v)) < 0 ||
	    config_array_dup((void **)&dst->policies.v, src->policies.v,
			     src->policies.n, sizeof(*src->policies.v)) < 0)
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
