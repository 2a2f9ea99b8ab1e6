/* SPDX-License-Identifier: BSD-3-Clause */
/* Which local addresses are usable, the change reports, and how an
 * interface's class comes from detection, settings and run-time values. */
#include <check.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "iface.h"

struct changes {
	int added, removed;
	char last[ADDR_STRLEN];
};

static void on_change(void *arg, const struct mptcpd_local_addr *a, bool usable)
{
	struct changes *c = arg;

	if (usable)
		c->added++;
	else
		c->removed++;
	addr_str(&a->addr, c->last, sizeof(c->last));
}

static void link_set_as(struct iface_table *t, int ifindex, const char *name,
			enum mptcpd_iface_type detected,
			const struct iface_settings *s)
{
	struct iface_link_update l = { .ifindex = ifindex,
				       .flags = IFF_UP | IFF_RUNNING,
				       .detected = detected };

	snprintf(l.name, sizeof(l.name), "%s", name);
	iface_on_link(t, &l, s);
}

static void link_set(struct iface_table *t, int ifindex, const char *name,
		     unsigned int flags)
{
	struct iface_link_update l = { .ifindex = ifindex, .flags = flags,
				       .detected = MPTCPD_IFACE_ETHERNET };

	snprintf(l.name, sizeof(l.name), "%s", name);
	iface_on_link(t, &l, &IFACE_SETTINGS_DEFAULT);
}

static void addr_set(struct iface_table *t, int ifindex, const char *text,
		     uint32_t flags, bool deleted)
{
	struct iface_addr_update a = { .ifindex = ifindex, .flags = flags,
				 .deleted = deleted };

	a.addr = fx_addr(text, 0);
	iface_on_addr(t, &a);
}

#define UPRUN (IFF_UP | IFF_RUNNING)

START_TEST(test_usable_rules)
{
	struct changes ch = { 0 };
	struct iface_table *t = iface_table_new(on_change, &ch);
	size_t n;

	link_set(t, 1, "lo", UPRUN | IFF_LOOPBACK);
	link_set(t, 2, "eth0", UPRUN);
	link_set(t, 3, "eth1", IFF_UP);		/* no carrier */
	addr_set(t, 1, "127.0.0.1", 0, false);
	addr_set(t, 2, "192.0.2.2", 0, false);
	addr_set(t, 2, "169.254.1.1", 0, false);
	addr_set(t, 2, "fe80::1", 0, false);
	addr_set(t, 2, "2001:db8:1::2", IFA_F_TENTATIVE, false);
	addr_set(t, 2, "2001:db8:1::3", IFA_F_DEPRECATED, false);
	addr_set(t, 2, "2001:db8:1::4", IFA_F_DADFAILED, false);
	addr_set(t, 3, "198.51.100.2", 0, false);
	iface_usable(t, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ch.added, 1);
	ck_assert_str_eq(ch.last, "192.0.2.2");
	ck_assert_str_eq(iface_name(t, 2), "eth0");
	/* DAD completes: the same address without the tentative flag */
	addr_set(t, 2, "2001:db8:1::2", 0, false);
	ck_assert_uint_eq(ch.added, 2);
	/* carrier comes */
	link_set(t, 3, "eth1", UPRUN);
	ck_assert_uint_eq(ch.added, 3);
	ck_assert_ptr_null(iface_usable_find(t, &(struct mptcpd_addr){0}));
	{
		struct mptcpd_addr e1 = fx_addr("198.51.100.2", 0);

		ck_assert_int_eq(iface_usable_find(t, &e1)->ifindex, 3);
	}
	iface_table_free(t);
}
END_TEST

START_TEST(test_losses)
{
	struct changes ch = { 0 };
	struct iface_table *t = iface_table_new(on_change, &ch);
	struct iface_link_update gone = { .ifindex = 3, .deleted = true };
	size_t n;

	link_set(t, 2, "eth0", UPRUN);
	link_set(t, 3, "eth1", UPRUN);
	addr_set(t, 2, "192.0.2.2", 0, false);
	addr_set(t, 3, "198.51.100.2", 0, false);
	addr_set(t, 2, "192.0.2.2", 0, true);
	ck_assert_int_eq(ch.removed, 1);
	ck_assert_str_eq(ch.last, "192.0.2.2");
	gone.detected = MPTCPD_IFACE_OTHER;
	iface_on_link(t, &gone, &IFACE_SETTINGS_DEFAULT);
	ck_assert_int_eq(ch.removed, 2);
	iface_usable(t, &n);
	ck_assert_uint_eq(n, 0);
	iface_table_free(t);
}
END_TEST

START_TEST(test_settings_exclude)
{
	struct changes ch = { 0 };
	struct iface_settings no = { .allowed = false };
	struct iface_table *t = iface_table_new(on_change, &ch);
	struct iface_info info;
	size_t n;

	link_set_as(t, 2, "veth0", MPTCPD_IFACE_ETHERNET, &no);
	link_set(t, 3, "wlan0", UPRUN);
	addr_set(t, 2, "192.0.2.2", 0, false);
	addr_set(t, 3, "198.51.100.2", 0, false);
	iface_usable(t, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(iface_usable(t, &n)[0].ifname, "wlan0");
	ck_assert(iface_info_by_name(t, "veth0", &info));
	ck_assert(info.excluded);
	ck_assert(iface_info_by_name(t, "wlan0", &info));
	ck_assert(!info.excluded);
	iface_table_free(t);
}
END_TEST

/* Detection, then settings, then run-time values; a cellular link is
 * metered unless something says otherwise. */
START_TEST(test_class_sources)
{
	struct iface_settings cfg = { .allowed = true, .has_type = true,
				      .type = MPTCPD_IFACE_WIFI,
				      .has_metered = true,
				      .metered = MPTCPD_METERED_NO };
	struct iface_table *t = iface_table_new(NULL, NULL);
	enum mptcpd_iface_type eth = MPTCPD_IFACE_ETHERNET;
	enum mptcpd_iface_type cell = MPTCPD_IFACE_CELLULAR;
	struct iface_info info;

	link_set_as(t, 2, "wwan0", MPTCPD_IFACE_CELLULAR, &IFACE_SETTINGS_DEFAULT);
	ck_assert(iface_info_by_name(t, "wwan0", &info));
	ck_assert_int_eq(info.cls.type, MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(info.cls.type_source, IFACE_SOURCE_AUTO);
	ck_assert_int_eq(info.cls.metered, MPTCPD_METERED_YES);
	ck_assert_int_eq(info.cls.metered_source, IFACE_SOURCE_AUTO);
	link_set_as(t, 2, "wwan0", MPTCPD_IFACE_CELLULAR, &cfg);
	ck_assert(iface_info_by_name(t, "wwan0", &info));
	ck_assert_int_eq(info.cls.type, MPTCPD_IFACE_WIFI);
	ck_assert_int_eq(info.cls.type_source, IFACE_SOURCE_CONFIG);
	ck_assert_int_eq(info.cls.metered, MPTCPD_METERED_NO);
	ck_assert_int_eq(info.cls.metered_source, IFACE_SOURCE_CONFIG);
	ck_assert_int_eq(iface_set_runtime(t, "wwan0", &eth, NULL), 0);
	ck_assert(iface_info_by_name(t, "wwan0", &info));
	ck_assert_int_eq(info.cls.type, MPTCPD_IFACE_ETHERNET);
	ck_assert_int_eq(info.cls.type_source, IFACE_SOURCE_RUNTIME);
	ck_assert_int_eq(info.cls.metered_source, IFACE_SOURCE_CONFIG);
	/* The default follows the type whatever set it. */
	link_set_as(t, 3, "eth0", MPTCPD_IFACE_ETHERNET, &IFACE_SETTINGS_DEFAULT);
	ck_assert_int_eq(iface_set_runtime(t, "eth0", &cell, NULL), 0);
	ck_assert(iface_info_by_name(t, "eth0", &info));
	ck_assert_int_eq(info.cls.metered, MPTCPD_METERED_YES);
	ck_assert_int_eq(info.cls.metered_source, IFACE_SOURCE_AUTO);
	ck_assert_int_eq(iface_set_runtime(t, "eth9", &cell, NULL), -ENODEV);
	iface_table_free(t);
}
END_TEST

/* What the strategies see: unknown counts as the settings say. */
START_TEST(test_unknown_metered)
{
	struct iface_settings yes = { .allowed = true, .unknown_metered = true };
	struct iface_table *t = iface_table_new(NULL, NULL);
	struct mptcpd_addr a2 = fx_addr("192.0.2.2", 0);
	struct mptcpd_addr a3 = fx_addr("198.51.100.2", 0);

	link_set_as(t, 2, "wlan0", MPTCPD_IFACE_WIFI, &IFACE_SETTINGS_DEFAULT);
	link_set_as(t, 3, "wlan1", MPTCPD_IFACE_WIFI, &yes);
	addr_set(t, 2, "192.0.2.2", 0, false);
	addr_set(t, 3, "198.51.100.2", 0, false);
	ck_assert(!iface_usable_find(t, &a2)->metered);
	ck_assert(iface_usable_find(t, &a3)->metered);
	ck_assert_int_eq(iface_usable_find(t, &a3)->type, MPTCPD_IFACE_WIFI);
	iface_table_free(t);
}
END_TEST

/* A reload: eth1 excluded now, eth0 configured as cellular. */
static void reload_settings(void *arg, const char *ifname,
			    struct iface_settings *out)
{
	int *calls = arg;

	(*calls)++;
	*out = IFACE_SETTINGS_DEFAULT;
	out->allowed = strcmp(ifname, "eth1") != 0;
	out->has_type = strcmp(ifname, "eth0") == 0;
	out->type = MPTCPD_IFACE_CELLULAR;
}

START_TEST(test_reconfigure)
{
	struct changes ch = { 0 };
	struct iface_table *t = iface_table_new(on_change, &ch);
	struct mptcpd_addr a2 = fx_addr("192.0.2.2", 0);
	int calls = 0;
	size_t n;

	link_set(t, 2, "eth0", UPRUN);
	link_set(t, 3, "eth1", UPRUN);
	addr_set(t, 2, "192.0.2.2", 0, false);
	addr_set(t, 3, "198.51.100.2", 0, false);
	ch.added = 0;
	iface_reconfigure(t, reload_settings, &calls);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(ch.removed, 1);	/* eth1's address */
	ck_assert_int_eq(ch.added, 1);		/* eth0's, with its new class */
	ck_assert_str_eq(ch.last, "192.0.2.2");
	iface_usable(t, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(iface_usable_find(t, &a2)->type, MPTCPD_IFACE_CELLULAR);
	ck_assert(iface_usable_find(t, &a2)->metered);
	iface_table_free(t);
}
END_TEST

START_TEST(test_resync_drops_unseen)
{
	struct changes ch = { 0 };
	struct iface_table *t = iface_table_new(on_change, &ch);

	link_set(t, 2, "eth0", UPRUN);
	link_set(t, 3, "eth1", UPRUN);
	addr_set(t, 2, "192.0.2.2", 0, false);
	addr_set(t, 3, "198.51.100.2", 0, false);
	ch.added = 0;
	iface_sync_begin(t);
	link_set(t, 2, "eth0", UPRUN);
	link_set(t, 3, "eth1", UPRUN);
	addr_set(t, 2, "192.0.2.2", 0, false);	/* 198.51.100.2 vanished */
	ck_assert_int_eq(ch.removed, 0);	/* nothing reported mid-dump */
	iface_sync_end(t);
	ck_assert_int_eq(ch.removed, 1);
	ck_assert_int_eq(ch.added, 0);
	ck_assert_str_eq(ch.last, "198.51.100.2");
	iface_table_free(t);
}
END_TEST

static void route_set(struct iface_table *t, int ifindex, const char *dst,
		      uint8_t len, bool deleted)
{
	struct iface_route_update r = { .ifindex = ifindex, .dst_len = len,
				  .deleted = deleted };

	r.dst = fx_addr(dst, 0);
	r.family = r.dst.family;
	iface_on_route(t, &r, 100);
}

START_TEST(test_routable)
{
	struct changes ch = { 0 };
	struct iface_table *t = iface_table_new(on_change, &ch);
	struct mptcpd_addr srv = fx_addr("203.0.113.2", 0);
	struct mptcpd_addr srv6 = fx_addr("2001:db8:3::2", 0);

	link_set(t, 3, "eth1", UPRUN);
	addr_set(t, 3, "198.51.100.2", 0, false);
	addr_set(t, 3, "2001:db8:2::2", 0, false);
	ck_assert(!iface_routable(t, 3, &srv));
	route_set(t, 3, "198.51.100.0", 24, false);
	ck_assert(!iface_routable(t, 3, &srv));
	route_set(t, 3, "203.0.113.0", 25, false);
	ck_assert(iface_routable(t, 3, &srv));
	ck_assert(!iface_routable(t, 2, &srv));		/* another interface */
	route_set(t, 3, "203.0.113.0", 25, true);
	route_set(t, 3, "203.0.113.0", 31, false);	/* .0 and .1 only */
	ck_assert(!iface_routable(t, 3, &srv));
	route_set(t, 3, "0.0.0.0", 0, false);
	ck_assert(iface_routable(t, 3, &srv));
	ck_assert(!iface_routable(t, 3, &srv6));	/* families apart */
	route_set(t, 3, "2001:db8::", 32, false);
	ck_assert(iface_routable(t, 3, &srv6));
	ck_assert_uint_eq(iface_route_ms(t, 3), 100);
	/* the last IPv4 address goes: the kernel flushes IPv4 routes */
	addr_set(t, 3, "198.51.100.2", 0, true);
	ck_assert(!iface_routable(t, 3, &srv));
	ck_assert(iface_routable(t, 3, &srv6));
	/* the link goes down: everything through it goes */
	link_set(t, 3, "eth1", 0);
	ck_assert(!iface_routable(t, 3, &srv6));
	iface_table_free(t);
}
END_TEST

START_TEST(test_route_rereports_usable_addresses)
{
	struct changes ch = { 0 };
	struct iface_table *t = iface_table_new(on_change, &ch);

	link_set(t, 3, "eth1", UPRUN);
	addr_set(t, 3, "198.51.100.2", 0, false);
	ch.added = 0;
	route_set(t, 3, "0.0.0.0", 0, false);
	ck_assert_int_eq(ch.added, 1);
	route_set(t, 3, "2001:db8::", 32, false);	/* no IPv6 address */
	ck_assert_int_eq(ch.added, 1);
	route_set(t, 3, "0.0.0.0", 0, true);		/* losses say nothing */
	ck_assert_int_eq(ch.added, 1);
	ck_assert_int_eq(ch.removed, 0);
	iface_table_free(t);
}
END_TEST

/* What the peer filter and the local-connection check ask: our own
 * addresses (any interface, loopback too) and our connected subnets. */
START_TEST(test_local_and_connected)
{
	struct iface_table *t = iface_table_new(NULL, NULL);
	struct iface_addr_update a = { .ifindex = 2, .prefixlen = 24 };
	struct iface_addr_update host = { .ifindex = 3, .prefixlen = 32 };
	struct mptcpd_addr x, net;
	unsigned int plen = 0;

	link_set(t, 1, "lo", IFF_UP | IFF_RUNNING | IFF_LOOPBACK);
	link_set(t, 2, "eth0", UPRUN);
	link_set(t, 3, "wg0", UPRUN);
	a.addr = fx_addr("192.0.2.2", 0);
	iface_on_addr(t, &a);
	host.addr = fx_addr("198.51.100.9", 0);
	iface_on_addr(t, &host);

	x = fx_addr("192.0.2.2", 443);
	ck_assert(iface_is_local(t, &x));
	x = fx_addr("127.0.0.1", 0);
	ck_assert(iface_is_local(t, &x));
	x = fx_addr("::1", 0);
	ck_assert(iface_is_local(t, &x));
	x = fx_addr("198.51.100.9", 0);
	ck_assert(iface_is_local(t, &x));
	x = fx_addr("192.0.2.3", 0);
	ck_assert(!iface_is_local(t, &x));

	ck_assert(iface_connected_prefix(t, &x, &net, &plen));
	ck_assert_uint_eq(plen, 24);
	x = fx_addr("198.51.100.10", 0);	/* a /32 has no neighbours */
	ck_assert(!iface_connected_prefix(t, &x, &net, &plen));
	x = fx_addr("203.0.113.1", 0);
	ck_assert(!iface_connected_prefix(t, &x, &net, &plen));
	a.deleted = true;
	iface_on_addr(t, &a);
	x = fx_addr("192.0.2.3", 0);
	ck_assert(!iface_connected_prefix(t, &x, &net, &plen));
	iface_table_free(t);
}
END_TEST

static Suite *iface_suite(void)
{
	Suite *s = suite_create("iface");
	TCase *tc = tcase_create("usable");

	tcase_add_test(tc, test_usable_rules);
	tcase_add_test(tc, test_losses);
	tcase_add_test(tc, test_settings_exclude);
	tcase_add_test(tc, test_class_sources);
	tcase_add_test(tc, test_unknown_metered);
	tcase_add_test(tc, test_reconfigure);
	tcase_add_test(tc, test_resync_drops_unseen);
	tcase_add_test(tc, test_routable);
	tcase_add_test(tc, test_route_rereports_usable_addresses);
	tcase_add_test(tc, test_local_and_connected);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(iface_suite)
