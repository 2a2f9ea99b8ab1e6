/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpora of fuzz_rtnl, fuzz_diag, fuzz_genl_dump and
 * fuzz_nl_ack into DIR/<target>/ (the directories must exist): messages
 * laid out as the kernel sends them, built with libnl as the unit tests
 * build theirs, plus a few broken ones.  Run by hand when a decoder
 * learns something new:
 *   tests/fuzz/gen_nl_corpus tests/fuzz/corpus
 * A file may hold several messages, as one datagram does; the fuzz_diag
 * walkers read them all, the other targets the first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if_arp.h>
#include <netinet/tcp.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "mptcp_uapi.h"

#define GEN_FAMILY_ID	0x20
#define GEN_TOKEN	0x1a2b3c4du
#define GEN_SEQ		1	/* what fuzz_diag's walkers expect */
#define GEN_MAX_MSGS	4

/* A message with a zeroed fixed header of hdrlen bytes after nlmsghdr. */
static struct nl_msg *gen_msg(int type, int flags, size_t hdrlen)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !nlmsg_put(msg, 0, GEN_SEQ, type, (int)hdrlen, flags)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg) {
		fprintf(stderr, "gen_nl_corpus: out of memory\n");
		exit(1);
	}
	return msg;
}

static void *gen_hdr(struct nl_msg *msg)
{
	return nlmsg_data(nlmsg_hdr(msg));
}

static void gen_ip(struct nl_msg *msg, int type, int family, const char *text)
{
	unsigned char a[16];

	if (inet_pton(family, text, a) == 1)
		nla_put(msg, type, family == AF_INET ? 4 : 16, a);
}

/* Writes the messages back to back, each padded to NLMSG_ALIGNTO as in a
 * datagram, then frees them.  cut > 0 keeps only the first cut bytes. */
static int gen_write_n(const char *dir, const char *name,
		       struct nl_msg **msgs, size_t n, size_t cut)
{
	static const char pad[NLMSG_ALIGNTO];
	char path[4096];
	size_t i, len, total = 0;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	for (i = 0; i < n; i++) {
		len = nlmsg_hdr(msgs[i])->nlmsg_len;
		if (cut && total + len > cut)
			len = cut - total;
		if (f && fwrite(nlmsg_hdr(msgs[i]), 1, len, f) != len)
			err = -errno;
		total += len;
		len = NLMSG_ALIGN(len) - len;
		if (f && i + 1 < n && fwrite(pad, 1, len, f) != len)
			err = -errno;
		total += len;
		nlmsg_free(msgs[i]);
	}
	if (!f || fclose(f) != 0)
		err = -errno;
	if (err)
		fprintf(stderr, "gen_nl_corpus: %s: %s\n", path, strerror(-err));
	return err;
}

static int gen_write(const char *dir, const char *name, struct nl_msg *msg,
		     size_t cut)
{
	return gen_write_n(dir, name, &msg, 1, cut);
}

/* ---- fuzz_rtnl ---- */

static struct nl_msg *gen_link(int type, int ifindex, const char *name)
{
	struct nl_msg *m = gen_msg(type, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = gen_hdr(m);

	ifi->ifi_type = ARPHRD_ETHER;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
	nla_put_u32(m, IFLA_MTU, 1500);
	if (name)
		nla_put_string(m, IFLA_IFNAME, name);
	return m;
}

static struct nl_msg *gen_addr(int type, int family, const char *text,
			       uint8_t prefixlen)
{
	struct nl_msg *m = gen_msg(type, 0, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = gen_hdr(m);

	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_index = 2;
	gen_ip(m, IFA_ADDRESS, family, text);
	if (family == AF_INET)
		gen_ip(m, IFA_LOCAL, family, text);
	nla_put_string(m, IFA_LABEL, "eth0");
	nla_put_u32(m, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	return m;
}

static struct nl_msg *gen_route(int type, int family, const char *dst,
				uint8_t dst_len)
{
	struct nl_msg *m = gen_msg(type, 0, sizeof(struct rtmsg));
	struct rtmsg *rtm = gen_hdr(m);

	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	nla_put_u32(m, RTA_TABLE, RT_TABLE_MAIN);
	if (dst)
		gen_ip(m, RTA_DST, family, dst);
	else
		gen_ip(m, RTA_GATEWAY, family,
		       family == AF_INET ? "192.0.2.254" : "fe80::1");
	nla_put_u32(m, RTA_OIF, 2);
	return m;
}

static int gen_rtnl(const char *dir)
{
	int err = 0;

	err |= gen_write(dir, "link_new", gen_link(RTM_NEWLINK, 2, "eth0"), 0);
	err |= gen_write(dir, "link_del", gen_link(RTM_DELLINK, 3, NULL), 0);
	err |= gen_write(dir, "addr_new_v4",
			 gen_addr(RTM_NEWADDR, AF_INET, "192.0.2.1", 24), 0);
	err |= gen_write(dir, "addr_del_v6",
			 gen_addr(RTM_DELADDR, AF_INET6, "2001:db8::1", 64), 0);
	err |= gen_write(dir, "route_default_v4",
			 gen_route(RTM_NEWROUTE, AF_INET, NULL, 0), 0);
	err |= gen_write(dir, "route_prefix_v6",
			 gen_route(RTM_DELROUTE, AF_INET6, "2001:db8::", 32), 0);
	/* Cut inside the address attribute. */
	err |= gen_write(dir, "bad_addr_truncated",
			 gen_addr(RTM_NEWADDR, AF_INET6, "2001:db8::1", 64),
			 NLMSG_HDRLEN + sizeof(struct ifaddrmsg) + 10);
	return err;
}

/* ---- fuzz_diag ---- */

static void gen_diag_id(struct inet_diag_msg *d, int family, const char *src,
			const char *dst)
{
	d->idiag_family = (uint8_t)family;
	d->id.idiag_sport = htons(40000);
	d->id.idiag_dport = htons(443);
	inet_pton(family, src, d->id.idiag_src);
	inet_pton(family, dst, d->id.idiag_dst);
	d->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	d->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

/* An MPTCP socket: its mptcp_info carries the token. */
static struct nl_msg *gen_diag_conn(int family, const char *src,
				    const char *dst, uint8_t state)
{
	struct nl_msg *m = gen_msg(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
				   sizeof(struct inet_diag_msg));
	struct inet_diag_msg *d = gen_hdr(m);
	struct mptcp_info mi;

	gen_diag_id(d, family, src, dst);
	d->idiag_state = state;
	memset(&mi, 0, sizeof(mi));
	mi.mptcpi_subflows = 1;
	mi.mptcpi_token = GEN_TOKEN;
	nla_put(m, INET_DIAG_INFO, sizeof(mi), &mi);
	return m;
}

/* A TCP subflow: tcp_info (glibc's, which is shorter than the kernel's:
 * no bytes_acked), then the ULP nest naming mptcp. */
static struct nl_msg *gen_diag_subflow(int family, const char *src,
				       const char *dst, uint32_t flags)
{
	struct nl_msg *m = gen_msg(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
				   sizeof(struct inet_diag_msg));
	struct inet_diag_msg *d = gen_hdr(m);
	struct nlattr *ulp, *mp;
	struct tcp_info ti;

	gen_diag_id(d, family, src, dst);
	d->idiag_state = TCP_ESTABLISHED;
	d->id.idiag_if = 2;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_unacked = 3;
	ti.tcpi_rtt = 800;
	nla_put(m, INET_DIAG_INFO, sizeof(ti), &ti);
	ulp = nla_nest_start(m, INET_DIAG_ULP_INFO);
	nla_put_string(m, INET_ULP_INFO_NAME, "mptcp");
	mp = nla_nest_start(m, INET_ULP_INFO_MPTCP);
	nla_put_u32(m, MPTCP_SUBFLOW_ATTR_TOKEN_LOC, GEN_TOKEN);
	nla_put_u8(m, MPTCP_SUBFLOW_ATTR_ID_LOC, 1);
	nla_put_u8(m, MPTCP_SUBFLOW_ATTR_ID_REM, 0);
	nla_put_u32(m, MPTCP_SUBFLOW_ATTR_FLAGS, flags);
	nla_nest_end(m, mp);
	nla_nest_end(m, ulp);
	return m;
}

/* A dump's end: NLMSG_DONE and its int status. */
static struct nl_msg *gen_done(int status)
{
	struct nl_msg *m = gen_msg(NLMSG_DONE, NLM_F_MULTI, sizeof(int));

	memcpy(gen_hdr(m), &status, sizeof(status));
	return m;
}

/* An error answering a request of type req_type, capped (the request's
 * header only, in struct nlmsgerr), with the kernel's text if any. */
static struct nl_msg *gen_error(int error, int req_type, const char *text)
{
	int flags = NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0);
	struct nl_msg *m = gen_msg(NLMSG_ERROR, flags, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = gen_hdr(m);

	e->error = error;
	e->msg.nlmsg_len = NLMSG_HDRLEN + 24;
	e->msg.nlmsg_type = (uint16_t)req_type;
	e->msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	e->msg.nlmsg_seq = GEN_SEQ;
	if (text)
		nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	return m;
}

static int gen_diag(const char *dir)
{
	struct nl_msg *v[GEN_MAX_MSGS];
	int err = 0;

	err |= gen_write(dir, "conn_v4", gen_diag_conn(AF_INET, "192.0.2.1",
			 "192.0.2.2", TCP_ESTABLISHED), 0);
	err |= gen_write(dir, "conn_listener_v6", gen_diag_conn(AF_INET6,
			 "2001:db8::1", "::", TCP_LISTEN), 0);
	err |= gen_write(dir, "subflow_v6", gen_diag_subflow(AF_INET6,
			 "2001:db8::1", "2001:db8::2", 0), 0);
	v[0] = gen_diag_subflow(AF_INET, "192.0.2.1", "192.0.2.2", 1);
	v[1] = gen_diag_subflow(AF_INET6, "::ffff:198.51.100.2",
				"::ffff:192.0.2.2", 0);
	v[2] = gen_done(0);
	err |= gen_write_n(dir, "dump_subflows", v, 3, 0);
	v[0] = gen_diag_conn(AF_INET, "192.0.2.1", "192.0.2.2", TCP_ESTABLISHED);
	v[1] = gen_error(-ENOENT, SOCK_DIAG_BY_FAMILY, "no handler");
	err |= gen_write_n(dir, "dump_error", v, 2, 0);
	/* Lookup replies: seq 1 found, seq 2 gone, seq 3 found. */
	v[0] = gen_diag_subflow(AF_INET, "192.0.2.1", "192.0.2.2", 1);
	v[1] = gen_error(-ENOENT, SOCK_DIAG_BY_FAMILY, NULL);
	nlmsg_hdr(v[1])->nlmsg_seq = GEN_SEQ + 1;
	v[2] = gen_diag_subflow(AF_INET, "198.51.100.2", "192.0.2.2", 0);
	nlmsg_hdr(v[2])->nlmsg_seq = GEN_SEQ + 2;
	err |= gen_write_n(dir, "query_replies", v, 3, 0);
	/* An error field that is no errno (strerror(-INT_MIN) overflowed). */
	err |= gen_write(dir, "bad_error_int_min",
			 gen_error(INT_MIN, SOCK_DIAG_BY_FAMILY, NULL), 0);
	err |= gen_write(dir, "bad_subflow_truncated", gen_diag_subflow(AF_INET,
			 "192.0.2.1", "192.0.2.2", 0), NLMSG_HDRLEN + 100);
	return err;
}

/* ---- fuzz_genl_dump ---- */

/* One entry of a GET_ADDR dump: the MPTCP_PM_ATTR_ADDR nest. */
static struct nl_msg *gen_entry(int family, const char *text, uint8_t id,
				uint16_t port)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *nest;

	if (!m || !genlmsg_put(m, 0, GEN_SEQ, GEN_FAMILY_ID, 0, NLM_F_MULTI,
			       MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER)) {
		fprintf(stderr, "gen_nl_corpus: out of memory\n");
		exit(1);
	}
	nest = nla_nest_start(m, MPTCP_PM_ATTR_ADDR);
	nla_put_u16(m, MPTCP_PM_ADDR_ATTR_FAMILY, (uint16_t)family);
	nla_put_u8(m, MPTCP_PM_ADDR_ATTR_ID, id);
	gen_ip(m, family == AF_INET ? MPTCP_PM_ADDR_ATTR_ADDR4 :
	       MPTCP_PM_ADDR_ATTR_ADDR6, family, text);
	if (port)
		nla_put_u16(m, MPTCP_PM_ADDR_ATTR_PORT, port);
	nla_put_u32(m, MPTCP_PM_ADDR_ATTR_FLAGS, MPTCP_PM_ADDR_FLAG_SUBFLOW);
	nla_put_s32(m, MPTCP_PM_ADDR_ATTR_IF_IDX, 2);
	nla_nest_end(m, nest);
	return m;
}

/* NLMSG_DONE with a status and the kernel's text. */
static struct nl_msg *gen_done_text(int status, const char *text)
{
	struct nl_msg *m = gen_done(status);

	nlmsg_hdr(m)->nlmsg_flags |= NLM_F_ACK_TLVS;
	nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	return m;
}

static int gen_genl_dump(const char *dir)
{
	int err = 0;

	err |= gen_write(dir, "entry_v4",
			 gen_entry(AF_INET, "192.0.2.1", 1, 0), 0);
	err |= gen_write(dir, "entry_v6_port",
			 gen_entry(AF_INET6, "2001:db8::1", 2, 8080), 0);
	err |= gen_write(dir, "done", gen_done(0), 0);
	err |= gen_write(dir, "error_invalid_token",
			 gen_error(-EINVAL, GEN_FAMILY_ID, "invalid token"), 0);
	err |= gen_write(dir, "done_ext_ack",
			 gen_done_text(-EINVAL, "invalid token"), 0);
	err |= gen_write(dir, "bad_entry_truncated",
			 gen_entry(AF_INET6, "2001:db8::1", 2, 0),
			 NLMSG_HDRLEN + GENL_HDRLEN + 20);
	return err;
}

/* ---- fuzz_nl_ack ---- */

/* An error that echoes all of a GET_ADDR request (no NLM_F_CAPPED). */
static struct nl_msg *gen_error_uncapped(int error, const char *text)
{
	struct genlmsghdr gh = { .cmd = MPTCP_PM_CMD_GET_ADDR,
				 .version = MPTCP_PM_VER };
	struct nlattr a = { .nla_len = NLA_HDRLEN + 4,
			    .nla_type = MPTCP_PM_ATTR_TOKEN };
	uint32_t token = GEN_TOKEN;
	size_t req = GENL_HDRLEN + NLA_HDRLEN + 4;
	struct nl_msg *m = gen_msg(NLMSG_ERROR, NLM_F_ACK_TLVS,
				   sizeof(struct nlmsgerr) + req);
	struct nlmsgerr *e = gen_hdr(m);
	char *p = (char *)(e + 1);

	e->error = error;
	e->msg.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + req);
	e->msg.nlmsg_type = GEN_FAMILY_ID;
	e->msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	e->msg.nlmsg_seq = GEN_SEQ;
	memcpy(p, &gh, sizeof(gh));
	memcpy(p + GENL_HDRLEN, &a, sizeof(a));
	memcpy(p + GENL_HDRLEN + NLA_HDRLEN, &token, sizeof(token));
	nla_put_u32(m, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN + GENL_HDRLEN);
	nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	return m;
}

static int gen_nl_ack(const char *dir)
{
	struct nl_msg *m;
	int err = 0;

	err |= gen_write(dir, "ack", gen_error(0, GEN_FAMILY_ID, NULL), 0);
	err |= gen_write(dir, "error_capped_ext_ack",
			 gen_error(-EINVAL, GEN_FAMILY_ID, "invalid token"), 0);
	err |= gen_write(dir, "error_uncapped_ext_ack",
			 gen_error_uncapped(-ENOENT, "address not found"), 0);
	err |= gen_write(dir, "done_ext_ack",
			 gen_done_text(-EINVAL, "invalid token"), 0);
	err |= gen_write(dir, "bad_error_int_min",
			 gen_error(INT_MIN, GEN_FAMILY_ID, "x"), 0);
	/* The echo claims more than the message holds. */
	m = gen_error_uncapped(-EINVAL, "invalid token");
	((struct nlmsgerr *)gen_hdr(m))->msg.nlmsg_len = 4096;
	err |= gen_write(dir, "bad_echo_too_long", m, 0);
	return err;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *target;
		int (*gen)(const char *dir);
	} corpora[] = {
		{ "fuzz_rtnl", gen_rtnl },
		{ "fuzz_diag", gen_diag },
		{ "fuzz_genl_dump", gen_genl_dump },
		{ "fuzz_nl_ack", gen_nl_ack },
	};
	char dir[4096];
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(corpora) / sizeof(corpora[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", argv[1], corpora[i].target);
		err |= corpora[i].gen(dir);
	}
	return err ? 1 : 0;
}
