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

static int diag_lookup_send(int fd, uint32_t token)
{
	struct diag_request req;

	/* AF_INET: the token finds either family.  The owner (uid, cgroup
	 * id) comes without extensions: no mptcp_info to fill. */
	diag_request_init(&req, NLM_F_REQUEST, 1, AF_INET, IPPROTO_MPTCP,
			  DIAG_STATES_ALL, 0);
	req.r.id.idiag_cookie[0] = token;
	return send(fd, &req, sizeof(req), 0) < 0 ? -errno : 0;
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
	struct sockaddr_nl from;
	socklen_t from_len;
	ssize_t n;
	int fd, err, reads;

	fd = diag_open(DIAG_LOOKUP_TIMEOUT_S);
	if (fd < 0)
		return fd;
	err = diag_lookup_send(fd, token);
	for (reads = 0; err == 0 && reads < 16; reads++) {
		from_len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &from_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!diag_from_kernel(&from, from_len))
			continue;
		err = nlutil_walk(buf, (size_t)n, diag_lookup_msg, &ctx);
	}
	close(fd);
	if (err < 0)
		return err;
	return ctx.found ? 0 : -ENOENT;
}
