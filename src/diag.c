/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag: the decoders of the kernel's replies about MPTCP sockets and
 * their TCP subflows, the socket the dumps (diag_dump.c) and the exact
 * lookups (diag_query.c) open, and the subflow handler both share.
 *
 * A plain NETLINK_SOCK_DIAG socket per dump or query: we need the
 * kernel's exact errno (a missing mptcp_diag module shows up as ENOENT)
 * and its extended-ack text, which libnl's error mapping would blur.
 * libnl is used only for its attribute parser.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <netlink/attr.h>
#include "diag.h"
#include "diag_priv.h"
#include "addr.h"
#include "log.h"
#include "mptcp_uapi.h"
#include "nlutil.h"

/* The module's only mutable state outside a call: its sockets live for
 * one dump or one stall poll, and what they refused must be counted (and
 * the warning rate-limited) across all of them. */
static struct nlutil_guard diag_guard =
	NLUTIL_GUARD_INIT(LOG_SUB_DIAG, "sock_diag");

bool diag_from_kernel(const struct sockaddr_nl *from, socklen_t len)
{
	return nlutil_accept(&diag_guard, from, len);
}

uint64_t diag_dropped(void)
{
	return diag_guard.dropped;
}

int diag_open(int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	/* All best effort: older kernels lack extended acks, and an
	 * unconnected socket still checks who sent each reply. */
	nlutil_want_ext_ack(fd);
	nlutil_connect_kernel(fd);	/* one per poll: a warning could flood */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

void diag_request_init(struct diag_request *req, uint16_t flags, uint32_t seq,
		       uint8_t family, uint32_t protocol, uint32_t states,
		       uint8_t ext)
{
	memset(req, 0, sizeof(*req));
	req->nlh.nlmsg_len = sizeof(*req);
	req->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req->nlh.nlmsg_flags = flags;
	req->nlh.nlmsg_seq = seq;
	req->r.sdiag_family = family;
	/* The attribute carries the real protocol.  Leave the u8 field at 0
	 * (no handler) for one that does not fit, so a kernel ignoring the
	 * attribute fails instead of silently using 262 & 0xff = 6 = TCP. */
	req->r.sdiag_protocol = protocol <= 255 ? (uint8_t)protocol : 0;
	req->r.idiag_ext = ext;
	req->r.idiag_states = states;
	req->proto_hdr.nla_type = INET_DIAG_REQ_PROTOCOL;
	req->proto_hdr.nla_len = NLA_HDRLEN + sizeof(req->proto);
	req->proto = protocol;
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
	out->uid = m->idiag_uid;
	if (tb[INET_DIAG_CGROUP_ID] &&
	    nla_len(tb[INET_DIAG_CGROUP_ID]) >= (int)sizeof(uint64_t)) {
		memcpy(&out->cgroup_id, nla_data(tb[INET_DIAG_CGROUP_ID]),
		       sizeof(out->cgroup_id));
		out->has_cgroup = true;
	}
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
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
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
	s->last_data_sent_ms = ti.last_data_sent;
	s->rtt_us = ti.rtt;
	s->has_bytes_acked = DIAG_TCPI_HAS(len, bytes_acked);
	s->bytes_acked = ti.bytes_acked;
	s->bytes_received = ti.bytes_received;	/* 0 when absent */
	s->total_retrans = ti.total_retrans;
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

void diag_on_subflow(const struct nlmsghdr *nlh, size_t len, void *ctx)
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
