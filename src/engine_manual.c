/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What mptcpd-ctl asks of the engine: one action, run as a strategy's
 * would be, and run-time interface settings.  Both answer with what was
 * done, so the control socket needs no guessing from the model.
 */
#include <errno.h>

#include "engine_priv.h"
#include "iface.h"

enum engine_verdict engine_manual(struct engine *e, struct mptcpd_action *a)
{
	struct model_conn *c = model_conn_find(e->model, a->token);

	if (!c)
		return ENGINE_VERDICT_NO_CONN;
	return engine_execute(e, c, a);
}

int engine_set_iface(struct engine *e, const char *ifname,
		     const struct engine_iface_change *ch)
{
	int err = 0;

	bool set_type = ch->has_type && !ch->type_auto;
	bool set_metered = ch->has_metered && !ch->metered_auto;

	if (set_type || set_metered)
		err = iface_set_runtime(e->ifaces, ifname,
					set_type ? &ch->type : NULL,
					set_metered ? &ch->metered : NULL);
	if (err == 0 && ((ch->has_type && ch->type_auto) ||
			 (ch->has_metered && ch->metered_auto)))
		err = iface_clear_runtime(e->ifaces, ifname,
					  ch->has_type && ch->type_auto,
					  ch->has_metered && ch->metered_auto);
	if (err == 0 && ch->has_exclude)
		err = iface_set_runtime_excluded(e->ifaces, ifname, ch->exclude);
	return err;
}
