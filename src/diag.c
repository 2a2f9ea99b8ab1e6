/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag snapshots of MPTCP connections and of their TCP subflows.
 *
 * A plain NETLINK_SOCK_DIAG socket per dump or query: we need the
 * kernel's exact errno (a missing mptcp_diag module shows up as ENOENT)
 * and its extended-ack text, which libnl's error mapping would blur.
 * libnl is used only for its attribute parser.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <netlink/attr.h>
#include "diag.h"
#include "addr.h"
#include "log.h"
#include "mptcp_uapi.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Kernel dump skbs stay well below this. */
#define DIAG_BUF_SIZE		(64 * 1024)
/* Bounds a dump: 2^20 reads of >= 1 socket each is far beyond any host. */
#define DIAG_MAX_READS		(1u << 20)
/* The kernel always answers; this only guards against a wedged socket. */
#define DIAG_TIMEOUT_S		5
/* Not in glibc's <netinet/tcp.h>: request sockets (half-open, server). */
#define DIAG_TCP_NEW_SYN_RECV	12
#define DIAG_STATES_ALL		0xffffffffu

/* One reply message handed to the per-dump decoder. */
typedef void (*diag_msg_fn)(const struct nlmsghdr *nlh, size_t len,
			    void *ctx);

struct diag_request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
	struct nlattr proto_hdr;	/* INET_DIAG_REQ_PROTOCOL */
	uint32_t proto;
};

struct diag_dump {
	uint8_t family;
	uint32_t protocol;	/* may exceed the u8 field: MPTCP is 262 */
	uint32_t states;
	uint32_t seq;
	diag_msg_fn fn;
	void *ctx;
};

static int diag_open(int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int one = 1;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	/* Both are best effort: older kernels lack extended acks. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int diag_send(int fd, const struct diag_dump *d)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct diag_request req;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = d->seq;
	req.r.sdiag_family = d->family;
	/* The attribute carries the real protocol.  Leave the u8 field at 0
	 * (no handler) so a kernel ignoring the attribute fails instead of
	 * silently dumping 262 & 0xff = 6 = TCP. */
	req.r.sdiag_protocol = d->protocol <= 255 ? d->protocol : 0;
	req.r.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	req.r.idiag_states = d->states;
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	req.proto_hdr.nla_type = INET_DIAG_REQ_PROTOCOL;
	req.proto_hdr.nla_len = NLA_HDRLEN + sizeof(req.proto);
	req.proto = d->protocol;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* The kernel's extended-ack text, or "" when it sent none. */
static const char *diag_ext_ack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;
	size_t left;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return "";
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		return "";
	a = (const struct nlattr *)((const char *)nlh + off);
	left = nlh->nlmsg_len - off;
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left) {
		size_t step = NLA_ALIGN((size_t)a->nla_len);

		if (a->nla_type == NLMSGERR_ATTR_MSG &&
		    ((const char *)a)[a->nla_len - 1] == '\0')
			return (const char *)a + NLA_HDRLEN;
		if (step >= left)
			break;
		left -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
	return "";
}

/* NLMSG_ERROR or NLMSG_DONE: 0 (success) or -errno. */
static int diag_status(const struct nlmsghdr *nlh, const struct diag_dump *d)
{
	const struct nlmsgerr *e;
	int err;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 0;
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		return err < 0 ? err : 0;
	}
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EIO;
	e = NLMSG_DATA(nlh);
	if (e->error >= 0)
		return 0;
	/* ENOENT / EAFNOSUPPORT answer our probes (no mptcp_diag, no IPv6):
	 * the caller decides whether they matter. */
	log_msg(e->error == -ENOENT || e->error == -EAFNOSUPPORT ?
		LOG_DEBUG : LOG_WARNING, LOG_SUB_DIAG,
		"sock_diag dump family %u protocol %u: %s %s", d->family,
		d->protocol, strerror(-e->error), diag_ext_ack(nlh));
	return e->error;
}

/* Walk one datagram.  1 when the dump is over, 0 to read on, -errno. */
static int diag_walk(const void *buf, size_t len, const struct diag_dump *d)
{
	const char *p = buf;
	const struct nlmsghdr *nlh;
	size_t step;
	int err;

	while (len >= NLMSG_HDRLEN) {
		nlh = (const struct nlmsghdr *)p;
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return -EIO;
		if (nlh->nlmsg_seq == d->seq) {
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR) {
				err = diag_status(nlh, d);
				return err < 0 ? err : 1;
			}
			if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				d->fn(nlh, nlh->nlmsg_len, d->ctx);
		}
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static int diag_recv(int fd, const struct diag_dump *d)
{
	unsigned int reads;
	ssize_t n;
	void *buf;
	int err = -EIO;

	buf = malloc(DIAG_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	for (reads = 0; reads < DIAG_MAX_READS; reads++) {
		n = recv(fd, buf, DIAG_BUF_SIZE, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		err = diag_walk(buf, (size_t)n, d);
		if (err != 0)
			goto out;
	}
	err = -E2BIG;
out:
	free(buf);
	return err < 0 ? err : 0;
}

static int diag_dump(struct diag_dump *d)
{
	int fd, err;

	fd = diag_open(DIAG_TIMEOUT_S);
	if (fd < 0)
		return fd;
	d->seq = 1;
	err = diag_send(fd, d);
	if (err == 0)
		err = diag_recv(fd, d);
	close(fd);
	return err;
}

/* Validates the reply and parses its top-level attributes. */
static int diag_parse_msg(const struct nlmsghdr *nlh, size_t len,
			  struct nlattr **tb, const struct inet_diag_msg **m)
{
	static const struct nla_policy policy[INET_DIAG_MAX + 1] = {
		[INET_DIAG_ULP_INFO] = { .type = NLA_NESTED },
	};
	size_t hdr = NLMSG_ALIGN(sizeof(struct inet_diag_msg));
	struct nlattr *attrs;

	if (len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct inet_diag_msg))
		return -EINVAL;
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -EINVAL;
	*m = NLMSG_DATA(nlh);
	attrs = (struct nlattr *)((char *)NLMSG_DATA(nlh) + hdr);
	if (nla_parse(tb, INET_DIAG_MAX, attrs,
		      (int)nlh->nlmsg_len - (int)(NLMSG_HDRLEN + hdr),
		      policy) < 0)
		return -EINVAL;
	return 0;
}

static void diag_copy_addr(struct mptcpd_addr *a, uint8_t family,
			   const __be32 *ip, __be16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	a->port = ntohs(port);
	if (family == AF_INET)
		memcpy(&a->u.v4, ip, sizeof(a->u.v4));
	else
		memcpy(&a->u.v6, ip, sizeof(a->u.v6));
	/* Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d. */
	addr_unmap_v4(a);
}

/* 0 when the socket's family is one we handle, 1 otherwise. */
static int diag_tuple(const struct inet_diag_msg *m, struct mptcpd_addr *local,
		      struct mptcpd_addr *remote)
{
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return 1;
	diag_copy_addr(local, m->idiag_family, m->id.idiag_src,
		       m->id.idiag_sport);
	diag_copy_addr(remote, m->idiag_family, m->id.idiag_dst,
		       m->id.idiag_dport);
	return 0;
}

/* struct mptcp_info only grows: read a field only if the kernel sent it. */
#define DIAG_INFO_HAS(len, field) \
	((len) >= offsetof(struct mptcp_info, field) + \
		  sizeof(((struct mptcp_info *)0)->field))

static void diag_conn_info(const struct nlattr *info, struct diag_conn *c)
{
	struct mptcp_info mi;
	size_t len;

	if (!info)
		return;
	len = (size_t)nla_len(info);
	memset(&mi, 0, sizeof(mi));
	memcpy(&mi, nla_data(info), len < sizeof(mi) ? len : sizeof(mi));
	if (DIAG_INFO_HAS(len, mptcpi_flags))
		c->fallback = mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK;
	if (DIAG_INFO_HAS(len, mptcpi_token))
		c->token = mi.mptcpi_token;
}

int diag_parse_conn(const struct nlmsghdr *nlh, size_t len,
		    struct diag_conn *out)
{
	struct nlattr *tb[INET_DIAG_MAX + 1];
	const struct inet_diag_msg *m;

	if (diag_parse_msg(nlh, len, tb, &m) < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (diag_tuple(m, &out->local, &out->remote))
		return 1;
	out->state = m->idiag_state;
	out->listener = m->idiag_state == TCP_LISTEN;
	if (out->listener)
		memset(&out->remote, 0, sizeof(out->remote));
	diag_conn_info(tb[INET_DIAG_INFO], out);
	return 0;
}

/* The MPTCP_SUBFLOW_ATTR_* nest, or NULL when this is not a subflow (or
 * the kernel withheld it: it needs CAP_NET_ADMIN). */
static struct nlattr *diag_ulp_mptcp(struct nlattr *ulp)
{
	static const struct nla_policy policy[INET_ULP_INFO_MAX + 1] = {
		[INET_ULP_INFO_NAME] = { .type = NLA_STRING },
		[INET_ULP_INFO_MPTCP] = { .type = NLA_NESTED },
	};
	struct nlattr *tb[INET_ULP_INFO_MAX + 1];

	if (!ulp || nla_parse_nested(tb, INET_ULP_INFO_MAX, ulp, policy) < 0)
		return NULL;
	if (!tb[INET_ULP_INFO_NAME] ||
	    strcmp(nla_get_string(tb[INET_ULP_INFO_NAME]), "mptcp") != 0)
		return NULL;
	return tb[INET_ULP_INFO_MPTCP];
}

static int diag_subflow_attrs(struct nlattr *nest, struct diag_subflow *s,
			      uint32_t *flags)
{
	static const struct nla_policy policy[MPTCP_SUBFLOW_ATTR_MAX + 1] = {
		[MPTCP_SUBFLOW_ATTR_TOKEN_LOC] = { .type = NLA_U32 },
		[MPTCP_SUBFLOW_ATTR_FLAGS] = { .type = NLA_U32 },
		[MPTCP_SUBFLOW_ATTR_ID_REM] = { .type = NLA_U8 },
		[MPTCP_SUBFLOW_ATTR_ID_LOC] = { .type = NLA_U8 },
	};
	struct nlattr *tb[MPTCP_SUBFLOW_ATTR_MAX + 1];

	if (nla_parse_nested(tb, MPTCP_SUBFLOW_ATTR_MAX, nest, policy) < 0)
		return -EINVAL;
	if (!tb[MPTCP_SUBFLOW_ATTR_TOKEN_LOC])
		return -EINVAL;
	s->token = nla_get_u32(tb[MPTCP_SUBFLOW_ATTR_TOKEN_LOC]);
	if (tb[MPTCP_SUBFLOW_ATTR_ID_LOC])
		s->local_id = nla_get_u8(tb[MPTCP_SUBFLOW_ATTR_ID_LOC]);
	if (tb[MPTCP_SUBFLOW_ATTR_ID_REM])
		s->remote_id = nla_get_u8(tb[MPTCP_SUBFLOW_ATTR_ID_REM]);
	*flags = tb[MPTCP_SUBFLOW_ATTR_FLAGS] ?
		 nla_get_u32(tb[MPTCP_SUBFLOW_ATTR_FLAGS]) : 0;
	return 0;
}

/* The fixed prefix of the kernel's struct tcp_info (uapi linux/tcp.h)
 * up to tcpi_bytes_acked.  glibc's <netinet/tcp.h> copy stops before
 * bytes_acked and cannot be mixed with <linux/tcp.h>, so we spell out the
 * ABI we read; the struct only ever grows at its end. */
struct diag_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd;
	uint32_t advmss, reordering, rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked;
};
_Static_assert(offsetof(struct diag_tcp_info, bytes_acked) == 120,
	       "tcp_info ABI: bytes_acked sits at byte 120");

#define DIAG_TCPI_HAS(len, field) \
	((len) >= offsetof(struct diag_tcp_info, field) + \
		  sizeof(((struct diag_tcp_info *)0)->field))

/* Older kernels send a shorter tcp_info: trust only what arrived. */
static void diag_subflow_tcp_info(const struct nlattr *info,
				  struct diag_subflow *s)
{
	struct diag_tcp_info ti;
	size_t len;

	if (!info)
		return;
	len = (size_t)nla_len(info);
	if (!DIAG_TCPI_HAS(len, unacked))
		return;
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, nla_data(info), len < sizeof(ti) ? len : sizeof(ti));
	s->has_tcp_info = true;
	s->ca_state = ti.ca_state;
	s->retransmits = ti.retransmits;
	s->unacked = ti.unacked;
	s->last_ack_recv_ms = ti.last_ack_recv;	/* 0 when absent */
	s->rtt_us = ti.rtt;
	s->has_bytes_acked = DIAG_TCPI_HAS(len, bytes_acked);
	s->bytes_acked = ti.bytes_acked;
}

static bool diag_subflow_state_wanted(uint8_t state)
{
	return state != TCP_LISTEN && state != TCP_TIME_WAIT &&
	       state != DIAG_TCP_NEW_SYN_RECV;
}

int diag_parse_subflow(const struct nlmsghdr *nlh, size_t len,
		       struct diag_subflow *out)
{
	struct nlattr *tb[INET_DIAG_MAX + 1];
	const struct inet_diag_msg *m;
	struct nlattr *nest;
	uint32_t flags;

	if (diag_parse_msg(nlh, len, tb, &m) < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!diag_subflow_state_wanted(m->idiag_state))
		return 1;
	nest = diag_ulp_mptcp(tb[INET_DIAG_ULP_INFO]);
	if (!nest || diag_tuple(m, &out->local, &out->remote))
		return 1;
	if (diag_subflow_attrs(nest, out, &flags) < 0)
		return -EINVAL;
	out->state = m->idiag_state;
	out->backup = flags & (MPTCP_SUBFLOW_FLAG_BKUP_LOC |
			       MPTCP_SUBFLOW_FLAG_BKUP_REM);
	out->established = m->idiag_state == TCP_ESTABLISHED &&
			   (flags & MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED);
	out->ifindex = (int)m->id.idiag_if;
	diag_subflow_tcp_info(tb[INET_DIAG_INFO], out);
	return 0;
}

struct diag_conn_ctx {
	void (*cb)(void *arg, const struct diag_conn *c);
	void *arg;
};

static void diag_on_conn(const struct nlmsghdr *nlh, size_t len, void *ctx)
{
	const struct diag_conn_ctx *cc = ctx;
	char l[ADDR_STRLEN], r[ADDR_STRLEN];
	struct diag_conn c;

	if (diag_parse_conn(nlh, len, &c) != 0)
		return;
	log_debug(LOG_SUB_DIAG, "conn token %08x %s -> %s state %u%s%s",
		  c.token, addr_str(&c.local, l, sizeof(l)),
		  addr_str(&c.remote, r, sizeof(r)), c.state,
		  c.listener ? " listener" : "", c.fallback ? " fallback" : "");
	cc->cb(cc->arg, &c);
}

struct diag_subflow_ctx {
	void (*cb)(void *arg, const struct diag_subflow *s);
	void *arg;
};

static void diag_on_subflow(const struct nlmsghdr *nlh, size_t len,
			    void *ctx)
{
	const struct diag_subflow_ctx *sc = ctx;
	char l[ADDR_STRLEN], r[ADDR_STRLEN];
	struct diag_subflow s;

	if (diag_parse_subflow(nlh, len, &s) != 0)
		return;
	/* Polled every ~100 ms: skip formatting when nobody reads it. */
	if (!log_enabled(LOG_DEBUG, LOG_SUB_DIAG))
		goto out;
	log_debug(LOG_SUB_DIAG,
		  "subflow token %08x %s -> %s ids %u/%u state %u%s%s dev %d",
		  s.token, addr_str(&s.local, l, sizeof(l)),
		  addr_str(&s.remote, r, sizeof(r)), s.local_id, s.remote_id,
		  s.state, s.backup ? " backup" : "",
		  s.established ? " established" : "", s.ifindex);
out:
	sc->cb(sc->arg, &s);
}

/* IPv4 first; an IPv6 dump refused with ENOENT or EAFNOSUPPORT after the
 * IPv4 one worked means the host has no IPv6, which is not an error. */
static int diag_dump_families(struct diag_dump *d, const char *what)
{
	int err;

	d->family = AF_INET;
	err = diag_dump(d);
	if (err < 0)
		return err;
	d->family = AF_INET6;
	err = diag_dump(d);
	if (err == -ENOENT || err == -EAFNOSUPPORT) {
		log_debug(LOG_SUB_DIAG, "%s: no IPv6 sock_diag", what);
		err = 0;
	}
	return err;
}

int diag_dump_conns(void (*cb)(void *arg, const struct diag_conn *c),
		    void *arg)
{
	struct diag_conn_ctx cc = { .cb = cb, .arg = arg };
	struct diag_dump d = {
		.protocol = IPPROTO_MPTCP,
		.states = DIAG_STATES_ALL,
		.fn = diag_on_conn,
		.ctx = &cc,
	};
	int err;

	err = diag_dump_families(&d, "mptcp dump");
	if (err == -ENOENT || err == -EOPNOTSUPP) {
		/* No handler registered for protocol 262. */
		log_err(LOG_SUB_DIAG,
			"mptcp_diag missing: modprobe mptcp_diag");
		return -EOPNOTSUPP;
	}
	if (err < 0)
		log_err(LOG_SUB_DIAG, "mptcp sock_diag dump: %s",
			strerror(-err));
	return err;
}

int diag_dump_subflows(void (*cb)(void *arg, const struct diag_subflow *s),
		       void *arg)
{
	struct diag_subflow_ctx sc = { .cb = cb, .arg = arg };
	struct diag_dump d = {
		.protocol = IPPROTO_TCP,
		/* Listeners, request and time-wait sockets are never
		 * subflows we manage; the kernel skips them for us. */
		.states = DIAG_STATES_ALL & ~((1u << TCP_LISTEN) |
					      (1u << TCP_TIME_WAIT) |
					      (1u << DIAG_TCP_NEW_SYN_RECV)),
		.fn = diag_on_subflow,
		.ctx = &sc,
	};
	int err;

	err = diag_dump_families(&d, "tcp dump");
	if (err < 0)
		log_err(LOG_SUB_DIAG, "tcp sock_diag dump: %s", strerror(-err));
	return err;
}

/*
 * Exact lookups.  A dump walks every slot of the established hash (and
 * the kernel shares one table of 2^18 slots per family between all
 * namespaces): milliseconds of CPU even for one socket.  The daemon knows
 * its subflows' 4-tuples, so it asks for each one; the kernel then only
 * hashes the tuple.  Many requests go in one sendmsg().
 */

/* The kernel answers a whole batch inside our sendmsg(), before we read a
 * byte, so all replies of a batch must fit the receive buffer at once.
 * Ask for a big one (needs CAP_NET_ADMIN, which the daemon has) and size
 * the batch by what we got. */
#ifndef DIAG_QUERY_RCVBUF	/* overridable to test the overrun path */
#define DIAG_QUERY_RCVBUF	(4 * 1024 * 1024)
#endif
/* What one reply charges the receive buffer (skb truesize), with margin:
 * 102 subflow replies filled 128 KiB on 6.18, about 1.3 KiB each. */
#ifndef DIAG_QUERY_REPLY_COST
#define DIAG_QUERY_REPLY_COST	2048
#endif
#define DIAG_QUERY_TIMEOUT_S	2
/* An overrun halves the batch and asks again for what was lost. */
#define DIAG_QUERY_MAX_RETRY	4

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct diag_query_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};
_Static_assert(sizeof(struct diag_query_req) == DIAG_QUERY_LEN,
	       "DIAG_QUERY_LEN is one nlmsghdr and one inet_diag_req_v2");

struct diag_query {
	int fd;
	char *buf;		/* DIAG_BUF_SIZE: requests out, replies in */
	bool *answered;		/* per key of the batch in flight */
	size_t batch;		/* most keys per sendmsg() */
	uint32_t seq;		/* of the first key of the batch in flight */
	size_t n;		/* keys in the batch in flight */
	size_t left;		/* of them still unanswered */
	int err;		/* first unexpected kernel error */
	struct diag_subflow_ctx sc;
};

int diag_key_family(const struct diag_subflow_key *key)
{
	struct mptcpd_addr l = key->local, r = key->remote;

	addr_unmap_v4(&l);
	addr_unmap_v4(&r);
	if (l.family != r.family ||
	    (l.family != AF_INET && l.family != AF_INET6))
		return AF_UNSPEC;
	return l.family;
}

/* Plain IPv4 is asked for as AF_INET: the kernel's AF_INET lookup also
 * finds a dual-stack socket's v4-mapped subflow, its reply then says
 * AF_INET6 and diag_copy_addr maps it back. */
static void diag_put_addr(__be32 *dst, const struct mptcpd_addr *a)
{
	struct mptcpd_addr plain = *a;

	addr_unmap_v4(&plain);
	if (plain.family == AF_INET)
		memcpy(dst, &plain.u.v4, sizeof(plain.u.v4));
	else
		memcpy(dst, &plain.u.v6, sizeof(plain.u.v6));
}

static void diag_fill_query(struct diag_query_req *q,
			    const struct diag_subflow_key *key, int family,
			    uint32_t seq)
{
	memset(q, 0, sizeof(*q));
	q->nlh.nlmsg_len = sizeof(*q);
	q->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	/* No NLM_F_DUMP: one exact lookup.  No NLM_F_ACK: a found socket
	 * answers with its reply alone, a missing one with an error. */
	q->nlh.nlmsg_flags = NLM_F_REQUEST;
	q->nlh.nlmsg_seq = seq;
	q->r.sdiag_family = (uint8_t)family;
	q->r.sdiag_protocol = IPPROTO_TCP;
	q->r.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	q->r.idiag_states = DIAG_STATES_ALL;
	q->r.id.idiag_sport = htons(key->local.port);
	q->r.id.idiag_dport = htons(key->remote.port);
	diag_put_addr(q->r.id.idiag_src, &key->local);
	diag_put_addr(q->r.id.idiag_dst, &key->remote);
	/* The lookup matches the bound device: 0 finds unbound sockets. */
	q->r.id.idiag_if = (uint32_t)key->ifindex;
	q->r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q->r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

size_t diag_build_queries(const struct diag_subflow_key *keys, size_t n,
			  uint32_t seq, void *buf, size_t len, size_t *used)
{
	struct diag_query_req q;
	size_t i, off = 0;
	int family;

	for (i = 0; i < n; i++) {
		family = diag_key_family(&keys[i]);
		if (family == AF_UNSPEC)
			continue;
		if (len - off < sizeof(q))
			break;
		diag_fill_query(&q, &keys[i], family, seq + (uint32_t)i);
		/* buf need not be aligned: copy, do not cast. */
		memcpy((char *)buf + off, &q, sizeof(q));
		off += sizeof(q);
	}
	*used = off;
	return i;
}

static int diag_query_open(struct diag_query *q)
{
	int size = DIAG_QUERY_RCVBUF, one = 1;
	socklen_t sl = sizeof(size);

	q->fd = diag_open(DIAG_QUERY_TIMEOUT_S);
	if (q->fd < 0)
		return q->fd;
	/* Without the privilege, take what rmem_max allows. */
	if (setsockopt(q->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* Error replies need not echo our request back. */
	setsockopt(q->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (getsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &size, &sl) < 0)
		size = 0;
	q->batch = (size_t)(size > 0 ? size : 0) / DIAG_QUERY_REPLY_COST;
	if (q->batch > DIAG_BUF_SIZE / DIAG_QUERY_LEN)
		q->batch = DIAG_BUF_SIZE / DIAG_QUERY_LEN;
	if (q->batch == 0)
		q->batch = 1;
	return 0;
}

/* An error reply: ENOENT is a socket that is gone. */
static void diag_query_error(struct diag_query *q, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		if (!q->err)
			q->err = -EIO;
		return;
	}
	if (e->error >= 0 || e->error == -ENOENT)
		return;
	log_warn(LOG_SUB_DIAG, "sock_diag lookup: %s %s", strerror(-e->error),
		 diag_ext_ack(nlh));
	if (!q->err)
		q->err = e->error;
}

/* One reply: whatever it says, its key is answered. */
static void diag_query_msg(struct diag_query *q, const struct nlmsghdr *nlh)
{
	size_t i = (size_t)(uint32_t)(nlh->nlmsg_seq - q->seq);

	if (i >= q->n || q->answered[i])
		return;
	q->answered[i] = true;
	q->left--;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		diag_query_error(q, nlh);
	else if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY)
		diag_on_subflow(nlh, nlh->nlmsg_len, &q->sc);
}

static int diag_query_walk(struct diag_query *q, const char *p, size_t len)
{
	const struct nlmsghdr *nlh;
	size_t step;

	while (len >= NLMSG_HDRLEN) {
		nlh = (const struct nlmsghdr *)p;
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return -EIO;
		diag_query_msg(q, nlh);
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* Every reply is its own datagram, so read many per system call: with
 * page-table isolation a recv() per reply cost as much as the kernel's
 * lookup itself.  A reply is well under a slot (about 1 KiB at most). */
#define DIAG_QUERY_SLOT		4096
#define DIAG_QUERY_SLOTS	(DIAG_BUF_SIZE / DIAG_QUERY_SLOT)

/* One recvmmsg(): blocks for the first reply only.  Replies read or -errno. */
static int diag_query_read(struct diag_query *q, int flags)
{
	struct mmsghdr mm[DIAG_QUERY_SLOTS];
	struct iovec iov[DIAG_QUERY_SLOTS];
	int i, n;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < DIAG_QUERY_SLOTS; i++) {
		iov[i].iov_base = q->buf + i * DIAG_QUERY_SLOT;
		iov[i].iov_len = DIAG_QUERY_SLOT;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(q->fd, mm, DIAG_QUERY_SLOTS, flags | MSG_WAITFORONE, NULL);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (diag_query_walk(q, iov[i].iov_base, mm[i].msg_len) < 0)
			return -EIO;
	}
	return n;
}

/* Reads until every key of the batch is answered.  -ENOBUFS when the
 * kernel dropped replies (the receive buffer overflowed): what is queued
 * is still read, then q->answered tells which keys are missing. */
static int diag_query_recv(struct diag_query *q)
{
	int flags = 0, err = 0, n;
	size_t reads;

	/* Each read takes at least one reply; the slack covers EINTR. */
	for (reads = 0; q->left > 0 && reads < q->n + 16; reads++) {
		n = diag_query_read(q, flags);
		if (n == -EINTR)
			continue;
		if (n == -ENOBUFS) {
			/* The replies were all queued during sendmsg(). */
			flags = MSG_DONTWAIT;
			err = -ENOBUFS;
			continue;
		}
		if (n < 0)
			return err ? err : (n == -EAGAIN ? -ETIMEDOUT : n);
	}
	if (q->left > 0 && !err)
		err = -EIO;
	return err;
}

/* Sends keys[0..k) (k <= q->batch) as one message and reads the answers. */
static int diag_query_batch(struct diag_query *q,
			    const struct diag_subflow_key *keys, size_t k)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t i, used;

	q->seq += (uint32_t)q->n;
	q->n = diag_build_queries(keys, k, q->seq, q->buf, DIAG_BUF_SIZE,
				  &used);
	q->left = q->n;
	for (i = 0; i < q->n; i++) {
		q->answered[i] = diag_key_family(&keys[i]) == AF_UNSPEC;
		q->left -= q->answered[i];
	}
	if (q->n == 0)
		return -EINVAL;	/* cannot happen: the buffer holds 900 */
	if (used == 0)
		return 0;
	if (sendto(q->fd, q->buf, used, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return diag_query_recv(q);
}

/* The keys of the last batch that got no answer (caller frees *out). */
static int diag_query_missing(const struct diag_query *q,
			      const struct diag_subflow_key *keys,
			      struct diag_subflow_key **out, size_t *n)
{
	size_t i;

	*out = malloc(q->left * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (*n = 0, i = 0; i < q->n; i++)
		if (!q->answered[i])
			(*out)[(*n)++] = keys[i];
	return 0;
}

static int diag_query_keys(struct diag_query *q,
			   const struct diag_subflow_key *keys, size_t n,
			   unsigned int depth)
{
	struct diag_subflow_key *missing;
	size_t off, k, n_missing;
	int err = 0;

	for (off = 0; off < n && err == 0; off += k) {
		k = n - off < q->batch ? n - off : q->batch;
		err = diag_query_batch(q, keys + off, k);
		k = q->n;	/* what the buffer took, all of it in practice */
		if (err != -ENOBUFS || depth >= DIAG_QUERY_MAX_RETRY)
			continue;
		if (q->left == 0) {
			err = 0;
			continue;
		}
		log_debug(LOG_SUB_DIAG, "sock_diag lookup: %zu of %zu replies "
			  "lost, asking again", q->left, k);
		err = diag_query_missing(q, keys + off, &missing, &n_missing);
		if (err < 0)
			break;
		q->batch = q->batch > 1 ? q->batch / 2 : 1;
		err = diag_query_keys(q, missing, n_missing, depth + 1);
		free(missing);
	}
	return err;
}

int diag_query_subflows(const struct diag_subflow_key *keys, size_t n,
			void (*cb)(void *arg, const struct diag_subflow *s),
			void *arg)
{
	struct diag_query q = { .sc = { .cb = cb, .arg = arg } };
	int err;

	if (n == 0)
		return 0;
	err = diag_query_open(&q);
	if (err < 0)
		goto out_log;
	q.buf = malloc(DIAG_BUF_SIZE);
	q.answered = calloc(q.batch, sizeof(*q.answered));
	err = q.buf && q.answered ? diag_query_keys(&q, keys, n, 0) : -ENOMEM;
	if (err == 0)
		err = q.err;
	free(q.answered);
	free(q.buf);
	close(q.fd);
out_log:
	if (err < 0)
		log_err(LOG_SUB_DIAG, "sock_diag lookup of %zu subflows: %s", n,
			strerror(-err));
	return err;
}
