/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The [policy] rules into the engine: each rule's strategy resolved
 * (built-in or plugin; daemon_reload.c has already refused unknown ones),
 * and the owner lookup the engine asks for when a rule names a user or a
 * cgroup: sock_diag by token for the uid and cgroup id, the cgroup map for
 * the path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_map.h"
#include "daemon_priv.h"
#include "diag.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "plugin.h"
#include "strategies/registry.h"

int daemon_conn_owner(void *arg, uint32_t token, uint32_t *uid, char *cgroup,
		      size_t len)
{
	struct daemon *d = arg;
	struct diag_conn c;
	int err = diag_conn_lookup(token, &c);

	if (err < 0)
		return err;
	*uid = c.uid;
	cgroup[0] = '\0';
	if (!c.has_cgroup)
		return 0;
	if (!d->cgroups)
		d->cgroups = cgroup_map_new(NULL);
	if (!d->cgroups)
		return 0;
	err = cgroup_map_path(d->cgroups, c.cgroup_id, loop_now_ms(d->loop),
			      cgroup, len);
	if (err == -EAGAIN)
		return err;	/* a cgroup made a moment ago: ask again */
	if (err < 0) {
		log_debug(LOG_SUB_CORE, "token=%08x: cgroup %llu: %s", token,
			  (unsigned long long)c.cgroup_id, strerror(-err));
		cgroup[0] = '\0';
	}
	return 0;
}

int daemon_apply_policies(struct daemon *d, const struct mptcpd_strategy *def)
{
	size_t n = d->cfg.policies.n;
	const struct mptcpd_strategy **s = NULL;
	int err;

	if (n) {
		s = calloc(n, sizeof(*s));
		if (!s)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = d->cfg.policies.v[i].strategy;

		if (!name[0])
			continue;
		s[i] = strategy_find(name);
		if (!s[i])
			s[i] = plugin_find(d->plugins, name);
	}
	err = engine_reconfigure(d->engine, def, d->cfg.policies.v, s, n);
	free(s);
	if (err < 0)
		log_err(LOG_SUB_CONFIG, "out of memory for the [policy] rules: "
			"the previous ones stay");
	return err;
}

void daemon_policy_free(struct daemon *d)
{
	cgroup_map_free(d->cgroups);
	d->cgroups = NULL;
}
