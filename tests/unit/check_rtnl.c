/* SPDX-License-Identifier: BSD-3-Clause */
/* The rtnetlink decoders: crafted link, address and route messages, laid
 * out as the kernel sends them, decoded to the right fields (IPv4 and
 * IPv6), and broken ones (truncated, wrong family or type, attributes
 * missing, too short or too long) rejected.  Every message sits at the
 * end of its buffer in the truncation tests, so that a read past the
 * length it was given would leave the buffer (and ASan notices). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "fixture.h"
#include "rtnl.h"

struct msg {
	char b[512] __attribute__((aligned(8)));
	size_t len;
};

static struct nlmsghdr *hdr(struct msg *m)
{
	return (struct nlmsghdr *)m->b;
}

/* A message of this type whose fixed header (ifinfomsg, ifaddrmsg or
 * rtmsg) is fixed. */
static void start(struct msg *m, uint16_t type, const void *fixed,
		  size_t len)
{
	memset(m, 0, sizeof(*m));
	hdr(m)->nlmsg_type = type;
	memcpy(m->b + NLMSG_HDRLEN, fixed, len);
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(len);
	hdr(m)->nlmsg_len = (uint32_t)m->len;
}

static void put_attr(struct msg *m, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len),
			    .nla_type = type };

	ck_assert_uint_le(m->len + NLA_ALIGN(NLA_HDRLEN + len), sizeof(m->b));
	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	hdr(m)->nlmsg_len = (uint32_t)m->len;
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_ip(struct msg *m, uint16_t type, int family, const char *text)
{
	unsigned char a[16];

	ck_assert_int_eq(inet_pton(family, text, a), 1);
	put_attr(m, type, a, family == AF_INET ? 4 : 16);
}

/* The first len bytes of m in a heap block of exactly len bytes. */
static struct nlmsghdr *exact_copy(const struct msg *m, size_t len)
{
	void *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, m->b, len);
	return p;
}

/* The address, with port 0. */
static void assert_ip(const struct mptcpd_addr *got, const char *text)
{
	struct mptcpd_addr want = fx_addr(text, 0);

	ck_assert_int_eq(got->family, want.family);
	ck_assert_msg(mptcpd_addr_same_ip(got, &want), "not %s", text);
	ck_assert_uint_eq(got->port, 0);
}

/* ---- links ---- */

static void link_msg(struct msg *m, uint16_t type, int ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC, .ifi_type = ARPHRD_ETHER,
		.ifi_index = ifindex, .ifi_flags = IFF_UP | IFF_RUNNING,
	};

	start(m, type, &ifi, sizeof(ifi));
}

START_TEST(test_link_new)
{
	struct rtnl_link_update l;
	struct msg m;

	link_msg(&m, RTM_NEWLINK, 3);
	put_attr(&m, IFLA_MTU, "\xdc\x05\0\0", 4);
	put_attr(&m, IFLA_IFNAME, "eth0", 5);
	ck_assert_int_eq(rtnl_parse_link(hdr(&m), m.len, &l), 0);
	ck_assert_int_eq(l.ifindex, 3);
	ck_assert_str_eq(l.name, "eth0");
	ck_assert_uint_eq(l.flags, IFF_UP | IFF_RUNNING);
	ck_assert_uint_eq(l.arphrd, ARPHRD_ETHER);
	ck_assert(!l.deleted);
}
END_TEST

START_TEST(test_link_del_without_name)
{
	struct rtnl_link_update l;
	struct msg m;

	link_msg(&m, RTM_DELLINK, 9);
	ck_assert_int_eq(rtnl_parse_link(hdr(&m), m.len, &l), 0);
	ck_assert_int_eq(l.ifindex, 9);
	ck_assert_str_eq(l.name, "");
	ck_assert(l.deleted);
}
END_TEST

START_TEST(test_link_rejected)
{
	struct rtnl_link_update l;
	struct msg m;

	/* No interface index. */
	link_msg(&m, RTM_NEWLINK, 0);
	ck_assert_int_eq(rtnl_parse_link(hdr(&m), m.len, &l), -EINVAL);
	/* Not a link message. */
	link_msg(&m, RTM_NEWADDR, 3);
	ck_assert_int_eq(rtnl_parse_link(hdr(&m), m.len, &l), -EINVAL);
	/* A name without its NUL. */
	link_msg(&m, RTM_NEWLINK, 3);
	put_attr(&m, IFLA_IFNAME, "eth0", 4);
	ck_assert_int_eq(rtnl_parse_link(hdr(&m), m.len, &l), -EINVAL);
	/* A name longer than IFNAMSIZ. */
	link_msg(&m, RTM_NEWLINK, 3);
	put_attr(&m, IFLA_IFNAME, "a-name-far-too-long", 20);
	ck_assert_int_eq(rtnl_parse_link(hdr(&m), m.len, &l), -EINVAL);
}
END_TEST

/* Lengths that do not hold the message: the header alone, a header that
 * claims more than the buffer, a message shorter than its ifinfomsg. */
START_TEST(test_link_truncated)
{
	struct rtnl_link_update l;
	struct nlmsghdr *nlh;
	struct msg m;

	link_msg(&m, RTM_NEWLINK, 3);
	put_attr(&m, IFLA_IFNAME, "eth0", 5);
	nlh = exact_copy(&m, m.len - 4);
	ck_assert_int_eq(rtnl_parse_link(nlh, m.len - 4, &l), -EINVAL);
	free(nlh);
	nlh = exact_copy(&m, NLMSG_HDRLEN - 1);
	ck_assert_int_eq(rtnl_parse_link(nlh, NLMSG_HDRLEN - 1, &l), -EINVAL);
	free(nlh);
	hdr(&m)->nlmsg_len = NLMSG_HDRLEN + 8;
	nlh = exact_copy(&m, NLMSG_HDRLEN + 8);
	ck_assert_int_eq(rtnl_parse_link(nlh, NLMSG_HDRLEN + 8, &l), -EINVAL);
	free(nlh);
}
END_TEST

/* An attribute that runs past nlmsg_len is not read: the message ends
 * where nlmsg_len says, whatever follows in the buffer. */
START_TEST(test_link_attr_past_end)
{
	struct rtnl_link_update l;
	struct nlmsghdr *nlh;
	struct msg m;
	size_t cut;

	link_msg(&m, RTM_NEWLINK, 3);
	cut = m.len + NLA_HDRLEN + 2;
	put_attr(&m, IFLA_IFNAME, "eth0", 5);
	hdr(&m)->nlmsg_len = (uint32_t)cut;
	nlh = exact_copy(&m, cut);
	ck_assert_int_eq(rtnl_parse_link(nlh, cut, &l), 0);
	ck_assert_str_eq(l.name, "");
	free(nlh);
}
END_TEST

/* ---- addresses ---- */

static void addr_msg(struct msg *m, uint16_t type, uint8_t family,
		     uint8_t prefixlen, uint8_t flags)
{
	struct ifaddrmsg ifa = {
		.ifa_family = family, .ifa_prefixlen = prefixlen,
		.ifa_flags = flags, .ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = 4,
	};

	start(m, type, &ifa, sizeof(ifa));
}

START_TEST(test_addr_v4)
{
	struct rtnl_addr_update a;
	struct msg m;

	addr_msg(&m, RTM_NEWADDR, AF_INET, 24, IFA_F_PERMANENT);
	put_ip(&m, IFA_ADDRESS, AF_INET, "192.0.2.1");
	put_ip(&m, IFA_LOCAL, AF_INET, "192.0.2.1");
	put_attr(&m, IFA_LABEL, "eth0", 5);
	put_u32(&m, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), 0);
	ck_assert_int_eq(a.ifindex, 4);
	assert_ip(&a.addr, "192.0.2.1");
	ck_assert_uint_eq(a.prefixlen, 24);
	ck_assert_uint_eq(a.scope, RT_SCOPE_UNIVERSE);
	/* The 32-bit IFA_FLAGS wins over the 8-bit ifa_flags. */
	ck_assert_uint_eq(a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	ck_assert(!a.deleted);
}
END_TEST

/* Point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL our address. */
START_TEST(test_addr_v4_peer)
{
	struct rtnl_addr_update a;
	struct msg m;

	addr_msg(&m, RTM_NEWADDR, AF_INET, 32, 0);
	put_ip(&m, IFA_ADDRESS, AF_INET, "10.0.0.2");
	put_ip(&m, IFA_LOCAL, AF_INET, "10.0.0.1");
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), 0);
	assert_ip(&a.addr, "10.0.0.1");
}
END_TEST

/* IPv6 carries IFA_ADDRESS only; without IFA_FLAGS the 8-bit flags. */
START_TEST(test_addr_v6_del)
{
	struct rtnl_addr_update a;
	struct msg m;

	addr_msg(&m, RTM_DELADDR, AF_INET6, 64, IFA_F_TENTATIVE);
	put_ip(&m, IFA_ADDRESS, AF_INET6, "2001:db8::1");
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), 0);
	assert_ip(&a.addr, "2001:db8::1");
	ck_assert_uint_eq(a.prefixlen, 64);
	ck_assert_uint_eq(a.flags, IFA_F_TENTATIVE);
	ck_assert(a.deleted);
}
END_TEST

START_TEST(test_addr_other_family)
{
	struct rtnl_addr_update a;
	struct msg m;

	addr_msg(&m, RTM_NEWADDR, AF_PACKET, 0, 0);
	put_ip(&m, IFA_ADDRESS, AF_INET, "192.0.2.1");
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), 1);
}
END_TEST

START_TEST(test_addr_rejected)
{
	struct rtnl_addr_update a;
	struct msg m;

	/* No address at all. */
	addr_msg(&m, RTM_NEWADDR, AF_INET, 24, 0);
	put_attr(&m, IFA_LABEL, "eth0", 5);
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), -EINVAL);
	/* An IPv6 address in an IPv4 message, and the reverse. */
	addr_msg(&m, RTM_NEWADDR, AF_INET, 24, 0);
	put_ip(&m, IFA_LOCAL, AF_INET6, "2001:db8::1");
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), -EINVAL);
	addr_msg(&m, RTM_NEWADDR, AF_INET6, 64, 0);
	put_ip(&m, IFA_ADDRESS, AF_INET, "192.0.2.1");
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), -EINVAL);
	/* An address one byte too long. */
	addr_msg(&m, RTM_NEWADDR, AF_INET, 24, 0);
	put_attr(&m, IFA_LOCAL, "\xc0\x00\x02\x01\x00", 5);
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), -EINVAL);
	/* IFA_FLAGS too short for its u32. */
	addr_msg(&m, RTM_NEWADDR, AF_INET, 24, 0);
	put_ip(&m, IFA_LOCAL, AF_INET, "192.0.2.1");
	put_attr(&m, IFA_FLAGS, "\x01\x00", 2);
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), -EINVAL);
	/* Not an address message. */
	addr_msg(&m, RTM_NEWROUTE, AF_INET, 24, 0);
	put_ip(&m, IFA_LOCAL, AF_INET, "192.0.2.1");
	ck_assert_int_eq(rtnl_parse_addr(hdr(&m), m.len, &a), -EINVAL);
}
END_TEST

START_TEST(test_addr_truncated)
{
	struct rtnl_addr_update a;
	struct nlmsghdr *nlh;
	struct msg m;
	size_t len;

	addr_msg(&m, RTM_NEWADDR, AF_INET6, 64, 0);
	put_ip(&m, IFA_ADDRESS, AF_INET6, "2001:db8::1");
	/* The buffer ends inside the address. */
	len = m.len - 8;
	nlh = exact_copy(&m, len);
	ck_assert_int_eq(rtnl_parse_addr(nlh, len, &a), -EINVAL);
	free(nlh);
	/* nlmsg_len ends inside the address: the attribute is not read,
	 * so the message has no address. */
	hdr(&m)->nlmsg_len = (uint32_t)len;
	nlh = exact_copy(&m, len);
	ck_assert_int_eq(rtnl_parse_addr(nlh, len, &a), -EINVAL);
	free(nlh);
	/* Shorter than its ifaddrmsg. */
	hdr(&m)->nlmsg_len = NLMSG_HDRLEN + 4;
	nlh = exact_copy(&m, NLMSG_HDRLEN + 4);
	ck_assert_int_eq(rtnl_parse_addr(nlh, NLMSG_HDRLEN + 4, &a), -EINVAL);
	free(nlh);
}
END_TEST

/* ---- routes ---- */

static void route_msg(struct msg *m, uint16_t type, uint8_t family,
		      uint8_t dst_len, uint8_t rtm_type)
{
	struct rtmsg rtm = {
		.rtm_family = family, .rtm_dst_len = dst_len,
		.rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = rtm_type,
	};

	start(m, type, &rtm, sizeof(rtm));
}

START_TEST(test_route_v4_default)
{
	struct rtnl_route_update r;
	struct msg m;

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST);
	put_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	put_ip(&m, RTA_GATEWAY, AF_INET, "192.0.2.254");
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), 0);
	ck_assert_int_eq(r.ifindex, 2);
	ck_assert_uint_eq(r.family, AF_INET);
	assert_ip(&r.dst, "0.0.0.0");
	ck_assert_uint_eq(r.dst_len, 0);
	ck_assert(!r.deleted);
}
END_TEST

/* The table is RTA_TABLE when present (rtm_table holds only 8 bits). */
START_TEST(test_route_v6_prefix_del)
{
	struct rtnl_route_update r;
	struct msg m;

	route_msg(&m, RTM_DELROUTE, AF_INET6, 32, RTN_UNICAST);
	((struct rtmsg *)NLMSG_DATA(hdr(&m)))->rtm_table = RT_TABLE_UNSPEC;
	put_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
	put_ip(&m, RTA_DST, AF_INET6, "2001:db8::");
	put_u32(&m, RTA_OIF, 5);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), 0);
	ck_assert_int_eq(r.ifindex, 5);
	ck_assert_uint_eq(r.family, AF_INET6);
	assert_ip(&r.dst, "2001:db8::");
	ck_assert_uint_eq(r.dst_len, 32);
	ck_assert(r.deleted);
}
END_TEST

/* Not ours: another family, another route type, another table, no
 * single output device. */
START_TEST(test_route_ignored)
{
	struct rtnl_route_update r;
	struct msg m;

	route_msg(&m, RTM_NEWROUTE, AF_BRIDGE, 0, RTN_UNICAST);
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), 1);
	route_msg(&m, RTM_NEWROUTE, AF_INET, 32, RTN_LOCAL);
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), 1);
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST);
	put_u32(&m, RTA_TABLE, 100);
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), 1);
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), 1);
}
END_TEST

START_TEST(test_route_rejected)
{
	struct rtnl_route_update r;
	struct msg m;

	/* A prefix length but no destination. */
	route_msg(&m, RTM_NEWROUTE, AF_INET, 24, RTN_UNICAST);
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), -EINVAL);
	/* An IPv6 destination in an IPv4 route. */
	route_msg(&m, RTM_NEWROUTE, AF_INET, 24, RTN_UNICAST);
	put_ip(&m, RTA_DST, AF_INET6, "2001:db8::");
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), -EINVAL);
	/* RTA_OIF too short for its u32. */
	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST);
	put_attr(&m, RTA_OIF, "\x02\x00", 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), -EINVAL);
	/* Not a route message. */
	route_msg(&m, RTM_NEWLINK, AF_INET, 0, RTN_UNICAST);
	put_u32(&m, RTA_OIF, 2);
	ck_assert_int_eq(rtnl_parse_route(hdr(&m), m.len, &r), -EINVAL);
}
END_TEST

START_TEST(test_route_truncated)
{
	struct rtnl_route_update r;
	struct nlmsghdr *nlh;
	struct msg m;
	size_t len;

	route_msg(&m, RTM_NEWROUTE, AF_INET, 0, RTN_UNICAST);
	put_u32(&m, RTA_OIF, 2);
	len = m.len - 2;
	nlh = exact_copy(&m, len);
	ck_assert_int_eq(rtnl_parse_route(nlh, len, &r), -EINVAL);
	free(nlh);
	hdr(&m)->nlmsg_len = NLMSG_HDRLEN + 8;
	nlh = exact_copy(&m, NLMSG_HDRLEN + 8);
	ck_assert_int_eq(rtnl_parse_route(nlh, NLMSG_HDRLEN + 8, &r), -EINVAL);
	free(nlh);
}
END_TEST

static Suite *rtnl_suite(void)
{
	Suite *s = suite_create("rtnl");
	TCase *link = tcase_create("link");
	TCase *addr = tcase_create("addr");
	TCase *route = tcase_create("route");

	tcase_add_test(link, test_link_new);
	tcase_add_test(link, test_link_del_without_name);
	tcase_add_test(link, test_link_rejected);
	tcase_add_test(link, test_link_truncated);
	tcase_add_test(link, test_link_attr_past_end);
	tcase_add_test(addr, test_addr_v4);
	tcase_add_test(addr, test_addr_v4_peer);
	tcase_add_test(addr, test_addr_v6_del);
	tcase_add_test(addr, test_addr_other_family);
	tcase_add_test(addr, test_addr_rejected);
	tcase_add_test(addr, test_addr_truncated);
	tcase_add_test(route, test_route_v4_default);
	tcase_add_test(route, test_route_v6_prefix_del);
	tcase_add_test(route, test_route_ignored);
	tcase_add_test(route, test_route_rejected);
	tcase_add_test(route, test_route_truncated);
	suite_add_tcase(s, link);
	suite_add_tcase(s, addr);
	suite_add_tcase(s, route);
	return s;
}

FX_RUN(rtnl_suite)
