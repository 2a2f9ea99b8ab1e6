/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration in the running daemon: loaded at start-up, loaded
 * again on SIGHUP or mptcpd-ctl reload, and applied only when all of it
 * (file, strategy, control group) is good.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_priv.h"
#include "engine.h"
#include "history.h"
#include "log.h"
#include "plugin.h"
#include "policy.h"
#include "strategies/registry.h"

/* Built-in first, then the plugins from plugin-dir. */
static const struct mptcpd_strategy *daemon_find_strategy(struct daemon *d,
							  const char *name)
{
	const struct mptcpd_strategy *s = strategy_find(name);

	return s ? s : plugin_find(d->plugins, name);
}

/* The plugins of dir, loaded once per load of the file. */
static int daemon_load_plugins(struct daemon *d, const char *dir)
{
	int err;

	if (d->plugins_loaded && strcmp(d->plugins_dir, dir) == 0)
		return 0;
	plugin_set_free(d->plugins);
	d->plugins = NULL;
	d->plugins_loaded = false;
	err = plugin_load_dir(dir, &d->plugins);
	if (err < 0)
		return err;
	d->plugins_loaded = true;
	snprintf(d->plugins_dir, sizeof(d->plugins_dir), "%s", dir);
	return 0;
}

/* struct config_checks, for the file's one pass. */
static bool daemon_check_strategy(void *arg, const char *plugin_dir,
				  const char *name)
{
	struct daemon *d = arg;

	return daemon_load_plugins(d, plugin_dir) == 0 &&
	       daemon_find_strategy(d, name);
}

static const char *daemon_known_strategies(void *arg)
{
	struct daemon *d = arg;
	char *buf = d->strategies_text;

	snprintf(buf, sizeof(d->strategies_text), "built-in are %s, and %zu plugin%s loaded "
		 "from %s", strategy_names(), plugin_count(d->plugins),
		 plugin_count(d->plugins) == 1 ? " was" : "s were",
		 d->plugins_dir);
	return buf;
}

static int daemon_check_group(void *arg, const char *name)
{
	(void)arg;
	errno = 0;
	if (getgrnam(name))
		return 0;
	if (errno && errno != ENOENT && errno != ESRCH && errno != EBADF &&
	    errno != EPERM)
		return -errno;
	return -ENOENT;
}

/* Every [policy] strategy must exist too: a typo would otherwise be a
 * rule that silently falls back.  All of them are reported. */
static int daemon_check_policies(struct daemon *d)
{
	int err = 0;

	for (size_t i = 0; i < d->cfg.policies.n; i++) {
		const struct policy_rule *r = &d->cfg.policies.v[i];

		if (!r->strategy[0] || daemon_find_strategy(d, r->strategy))
			continue;
		log_err(LOG_SUB_CONFIG, "%s:%u: [policy %s]: unknown strategy "
			"'%s': built-in are %s, and %zu plugin%s loaded from %s",
			d->args.config_path, r->line, r->name, r->strategy,
			strategy_names(), plugin_count(d->plugins),
			plugin_count(d->plugins) == 1 ? " was" : "s were",
			d->cfg.plugin_dir);
		err = -EINVAL;
	}
	return err;
}

static int daemon_pick_strategy(struct daemon *d)
{
	const char *name = d->cfg.strategy;

	if (daemon_load_plugins(d, d->cfg.plugin_dir) < 0)
		return -ENOMEM;
	if (daemon_check_policies(d) < 0)
		return -EINVAL;	/* the file's fault, whatever --strategy says */
	d->strategy = daemon_find_strategy(d, name);
	if (d->strategy)
		return 0;
	log_err(LOG_SUB_CONFIG, "unknown strategy '%s' (from %s): %s", name,
		d->args.strategy ? "--strategy" : d->args.config_path,
		daemon_known_strategies(d));
	if (d->report)
		config_report_add(d->report, "unknown strategy '%s' (from %s): %s",
				  name, d->args.strategy ? "--strategy" :
				  d->args.config_path, daemon_known_strategies(d));
	return -ENOENT;
}

/* [core] control-group must name a group that exists now: a typo would
 * otherwise lock its members out without a word. */
static int daemon_resolve_group(struct daemon *d)
{
	const char *name = d->cfg.control_group;
	struct group *gr;

	d->ctl_gid = (gid_t)-1;
	if (!name[0])
		return 0;
	errno = 0;
	gr = getgrnam(name);
	if (gr) {
		d->ctl_gid = gr->gr_gid;
		return 0;
	}
	if (errno && errno != ENOENT && errno != ESRCH && errno != EBADF &&
	    errno != EPERM)
		log_err(LOG_SUB_CONFIG, "%s: control-group: cannot look up group "
			"'%s': %s", d->args.config_path, name, strerror(errno));
	else
		log_err(LOG_SUB_CONFIG, "%s: control-group: there is no group "
			"'%s'; create it with 'groupadd --system %s' (and add its "
			"members with 'usermod -aG %s USER'), or change the key",
			d->args.config_path, name, name, name);
	return -ENOENT;
}

int daemon_load_config(struct daemon *d)
{
	const struct config_checks checks = {
		.strategy_known = daemon_check_strategy,
		.strategies_known = daemon_known_strategies,
		.group_known = daemon_check_group,
		.arg = d,
		.report = d->report,
	};
	int err;

	config_init(&d->cfg);
	/* The default file may simply not be installed; one named with -c
	 * must exist. */
	if (!d->args.config_explicit && access(d->args.config_path, F_OK) < 0) {
		log_notice(LOG_SUB_CONFIG, "no %s: running with the defaults",
			   d->args.config_path);
		err = 0;
	} else {
		err = config_load_checked(&d->cfg, d->args.config_path, &checks);
	}
	if (err < 0) {
		log_err(LOG_SUB_CONFIG, "%s: not starting with a bad configuration",
			d->args.config_path);
		return ARGS_EXIT_CONFIG;
	}
	args_apply(&d->args, &d->cfg);
	log_set_level(d->cfg.log_level);
	if (daemon_resolve_group(d) < 0)
		return ARGS_EXIT_CONFIG;
	err = daemon_pick_strategy(d);
	if (err == -EINVAL)
		return ARGS_EXIT_CONFIG;
	if (err == -ENOENT)
		return d->args.strategy ? ARGS_EXIT_USAGE : ARGS_EXIT_CONFIG;
	return err < 0 ? ARGS_EXIT_FAILURE : ARGS_EXIT_OK;
}

/* The new configuration into the running parts: engine, interfaces
 * (their configured types and exclusions), control socket, logging. */
static void daemon_apply_config(struct daemon *d)
{
	engine_set_max_subflows(d->engine, d->cfg.max_subflows);
	engine_set_backoff(d->engine, d->cfg.backoff_initial_ms,
			   d->cfg.backoff_max_ms);
	engine_set_peer_policy(d->engine, d->cfg.accept_announcements,
			       d->cfg.max_announcements);
	engine_set_rtt_switch(d->engine, d->cfg.rtt_switch_ratio_pct,
			      d->cfg.rtt_switch_margin_ms,
			      d->cfg.rtt_switch_hold_ms);
	engine_set_announce(d->engine, d->cfg.announce == CONFIG_ANNOUNCE_ALL,
			    d->cfg.announce_addrs.v, d->cfg.announce_addrs.n);
	daemon_history_reconfigure(d);
	daemon_iface_reconfigure(d);
}

/* The running configuration changes only if the whole new file is good;
 * every setting then applies to live connections, none is dropped. */
int daemon_reload(struct daemon *d, struct config_report *report)
{
	struct daemon next = { .args = d->args, .report = report };
	int rc = daemon_load_config(&next);
	struct plugin_set *old_plugins;
	gid_t old_gid = d->ctl_gid;

	if (rc != ARGS_EXIT_OK) {
		log_err(LOG_SUB_CONFIG, "reload of %s failed: keeping the running "
			"configuration", d->args.config_path);
		log_set_level(d->cfg.log_level);
		plugin_set_free(next.plugins);
		config_free(&next.cfg);
		return rc == ARGS_EXIT_FAILURE ? -ENOMEM : -EINVAL;
	}
	config_free(&d->cfg);
	d->cfg = next.cfg;
	daemon_history_note(d, HISTORY_RELOAD, next.strategy->name,
			    "configuration reloaded");
	daemon_apply_config(d);
	/* The default strategy and the rules together, with the new
	 * plugins: every live connection is matched once and handed to the
	 * strategy it ends with, never through an interim one.  The old
	 * plugins go only once nothing points into them (kept if the engine
	 * could not take the new picture). */
	old_plugins = d->plugins;
	d->plugins = next.plugins;
	if (daemon_apply_policies(d, next.strategy) == 0) {
		d->strategy = next.strategy;
		plugin_set_free(old_plugins);
	}
	d->ctl_gid = next.ctl_gid;
	daemon_apply_group(d, old_gid);
	daemon_setup_log(&d->args);
	log_notice(LOG_SUB_CONFIG, "reloaded %s: strategy %s", d->args.config_path,
		   d->cfg.strategy);
	daemon_notify_status(d);
	return 0;
}
