/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink monitor of links, addresses and routes.
 *
 * Messages are decoded by hand (ifinfomsg / ifaddrmsg / rtmsg plus
 * attributes) rather than through libnl-route's object caches (so we do
 * not depend on libnl-route at all): we need only a handful
 * of fields, the 32-bit IFA_FLAGS attribute is directly at hand this way,
 * and "one message in, one plain struct out" is what unit tests and
 * fuzzers want.  Only libnl's core socket and attribute helpers are used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include "rtnl.h"
#include "addr.h"
#include "log.h"
#include "nlutil.h"

/* Bursts (a VPN bringing up dozens of addresses) must not overflow. */
#define RTNL_RCVBUF		(2 * 1024 * 1024)
/* Link messages with many attributes exceed a page. */
#define RTNL_MSG_BUF		(32 * 1024)
/* Reads per readable event; libev calls us again if more is queued. */
#define RTNL_DRAIN_MAX	256
/* Queued messages dropped after an overflow (a full 2 MiB queue holds a
 * few thousand); the loop stops earlier at EAGAIN. */
#define RTNL_DISCARD_MAX	65536
/* A dump interrupted by a concurrent change is simply redone. */
#define RTNL_DUMP_TRIES	3
/* Reads per dump request; each read takes at least one datagram, and a
 * datagram holds many entries, so only a flood of strays gets near. */
#define RTNL_DUMP_MAX_READS	(1u << 20)

struct rtnl {
	struct nl_sock *sk;		/* monitoring socket */
	struct rtnl_callbacks cb;
	void *arg;
	/* Datagrams not sent by the kernel: on the monitor, on the dumps'. */
	struct nlutil_guard guard, dump_guard;
};

/* The dump request in flight on a dump socket. */
struct rtnl_dump_state {
	uint32_t seq;
	bool done;
};

/* The message fits in len and carries at least its fixed header. */
static bool rtnl_msg_ok(const struct nlmsghdr *nlh, size_t len,
			  size_t hdrlen)
{
	return len >= NLMSG_HDRLEN && nlh->nlmsg_len <= len &&
	       nlh->nlmsg_len >= NLMSG_HDRLEN + hdrlen;
}

int rtnl_parse_link(const struct nlmsghdr *nlh, size_t len,
		      struct rtnl_link_update *out)
{
	static const struct nla_policy policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
	};
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;

	if (!rtnl_msg_ok(nlh, len, sizeof(*ifi)))
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*ifi), tb, IFLA_MAX,
			policy) < 0)
		return -EINVAL;
	ifi = nlmsg_data(nlh);
	if (ifi->ifi_index <= 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	out->arphrd = ifi->ifi_type;
	out->deleted = nlh->nlmsg_type == RTM_DELLINK;
	if (tb[IFLA_IFNAME])
		snprintf(out->name, sizeof(out->name), "%s",
			 nla_get_string(tb[IFLA_IFNAME]));
	return 0;
}

/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on
 * point-to-point links (both families), so IFA_LOCAL wins when present. */
static int rtnl_addr_copy(struct mptcpd_addr *a, uint8_t family,
			    struct nlattr *local, struct nlattr *address)
{
	struct nlattr *attr = local ? local : address;

	memset(a, 0, sizeof(*a));
	if (!attr)
		return -EINVAL;
	if (family == AF_INET && nla_len(attr) == sizeof(a->u.v4))
		memcpy(&a->u.v4, nla_data(attr), sizeof(a->u.v4));
	else if (family == AF_INET6 && nla_len(attr) == sizeof(a->u.v6))
		memcpy(&a->u.v6, nla_data(attr), sizeof(a->u.v6));
	else
		return -EINVAL;
	a->family = family;
	return 0;
}

/* 0: *out filled; 1: a family we do not track; -EINVAL: malformed. */
int rtnl_parse_addr(const struct nlmsghdr *nlh, size_t len,
		      struct rtnl_addr_update *out)
{
	static const struct nla_policy policy[IFA_MAX + 1] = {
		[IFA_FLAGS] = { .type = NLA_U32 },
	};
	struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;

	if (!rtnl_msg_ok(nlh, len, sizeof(*ifa)))
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	ifa = nlmsg_data(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 1;
	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*ifa), tb, IFA_MAX,
			policy) < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (rtnl_addr_copy(&out->addr, ifa->ifa_family, tb[IFA_LOCAL],
			     tb[IFA_ADDRESS]) < 0)
		return -EINVAL;
	out->ifindex = (int)ifa->ifa_index;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	/* ifa_flags has 8 bits; IFA_FLAGS has all 32 (NOPREFIXROUTE...). */
	out->flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS])
				   : ifa->ifa_flags;
	out->deleted = nlh->nlmsg_type == RTM_DELADDR;
	return 0;
}

/* 0: *out filled; 1: a route we do not care about; -EINVAL: malformed. */
int rtnl_parse_route(const struct nlmsghdr *nlh, size_t len,
		       struct rtnl_route_update *out)
{
	static const struct nla_policy policy[RTA_MAX + 1] = {
		[RTA_OIF] = { .type = NLA_U32 },
		[RTA_TABLE] = { .type = NLA_U32 },
	};
	int err;
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint32_t table;

	if (!rtnl_msg_ok(nlh, len, sizeof(*rtm)))
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	rtm = nlmsg_data(nlh);
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_type != RTN_UNICAST)
		return 1;
	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*rtm), tb, RTA_MAX,
			policy) < 0)
		return -EINVAL;
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || !tb[RTA_OIF])
		return 1;
	memset(out, 0, sizeof(*out));
	out->ifindex = (int)nla_get_u32(tb[RTA_OIF]);
	out->family = rtm->rtm_family;
	out->dst_len = rtm->rtm_dst_len;
	out->deleted = nlh->nlmsg_type == RTM_DELROUTE;
	if (!tb[RTA_DST]) {
		/* A default route: the destination is all zeroes. */
		out->dst.family = rtm->rtm_family;
		return rtm->rtm_dst_len == 0 ? 0 : -EINVAL;
	}
	err = rtnl_addr_copy(&out->dst, rtm->rtm_family, tb[RTA_DST], NULL);
	return err < 0 ? -EINVAL : 0;
}

static void rtnl_on_route(struct rtnl *n, const struct nlmsghdr *nlh)
{
	struct rtnl_route_update r;
	int err = rtnl_parse_route(nlh, nlh->nlmsg_len, &r);

	if (err != 0) {
		if (err < 0)
			log_debug(LOG_SUB_RTNL, "malformed route message ignored");
		return;
	}
	if (log_enabled(LOG_DEBUG, LOG_SUB_RTNL)) {
		char buf[ADDR_STRLEN];

		log_debug(LOG_SUB_RTNL, "route %s: %s/%u dev %d",
			  r.deleted ? "del" : "new",
			  addr_str(&r.dst, buf, sizeof(buf)), r.dst_len,
			  r.ifindex);
	}
	if (n->cb.route)
		n->cb.route(n->arg, &r);
}

static void rtnl_on_link(struct rtnl *n, const struct nlmsghdr *nlh)
{
	struct rtnl_link_update link;

	if (rtnl_parse_link(nlh, nlh->nlmsg_len, &link) < 0) {
		log_debug(LOG_SUB_RTNL, "malformed link message ignored");
		return;
	}
	log_debug(LOG_SUB_RTNL, "link %s: %d %s flags 0x%x type %u",
		  link.deleted ? "del" : "new", link.ifindex, link.name,
		  link.flags, link.arphrd);
	if (n->cb.link)
		n->cb.link(n->arg, &link);
}

static void rtnl_on_addr(struct rtnl *n, const struct nlmsghdr *nlh)
{
	struct rtnl_addr_update a;
	char buf[ADDR_STRLEN];
	int err;

	err = rtnl_parse_addr(nlh, nlh->nlmsg_len, &a);
	if (err != 0) {
		if (err < 0)
			log_debug(LOG_SUB_RTNL,
				  "malformed address message ignored");
		return;
	}
	log_debug(LOG_SUB_RTNL, "addr %s: %s/%u dev %d scope %u flags 0x%x",
		  a.deleted ? "del" : "new",
		  addr_str(&a.addr, buf, sizeof(buf)),
		  a.prefixlen, a.ifindex, a.scope, a.flags);
	if (n->cb.addr)
		n->cb.addr(n->arg, &a);
}

static const struct rtnl_handler {
	uint16_t type;
	void (*handle)(struct rtnl *n, const struct nlmsghdr *nlh);
} rtnl_handlers[] = {
	{ RTM_NEWLINK, rtnl_on_link },
	{ RTM_DELLINK, rtnl_on_link },
	{ RTM_NEWADDR, rtnl_on_addr },
	{ RTM_DELADDR, rtnl_on_addr },
	{ RTM_NEWROUTE, rtnl_on_route },
	{ RTM_DELROUTE, rtnl_on_route },
};

/* libnl NL_CB_VALID callback, shared by the monitor and the dump socket. */
static int rtnl_valid(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t i;

	for (i = 0; i < sizeof(rtnl_handlers) / sizeof(rtnl_handlers[0]);
	     i++) {
		if (rtnl_handlers[i].type == nlh->nlmsg_type) {
			rtnl_handlers[i].handle(arg, nlh);
			break;
		}
	}
	return NL_OK;
}

/* libnl's NL_CB_MSG_IN, before any other look at the message: another
 * program can send to our port, and a forged RTM_NEWADDR would make us
 * use an address this host does not have. */
static int rtnl_from_kernel(struct nl_msg *msg, void *arg)
{
	return nlutil_accept(arg, nlmsg_get_src(msg),
			     sizeof(struct sockaddr_nl)) ? NL_OK : NL_SKIP;
}

static void rtnl_set_rcvbuf(struct nl_sock *sk)
{
	if (nlutil_set_rcvbuf(nl_socket_get_fd(sk), RTNL_RCVBUF) < 0)
		log_warn(LOG_SUB_RTNL, "cannot enlarge the rtnetlink buffer");
}

static int rtnl_sock_new(struct nl_sock **out, struct rtnl *n,
			 struct nlutil_guard *guard)
{
	struct nl_sock *sk;
	int err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return nlutil_errno(err);
	}
	nlutil_connect_kernel_or_warn(nl_socket_get_fd(sk), LOG_SUB_RTNL,
				      "an rtnetlink socket");
	nl_socket_enable_msg_peek(sk);
	nl_socket_set_msg_buf_size(sk, RTNL_MSG_BUF);
	nl_socket_modify_cb(sk, NL_CB_MSG_IN, NL_CB_CUSTOM, rtnl_from_kernel,
			    guard);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, rtnl_valid, n);
	*out = sk;
	return 0;
}

int rtnl_new(struct rtnl **out, const struct rtnl_callbacks *cb,
	       void *arg)
{
	struct rtnl *n;
	int err;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cb = *cb;
	n->arg = arg;
	n->guard = (struct nlutil_guard)NLUTIL_GUARD_INIT(LOG_SUB_RTNL,
							  "rtnetlink monitor");
	n->dump_guard = (struct nlutil_guard)NLUTIL_GUARD_INIT(LOG_SUB_RTNL,
							       "rtnetlink dump");
	err = rtnl_sock_new(&n->sk, n, &n->guard);
	if (err < 0)
		goto out;
	/* Events are not replies to our requests: no sequence to check. */
	nl_socket_disable_seq_check(n->sk);
	rtnl_set_rcvbuf(n->sk);
	err = nlutil_errno(nl_socket_add_memberships(n->sk, RTNLGRP_LINK,
			RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
			RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, 0));
	if (err == 0)
		err = nlutil_errno(nl_socket_set_nonblocking(n->sk));
out:
	if (err < 0) {
		log_err(LOG_SUB_RTNL, "rtnetlink monitor: %s", strerror(-err));
		rtnl_free(n);
		return err;
	}
	*out = n;
	return 0;
}

void rtnl_free(struct rtnl *n)
{
	if (!n)
		return;
	nl_socket_free(n->sk);
	free(n);
}

int rtnl_fd(const struct rtnl *n)
{
	return nl_socket_get_fd(n->sk);
}

uint64_t rtnl_dropped(const struct rtnl *n)
{
	return n->guard.dropped + n->dump_guard.dropped;
}

/* NL_CB_SEQ_CHECK of a dump socket: only the answer to our request. */
static int rtnl_dump_seq(struct nl_msg *msg, void *arg)
{
	const struct rtnl_dump_state *st = arg;
	uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;

	if (seq == st->seq)
		return NL_OK;
	log_debug(LOG_SUB_RTNL, "dump reply with seq %u, not %u, ignored",
		  seq, st->seq);
	return NL_SKIP;
}

/* NL_CB_FINISH: the kernel's NLMSG_DONE for our request. */
static int rtnl_dump_done(struct nl_msg *msg, void *arg)
{
	struct rtnl_dump_state *st = arg;

	(void)msg;
	st->done = true;
	return NL_STOP;
}

/* Sends the request; st->seq is the sequence number libnl gave it. */
static int rtnl_dump_send(struct nl_sock *sk, int type, void *req,
			  size_t len, struct rtnl_dump_state *st)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
	int err = -ENOMEM;

	if (!msg)
		return err;
	err = nlmsg_append(msg, req, len, NLMSG_ALIGNTO);
	if (err == 0)
		err = nl_send_auto(sk, msg);
	st->seq = nlmsg_hdr(msg)->nlmsg_seq;
	st->done = false;
	nlmsg_free(msg);
	return err < 0 ? nlutil_errno(err) : 0;
}

static int rtnl_dump_one(struct nl_sock *sk, int type, uint8_t family,
			 struct rtnl_dump_state *st)
{
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
	} req;
	size_t len;
	int err;

	memset(&req, 0, sizeof(req));
	if (type == RTM_GETLINK) {
		req.ifi.ifi_family = family;
		len = sizeof(req.ifi);
	} else if (type == RTM_GETADDR) {
		req.ifa.ifa_family = family;
		len = sizeof(req.ifa);
	} else {
		req.rtm.rtm_family = family;
		len = sizeof(req.rtm);
	}
	err = rtnl_dump_send(sk, type, &req, len, st);
	/* One call returns early when a datagram held nothing for us (a
	 * stray that was skipped): read until our NLMSG_DONE. */
	for (unsigned int i = 0; !err && !st->done; i++) {
		if (i == RTNL_DUMP_MAX_READS)
			return -EIO;
		err = nl_recvmsgs_default(sk);
		err = err < 0 ? nlutil_errno(err) : 0;
	}
	return err;
}

static int rtnl_dump_all(struct nl_sock *sk, struct rtnl_dump_state *st)
{
	static const struct {
		int type;
		uint8_t family;
	} order[] = {
		{ RTM_GETLINK, AF_UNSPEC },
		{ RTM_GETADDR, AF_INET }, { RTM_GETADDR, AF_INET6 },
		{ RTM_GETROUTE, AF_INET }, { RTM_GETROUTE, AF_INET6 },
	};
	int err = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && !err; i++)
		err = rtnl_dump_one(sk, order[i].type, order[i].family, st);
	return err;
}

/* A separate socket, so that the monitoring socket (already subscribed)
 * keeps queueing changes that happen while the dump runs. */
int rtnl_dump(struct rtnl *n)
{
	struct rtnl_dump_state st = { 0 };
	struct nl_sock *sk;
	int err, tries;

	err = rtnl_sock_new(&sk, n, &n->dump_guard);
	if (err < 0)
		goto out;
	nl_socket_modify_cb(sk, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, rtnl_dump_seq,
			    &st);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, rtnl_dump_done,
			    &st);
	for (tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		err = rtnl_dump_all(sk, &st);
		if (err != -EINTR)
			break;
		log_debug(LOG_SUB_RTNL, "dump interrupted, retrying");
	}
	nl_socket_free(sk);
out:
	if (err < 0)
		log_err(LOG_SUB_RTNL, "link/address dump: %s", strerror(-err));
	return err;
}

/* After ENOBUFS the queue holds changes older than the lost ones;
 * replaying them after the resync dump could undo it, so drop them.
 * Nothing read here is looked at, whoever sent it. */
static void rtnl_discard(struct rtnl *n)
{
	char buf[256];
	int i;

	for (i = 0; i < RTNL_DISCARD_MAX; i++) {
		if (recv(rtnl_fd(n), buf, sizeof(buf),
			 MSG_DONTWAIT | MSG_TRUNC) < 0 &&
		    errno != ENOBUFS && errno != EINTR)
			return;
	}
}

void rtnl_readable(struct rtnl *n)
{
	int i, err;

	for (i = 0; i < RTNL_DRAIN_MAX; i++) {
		err = nl_recvmsgs_default(n->sk);
		if (err == 0)
			continue;
		if (err == -NLE_AGAIN)
			return;
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped updates. */
			log_warn(LOG_SUB_RTNL, "rtnetlink overflow, resyncing");
			rtnl_discard(n);
			if (n->cb.overflow)
				n->cb.overflow(n->arg);
			return;
		}
		log_warn(LOG_SUB_RTNL, "rtnetlink receive: %s",
			 nl_geterror(err));
		return;
	}
}
