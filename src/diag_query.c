/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag exact lookups of known subflows, for path health (health.h).  A dump walks every slot of the established hash (and
 * the kernel shares one table of 2^18 slots per family between all
 * namespaces): milliseconds of CPU even for one socket.  The daemon knows
 * its subflows' 4-tuples, so it asks for each one; the kernel then only
 * hashes the tuple.  Many requests go in one sendmsg().
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include "diag.h"
#include "diag_priv.h"
#include "addr.h"
#include "log.h"
#include "nlutil.h"

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

struct diag_query_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};
_Static_assert(sizeof(struct diag_query_req) == DIAG_QUERY_LEN,
	       "DIAG_QUERY_LEN is one nlmsghdr and one inet_diag_req_v2");

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
 * AF_INET6 and diag_parse_subflow maps it back. */
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
	int size;

	q->fd = diag_open(DIAG_QUERY_TIMEOUT_S);
	if (q->fd < 0)
		return q->fd;
	nlutil_set_rcvbuf(q->fd, DIAG_QUERY_RCVBUF);
	/* Error replies need not echo our request back. */
	nlutil_cap_ack(q->fd);
	size = nlutil_rcvbuf(q->fd);
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
	const char *ext;
	int err;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		if (!q->err)
			q->err = -EIO;
		return;
	}
	if (e->error >= 0 || e->error == -ENOENT)
		return;
	err = nlutil_kernel_errno(e->error);
	ext = nlutil_ext_ack(nlh);
	log_warn(LOG_SUB_DIAG, "sock_diag lookup: %s %s", strerror(-err),
		 ext ? ext : "");
	if (!q->err)
		q->err = err;
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

static int diag_query_one(const struct nlmsghdr *nlh, void *ctx)
{
	diag_query_msg(ctx, nlh);
	return 0;
}

int diag_query_walk(struct diag_query *q, const char *p, size_t len)
{
	return nlutil_walk(p, len, diag_query_one, q);
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
	struct sockaddr_nl from[DIAG_QUERY_SLOTS];
	int i, n;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < DIAG_QUERY_SLOTS; i++) {
		iov[i].iov_base = q->buf + i * DIAG_QUERY_SLOT;
		iov[i].iov_len = DIAG_QUERY_SLOT;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	n = recvmmsg(q->fd, mm, DIAG_QUERY_SLOTS, flags | MSG_WAITFORONE, NULL);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		/* A stray takes no key's place: diag_query_msg() matches
		 * replies to keys by sequence number. */
		if (!diag_from_kernel(&from[i], mm[i].msg_hdr.msg_namelen))
			continue;
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

