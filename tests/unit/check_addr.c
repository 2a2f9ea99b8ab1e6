/* SPDX-License-Identifier: BSD-3-Clause */
/* The address helpers: parsing, text form, comparison, classification,
 * listener matching and the IPv4-mapped form. */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fixture.h"

/* addr_str() of text:port, compared with want. */
static void ck_str(const char *text, uint16_t port, const char *want)
{
	struct mptcpd_addr a = fx_addr(text, port);
	char buf[ADDR_STRLEN];

	ck_assert_ptr_eq(addr_str(&a, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, want);
}

/* ---- parsing --------------------------------------------------------- */

START_TEST(test_parse_families)
{
	struct mptcpd_addr a;

	ck_assert_int_eq(addr_parse("192.0.2.1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_uint_eq(a.port, 0);
	ck_assert_uint_eq(a.u.v4.s_addr, htonl(0xc0000201));
	ck_assert_int_eq(addr_parse("2001:db8::1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.port, 0);
	ck_assert_uint_eq(a.u.v6.s6_addr[0], 0x20);
	ck_assert_uint_eq(a.u.v6.s6_addr[15], 0x01);
	ck_assert_int_eq(addr_parse("::", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(addr_parse("0.0.0.0", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
}
END_TEST

/* Only a bare address: no port, brackets, prefix, blanks or names. */
START_TEST(test_parse_rejects)
{
	static const char *const bad[] = {
		"", " ", "192.0.2", "192.0.2.256", "192.0.2.1:80",
		"192.0.2.1/24", " 192.0.2.1", "192.0.2.1 ", "[2001:db8::1]",
		"[2001:db8::1]:80", "2001:db8::1/64", "2001:db8:::1",
		"fe80::1%eth0", "localhost", "0x7f.1", "-1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mptcpd_addr a;

		memset(&a, 0xa5, sizeof(a));
		ck_assert_msg(addr_parse(bad[i], &a) == -EINVAL,
			      "\"%s\" accepted", bad[i]);
		/* and the output holds no address, not a half-parsed one */
		ck_assert_int_eq(a.family, AF_UNSPEC);
		ck_assert_uint_eq(a.port, 0);
	}
}
END_TEST

/* A dual-stack socket's view of an IPv4 peer is plain IPv4 to us;
 * IPv4-compatible (::a.b.c.d) addresses are not mapped ones. */
START_TEST(test_parse_unmaps_v4)
{
	struct mptcpd_addr a = fx_addr("::ffff:192.0.2.1", 0);
	struct mptcpd_addr b = fx_addr("192.0.2.1", 0);

	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(addr_equal(&a, &b));
	ck_assert_int_eq(fx_addr("::192.0.2.1", 0).family, AF_INET6);
	ck_assert_int_eq(fx_addr("::ffff:0:192.0.2.1", 0).family, AF_INET6);
}
END_TEST

/* ---- text form ------------------------------------------------------- */

START_TEST(test_str_forms)
{
	struct mptcpd_addr none = { .family = AF_UNSPEC };
	char buf[ADDR_STRLEN];

	ck_str("192.0.2.1", 0, "192.0.2.1");
	ck_str("192.0.2.1", 80, "192.0.2.1:80");
	ck_str("2001:db8::1", 0, "2001:db8::1");
	ck_str("2001:db8::1", 443, "[2001:db8::1]:443");
	ck_str("::ffff:192.0.2.1", 65535, "192.0.2.1:65535");
	ck_str("::", 0, "::");
	ck_assert_str_eq(addr_str(&none, buf, sizeof(buf)), "none");
}
END_TEST

/* The longest text form fits ADDR_STRLEN; a short buffer is cut, not
 * overrun, and stays a string. */
START_TEST(test_str_sizes)
{
	struct mptcpd_addr a;
	char buf[ADDR_STRLEN];
	char small[8 + 1];

	a = fx_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	addr_str(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	a = fx_addr("::ffff:255.255.255.255", 65535);
	ck_assert_str_eq(addr_str(&a, buf, sizeof(buf)), "255.255.255.255:65535");
	a = fx_addr("2001:db8::1", 443);
	memset(small, 'x', sizeof(small));
	addr_str(&a, small, sizeof(small) - 1);
	ck_assert_str_eq(small, "[2001:d");
	ck_assert_int_eq(small[8], 'x');
}
END_TEST

START_TEST(test_str_round_trip)
{
	static const char *const text[] = {
		"0.0.0.0", "127.0.0.1", "203.0.113.255", "::", "::1",
		"fe80::1", "2001:db8:3::2", "2001:db8:1:2:3:4:5:6",
	};

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		struct mptcpd_addr a = fx_addr(text[i], 0), b;
		char buf[ADDR_STRLEN];

		ck_assert_int_eq(addr_parse(addr_str(&a, buf, sizeof(buf)), &b), 0);
		ck_assert_str_eq(buf, text[i]);
		ck_assert(addr_equal(&a, &b));
	}
}
END_TEST

/* ---- comparison ------------------------------------------------------ */

START_TEST(test_equal_and_same_ip)
{
	struct mptcpd_addr a = fx_addr("192.0.2.1", 80);
	struct mptcpd_addr b = fx_addr("192.0.2.1", 81);
	struct mptcpd_addr c = fx_addr("192.0.2.2", 80);
	struct mptcpd_addr v6 = fx_addr("2001:db8::1", 80);
	struct mptcpd_addr v6b = fx_addr("2001:db8::1", 80);

	ck_assert(addr_equal(&a, &a));
	ck_assert(!addr_equal(&a, &b));		/* the port counts */
	ck_assert(mptcpd_addr_same_ip(&a, &b));	/* but not here */
	ck_assert(!mptcpd_addr_same_ip(&a, &c));
	ck_assert(!mptcpd_addr_same_ip(&a, &v6));
	ck_assert(addr_equal(&v6, &v6b));
	v6b.u.v6.s6_addr[15] ^= 1;
	ck_assert(!addr_equal(&v6, &v6b));
}
END_TEST

/* "No address" matches nothing, itself included, whatever the union
 * holds: an unset field never looks like a known subflow. */
START_TEST(test_unspec_matches_nothing)
{
	struct mptcpd_addr none = { .family = AF_UNSPEC };
	struct mptcpd_addr zero4 = fx_addr("0.0.0.0", 0);

	ck_assert(!addr_equal(&none, &none));
	ck_assert(!mptcpd_addr_same_ip(&none, &none));
	ck_assert(!mptcpd_addr_same_ip(&none, &zero4));
	ck_assert(!mptcpd_addr_same_ip(&zero4, &none));
}
END_TEST

/* The mapped form differs from plain IPv4 until unmapped; unmapping keeps
 * the port and leaves every other address alone. */
START_TEST(test_unmap_v4)
{
	struct mptcpd_addr plain = fx_addr("192.0.2.1", 80);
	struct mptcpd_addr mapped = { .family = AF_INET6, .port = 80 };
	struct mptcpd_addr v6 = fx_addr("2001:db8::1", 80), v6copy = v6;
	struct mptcpd_addr none = { .family = AF_UNSPEC };

	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.1", &mapped.u.v6), 1);
	ck_assert(!addr_equal(&plain, &mapped));
	addr_unmap_v4(&mapped);
	ck_assert_int_eq(mapped.family, AF_INET);
	ck_assert_uint_eq(mapped.port, 80);
	ck_assert(addr_equal(&plain, &mapped));
	addr_unmap_v4(&mapped);			/* twice is once */
	ck_assert(addr_equal(&plain, &mapped));
	addr_unmap_v4(&v6);
	ck_assert(memcmp(&v6, &v6copy, sizeof(v6)) == 0);
	addr_unmap_v4(&none);
	ck_assert_int_eq(none.family, AF_UNSPEC);
}
END_TEST

/* ---- classification -------------------------------------------------- */

static bool link_local(const char *text)
{
	struct mptcpd_addr a = fx_addr(text, 0);

	return addr_is_link_local(&a);
}

START_TEST(test_link_local)
{
	struct mptcpd_addr none = { .family = AF_UNSPEC };

	ck_assert(!addr_is_link_local(&none));
	ck_assert(link_local("169.254.0.1"));
	ck_assert(link_local("169.254.255.255"));	/* all of 169.254/16 */
	ck_assert(!link_local("169.255.0.1"));
	ck_assert(!link_local("192.0.2.1"));
	ck_assert(link_local("fe80::1"));
	ck_assert(link_local("febf::1"));		/* all of fe80::/10 */
	ck_assert(!link_local("fec0::1"));
	ck_assert(!link_local("2001:db8::1"));
	ck_assert(link_local("::ffff:169.254.0.1"));	/* parsed as IPv4 */
}
END_TEST

START_TEST(test_loopback)
{
	struct mptcpd_addr none = { .family = AF_UNSPEC };
	struct mptcpd_addr a;

	ck_assert(!addr_is_loopback(&none));
	a = fx_addr("127.0.0.1", 0);
	ck_assert(addr_is_loopback(&a));
	a = fx_addr("127.255.255.254", 0);	/* all of 127/8 */
	ck_assert(addr_is_loopback(&a));
	a = fx_addr("128.0.0.1", 0);
	ck_assert(!addr_is_loopback(&a));
	a = fx_addr("::1", 0);
	ck_assert(addr_is_loopback(&a));
	a = fx_addr("::2", 0);
	ck_assert(!addr_is_loopback(&a));
	a = fx_addr("::ffff:127.0.0.1", 0);	/* parsed as plain IPv4 */
	ck_assert(addr_is_loopback(&a));
}
END_TEST

/* ---- listeners ------------------------------------------------------- */

START_TEST(test_listener_serves)
{
	struct mptcpd_addr any4 = fx_addr("0.0.0.0", 5000);
	struct mptcpd_addr any6 = fx_addr("::", 5000);
	struct mptcpd_addr one4 = fx_addr("203.0.113.2", 5000);
	struct mptcpd_addr one6 = fx_addr("2001:db8:3::2", 5000);
	struct mptcpd_addr v4 = fx_addr("203.0.113.2", 0);
	struct mptcpd_addr v4b = fx_addr("203.0.113.3", 0);
	struct mptcpd_addr v6 = fx_addr("2001:db8:3::2", 0);

	ck_assert(addr_listener_serves(&one4, &v4, 5000));
	ck_assert(!addr_listener_serves(&one4, &v4, 5001));	/* port */
	ck_assert(!addr_listener_serves(&one4, &v4b, 5000));
	ck_assert(!addr_listener_serves(&one4, &v6, 5000));
	ck_assert(addr_listener_serves(&any4, &v4b, 5000));
	ck_assert(!addr_listener_serves(&any4, &v6, 5000));	/* v4 only */
	ck_assert(addr_listener_serves(&any6, &v6, 5000));
	ck_assert(addr_listener_serves(&any6, &v4b, 5000));	/* dual-stack */
	ck_assert(!addr_listener_serves(&any6, &v4b, 6000));
	ck_assert(addr_listener_serves(&one6, &v6, 5000));
	ck_assert(!addr_listener_serves(&one6, &v4, 5000));
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *parse = tcase_create("parse");
	TCase *text = tcase_create("str");
	TCase *cmp = tcase_create("compare");
	TCase *cls = tcase_create("classify");

	tcase_add_test(parse, test_parse_families);
	tcase_add_test(parse, test_parse_rejects);
	tcase_add_test(parse, test_parse_unmaps_v4);
	tcase_add_test(text, test_str_forms);
	tcase_add_test(text, test_str_sizes);
	tcase_add_test(text, test_str_round_trip);
	tcase_add_test(cmp, test_equal_and_same_ip);
	tcase_add_test(cmp, test_unspec_matches_nothing);
	tcase_add_test(cmp, test_unmap_v4);
	tcase_add_test(cls, test_link_local);
	tcase_add_test(cls, test_loopback);
	tcase_add_test(cls, test_listener_serves);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, text);
	suite_add_tcase(s, cmp);
	suite_add_tcase(s, cls);
	return s;
}

FX_RUN(addr_suite)
