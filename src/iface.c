/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "iface.h"
#include "log.h"

struct iface_addr {
	int ifindex;
	struct mptcpd_addr addr;
	uint8_t prefixlen;
	uint32_t flags;		/* IFA_F_* */
	bool stale;		/* not seen in the current re-dump yet */
};

struct iface_link {
	struct iface_link_update link;
	struct iface_settings settings;	/* from the configuration */
	bool stale;
	uint64_t route_ms;	/* last new route through it */
	bool has_rt_type, has_rt_metered;	/* run-time overrides */
	enum mptcpd_iface_type rt_type;
	enum mptcpd_metered rt_metered;
	bool rt_excluded;		/* mptcpd-ctl interface DEV exclude */
	/* The last peer a join through it waited for a route to (AF_UNSPEC:
	 * none), and since when: what `interfaces` says it waits for. */
	struct mptcpd_addr no_route;
	uint64_t no_route_ms;
};

struct iface_route {
	struct iface_route_update route;
	bool stale;
};

/* A host with a full routing table is not what this is for: past this
 * many routes we stop filtering and let the kernel decide. */
#define IFACE_ROUTES_MAX 4096

struct iface_table {
	iface_change_fn change;
	void *arg;
	struct iface_link *links;
	size_t n_links;
	struct iface_addr *addrs;
	size_t n_addrs;
	struct iface_route *routes;
	size_t n_routes;
	bool routes_overflow;
	struct mptcpd_local_addr *usable;
	size_t n_usable;
	bool syncing;
};

struct iface_table *iface_table_new(iface_change_fn change, void *arg)
{
	struct iface_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
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
	free(t->routes);
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

static struct iface_link *iface_link_by_name(const struct iface_table *t,
					     const char *ifname)
{
	for (size_t i = 0; i < t->n_links; i++)
		if (strcmp(t->links[i].link.name, ifname) == 0)
			return &t->links[i];
	return NULL;
}

const char *iface_name(const struct iface_table *t, int ifindex)
{
	const struct iface_link *l = iface_link_find(t, ifindex);

	return l ? l->link.name : "?";
}

/* Cellular links cost money unless told otherwise; of the rest we cannot
 * tell. */
static enum mptcpd_metered iface_default_metered(enum mptcpd_iface_type type)
{
	return type == MPTCPD_IFACE_CELLULAR ? MPTCPD_METERED_YES :
					       MPTCPD_METERED_UNKNOWN;
}

/* Run time beats configuration beats detection. */
static void iface_resolve(const struct iface_link *l, struct iface_class *c)
{
	const struct iface_settings *s = &l->settings;

	c->type = s->has_type ? s->type : l->link.detected;
	c->type_source = s->has_type ? IFACE_SOURCE_CONFIG : IFACE_SOURCE_AUTO;
	if (l->has_rt_type) {
		c->type = l->rt_type;
		c->type_source = IFACE_SOURCE_RUNTIME;
	}
	c->metered = s->has_metered ? s->metered : iface_default_metered(c->type);
	c->metered_source = s->has_metered ? IFACE_SOURCE_CONFIG :
					     IFACE_SOURCE_AUTO;
	if (l->has_rt_metered) {
		c->metered = l->rt_metered;
		c->metered_source = IFACE_SOURCE_RUNTIME;
	}
}

static bool iface_metered(const struct iface_link *l,
			  const struct iface_class *c)
{
	if (c->metered == MPTCPD_METERED_UNKNOWN)
		return l->settings.unknown_metered;
	return c->metered == MPTCPD_METERED_YES;
}

static bool iface_link_excluded(const struct iface_link *l)
{
	return l->rt_excluded || !l->settings.allowed;
}

static bool iface_link_usable(const struct iface_link *il)
{
	const struct iface_link_update *l = il ? &il->link : NULL;

	if (!l || (l->flags & IFF_LOOPBACK))
		return false;
	if ((l->flags & (IFF_UP | IFF_RUNNING)) != (IFF_UP | IFF_RUNNING))
		return false;
	return !iface_link_excluded(il);
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
	return iface_link_usable(iface_link_find(t, a->ifindex));
}

static const struct mptcpd_local_addr *
iface_in(const struct mptcpd_local_addr *v, size_t n,
	 const struct mptcpd_local_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ifindex == a->ifindex &&
		    mptcpd_addr_same_ip(&v[i].addr, &a->addr))
			return &v[i];
	return NULL;
}

static void iface_fill(const struct iface_table *t, const struct iface_addr *a,
		       struct mptcpd_local_addr *out)
{
	const struct iface_link *l = iface_link_find(t, a->ifindex);
	struct iface_class c;

	out->addr = a->addr;
	out->ifindex = a->ifindex;
	snprintf(out->ifname, sizeof(out->ifname), "%s", l ? l->link.name : "?");
	if (!l)
		return;
	iface_resolve(l, &c);
	out->type = c.type;
	out->metered = iface_metered(l, &c);
}

static void iface_report(struct iface_table *t,
			 const struct mptcpd_local_addr *a, bool usable)
{
	char buf[ADDR_STRLEN];

	log_info(LOG_SUB_RTNL, "address %s dev %s %s",
		 addr_str(&a->addr, buf, sizeof(buf)), a->ifname,
		 usable ? "usable" : "no longer usable");
	if (t->change)
		t->change(t->arg, a, usable);
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
		iface_fill(t, &t->addrs[i], &nv[n++]);
	}
	t->usable = nv;
	t->n_usable = n;
	for (size_t i = 0; i < n_old; i++)
		if (!iface_in(nv, n, &old[i]))
			iface_report(t, &old[i], false);
	/* New addresses, and addresses whose class changed: strategies
	 * decide per class, so both are news. */
	for (size_t i = 0; i < n; i++) {
		const struct mptcpd_local_addr *was = iface_in(old, n_old, &nv[i]);

		if (!was || was->type != nv[i].type ||
		    was->metered != nv[i].metered)
			iface_report(t, &nv[i], true);
	}
	free(old);
}

void iface_reconfigure(struct iface_table *t, iface_settings_fn fn, void *arg)
{
	for (size_t i = 0; i < t->n_links; i++)
		fn(arg, t->links[i].link.name, &t->links[i].settings);
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

/* The kernel flushes IPv4 routes without telling anyone when their link
 * goes down or their interface loses its last address of the family (the
 * gateway is no longer reachable); follow suit, so a stale route does not
 * make a dead path look routable.  family AF_UNSPEC = both. */
static void iface_drop_routes(struct iface_table *t, int ifindex,
			      sa_family_t family)
{
	for (size_t i = 0; i < t->n_routes;) {
		const struct iface_route_update *r = &t->routes[i].route;

		if (r->ifindex == ifindex &&
		    (family == AF_UNSPEC || r->family == family))
			t->routes[i] = t->routes[--t->n_routes];
		else
			i++;
	}
}

static bool iface_has_family(const struct iface_table *t, int ifindex,
			     sa_family_t family)
{
	for (size_t i = 0; i < t->n_addrs; i++)
		if (t->addrs[i].ifindex == ifindex &&
		    t->addrs[i].addr.family == family &&
		    !addr_is_link_local(&t->addrs[i].addr))
			return true;
	return false;
}

static void iface_drop_link_addrs(struct iface_table *t, int ifindex)
{
	for (size_t i = 0; i < t->n_addrs;)
		if (t->addrs[i].ifindex == ifindex)
			t->addrs[i] = t->addrs[--t->n_addrs];
		else
			i++;
	iface_drop_routes(t, ifindex, AF_UNSPEC);
}

void iface_on_link(struct iface_table *t, const struct iface_link_update *l,
		   const struct iface_settings *s)
{
	struct iface_link *known = iface_link_find(t, l->ifindex);

	if (l->deleted) {
		if (known) {
			*known = t->links[--t->n_links];
			iface_drop_link_addrs(t, l->ifindex);
		}
	} else if (known) {
		if ((known->link.flags & IFF_UP) && !(l->flags & IFF_UP))
			iface_drop_routes(t, l->ifindex, AF_UNSPEC);
		known->link = *l;
		known->settings = *s;
		known->stale = false;
	} else if (iface_grow((void **)&t->links, t->n_links,
			      sizeof(*known)) == 0) {
		memset(&t->links[t->n_links], 0, sizeof(t->links[0]));
		t->links[t->n_links].settings = *s;
		t->links[t->n_links++].link = *l;
	}
	iface_recompute(t);
}

int iface_set_runtime(struct iface_table *t, const char *ifname,
		      const enum mptcpd_iface_type *type,
		      const enum mptcpd_metered *metered)
{
	struct iface_link *l = iface_link_by_name(t, ifname);

	if (!l)
		return -ENODEV;
	if (type) {
		l->has_rt_type = true;
		l->rt_type = *type;
	}
	if (metered) {
		l->has_rt_metered = true;
		l->rt_metered = *metered;
	}
	iface_recompute(t);
	return 0;
}

int iface_clear_runtime(struct iface_table *t, const char *ifname,
			bool type, bool metered)
{
	struct iface_link *l = iface_link_by_name(t, ifname);

	if (!l)
		return -ENODEV;
	if (type)
		l->has_rt_type = false;
	if (metered)
		l->has_rt_metered = false;
	iface_recompute(t);
	return 0;
}

void iface_on_addr(struct iface_table *t, const struct iface_addr_update *a)
{
	struct iface_addr *known = NULL;

	for (size_t i = 0; i < t->n_addrs; i++)
		if (t->addrs[i].ifindex == a->ifindex &&
		    mptcpd_addr_same_ip(&t->addrs[i].addr, &a->addr))
			known = &t->addrs[i];
	if (a->deleted) {
		if (known)
			*known = t->addrs[--t->n_addrs];
		if (!iface_has_family(t, a->ifindex, a->addr.family))
			iface_drop_routes(t, a->ifindex, a->addr.family);
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
		known->prefixlen = a->prefixlen;
		known->flags = a->flags;
		known->stale = false;
	}
	iface_recompute(t);
}

bool iface_is_local(const struct iface_table *t, const struct mptcpd_addr *a)
{
	if (addr_is_loopback(a))
		return true;
	for (size_t i = 0; i < t->n_addrs; i++)
		if (mptcpd_addr_same_ip(&t->addrs[i].addr, a))
			return true;
	return false;
}

bool iface_connected_prefix(const struct iface_table *t,
			    const struct mptcpd_addr *a,
			    struct mptcpd_addr *net, unsigned int *plen)
{
	for (size_t i = 0; i < t->n_addrs; i++) {
		const struct iface_addr *k = &t->addrs[i];
		unsigned int host = k->addr.family == AF_INET ? 32 : 128;

		/* A host address (/32, /128) has no neighbours; /0 is no
		 * subnet but an address whose prefix we were not told. */
		if (!k->prefixlen || k->prefixlen >= host ||
		    addr_is_loopback(&k->addr) ||
		    !addr_in_prefix(a, &k->addr, k->prefixlen))
			continue;
		*net = k->addr;
		*plen = k->prefixlen;
		return true;
	}
	return false;
}

static struct iface_route *iface_route_find(const struct iface_table *t,
					    const struct iface_route_update *r)
{
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct iface_route_update *k = &t->routes[i].route;

		if (k->ifindex == r->ifindex && k->dst_len == r->dst_len &&
		    mptcpd_addr_same_ip(&k->dst, &r->dst))
			return &t->routes[i];
	}
	return NULL;
}

static void iface_route_store(struct iface_table *t,
			      const struct iface_route_update *r)
{
	struct iface_route *known = iface_route_find(t, r);

	if (r->deleted) {
		if (known)
			*known = t->routes[--t->n_routes];
		return;
	}
	if (known) {
		known->stale = false;
		return;
	}
	if (t->n_routes >= IFACE_ROUTES_MAX) {
		if (!t->routes_overflow)
			log_notice(LOG_SUB_RTNL, "more than %d routes: not "
				   "checking routes before joining any more",
				   IFACE_ROUTES_MAX);
		t->routes_overflow = true;
		return;
	}
	if (iface_grow((void **)&t->routes, t->n_routes, sizeof(*known)) < 0)
		return;
	t->routes[t->n_routes].route = *r;
	t->routes[t->n_routes++].stale = false;
}

void iface_on_route(struct iface_table *t, const struct iface_route_update *r,
		    uint64_t now_ms)
{
	struct iface_link *l = iface_link_find(t, r->ifindex);

	iface_route_store(t, r);
	if (r->deleted || t->syncing || !t->change)
		return;
	if (l)
		l->route_ms = now_ms;
	for (size_t i = 0; i < t->n_usable; i++)
		if (t->usable[i].ifindex == r->ifindex &&
		    t->usable[i].addr.family == r->family)
			t->change(t->arg, &t->usable[i], true);
}

static bool iface_prefix_match(const struct mptcpd_addr *net, uint8_t len,
			       const struct mptcpd_addr *a)
{
	const uint8_t *x, *y;
	size_t bytes = len / 8;

	if (net->family != a->family)
		return false;
	x = net->family == AF_INET ? (const uint8_t *)&net->u.v4 : net->u.v6.s6_addr;
	y = a->family == AF_INET ? (const uint8_t *)&a->u.v4 : a->u.v6.s6_addr;
	if ((net->family == AF_INET && len > 32) || len > 128)
		return false;
	if (memcmp(x, y, bytes) != 0)
		return false;
	return len % 8 == 0 ||
	       ((x[bytes] ^ y[bytes]) & (uint8_t)(0xff << (8 - len % 8))) == 0;
}

bool iface_routable(const struct iface_table *t, int ifindex,
		    const struct mptcpd_addr *remote)
{
	if (t->routes_overflow)
		return true;
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct iface_route_update *r = &t->routes[i].route;

		if (r->ifindex == ifindex &&
		    iface_prefix_match(&r->dst, r->dst_len, remote))
			return true;
	}
	return false;
}

uint64_t iface_route_ms(const struct iface_table *t, int ifindex)
{
	const struct iface_link *l = iface_link_find(t, ifindex);

	return l ? l->route_ms : 0;
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
	for (size_t i = 0; i < t->n_routes; i++)
		t->routes[i].stale = true;
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
	for (size_t i = 0; i < t->n_routes;)
		if (t->routes[i].stale)
			t->routes[i] = t->routes[--t->n_routes];
		else
			i++;
	t->syncing = false;
	iface_recompute(t);
}

void iface_note_no_route(struct iface_table *t, int ifindex,
			 const struct mptcpd_addr *remote, uint64_t now_ms)
{
	struct iface_link *l = iface_link_find(t, ifindex);

	if (!l || (mptcpd_addr_same_ip(&l->no_route, remote) &&
		   l->no_route_ms))
		return;
	l->no_route = *remote;
	l->no_route.port = 0;
	l->no_route_ms = now_ms;
}

static void iface_info_fill(const struct iface_table *t,
			    const struct iface_link *l, struct iface_info *out)
{
	const unsigned int uprun = IFF_UP | IFF_RUNNING;
	bool waits = l->no_route.family != AF_UNSPEC &&
		     !iface_routable(t, l->link.ifindex, &l->no_route);

	/* Told when asked, not tracked: a route's arrival ends the wait. */
	out->no_route = waits ? l->no_route : (struct mptcpd_addr){ 0 };
	out->no_route_ms = waits ? l->no_route_ms : 0;

	out->ifindex = l->link.ifindex;
	snprintf(out->name, sizeof(out->name), "%s", l->link.name);
	out->up = (l->link.flags & uprun) == uprun;
	out->excluded = iface_link_excluded(l);
	iface_resolve(l, &out->cls);
}

bool iface_info_at(const struct iface_table *t, size_t i,
		   struct iface_info *out)
{
	if (i >= t->n_links)
		return false;
	iface_info_fill(t, &t->links[i], out);
	return true;
}

bool iface_info_by_index(const struct iface_table *t, int ifindex,
			 struct iface_info *out)
{
	const struct iface_link *l = iface_link_find(t, ifindex);

	if (l)
		iface_info_fill(t, l, out);
	return l != NULL;
}

bool iface_info_by_name(const struct iface_table *t, const char *ifname,
			struct iface_info *out)
{
	const struct iface_link *l = iface_link_by_name(t, ifname);

	if (l)
		iface_info_fill(t, l, out);
	return l != NULL;
}

size_t iface_addrs(const struct iface_table *t, int ifindex,
		   struct mptcpd_addr *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_addrs; i++) {
		if (t->addrs[i].ifindex != ifindex)
			continue;
		if (n < max)
			out[n] = t->addrs[i].addr;
		n++;
	}
	return n;
}

int iface_set_runtime_excluded(struct iface_table *t, const char *ifname,
			       bool excluded)
{
	struct iface_link *l = iface_link_by_name(t, ifname);

	if (!l)
		return -ENODEV;
	l->rt_excluded = excluded;
	iface_recompute(t);
	return 0;
}
