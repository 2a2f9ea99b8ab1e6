/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnl's records into the interface table.  This is where a link's type
 * is detected (sysfs) and its name looked up in the configuration, so the
 * table holds plain data and knows neither rtnl, config nor ifclass.
 */
#include <string.h>

#include "config.h"
#include "daemon_priv.h"
#include "iface.h"
#include "ifclass.h"
#include "log.h"
#include "loop.h"
#include "rtnl.h"

/* An iface_settings_fn: what cfg (arg) says about ifname. */
static void daemon_iface_settings(void *arg, const char *ifname,
				  struct iface_settings *out)
{
	const struct config *cfg = arg;

	*out = IFACE_SETTINGS_DEFAULT;
	out->allowed = config_iface_allowed(cfg, ifname);
	out->has_type = config_iface_type(cfg, ifname, &out->type);
	out->has_metered = config_iface_metered(cfg, ifname, &out->metered);
	out->unknown_metered = cfg->unknown_metered;
}

void daemon_iface_reconfigure(struct daemon *d)
{
	iface_reconfigure(d->ifaces, daemon_iface_settings, &d->cfg);
}

static void daemon_on_link(void *arg, const struct rtnl_link_update *l)
{
	struct daemon *d = arg;
	struct iface_link_update u = {
		.ifindex = l->ifindex, .flags = l->flags, .deleted = l->deleted,
	};
	struct iface_settings s = IFACE_SETTINGS_DEFAULT;

	_Static_assert(sizeof(u.name) == sizeof(l->name), "IFNAMSIZ both");
	memcpy(u.name, l->name, sizeof(u.name));
	if (!l->deleted) {
		u.detected = ifclass_detect("/sys/class/net", l->name, l->arphrd);
		daemon_iface_settings(&d->cfg, l->name, &s);
	}
	iface_on_link(d->ifaces, &u, &s);
}

static void daemon_on_addr(void *arg, const struct rtnl_addr_update *a)
{
	struct daemon *d = arg;
	struct iface_addr_update u = {
		.ifindex = a->ifindex, .addr = a->addr,
		.prefixlen = a->prefixlen, .flags = a->flags,
		.deleted = a->deleted,
	};

	iface_on_addr(d->ifaces, &u);
}

static void daemon_on_route(void *arg, const struct rtnl_route_update *r)
{
	struct daemon *d = arg;
	struct iface_route_update u = {
		.ifindex = r->ifindex, .family = r->family, .dst = r->dst,
		.dst_len = r->dst_len, .deleted = r->deleted,
	};

	iface_on_route(d->ifaces, &u, loop_now_ms(d->loop));
}

static void daemon_on_route_overflow(void *arg)
{
	struct daemon *d = arg;

	log_warn(LOG_SUB_RTNL, "link/address updates were lost; dumping again");
	iface_sync_begin(d->ifaces);
	rtnl_dump(d->rtnl);
	iface_sync_end(d->ifaces);
}

const struct rtnl_callbacks daemon_rtnl_cb = {
	.link = daemon_on_link,
	.addr = daemon_on_addr,
	.route = daemon_on_route,
	.overflow = daemon_on_route_overflow,
};
