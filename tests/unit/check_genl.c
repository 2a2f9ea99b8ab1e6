/* SPDX-License-Identifier: BSD-3-Clause */
/* genl_parse_event() against hand-built kernel event messages. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "genl.h"
#include "mptcp_uapi.h"

#define TEST_FAMILY_ID	0x20
#define TEST_TOKEN	0x1a2b3c4du

static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, 0, 0, TEST_FAMILY_ID, 0, 0,
					  cmd, MPTCP_PM_VER));
	return msg;
}

static void put_v4(struct nl_msg *msg, int type, const char *text)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, text, &a), 1);
	ck_assert_int_eq(nla_put(msg, type, sizeof(a), &a), 0);
}

static void put_v6(struct nl_msg *msg, int type, const char *text)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, text, &a), 1);
	ck_assert_int_eq(nla_put(msg, type, sizeof(a), &a), 0);
}

/* What the kernel puts in CREATED/ESTABLISHED and the SUB_* events. */
static void put_conn4(struct nl_msg *msg)
{
	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	nla_put_u16(msg, MPTCP_ATTR_FAMILY, AF_INET);
	put_v4(msg, MPTCP_ATTR_SADDR4, "192.0.2.1");
	put_v4(msg, MPTCP_ATTR_DADDR4, "192.0.2.2");
	nla_put_u16(msg, MPTCP_ATTR_SPORT, htons(40000));
	nla_put_u16(msg, MPTCP_ATTR_DPORT, htons(8080));
	nla_put_u8(msg, MPTCP_ATTR_LOC_ID, 0);
	nla_put_u8(msg, MPTCP_ATTR_REM_ID, 0);
}

static int parse(struct nl_msg *msg, struct mptcpd_event *ev,
		 const char **why)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	return genl_parse_event(nlh, nlh->nlmsg_len, ev, why);
}

static void parse_ok(struct nl_msg *msg, struct mptcpd_event *ev)
{
	const char *why = NULL;
	int err = parse(msg, ev, &why);

	ck_assert_msg(err == 0, "parse failed: %d (%s)", err, why);
	nlmsg_free(msg);
}

static void check_addr4(const struct mptcpd_addr *a, const char *ip,
			uint16_t port)
{
	char buf[INET_ADDRSTRLEN];

	ck_assert_int_eq(a->family, AF_INET);
	ck_assert_str_eq(inet_ntop(AF_INET, &a->u.v4, buf, sizeof(buf)), ip);
	ck_assert_uint_eq(a->port, port);
}

START_TEST(test_created)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CREATED);
	struct mptcpd_event ev;

	put_conn4(msg);
	nla_put_u16(msg, MPTCP_ATTR_FLAGS, 0);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_CREATED);
	ck_assert_uint_eq(ev.token, TEST_TOKEN);
	check_addr4(&ev.local, "192.0.2.1", 40000);
	check_addr4(&ev.remote, "192.0.2.2", 8080);
	ck_assert(ev.fields & MPTCPD_FIELD_TOKEN);
	ck_assert(ev.fields & MPTCPD_FIELD_LOCAL);
	ck_assert(ev.fields & MPTCPD_FIELD_REMOTE);
	ck_assert(ev.fields & MPTCPD_FIELD_LOCAL_ID);
	ck_assert(ev.fields & MPTCPD_FIELD_FLAGS);
	ck_assert(!(ev.fields & MPTCPD_FIELD_BACKUP));
	ck_assert(!(ev.fields & MPTCPD_FIELD_IFINDEX));
	ck_assert(!ev.server_side);
	ck_assert(!ev.deny_join_id0);
}
END_TEST

START_TEST(test_established_server_flag)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_ESTABLISHED);
	struct mptcpd_event ev;

	put_conn4(msg);
	nla_put_u16(msg, MPTCP_ATTR_FLAGS, MPTCPD_EV_FLAG_SERVER_SIDE);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_ESTABLISHED);
	ck_assert(ev.server_side);
	ck_assert(ev.fields & MPTCPD_FIELD_SERVER_SIDE);
	ck_assert(!ev.deny_join_id0);
	ck_assert_uint_eq(ev.flags, MPTCPD_EV_FLAG_SERVER_SIDE);
}
END_TEST

START_TEST(test_server_side_attribute)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CREATED);
	struct mptcpd_event ev;

	put_conn4(msg);
	nla_put_u8(msg, MPTCP_ATTR_SERVER_SIDE, 1);
	parse_ok(msg, &ev);
	ck_assert(ev.server_side);
	ck_assert(ev.fields & MPTCPD_FIELD_SERVER_SIDE);
	ck_assert(!(ev.fields & MPTCPD_FIELD_FLAGS));
}
END_TEST

START_TEST(test_deny_join_id0)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_ESTABLISHED);
	struct mptcpd_event ev;

	put_conn4(msg);
	nla_put_u16(msg, MPTCP_ATTR_FLAGS, MPTCPD_EV_FLAG_DENY_JOIN_ID0);
	parse_ok(msg, &ev);
	ck_assert(ev.deny_join_id0);
	ck_assert(!ev.server_side);
}
END_TEST

START_TEST(test_closed)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CLOSED);
	struct mptcpd_event ev;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_CLOSED);
	ck_assert_uint_eq(ev.token, TEST_TOKEN);
	ck_assert_uint_eq(ev.fields, MPTCPD_FIELD_TOKEN);
}
END_TEST

START_TEST(test_announced)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_ANNOUNCED);
	struct mptcpd_event ev;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	nla_put_u8(msg, MPTCP_ATTR_REM_ID, 3);
	nla_put_u16(msg, MPTCP_ATTR_FAMILY, AF_INET);
	put_v4(msg, MPTCP_ATTR_DADDR4, "203.0.113.7");
	nla_put_u16(msg, MPTCP_ATTR_DPORT, htons(443));
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_ANNOUNCED);
	ck_assert_uint_eq(ev.remote_id, 3);
	check_addr4(&ev.remote, "203.0.113.7", 443);
	ck_assert(!(ev.fields & MPTCPD_FIELD_LOCAL));
}
END_TEST

START_TEST(test_removed)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_REMOVED);
	struct mptcpd_event ev;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	nla_put_u8(msg, MPTCP_ATTR_REM_ID, 5);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_REMOVED);
	ck_assert_uint_eq(ev.remote_id, 5);
	ck_assert(ev.fields & MPTCPD_FIELD_REMOTE_ID);
}
END_TEST

START_TEST(test_sub_established)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_SUB_ESTABLISHED);
	struct mptcpd_event ev;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	nla_put_u16(msg, MPTCP_ATTR_FAMILY, AF_INET);
	nla_put_u8(msg, MPTCP_ATTR_LOC_ID, 1);
	nla_put_u8(msg, MPTCP_ATTR_REM_ID, 0);
	put_v4(msg, MPTCP_ATTR_SADDR4, "198.51.100.2");
	put_v4(msg, MPTCP_ATTR_DADDR4, "192.0.2.2");
	nla_put_u16(msg, MPTCP_ATTR_SPORT, htons(51000));
	nla_put_u16(msg, MPTCP_ATTR_DPORT, htons(8080));
	nla_put_u8(msg, MPTCP_ATTR_BACKUP, 1);
	nla_put_s32(msg, MPTCP_ATTR_IF_IDX, 7);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_SUB_ESTABLISHED);
	check_addr4(&ev.local, "198.51.100.2", 51000);
	check_addr4(&ev.remote, "192.0.2.2", 8080);
	ck_assert_uint_eq(ev.local_id, 1);
	ck_assert_uint_eq(ev.remote_id, 0);
	ck_assert(ev.backup);
	ck_assert(ev.fields & MPTCPD_FIELD_BACKUP);
	ck_assert_int_eq(ev.ifindex, 7);
	ck_assert(ev.fields & MPTCPD_FIELD_IFINDEX);
}
END_TEST

START_TEST(test_sub_closed)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_SUB_CLOSED);
	struct mptcpd_event ev;

	put_conn4(msg);
	nla_put_u8(msg, MPTCP_ATTR_BACKUP, 0);
	nla_put_u8(msg, MPTCP_ATTR_ERROR, 111);
	nla_put_u32(msg, MPTCP_ATTR_RESET_REASON, 1);
	nla_put_u32(msg, MPTCP_ATTR_RESET_FLAGS, 1);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_SUB_CLOSED);
	ck_assert_uint_eq(ev.error, 111);
	ck_assert(ev.fields & MPTCPD_FIELD_ERROR);
	ck_assert(ev.fields & MPTCPD_FIELD_RESET);
	ck_assert_uint_eq(ev.reset_reason, 1);
	ck_assert_uint_eq(ev.reset_flags, 1);
	ck_assert(!ev.backup);
	ck_assert(ev.fields & MPTCPD_FIELD_BACKUP);
}
END_TEST

START_TEST(test_sub_priority)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_SUB_PRIORITY);
	struct mptcpd_event ev;

	put_conn4(msg);
	nla_put_u8(msg, MPTCP_ATTR_BACKUP, 1);
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.type, MPTCPD_EVENT_SUB_PRIORITY);
	ck_assert(ev.backup);
}
END_TEST

START_TEST(test_listener)
{
	static const uint8_t kev[] = { MPTCPD_KEV_LISTENER_CREATED,
				       MPTCPD_KEV_LISTENER_CLOSED };
	static const enum mptcpd_event_type type[] = {
		MPTCPD_EVENT_LISTENER_CREATED, MPTCPD_EVENT_LISTENER_CLOSED };
	struct mptcpd_event ev;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct nl_msg *msg = msg_new(kev[i]);

		nla_put_u16(msg, MPTCP_ATTR_FAMILY, AF_INET);
		nla_put_u16(msg, MPTCP_ATTR_SPORT, htons(8080));
		put_v4(msg, MPTCP_ATTR_SADDR4, "0.0.0.0");
		parse_ok(msg, &ev);
		ck_assert_int_eq(ev.type, type[i]);
		check_addr4(&ev.local, "0.0.0.0", 8080);
		ck_assert(!(ev.fields & MPTCPD_FIELD_TOKEN));
	}
}
END_TEST

START_TEST(test_ipv6)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CREATED);
	struct mptcpd_event ev;
	struct in6_addr want;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	nla_put_u16(msg, MPTCP_ATTR_FAMILY, AF_INET6);
	put_v6(msg, MPTCP_ATTR_SADDR6, "2001:db8::1");
	put_v6(msg, MPTCP_ATTR_DADDR6, "2001:db8:1::2");
	nla_put_u16(msg, MPTCP_ATTR_SPORT, htons(1234));
	nla_put_u16(msg, MPTCP_ATTR_DPORT, htons(80));
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.local.family, AF_INET6);
	ck_assert_int_eq(ev.remote.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::1", &want);
	ck_assert_mem_eq(&ev.local.u.v6, &want, sizeof(want));
	inet_pton(AF_INET6, "2001:db8:1::2", &want);
	ck_assert_mem_eq(&ev.remote.u.v6, &want, sizeof(want));
	ck_assert_uint_eq(ev.local.port, 1234);
	ck_assert_uint_eq(ev.remote.port, 80);
}
END_TEST

START_TEST(test_family_from_address)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CREATED);
	struct mptcpd_event ev;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	put_v6(msg, MPTCP_ATTR_SADDR6, "2001:db8::1");
	put_v6(msg, MPTCP_ATTR_DADDR6, "2001:db8::2");
	parse_ok(msg, &ev);
	ck_assert_int_eq(ev.local.family, AF_INET6);
	ck_assert_int_eq(ev.remote.family, AF_INET6);
}
END_TEST

START_TEST(test_unknown_attributes)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CREATED);
	uint8_t blob[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct mptcpd_event ev;

	nla_put(msg, 100, sizeof(blob), blob);
	put_conn4(msg);
	nla_put(msg, MPTCPD_ATTR_MAX + 1, sizeof(blob), blob);
	parse_ok(msg, &ev);
	ck_assert_uint_eq(ev.token, TEST_TOKEN);
	check_addr4(&ev.local, "192.0.2.1", 40000);
}
END_TEST

START_TEST(test_unknown_event)
{
	struct nl_msg *msg = msg_new(4);
	struct mptcpd_event ev;
	const char *why = NULL;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
	ck_assert_int_eq(parse(msg, &ev, &why), -ENOENT);
	ck_assert_ptr_nonnull(why);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_wrong_length)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CLOSED);
	struct mptcpd_event ev;
	const char *why = NULL;
	uint16_t shorty = 1;

	nla_put(msg, MPTCP_ATTR_TOKEN, sizeof(shorty), &shorty);
	ck_assert_int_lt(parse(msg, &ev, &why), 0);
	ck_assert_ptr_nonnull(why);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_too_long)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CLOSED);
	struct mptcpd_event ev;
	const char *why = NULL;
	uint64_t big = 1;

	nla_put(msg, MPTCP_ATTR_TOKEN, sizeof(big), &big);
	ck_assert_int_lt(parse(msg, &ev, &why), 0);
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_missing_token)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_CLOSED);
	struct mptcpd_event ev;
	const char *why = NULL;

	ck_assert_int_lt(parse(msg, &ev, &why), 0);
	nlmsg_free(msg);
}
END_TEST

/* A cut message must never crash, and must fail or parse cleanly. */
START_TEST(test_truncated_prefixes)
{
	struct nl_msg *msg = msg_new(MPTCPD_KEV_SUB_ESTABLISHED);
	struct nlmsghdr *nlh;
	struct mptcpd_event ev;
	const char *why;
	uint8_t *copy;
	size_t len, cut;
	int err;

	put_conn4(msg);
	nla_put_u8(msg, MPTCP_ATTR_BACKUP, 1);
	nlh = nlmsg_hdr(msg);
	len = nlh->nlmsg_len;
	for (cut = 0; cut < len; cut++) {
		/* Exactly cut bytes on the heap, so ASan sees overreads. */
		copy = malloc(cut ? cut : 1);
		memcpy(copy, nlh, cut);
		why = NULL;
		ck_assert_int_lt(genl_parse_event(copy, cut, &ev, &why), 0);
		ck_assert_ptr_nonnull(why);
		free(copy);
	}
	/* The header itself claims fewer bytes: may parse, or fail. */
	for (cut = 0; cut < len; cut++) {
		copy = malloc(len);
		memcpy(copy, nlh, len);
		((struct nlmsghdr *)copy)->nlmsg_len = (uint32_t)cut;
		why = NULL;
		err = genl_parse_event(copy, len, &ev, &why);
		ck_assert(err == 0 || (err < 0 && why != NULL));
		free(copy);
	}
	nlmsg_free(msg);
}
END_TEST

START_TEST(test_garbage)
{
	uint8_t buf[256];
	struct mptcpd_event ev;
	const char *why;
	unsigned int seed = 1;
	size_t i, n;
	int round;

	for (round = 0; round < 2000; round++) {
		n = (size_t)rand_r(&seed) % sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (n >= 4 && round % 2) {	/* plausible length field */
			uint32_t l = (uint32_t)n;
			memcpy(buf, &l, sizeof(l));
		}
		why = NULL;
		if (genl_parse_event(buf, n, &ev, &why) < 0)
			ck_assert_ptr_nonnull(why);
	}
	/* Unaligned buffers are handled too. */
	{
		struct nl_msg *msg = msg_new(MPTCPD_KEV_CLOSED);
		struct nlmsghdr *nlh;
		uint8_t *odd;

		nla_put_u32(msg, MPTCP_ATTR_TOKEN, TEST_TOKEN);
		nlh = nlmsg_hdr(msg);
		odd = malloc(nlh->nlmsg_len + 1);
		memcpy(odd + 1, nlh, nlh->nlmsg_len);
		ck_assert_int_eq(genl_parse_event(odd + 1, nlh->nlmsg_len,
						  &ev, &why), 0);
		ck_assert_uint_eq(ev.token, TEST_TOKEN);
		free(odd);
		nlmsg_free(msg);
	}
}
END_TEST

START_TEST(test_control_message)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_DONE, 0);
	struct mptcpd_event ev;
	const char *why = NULL;
	int zero = 0;

	nlmsg_append(msg, &zero, sizeof(zero), NLMSG_ALIGNTO);
	ck_assert_int_lt(parse(msg, &ev, &why), 0);
	nlmsg_free(msg);
}
END_TEST

static Suite *genl_suite(void)
{
	Suite *s = suite_create("genl");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_created);
	tcase_add_test(tc, test_established_server_flag);
	tcase_add_test(tc, test_server_side_attribute);
	tcase_add_test(tc, test_deny_join_id0);
	tcase_add_test(tc, test_closed);
	tcase_add_test(tc, test_announced);
	tcase_add_test(tc, test_removed);
	tcase_add_test(tc, test_sub_established);
	tcase_add_test(tc, test_sub_closed);
	tcase_add_test(tc, test_sub_priority);
	tcase_add_test(tc, test_listener);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_family_from_address);
	tcase_add_test(tc, test_unknown_attributes);
	tcase_add_test(tc, test_unknown_event);
	tcase_add_test(tc, test_wrong_length);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_missing_token);
	tcase_add_test(tc, test_truncated_prefixes);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_control_message);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(genl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
