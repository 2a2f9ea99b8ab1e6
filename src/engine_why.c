/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why an action is sent, in an operator's words: what it does to which
 * interface, the rule of the strategy that asked for it, and the event
 * that led there ("promote wwan0 subflow: no working non-cellular subflow
 * (address-removed 192.0.2.2 wlan0)").  For monitors, the info line per
 * decision and the history; made only when one of them wants it.
 */
#include <stdio.h>

#include "addr.h"
#include "engine_priv.h"
#include "iface.h"

const char *engine_why_dev(struct engine *e, struct model_conn *c,
			   const struct mptcpd_action *a)
{
	const struct mptcpd_local_addr *l;
	const struct mptcpd_subflow *s;

	if (a->ifindex > 0 && iface_name(e->ifaces, a->ifindex))
		return iface_name(e->ifaces, a->ifindex);
	l = iface_usable_find(e->ifaces, &a->local);
	if (l)
		return l->ifname;
	/* An address gone: its subflow still knows its interface. */
	s = c && a->type != MPTCPD_ACTION_ANNOUNCE &&
	    a->type != MPTCPD_ACTION_REMOVE ?
	    model_subflow_find(c, &a->local, &a->remote) : NULL;
	if (s && s->ifindex > 0)
		return iface_name(e->ifaces, s->ifindex);
	return NULL;
}

/* "promote wwan0 subflow", "withdraw 192.0.2.2 (wlan0)". */
static void engine_why_what(const struct mptcpd_action *a, const char *dev,
			    char *buf, size_t len)
{
	char ip[ADDR_STRLEN];
	const char *where = dev ? dev : addr_str(&a->local, ip, sizeof(ip));

	switch (a->type) {
	case MPTCPD_ACTION_SET_BACKUP:
		snprintf(buf, len, "%s %s subflow", a->backup ? "demote" :
			 "promote", where);
		return;
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		snprintf(buf, len, "open %s%s subflow", a->backup ?
			 "backup " : "", where);
		return;
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		snprintf(buf, len, "close %s subflow", where);
		return;
	case MPTCPD_ACTION_REMOVE:
		if (a->local.family == AF_UNSPEC) {
			snprintf(buf, len, "withdraw id %u", a->local_id);
			return;
		}
		/* fall through */
	case MPTCPD_ACTION_ANNOUNCE:
		addr_str(&a->local, ip, sizeof(ip));
		snprintf(buf, len, "%s %s%s%s%s", a->type == MPTCPD_ACTION_REMOVE ?
			 "withdraw" : "announce", ip, dev ? " (" : "",
			 dev ? dev : "", dev ? ")" : "");
		return;
	}
	snprintf(buf, len, "action %d", (int)a->type);
}

void engine_why_text(struct engine *e, struct model_conn *c,
		     const struct mptcpd_action *a, char *buf, size_t len)
{
	char what[ADDR_STRLEN + 48];

	engine_why_what(a, engine_why_dev(e, c, a), what, sizeof(what));
	if (!e->cause[0])
		snprintf(buf, len, "%s: requested with mptcpd-ctl", what);
	else if (a->reason)
		snprintf(buf, len, "%s: %s (%s)", what, a->reason,
			 e->cause_event);
	else
		snprintf(buf, len, "%s (%s)", what, e->cause_event);
}
