/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "iface.h"
#include "log.h"

struct iface_addr {
	int ifindex;
	struct mptcpd_addr addr;
	uint32_t flags;		/* IFA_F_* */
	bool stale;		/* not seen in the current re-dump yet */
};

struct iface_link {
	struct netmon_link link;
	bool stale;
};

struct iface_table {
	const struct config *cfg;
	iface_change_fn change;
	void *arg;
	struct iface_link *links;
	size_t n_links;
	struct iface_addr *addrs;
	size_t n_addrs;
	struct mptcpd_local_addr *usable;
	size_t n_usable;
	bool syncing;
};

struct iface_table *iface_table_new(const struct config *cfg,
				    iface_change_fn change, void *arg)
{
	struct iface_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = cfg;
	t->change = change;
	t->arg = arg;
	return t;
}

void iface_table_free(struct iface_table *t)
{
	if (!t)
		return;
	free(t->links);
	free(t->addrs);
	free(t->usable);
	free(t);
}

static struct iface_link *iface_link_find(const struct iface_table *t,
					  int ifindex)
{
	for (size_t i = 0; i < t->n_links; i++)
		if (t->links[i].link.ifindex == ifindex)
			return &t->links[i];
	return NULL;
}

static const struct netmon_link *iface_link(const struct iface_table *t,
					    int ifindex)
{
	struct iface_link *l = iface_link_find(t, ifindex);

	return l ? &l->link : NULL;
}

const char *iface_name(const struct iface_table *t, int ifindex)
{
	const struct netmon_link *l = iface_link(t, ifindex);

	return l ? l->name : "?";
}

static bool iface_link_usable(const struct iface_table *t,
			      const struct netmon_link *l)
{
	if (!l || (l->flags & IFF_LOOPBACK))
		return false;
	if ((l->flags & (IFF_UP | IFF_RUNNING)) != (IFF_UP | IFF_RUNNING))
		return false;
	return !t->cfg || config_iface_allowed(t->cfg, l->name);
}

static bool iface_addr_usable(const struct iface_table *t,
			      const struct iface_addr *a)
{
	const uint32_t bad = IFA_F_TENTATIVE | IFA_F_DADFAILED |
			     IFA_F_DEPRECATED;

	if (a->flags & bad)
		return false;
	if (addr_is_link_local(&a->addr) || addr_is_loopback(&a->addr))
		return false;
	return iface_link_usable(t, iface_link(t, a->ifindex));
}

static bool iface_in(const struct mptcpd_local_addr *v, size_t n,
		     const struct mptcpd_local_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ifindex == a->ifindex &&
		    mptcpd_addr_same_ip(&v[i].addr, &a->addr))
			return true;
	return false;
}

/* Rebuild the usable set and report the difference: removals first, so a
 * strategy sees the loss before any replacement. */
static void iface_recompute(struct iface_table *t)
{
	struct mptcpd_local_addr *old = t->usable, *nv;
	size_t n_old = t->n_usable, n = 0;

	if (t->syncing)
		return;
	nv = calloc(t->n_addrs ? t->n_addrs : 1, sizeof(*nv));
	if (!nv) {
		log_err(LOG_SUB_RTNL, "out of memory tracking addresses");
		return;
	}
	for (size_t i = 0; i < t->n_addrs; i++) {
		if (!iface_addr_usable(t, &t->addrs[i]))
			continue;
		nv[n].addr = t->addrs[i].addr;
		nv[n].ifindex = t->addrs[i].ifindex;
		snprintf(nv[n].ifname, sizeof(nv[n].ifname), "%s",
			 iface_name(t, t->addrs[i].ifindex));
		n++;
	}
	t->usable = nv;
	t->n_usable = n;
	for (size_t i = 0; i < n_old; i++)
		if (!iface_in(nv, n, &old[i]) && t->change)
			t->change(t->arg, &old[i], false);
	for (size_t i = 0; i < n; i++)
		if (!iface_in(old, n_old, &nv[i]) && t->change)
			t->change(t->arg, &nv[i], true);
	free(old);
}

void iface_table_set_config(struct iface_table *t, const struct config *cfg)
{
	t->cfg = cfg;
	iface_recompute(t);
}

static int iface_grow(void **v, size_t n, size_t size)
{
	void *nv = realloc(*v, (n + 1) * size);

	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

static void iface_drop_link_addrs(struct iface_table *t, int ifindex)
{
	for (size_t i = 0; i < t->n_addrs;)
		if (t->addrs[i].ifindex == ifindex)
			t->addrs[i] = t->addrs[--t->n_addrs];
		else
			i++;
}

void iface_on_link(struct iface_table *t, const struct netmon_link *l)
{
	struct iface_link *known = iface_link_find(t, l->ifindex);

	if (l->deleted) {
		if (known) {
			*known = t->links[--t->n_links];
			iface_drop_link_addrs(t, l->ifindex);
		}
	} else if (known) {
		known->link = *l;
		known->stale = false;
	} else if (iface_grow((void **)&t->links, t->n_links,
			      sizeof(*known)) == 0) {
		t->links[t->n_links].link = *l;
		t->links[t->n_links++].stale = false;
	}
	iface_recompute(t);
}

void iface_on_addr(struct iface_table *t, const struct netmon_addr *a)
{
	struct iface_addr *known = NULL;

	for (size_t i = 0; i < t->n_addrs; i++)
		if (t->addrs[i].ifindex == a->ifindex &&
		    mptcpd_addr_same_ip(&t->addrs[i].addr, &a->addr))
			known = &t->addrs[i];
	if (a->deleted) {
		if (known)
			*known = t->addrs[--t->n_addrs];
	} else {
		if (!known) {
			if (iface_grow((void **)&t->addrs, t->n_addrs,
				       sizeof(*known)) < 0)
				return;
			known = &t->addrs[t->n_addrs++];
		}
		known->ifindex = a->ifindex;
		known->addr = a->addr;
		known->addr.port = 0;
		known->flags = a->flags;
		known->stale = false;
	}
	iface_recompute(t);
}

const struct mptcpd_local_addr *iface_usable(const struct iface_table *t,
					     size_t *n)
{
	*n = t->n_usable;
	return t->usable;
}

const struct mptcpd_local_addr *iface_usable_find(const struct iface_table *t,
					const struct mptcpd_addr *addr)
{
	for (size_t i = 0; i < t->n_usable; i++)
		if (mptcpd_addr_same_ip(&t->usable[i].addr, addr))
			return &t->usable[i];
	return NULL;
}

void iface_sync_begin(struct iface_table *t)
{
	for (size_t i = 0; i < t->n_links; i++)
		t->links[i].stale = true;
	for (size_t i = 0; i < t->n_addrs; i++)
		t->addrs[i].stale = true;
	t->syncing = true;
}

void iface_sync_end(struct iface_table *t)
{
	for (size_t i = 0; i < t->n_links;)
		if (t->links[i].stale)
			t->links[i] = t->links[--t->n_links];
		else
			i++;
	for (size_t i = 0; i < t->n_addrs;)
		if (t->addrs[i].stale)
			t->addrs[i] = t->addrs[--t->n_addrs];
		else
			i++;
	t->syncing = false;
	iface_recompute(t);
}
