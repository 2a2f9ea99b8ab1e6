/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag dumps: every MPTCP socket and every TCP socket that is an
 * MPTCP subflow, IPv4 then IPv6, for adopting the connections that exist
 * before the daemon starts (or after events were lost).  One socket per
 * dump, read until the kernel's NLMSG_DONE.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include "diag.h"
#include "diag_priv.h"
#include "addr.h"
#include "log.h"
#include "mptcp_uapi.h"
#include "nlutil.h"

/* Bounds a dump: 2^20 reads of >= 1 socket each is far beyond any host. */
#define DIAG_MAX_READS		(1u << 20)
/* The kernel always answers; this only guards against a wedged socket. */
#define DIAG_TIMEOUT_S		5

struct diag_request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
	struct nlattr proto_hdr;	/* INET_DIAG_REQ_PROTOCOL */
	uint32_t proto;
};

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

/* NLMSG_ERROR or NLMSG_DONE: 0 (success) or -errno. */
static int diag_status(const struct nlmsghdr *nlh, const struct diag_dump *d)
{
	const struct nlmsgerr *e;
	const char *ext;
	int err;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 0;
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		return err < 0 ? nlutil_kernel_errno(err) : 0;
	}
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EIO;
	e = NLMSG_DATA(nlh);
	if (e->error >= 0)
		return 0;
	err = nlutil_kernel_errno(e->error);
	ext = nlutil_ext_ack(nlh);
	/* ENOENT / EAFNOSUPPORT answer our probes (no mptcp_diag, no IPv6):
	 * the caller decides whether they matter. */
	log_msg(err == -ENOENT || err == -EAFNOSUPPORT ?
		LOG_DEBUG : LOG_WARNING, LOG_SUB_DIAG,
		"sock_diag dump family %u protocol %u: %s %s", d->family,
		d->protocol, strerror(-err), ext ? ext : "");
	return err;
}

/* One message of a dump: ours (by sequence) or ignored; 1 at its end. */
static int diag_dump_msg(const struct nlmsghdr *nlh, void *ctx)
{
	const struct diag_dump *d = ctx;
	int err;

	if (nlh->nlmsg_seq != d->seq)
		return 0;
	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		err = diag_status(nlh, d);
		return err < 0 ? err : 1;
	}
	if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY)
		d->fn(nlh, nlh->nlmsg_len, d->ctx);
	return 0;
}

int diag_dump_walk(const void *buf, size_t len, const struct diag_dump *d)
{
	return nlutil_walk(buf, len, diag_dump_msg, (void *)d);
}

/* Reads until our NLMSG_DONE: only the kernel's datagrams, and in them
 * only the messages with our sequence number (diag_walk). */
static int diag_recv(int fd, const struct diag_dump *d)
{
	struct sockaddr_nl from;
	socklen_t from_len;
	unsigned int reads;
	ssize_t n;
	void *buf;
	int err = -EIO;

	buf = malloc(DIAG_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	for (reads = 0; reads < DIAG_MAX_READS; reads++) {
		from_len = sizeof(from);
		n = recvfrom(fd, buf, DIAG_BUF_SIZE, 0,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (!diag_from_kernel(&from, from_len))
			continue;
		err = diag_dump_walk(buf, (size_t)n, d);
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
