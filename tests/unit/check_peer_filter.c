/* SPDX-License-Identifier: BSD-3-Clause */
/* Which announced addresses a peer may make us join: every forbidden kind
 * refused with its reason, a good address accepted. */
#include <check.h>

#include "addr.h"
#include "fixture.h"
#include "peer_filter.h"

/* This host: 192.0.2.10/24 and 2001:db8:1::10/64 (Wi-Fi), 198.51.100.7/30
 * (cellular point-to-point). */
static const struct {
	const char *net;
	unsigned int plen;
	const char *own;
} HOST[] = {
	{ "192.0.2.0", 24, "192.0.2.10" },
	{ "2001:db8:1::", 64, "2001:db8:1::10" },
	{ "198.51.100.4", 30, "198.51.100.7" },
};
#define N_HOST (sizeof(HOST) / sizeof(HOST[0]))

static bool fake_is_own(void *arg, const struct mptcpd_addr *a)
{
	(void)arg;
	for (size_t i = 0; i < N_HOST; i++) {
		struct mptcpd_addr own = fx_addr(HOST[i].own, 0);

		if (mptcpd_addr_same_ip(&own, a))
			return true;
	}
	return false;
}

static bool fake_prefix(void *arg, const struct mptcpd_addr *a,
			struct mptcpd_addr *net, unsigned int *plen)
{
	(void)arg;
	for (size_t i = 0; i < N_HOST; i++) {
		*net = fx_addr(HOST[i].net, 0);
		*plen = HOST[i].plen;
		if (addr_in_prefix(a, net, *plen))
			return true;
	}
	return false;
}

static const struct peer_host host = { fake_is_own, fake_prefix, NULL };

static enum peer_verdict check(const char *announced, const char *initial)
{
	struct mptcpd_addr a = fx_addr(announced, 443);
	struct mptcpd_addr r = fx_addr(initial, 443);

	return peer_check(&host, &a, &r);
}

START_TEST(test_refused_by_value)
{
	ck_assert_int_eq(check("127.0.0.1", "203.0.113.1"), PEER_LOOPBACK);
	ck_assert_int_eq(check("127.8.9.10", "203.0.113.1"), PEER_LOOPBACK);
	ck_assert_int_eq(check("::1", "2001:db8:9::1"), PEER_LOOPBACK);
	ck_assert_int_eq(check("::ffff:127.0.0.1", "203.0.113.1"), PEER_LOOPBACK);
	ck_assert_int_eq(check("0.0.0.0", "203.0.113.1"), PEER_UNSPECIFIED);
	ck_assert_int_eq(check("0.1.2.3", "203.0.113.1"), PEER_UNSPECIFIED);
	ck_assert_int_eq(check("::", "2001:db8:9::1"), PEER_UNSPECIFIED);
	ck_assert_int_eq(check("224.0.0.1", "203.0.113.1"), PEER_MULTICAST);
	ck_assert_int_eq(check("239.255.255.250", "203.0.113.1"), PEER_MULTICAST);
	ck_assert_int_eq(check("ff02::1", "2001:db8:9::1"), PEER_MULTICAST);
	ck_assert_int_eq(check("255.255.255.255", "203.0.113.1"), PEER_BROADCAST);
}
END_TEST

START_TEST(test_link_local_only_for_link_local_connections)
{
	ck_assert_int_eq(check("169.254.1.1", "203.0.113.1"), PEER_LINK_LOCAL);
	ck_assert_int_eq(check("fe80::1", "2001:db8:9::1"), PEER_LINK_LOCAL);
	ck_assert_int_eq(check("fe80::1", "fe80::2"), PEER_ACCEPT);
	ck_assert_int_eq(check("169.254.1.1", "169.254.7.7"), PEER_ACCEPT);
}
END_TEST

START_TEST(test_our_own_addresses)
{
	ck_assert_int_eq(check("192.0.2.10", "203.0.113.1"), PEER_OWN_ADDRESS);
	ck_assert_int_eq(check("::ffff:192.0.2.10", "203.0.113.1"), PEER_OWN_ADDRESS);
	ck_assert_int_eq(check("2001:db8:1::10", "2001:db8:9::1"), PEER_OWN_ADDRESS);
	/* Even when the connection itself is to a neighbour on that LAN. */
	ck_assert_int_eq(check("192.0.2.10", "192.0.2.20"), PEER_OWN_ADDRESS);
}
END_TEST

START_TEST(test_our_subnets_only_when_the_peer_lives_there)
{
	ck_assert_int_eq(check("192.0.2.20", "203.0.113.1"), PEER_LOCAL_SUBNET);
	ck_assert_int_eq(check("2001:db8:1::99", "2001:db8:9::1"), PEER_LOCAL_SUBNET);
	ck_assert_int_eq(check("192.0.2.20", "192.0.2.21"), PEER_ACCEPT);
	ck_assert_int_eq(check("198.51.100.6", "192.0.2.21"), PEER_LOCAL_SUBNET);
	/* A subnet's broadcast address, whoever the peer is. */
	ck_assert_int_eq(check("192.0.2.255", "192.0.2.21"), PEER_BROADCAST);
	ck_assert_int_eq(check("198.51.100.7", "192.0.2.21"), PEER_OWN_ADDRESS);
}
END_TEST

START_TEST(test_real_addresses_accepted)
{
	ck_assert_int_eq(check("203.0.113.2", "203.0.113.1"), PEER_ACCEPT);
	ck_assert_int_eq(check("198.51.100.99", "203.0.113.1"), PEER_ACCEPT);
	ck_assert_int_eq(check("2001:db8:9::2", "2001:db8:9::1"), PEER_ACCEPT);
	ck_assert_int_eq(check("::ffff:203.0.113.2", "203.0.113.1"), PEER_ACCEPT);
}
END_TEST

START_TEST(test_words)
{
	ck_assert_str_eq(peer_verdict_word(PEER_ACCEPT), "accepted");
	ck_assert_str_eq(peer_verdict_word(PEER_LOCAL_SUBNET), "local-subnet");
	ck_assert_str_eq(peer_verdict_word((enum peer_verdict)99), "?");
}
END_TEST

START_TEST(test_prefix_match)
{
	struct mptcpd_addr net = fx_addr("192.0.2.0", 0);
	struct mptcpd_addr in = fx_addr("192.0.2.77", 80);
	struct mptcpd_addr out = fx_addr("192.0.3.1", 0);
	struct mptcpd_addr v6 = fx_addr("2001:db8::1", 0);
	struct mptcpd_addr any = fx_addr("0.0.0.0", 0);

	ck_assert(addr_in_prefix(&in, &net, 24));
	ck_assert(!addr_in_prefix(&out, &net, 24));
	ck_assert(addr_in_prefix(&out, &net, 23));
	ck_assert(!addr_in_prefix(&v6, &net, 0));
	ck_assert(addr_in_prefix(&in, &any, 0));
	ck_assert(!addr_in_prefix(&in, &net, 33));
}
END_TEST

static Suite *peer_filter_suite(void)
{
	Suite *s = suite_create("peer_filter");
	TCase *tc = tcase_create("verdicts");

	tcase_add_test(tc, test_refused_by_value);
	tcase_add_test(tc, test_link_local_only_for_link_local_connections);
	tcase_add_test(tc, test_our_own_addresses);
	tcase_add_test(tc, test_our_subnets_only_when_the_peer_lives_there);
	tcase_add_test(tc, test_real_addresses_accepted);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_prefix_match);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(peer_filter_suite)
