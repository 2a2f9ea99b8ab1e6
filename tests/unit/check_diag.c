/* SPDX-License-Identifier: BSD-3-Clause */
/* sock_diag without a kernel: the exact-lookup requests diag_query_subflows
 * sends (diag_query.c), and the decoding (diag.c) of crafted subflow
 * replies and of the MPTCP socket replies of the adoption dump. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>

#include "diag.h"
#include "diag_priv.h"
#include "fixture.h"
#include "nlbuf.h"
#include "mptcp_uapi.h"

#define SEQ0	1000u

static struct diag_subflow_key key(const char *local, uint16_t lport,
				   const char *remote, uint16_t rport,
				   int ifindex)
{
	struct diag_subflow_key k;

	memset(&k, 0, sizeof(k));
	k.local = fx_addr(local, lport);
	k.remote = fx_addr(remote, rport);
	k.ifindex = ifindex;
	return k;
}

/* The i-th request of a built buffer, copied out (buf may be unaligned). */
struct req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};

static struct req req_at(const void *buf, size_t i)
{
	struct req q;

	memcpy(&q, (const char *)buf + i * DIAG_QUERY_LEN, sizeof(q));
	return q;
}

START_TEST(test_request_size)
{
	ck_assert_uint_eq(DIAG_QUERY_LEN, sizeof(struct req));
	ck_assert_uint_eq(DIAG_QUERY_LEN, NLMSG_ALIGN(DIAG_QUERY_LEN));
}
END_TEST

/* Every field the kernel's exact lookup reads. */
START_TEST(test_request_v4)
{
	struct diag_subflow_key k = key("192.0.2.1", 40000, "198.51.100.1",
					 80, 3);
	char buf[DIAG_QUERY_LEN];
	uint32_t src, dst;
	size_t used = 0;
	struct req q;

	ck_assert_uint_eq(diag_build_queries(&k, 1, SEQ0, buf, sizeof(buf),
					     &used), 1);
	ck_assert_uint_eq(used, DIAG_QUERY_LEN);
	q = req_at(buf, 0);
	ck_assert_uint_eq(q.nlh.nlmsg_len, DIAG_QUERY_LEN);
	ck_assert_uint_eq(q.nlh.nlmsg_type, SOCK_DIAG_BY_FAMILY);
	/* Not a dump, and no ack: one reply or one error per request. */
	ck_assert_uint_eq(q.nlh.nlmsg_flags, NLM_F_REQUEST);
	ck_assert_uint_eq(q.nlh.nlmsg_seq, SEQ0);
	ck_assert_uint_eq(q.r.sdiag_family, AF_INET);
	ck_assert_uint_eq(q.r.sdiag_protocol, IPPROTO_TCP);
	ck_assert_uint_eq(q.r.idiag_ext, 1u << (INET_DIAG_INFO - 1));
	ck_assert_uint_eq(q.r.id.idiag_sport, htons(40000));
	ck_assert_uint_eq(q.r.id.idiag_dport, htons(80));
	inet_pton(AF_INET, "192.0.2.1", &src);
	inet_pton(AF_INET, "198.51.100.1", &dst);
	ck_assert_uint_eq(q.r.id.idiag_src[0], src);
	ck_assert_uint_eq(q.r.id.idiag_dst[0], dst);
	ck_assert_uint_eq(q.r.id.idiag_src[1] | q.r.id.idiag_src[2] |
			  q.r.id.idiag_src[3], 0);
	ck_assert_uint_eq(q.r.id.idiag_if, 3);
	ck_assert_uint_eq(q.r.id.idiag_cookie[0], INET_DIAG_NOCOOKIE);
	ck_assert_uint_eq(q.r.id.idiag_cookie[1], INET_DIAG_NOCOOKIE);
}
END_TEST

START_TEST(test_request_v6)
{
	struct diag_subflow_key k = key("2001:db8::1", 1, "2001:db8:1::2",
					 65535, 0);
	unsigned char src[16], dst[16];
	char buf[DIAG_QUERY_LEN];
	size_t used;
	struct req q;

	ck_assert_uint_eq(diag_build_queries(&k, 1, 7, buf, sizeof(buf),
					     &used), 1);
	q = req_at(buf, 0);
	ck_assert_uint_eq(q.r.sdiag_family, AF_INET6);
	ck_assert_uint_eq(q.r.id.idiag_sport, htons(1));
	ck_assert_uint_eq(q.r.id.idiag_dport, htons(65535));
	inet_pton(AF_INET6, "2001:db8::1", src);
	inet_pton(AF_INET6, "2001:db8:1::2", dst);
	ck_assert_mem_eq(q.r.id.idiag_src, src, 16);
	ck_assert_mem_eq(q.r.id.idiag_dst, dst, 16);
	ck_assert_uint_eq(q.r.id.idiag_if, 0);
}
END_TEST

/* A v4-mapped key is asked for as plain IPv4: the kernel's AF_INET lookup
 * finds dual-stack sockets too. */
START_TEST(test_request_v4_mapped)
{
	struct diag_subflow_key k = key("::ffff:192.0.2.1", 5,
					 "198.51.100.1", 6, 0);
	char buf[DIAG_QUERY_LEN];
	uint32_t src;
	size_t used;
	struct req q;

	ck_assert_int_eq(diag_key_family(&k), AF_INET);
	ck_assert_uint_eq(diag_build_queries(&k, 1, 7, buf, sizeof(buf),
					     &used), 1);
	q = req_at(buf, 0);
	ck_assert_uint_eq(q.r.sdiag_family, AF_INET);
	inet_pton(AF_INET, "192.0.2.1", &src);
	ck_assert_uint_eq(q.r.id.idiag_src[0], src);
	ck_assert_uint_eq(q.r.id.idiag_src[1], 0);
}
END_TEST

START_TEST(test_key_family)
{
	struct diag_subflow_key k = key("192.0.2.1", 1, "2001:db8::1", 2, 0);

	ck_assert_int_eq(diag_key_family(&k), AF_UNSPEC);
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(diag_key_family(&k), AF_UNSPEC);
	k = key("2001:db8::1", 1, "2001:db8::2", 2, 0);
	ck_assert_int_eq(diag_key_family(&k), AF_INET6);
}
END_TEST

/* Back to back, each with its own sequence number: seq + index. */
START_TEST(test_batch_layout)
{
	struct diag_subflow_key k[3] = {
		key("192.0.2.1", 1000, "198.51.100.1", 80, 0),
		key("2001:db8::1", 1001, "2001:db8::2", 80, 4),
		key("192.0.2.1", 1002, "198.51.100.1", 80, 5),
	};
	char buf[3 * DIAG_QUERY_LEN + 1];
	size_t used, i;

	/* Misaligned on purpose. */
	ck_assert_uint_eq(diag_build_queries(k, 3, SEQ0, buf + 1,
					     sizeof(buf) - 1, &used), 3);
	ck_assert_uint_eq(used, 3 * DIAG_QUERY_LEN);
	for (i = 0; i < 3; i++) {
		struct req q = req_at(buf + 1, i);

		ck_assert_uint_eq(q.nlh.nlmsg_seq, SEQ0 + i);
		ck_assert_uint_eq(q.nlh.nlmsg_len, DIAG_QUERY_LEN);
		ck_assert_uint_eq(q.r.id.idiag_sport, htons(1000 + i));
		ck_assert_uint_eq(q.r.id.idiag_if, (uint32_t)k[i].ifindex);
	}
}
END_TEST

/* A full buffer stops the batch; the caller sends the rest later. */
START_TEST(test_batch_buffer_full)
{
	struct diag_subflow_key k[5];
	char buf[3 * DIAG_QUERY_LEN + DIAG_QUERY_LEN - 1];
	size_t used = 99, i;

	for (i = 0; i < 5; i++)
		k[i] = key("192.0.2.1", (uint16_t)(2000 + i), "198.51.100.1",
			   80, 0);
	ck_assert_uint_eq(diag_build_queries(k, 5, 1, buf, sizeof(buf),
					     &used), 3);
	ck_assert_uint_eq(used, 3 * DIAG_QUERY_LEN);
	ck_assert_uint_eq(diag_build_queries(k, 5, 1, buf, DIAG_QUERY_LEN - 1,
					     &used), 0);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(diag_build_queries(k, 0, 1, buf, sizeof(buf),
					     &used), 0);
	ck_assert_uint_eq(used, 0);
}
END_TEST

/* A key that cannot name a socket is taken but gets no request; the keys
 * after it keep their own sequence numbers. */
START_TEST(test_batch_skips_bad_key)
{
	struct diag_subflow_key k[3] = {
		key("192.0.2.1", 1000, "198.51.100.1", 80, 0),
		key("192.0.2.1", 1001, "2001:db8::2", 80, 0),
		key("192.0.2.1", 1002, "198.51.100.1", 80, 0),
	};
	char buf[3 * DIAG_QUERY_LEN];
	size_t used;

	ck_assert_uint_eq(diag_build_queries(k, 3, SEQ0, buf, sizeof(buf),
					     &used), 3);
	ck_assert_uint_eq(used, 2 * DIAG_QUERY_LEN);
	ck_assert_uint_eq(req_at(buf, 0).nlh.nlmsg_seq, SEQ0);
	ck_assert_uint_eq(req_at(buf, 1).nlh.nlmsg_seq, SEQ0 + 2);
	ck_assert_uint_eq(req_at(buf, 1).r.id.idiag_sport, htons(1002));
	/* A bad key at the end needs no room. */
	ck_assert_uint_eq(diag_build_queries(k, 2, SEQ0, buf, DIAG_QUERY_LEN,
					     &used), 2);
	ck_assert_uint_eq(used, DIAG_QUERY_LEN);
}
END_TEST

START_TEST(test_query_nothing)
{
	ck_assert_int_eq(diag_query_subflows(NULL, 0, NULL, NULL), 0);
}
END_TEST

/* ---- Replies, as the kernel lays them out. ---- */

struct reply_opts {
	uint8_t state;
	uint32_t flags;		/* MPTCP_SUBFLOW_FLAG_* */
	bool mptcp;		/* has the mptcp ULP nest */
	bool token;		/* the nest carries a token */
};

static const struct reply_opts SUBFLOW = {
	.state = 1, .flags = MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED,
	.mptcp = true, .token = true,
};

static void reply_ulp(struct nl_buf *m, const struct reply_opts *o)
{
	const char *name = o->mptcp ? "mptcp" : "tls";
	uint32_t token = 0x1234abcd;
	uint8_t lid = 2, rid = 5;
	struct nlattr *ulp, *mp;

	ulp = nb_put(m, INET_DIAG_ULP_INFO, NULL, 0);
	/* The attribute is the string and its NUL, like the kernel's. */
	nb_put(m, INET_ULP_INFO_NAME, name, strlen(name) + 1);
	mp = nb_put(m, INET_ULP_INFO_MPTCP, NULL, 0);
	if (o->token)
		nb_put(m, MPTCP_SUBFLOW_ATTR_TOKEN_LOC, &token, 4);
	nb_put(m, MPTCP_SUBFLOW_ATTR_ID_LOC, &lid, 1);
	nb_put(m, MPTCP_SUBFLOW_ATTR_ID_REM, &rid, 1);
	nb_put(m, MPTCP_SUBFLOW_ATTR_FLAGS, &o->flags, 4);
	nb_end(m, mp);
	nb_end(m, ulp);
}

/* The kernel's reply to the request: the socket id echoed back (with the
 * bound device in idiag_if), tcp_info and the MPTCP ULP nest. */
static const struct nlmsghdr *reply_to(struct nl_buf *m, const struct req *q,
				       const struct reply_opts *o)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct inet_diag_msg *d = NLMSG_DATA(nlh);
	struct tcp_info ti;

	memset(m, 0, sizeof(*m));
	memset(&ti, 0, sizeof(ti));
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_seq = q->nlh.nlmsg_seq;
	d->idiag_family = q->r.sdiag_family;
	d->idiag_state = o->state;
	d->id = q->r.id;
	m->len = NLMSG_LENGTH(sizeof(*d));
	ti.tcpi_unacked = 3;
	ti.tcpi_rtt = 800;
	ti.tcpi_bytes_acked = 4242;
	nb_put(m, INET_DIAG_INFO, &ti, sizeof(ti));
	reply_ulp(m, o);
	nlh->nlmsg_len = (uint32_t)m->len;
	return nlh;
}

/* Builds the reply, then parses it (m.len is only known afterwards). */
static int reparse(struct nl_buf *m, const struct req *q,
		   const struct reply_opts *o, struct diag_subflow *s)
{
	const struct nlmsghdr *nlh = reply_to(m, q, o);

	return diag_parse_subflow(nlh, m->len, s);
}

static struct req one_request(const struct diag_subflow_key *k)
{
	char buf[DIAG_QUERY_LEN];
	size_t used;

	ck_assert_uint_eq(diag_build_queries(k, 1, SEQ0, buf, sizeof(buf),
					     &used), 1);
	return req_at(buf, 0);
}

/* What we ask for is what we get back, bound device included. */
START_TEST(test_reply_round_trip_v6)
{
	struct diag_subflow_key k = key("2001:db8::1", 40000, "2001:db8::2",
					 443, 7);
	struct req q = one_request(&k);
	struct nl_buf m;
	const struct nlmsghdr *nlh = reply_to(&m, &q, &SUBFLOW);
	struct diag_subflow s;

	ck_assert_int_eq(diag_parse_subflow(nlh, m.len, &s), 0);
	ck_assert(addr_equal(&s.local, &k.local));
	ck_assert(addr_equal(&s.remote, &k.remote));
	ck_assert_int_eq(s.ifindex, 7);
	ck_assert_uint_eq(s.token, 0x1234abcd);
	ck_assert_uint_eq(s.local_id, 2);
	ck_assert_uint_eq(s.remote_id, 5);
	ck_assert(s.established);
	ck_assert(!s.backup);
	ck_assert(s.has_tcp_info && s.has_bytes_acked);
	ck_assert_uint_eq(s.unacked, 3);
	ck_assert_uint_eq(s.rtt_us, 800);
	ck_assert_uint_eq(s.bytes_acked, 4242);
}
END_TEST

START_TEST(test_reply_round_trip_v4)
{
	struct diag_subflow_key k = key("192.0.2.1", 40000, "198.51.100.1",
					 80, 0);
	struct req q = one_request(&k);
	struct nl_buf m;
	const struct nlmsghdr *nlh;
	struct diag_subflow s;

	nlh = reply_to(&m, &q, &SUBFLOW);
	ck_assert_int_eq(diag_parse_subflow(nlh, m.len, &s), 0);
	ck_assert(addr_equal(&s.local, &k.local));
	ck_assert(addr_equal(&s.remote, &k.remote));
	ck_assert_int_eq(s.ifindex, 0);
}
END_TEST

/* A dual-stack socket found by an AF_INET lookup answers as AF_INET6 with
 * v4-mapped addresses: they come back as the plain IPv4 we asked for. */
START_TEST(test_reply_v4_mapped)
{
	struct diag_subflow_key k = key("192.0.2.1", 40000, "198.51.100.1",
					 80, 0);
	struct req q = one_request(&k);
	struct nl_buf m;
	struct diag_subflow s;

	q.r.sdiag_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:192.0.2.1", q.r.id.idiag_src);
	inet_pton(AF_INET6, "::ffff:198.51.100.1", q.r.id.idiag_dst);
	ck_assert_int_eq(reparse(&m, &q, &SUBFLOW, &s), 0);
	ck_assert_uint_eq(s.local.family, AF_INET);
	ck_assert(addr_equal(&s.local, &k.local));
	ck_assert(addr_equal(&s.remote, &k.remote));
}
END_TEST

START_TEST(test_reply_backup_and_not_fully_established)
{
	struct diag_subflow_key k = key("192.0.2.1", 1, "198.51.100.1", 2, 0);
	struct req q = one_request(&k);
	struct reply_opts o = SUBFLOW;
	struct nl_buf m;
	struct diag_subflow s;

	o.flags = MPTCP_SUBFLOW_FLAG_BKUP_REM;
	ck_assert_int_eq(reparse(&m, &q, &o, &s), 0);
	ck_assert(s.backup);
	ck_assert(!s.established);
	ck_assert_uint_eq(s.state, 1);
}
END_TEST

/* An exact lookup that misses the established table falls back to the
 * listener on that port: its reply must not reach the caller, nor a plain
 * TCP socket's, nor a time-wait one's. */
START_TEST(test_reply_not_a_subflow)
{
	struct diag_subflow_key k = key("192.0.2.1", 80, "198.51.100.1", 2, 0);
	struct req q = one_request(&k);
	struct reply_opts o = SUBFLOW;
	struct nl_buf m;
	struct diag_subflow s;

	o.state = 10;	/* TCP_LISTEN */
	ck_assert_int_eq(reparse(&m, &q, &o, &s), 1);
	o.state = 6;	/* TCP_TIME_WAIT */
	ck_assert_int_eq(reparse(&m, &q, &o, &s), 1);
	o = SUBFLOW;
	o.mptcp = false;
	ck_assert_int_eq(reparse(&m, &q, &o, &s), 1);
}
END_TEST

START_TEST(test_reply_malformed)
{
	struct diag_subflow_key k = key("192.0.2.1", 1, "198.51.100.1", 2, 0);
	struct req q = one_request(&k);
	struct reply_opts o = SUBFLOW;
	struct nl_buf m;
	const struct nlmsghdr *nlh = reply_to(&m, &q, &SUBFLOW);
	struct diag_subflow s;

	/* Claims more than was received. */
	ck_assert_int_eq(diag_parse_subflow(nlh, m.len - 4, &s), -EINVAL);
	/* Too short for the fixed header. */
	ck_assert_int_eq(diag_parse_subflow(nlh, NLMSG_HDRLEN + 8, &s),
			 -EINVAL);
	/* An MPTCP nest without a token. */
	o.token = false;
	ck_assert_int_eq(reparse(&m, &q, &o, &s), -EINVAL);
	/* An error message is not a reply. */
	nlh = reply_to(&m, &q, &SUBFLOW);
	((struct nlmsghdr *)m.b)->nlmsg_type = NLMSG_ERROR;
	ck_assert_int_eq(diag_parse_subflow(nlh, m.len, &s), -EINVAL);
}
END_TEST

/* ---- MPTCP sockets, as the adoption dump reports them. ---- */

#define TCP_STATE_ESTABLISHED	1
#define TCP_STATE_LISTEN	10

static const struct nlmsghdr *conn_reply(struct nl_buf *m, uint8_t state,
					 uint32_t flags, size_t info_len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct inet_diag_msg *d = NLMSG_DATA(nlh);
	struct mptcp_info mi;

	memset(m, 0, sizeof(*m));
	memset(&mi, 0, sizeof(mi));
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	d->idiag_family = AF_INET;
	d->idiag_state = state;
	d->id.idiag_sport = htons(40000);
	d->id.idiag_dport = htons(80);
	inet_pton(AF_INET, "192.0.2.1", d->id.idiag_src);
	inet_pton(AF_INET, "198.51.100.1", d->id.idiag_dst);
	m->len = NLMSG_LENGTH(sizeof(*d));
	mi.mptcpi_flags = flags;
	mi.mptcpi_token = 0xfeed0001;
	nb_put(m, INET_DIAG_INFO, &mi, info_len);
	nlh->nlmsg_len = (uint32_t)m->len;
	return nlh;
}

START_TEST(test_conn_established)
{
	struct nl_buf m;
	const struct nlmsghdr *nlh = conn_reply(&m, TCP_STATE_ESTABLISHED, 0,
						sizeof(struct mptcp_info));
	struct mptcpd_addr local = fx_addr("192.0.2.1", 40000);
	struct mptcpd_addr remote = fx_addr("198.51.100.1", 80);
	struct diag_conn c;

	ck_assert_int_eq(diag_parse_conn(nlh, m.len, &c), 0);
	ck_assert_uint_eq(c.token, 0xfeed0001);
	ck_assert(addr_equal(&c.local, &local));
	ck_assert(addr_equal(&c.remote, &remote));
	ck_assert_uint_eq(c.state, TCP_STATE_ESTABLISHED);
	ck_assert(!c.listener && !c.fallback);
}
END_TEST

START_TEST(test_conn_listener_and_fallback)
{
	struct nl_buf m;
	const struct nlmsghdr *nlh;
	struct diag_conn c;

	nlh = conn_reply(&m, TCP_STATE_LISTEN, 0, sizeof(struct mptcp_info));
	ck_assert_int_eq(diag_parse_conn(nlh, m.len, &c), 0);
	ck_assert(c.listener);
	ck_assert_uint_eq(c.remote.family, 0);	/* no peer */
	nlh = conn_reply(&m, TCP_STATE_ESTABLISHED, MPTCP_INFO_FLAG_FALLBACK,
			 sizeof(struct mptcp_info));
	ck_assert_int_eq(diag_parse_conn(nlh, m.len, &c), 0);
	ck_assert(c.fallback && !c.listener);
}
END_TEST

/* A kernel whose mptcp_info ends before the token: no token, no error. */
START_TEST(test_conn_short_info)
{
	struct nl_buf m;
	const struct nlmsghdr *nlh;
	struct diag_conn c;

	nlh = conn_reply(&m, TCP_STATE_ESTABLISHED, MPTCP_INFO_FLAG_FALLBACK,
			 offsetof(struct mptcp_info, mptcpi_token));
	ck_assert_int_eq(diag_parse_conn(nlh, m.len, &c), 0);
	ck_assert_uint_eq(c.token, 0);
	ck_assert(c.fallback);
	ck_assert_int_eq(diag_parse_conn(nlh, NLMSG_HDRLEN + 8, &c), -EINVAL);
}
END_TEST

/* ---- Error replies in a datagram. ---- */

/* One NLMSG_ERROR of sequence 1 carrying this error. */
static void error_datagram(struct nl_buf *m, int error)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct nlmsgerr *e = NLMSG_DATA(nlh);

	memset(m, 0, sizeof(*m));
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 1;
	e->error = error;
	m->len = NLMSG_LENGTH(sizeof(*e));
	nlh->nlmsg_len = (uint32_t)m->len;
}

static void no_subflow(void *arg, const struct diag_subflow *s)
{
	ck_abort_msg("an error reply is no subflow");
}

/* The kernel's errno reaches the caller of a dump and of a lookup. */
START_TEST(test_error_reply)
{
	struct diag_subflow_ctx sc = { .cb = no_subflow };
	struct diag_dump d = { .seq = 1, .fn = diag_on_subflow, .ctx = &sc };
	bool answered[1] = { false };
	struct diag_query q = { .answered = answered, .seq = 1, .n = 1,
				.left = 1, .sc = sc };
	struct nl_buf m;

	error_datagram(&m, -EPERM);
	ck_assert_int_eq(diag_dump_walk(m.b, m.len, &d), -EPERM);
	ck_assert_int_eq(diag_query_walk(&q, m.b, m.len), 0);
	ck_assert_int_eq(q.err, -EPERM);
	ck_assert_uint_eq(q.left, 0);
}
END_TEST

/* An error field that is no errno reads as -EIO: fed to fuzz_diag, an
 * INT_MIN here made UBSan stop the walk at strerror(-INT_MIN). */
START_TEST(test_error_reply_int_min)
{
	struct diag_subflow_ctx sc = { .cb = no_subflow };
	struct diag_dump d = { .seq = 1, .fn = diag_on_subflow, .ctx = &sc };
	bool answered[1] = { false };
	struct diag_query q = { .answered = answered, .seq = 1, .n = 1,
				.left = 1, .sc = sc };
	struct nl_buf m;

	error_datagram(&m, INT_MIN);
	ck_assert_int_eq(diag_dump_walk(m.b, m.len, &d), -EIO);
	ck_assert_int_eq(diag_query_walk(&q, m.b, m.len), 0);
	ck_assert_int_eq(q.err, -EIO);
}
END_TEST

static Suite *diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *req = tcase_create("request");
	TCase *rep = tcase_create("reply");
	TCase *conn = tcase_create("conn");

	tcase_add_test(req, test_request_size);
	tcase_add_test(req, test_request_v4);
	tcase_add_test(req, test_request_v6);
	tcase_add_test(req, test_request_v4_mapped);
	tcase_add_test(req, test_key_family);
	tcase_add_test(req, test_batch_layout);
	tcase_add_test(req, test_batch_buffer_full);
	tcase_add_test(req, test_batch_skips_bad_key);
	tcase_add_test(req, test_query_nothing);
	tcase_add_test(rep, test_reply_round_trip_v6);
	tcase_add_test(rep, test_reply_round_trip_v4);
	tcase_add_test(rep, test_reply_v4_mapped);
	tcase_add_test(rep, test_reply_backup_and_not_fully_established);
	tcase_add_test(rep, test_reply_not_a_subflow);
	tcase_add_test(rep, test_reply_malformed);
	suite_add_tcase(s, req);
	tcase_add_test(conn, test_conn_established);
	tcase_add_test(conn, test_conn_listener_and_fallback);
	tcase_add_test(conn, test_conn_short_info);
	tcase_add_test(rep, test_error_reply);
	tcase_add_test(rep, test_error_reply_int_min);
	suite_add_tcase(s, rep);
	suite_add_tcase(s, conn);
	return s;
}

FX_RUN(diag_suite)
