/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One MPTCP connection asked of the kernel by its token: mptcp_diag's
 * exact lookup reads the token from the request's cookie, so this costs
 * one hash lookup in the kernel, not a dump.  Used for the owner (uid,
 * cgroup) of a connection that a [policy] rule needs to know.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

#include "diag.h"
#include "diag_priv.h"
#include "mptcp_uapi.h"
#include "nlutil.h"

/* The kernel answers at once; this only guards against a wedged socket. */
#define DIAG_LOOKUP_TIMEOUT_S	1

/* AF_INET: the token finds either family.  The owner (uid, cgroup id)
 * comes without extensions: no mptcp_info to fill. */
static void diag_token_request(struct diag_request *req, uint32_t seq,
			       uint32_t token)
{
	diag_request_init(req, NLM_F_REQUEST, seq, AF_INET, IPPROTO_MPTCP,
			  DIAG_STATES_ALL, 0);
	req->r.id.idiag_cookie[0] = token;
}

static int diag_lookup_send(int fd, uint32_t token)
{
	struct diag_request req;

	diag_token_request(&req, 1, token);
	return send(fd, &req, sizeof(req), 0) < 0 ? -errno : 0;
}

/* One datagram into buf: its length; 0 for one to skip (an interrupted
 * read, or not from the kernel); or -errno. */
static ssize_t diag_recv_reply(int fd, char *buf, size_t len)
{
	struct sockaddr_nl from;
	socklen_t from_len = sizeof(from);
	ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from,
			     &from_len);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return diag_from_kernel(&from, from_len) ? n : 0;
}

struct diag_lookup_ctx {
	struct diag_conn *out;
	int found;
};

static int diag_lookup_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct diag_lookup_ctx *ctx = arg;
	const struct nlmsgerr *e;

	if (nlh->nlmsg_seq != 1)
		return 0;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EIO;
		e = NLMSG_DATA(nlh);
		return e->error < 0 ? nlutil_kernel_errno(e->error) : 1;
	}
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return 0;
	if (diag_parse_conn(nlh, nlh->nlmsg_len, ctx->out) != 0)
		return -EIO;
	ctx->found = 1;
	return 1;
}

int diag_conn_lookup(uint32_t token, struct diag_conn *out)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct diag_lookup_ctx ctx = { out, 0 };
	ssize_t n;
	int fd, err, reads;

	fd = diag_open(DIAG_LOOKUP_TIMEOUT_S);
	if (fd < 0)
		return fd;
	err = diag_lookup_send(fd, token);
	for (reads = 0; err == 0 && reads < 16; reads++) {
		n = diag_recv_reply(fd, buf, sizeof(buf));
		if (n < 0)
			err = (int)n;
		else if (n > 0)
			err = nlutil_walk(buf, (size_t)n, diag_lookup_msg, &ctx);
	}
	close(fd);
	if (err < 0)
		return err;
	return ctx.found ? 0 : -ENOENT;
}

/* ---- many tokens on one socket ----------------------------------- */

struct diag_exist_ctx {
	size_t n;
	int *result;		/* 1 found, -errno, DIAG_EXIST_UNANSWERED */
	size_t answered;
};

#define DIAG_EXIST_UNANSWERED	1
#define DIAG_EXIST_RCVBUF	(256 * 1024)

/* Sequence numbers 1..n name the requests: reply i answers tokens[i-1]. */
static int diag_exist_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct diag_exist_ctx *ctx = arg;
	const struct nlmsgerr *e;
	size_t i = nlh->nlmsg_seq;
	int r;

	if (i < 1 || i > ctx->n || ctx->result[i - 1] != DIAG_EXIST_UNANSWERED)
		return 0;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EIO;
		e = NLMSG_DATA(nlh);
		r = e->error < 0 ? nlutil_kernel_errno(e->error) : -EIO;
	} else if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
		r = 0;
	} else {
		return 0;
	}
	ctx->result[i - 1] = r;
	ctx->answered++;
	return 0;
}

int diag_conns_exist(const uint32_t *tokens, size_t n, int *result)
{
	struct diag_request reqs[DIAG_EXIST_MAX];
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct diag_exist_ctx ctx = { n, result, 0 };
	ssize_t got;
	int fd, err = 0, reads;

	if (n > DIAG_EXIST_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		result[i] = DIAG_EXIST_UNANSWERED;
		diag_token_request(&reqs[i], (uint32_t)i + 1, tokens[i]);
	}
	if (!n)
		return 0;
	fd = diag_open(DIAG_LOOKUP_TIMEOUT_S);
	if (fd < 0)
		return fd;
	/* Every reply arrives before we read one: room for a batch even
	 * where the default receive buffer is small. */
	nlutil_set_rcvbuf(fd, DIAG_EXIST_RCVBUF);
	/* All requests in one sendmsg: the kernel answers each in turn
	 * before send() returns. */
	if (send(fd, reqs, n * sizeof(reqs[0]), 0) < 0) {
		err = -errno;
		goto out;
	}
	for (reads = 0; err == 0 && ctx.answered < n && reads < (int)n + 16;
	     reads++) {
		got = diag_recv_reply(fd, buf, sizeof(buf));
		if (got < 0)
			err = (int)got;
		else if (got > 0)
			err = nlutil_walk(buf, (size_t)got, diag_exist_msg, &ctx);
	}
out:
	close(fd);
	/* A request left unanswered tells nothing: not "gone". */
	for (size_t i = 0; i < n; i++)
		if (result[i] == DIAG_EXIST_UNANSWERED)
			result[i] = err < 0 ? err : -ETIMEDOUT;
	return err < 0 && ctx.answered == 0 ? err : 0;
}
