/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of fuzz_genl_event: one file per kernel event,
 * with the attributes the kernel puts in it, built with libnl as the unit
 * tests do.  Run by hand when the parser learns a new event:
 *   tests/fuzz/gen_genl_corpus tests/fuzz/corpus/fuzz_genl_event
 * The family id is arbitrary: the parser does not look at it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "mptcp_uapi.h"

#define GEN_FAMILY_ID	0x20
#define GEN_TOKEN	0x1a2b3c4du

static struct nl_msg *gen_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, 0, 0, GEN_FAMILY_ID, 0, 0, cmd,
				MPTCP_PM_VER)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static void gen_addr(struct nl_msg *msg, int family, int type, const char *text)
{
	unsigned char a[16];

	if (inet_pton(family, text, a) == 1)
		nla_put(msg, type, family == AF_INET ? 4 : 16, a);
}

/* Token, family, both addresses and ports: what every connection and
 * subflow event carries. */
static void gen_conn(struct nl_msg *msg, int family, const char *src,
		     const char *dst)
{
	int v4 = family == AF_INET;

	nla_put_u32(msg, MPTCP_ATTR_TOKEN, GEN_TOKEN);
	nla_put_u16(msg, MPTCP_ATTR_FAMILY, (uint16_t)family);
	gen_addr(msg, family, v4 ? MPTCP_ATTR_SADDR4 : MPTCP_ATTR_SADDR6, src);
	gen_addr(msg, family, v4 ? MPTCP_ATTR_DADDR4 : MPTCP_ATTR_DADDR6, dst);
	nla_put_u16(msg, MPTCP_ATTR_SPORT, htons(40000));
	nla_put_u16(msg, MPTCP_ATTR_DPORT, htons(8080));
}

static void gen_ids(struct nl_msg *msg, uint8_t loc, uint8_t rem)
{
	nla_put_u8(msg, MPTCP_ATTR_LOC_ID, loc);
	nla_put_u8(msg, MPTCP_ATTR_REM_ID, rem);
}

/* Writes the first len bytes of the message (len 0: all of it). */
static int gen_write(const char *dir, const char *name, struct nl_msg *msg,
		     size_t len)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	char path[4096];
	FILE *f;
	int err = 0;

	if (!len || len > nlh->nlmsg_len)
		len = nlh->nlmsg_len;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(nlh, 1, len, f) != len)
		err = -errno;
	if (f && fclose(f) != 0)
		err = -errno;
	nlmsg_free(msg);
	if (err)
		fprintf(stderr, "gen_genl_corpus: %s: %s\n", path, strerror(-err));
	return err;
}

static int gen_conn_events(const char *dir)
{
	struct nl_msg *m;
	int err = 0;

	m = gen_msg(MPTCPD_KEV_CREATED);
	gen_conn(m, AF_INET, "192.0.2.1", "192.0.2.2");
	gen_ids(m, 0, 0);
	nla_put_u16(m, MPTCP_ATTR_FLAGS, 0);
	err |= gen_write(dir, "created_v4", m, 0);
	m = gen_msg(MPTCPD_KEV_ESTABLISHED);
	gen_conn(m, AF_INET6, "2001:db8::1", "2001:db8:1::2");
	nla_put_u16(m, MPTCP_ATTR_FLAGS, MPTCPD_EV_FLAG_SERVER_SIDE);
	nla_put_u8(m, MPTCP_ATTR_SERVER_SIDE, 1);
	err |= gen_write(dir, "established_v6_server", m, 0);
	m = gen_msg(MPTCPD_KEV_CLOSED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, GEN_TOKEN);
	err |= gen_write(dir, "closed", m, 0);
	m = gen_msg(MPTCPD_KEV_ANNOUNCED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, GEN_TOKEN);
	nla_put_u8(m, MPTCP_ATTR_REM_ID, 3);
	nla_put_u16(m, MPTCP_ATTR_FAMILY, AF_INET);
	gen_addr(m, AF_INET, MPTCP_ATTR_DADDR4, "203.0.113.7");
	nla_put_u16(m, MPTCP_ATTR_DPORT, htons(443));
	err |= gen_write(dir, "announced_v4", m, 0);
	m = gen_msg(MPTCPD_KEV_REMOVED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, GEN_TOKEN);
	nla_put_u8(m, MPTCP_ATTR_REM_ID, 3);
	err |= gen_write(dir, "removed", m, 0);
	return err;
}

static int gen_sub_events(const char *dir)
{
	struct nl_msg *m;
	int err = 0;

	m = gen_msg(MPTCPD_KEV_SUB_ESTABLISHED);
	gen_conn(m, AF_INET, "198.51.100.2", "192.0.2.2");
	gen_ids(m, 1, 0);
	nla_put_u8(m, MPTCP_ATTR_BACKUP, 1);
	nla_put_s32(m, MPTCP_ATTR_IF_IDX, 7);
	err |= gen_write(dir, "sub_established_v4", m, 0);
	m = gen_msg(MPTCPD_KEV_SUB_CLOSED);
	gen_conn(m, AF_INET6, "2001:db8::1", "2001:db8::2");
	gen_ids(m, 2, 1);
	nla_put_u8(m, MPTCP_ATTR_BACKUP, 0);
	nla_put_u8(m, MPTCP_ATTR_ERROR, 111);
	nla_put_u32(m, MPTCP_ATTR_RESET_REASON, 1);
	nla_put_u32(m, MPTCP_ATTR_RESET_FLAGS, 1);
	err |= gen_write(dir, "sub_closed_v6", m, 0);
	m = gen_msg(MPTCPD_KEV_SUB_PRIORITY);
	gen_conn(m, AF_INET, "198.51.100.2", "192.0.2.2");
	gen_ids(m, 1, 0);
	nla_put_u8(m, MPTCP_ATTR_BACKUP, 1);
	err |= gen_write(dir, "sub_priority", m, 0);
	return err;
}

static int gen_listener_events(const char *dir)
{
	struct nl_msg *m;
	int err = 0;

	m = gen_msg(MPTCPD_KEV_LISTENER_CREATED);
	nla_put_u16(m, MPTCP_ATTR_FAMILY, AF_INET);
	nla_put_u16(m, MPTCP_ATTR_SPORT, htons(8080));
	gen_addr(m, AF_INET, MPTCP_ATTR_SADDR4, "0.0.0.0");
	err |= gen_write(dir, "listener_created_v4", m, 0);
	m = gen_msg(MPTCPD_KEV_LISTENER_CLOSED);
	nla_put_u16(m, MPTCP_ATTR_FAMILY, AF_INET6);
	nla_put_u16(m, MPTCP_ATTR_SPORT, htons(8080));
	gen_addr(m, AF_INET6, MPTCP_ATTR_SADDR6, "2001:db8::10");
	err |= gen_write(dir, "listener_closed_v6", m, 0);
	return err;
}

/* Edge cases the parser must reject: cut in the middle of an attribute,
 * an event number it does not know, a required attribute missing. */
static int gen_bad_events(const char *dir)
{
	struct nl_msg *m;
	int err = 0;

	m = gen_msg(MPTCPD_KEV_CREATED);
	gen_conn(m, AF_INET, "192.0.2.1", "192.0.2.2");
	err |= gen_write(dir, "bad_truncated", m, NLMSG_HDRLEN + GENL_HDRLEN + 6);
	m = gen_msg(200);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, GEN_TOKEN);
	err |= gen_write(dir, "bad_unknown_event", m, 0);
	m = gen_msg(MPTCPD_KEV_SUB_ESTABLISHED);
	nla_put_u32(m, MPTCP_ATTR_TOKEN, GEN_TOKEN);
	err |= gen_write(dir, "bad_missing_attrs", m, 0);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	err = gen_conn_events(argv[1]) | gen_sub_events(argv[1]) |
	      gen_listener_events(argv[1]) | gen_bad_events(argv[1]);
	return err ? 1 : 0;
}
