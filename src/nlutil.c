/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Netlink plumbing shared by genl, rtnl and diag.  The extended-ack
 * decoder walks the attributes itself rather than through libnl: it reads
 * replies the edges received with their own recv() calls, and it must
 * never trust a length the kernel (or a fuzzer) put in the message.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <netlink/errno.h>

#include "netlink_uapi.h"
#include "log.h"
#include "nlutil.h"

/* libnl folds errno into its own codes; undo it for our callers. */
int nlutil_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:	return 0;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_PERM:		return -EPERM;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_INVAL:		return -EINVAL;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_RANGE:		return -ERANGE;
	case NLE_EXIST:		return -EEXIST;
	case NLE_BUSY:		return -EBUSY;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_DUMP_INTR:	return -EINTR;
	case NLE_BAD_SOCK:	return -EBADF;
	default:		return -EIO;
	}
}

/* The kernel's MAX_ERRNO: no errno is larger. */
#define NLUTIL_MAX_ERRNO	4095

int nlutil_kernel_errno(int error)
{
	return error < -NLUTIL_MAX_ERRNO ? -EIO : error;
}

/* The attribute's payload if it is a NUL-terminated string, else NULL. */
static const char *nlutil_attr_str(const struct nlattr *a)
{
	const char *s = (const char *)a + NLA_HDRLEN;
	size_t len = a->nla_len - NLA_HDRLEN;

	return len > 0 && memchr(s, '\0', len) ? s : NULL;
}

/* NLMSGERR_ATTR_MSG among the attributes from off to the end of nlh. */
static const char *nlutil_ext_ack_at(const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;
	size_t left, step;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return NULL;
	a = (const struct nlattr *)((const char *)nlh + off);
	left = nlh->nlmsg_len - off;
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left) {
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
			return nlutil_attr_str(a);
		step = NLA_ALIGN((size_t)a->nla_len);
		if (step >= left)
			break;
		left -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
	return NULL;
}

/* In an NLMSG_ERROR the attributes follow the struct nlmsgerr and the
 * echoed request.  The kernel echoes all of the request, padded to
 * NLMSG_ALIGNTO, unless it sets NLM_F_CAPPED (NETLINK_CAP_ACK, or a
 * plain ACK): then only the request's header, which struct nlmsgerr
 * already holds. */
static const char *nlutil_ext_ack_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
	size_t echoed;

	if (nlh->nlmsg_len < off)
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		echoed = e->msg.nlmsg_len;
		/* The echo cannot be longer than the message holding it. */
		if (echoed < NLMSG_HDRLEN || echoed > nlh->nlmsg_len)
			return NULL;
		off += NLMSG_ALIGN(echoed - NLMSG_HDRLEN);
	}
	return nlutil_ext_ack_at(nlh, off);
}

const char *nlutil_ext_ack(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return NULL;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return nlutil_ext_ack_error(nlh);
	/* NLMSG_DONE: the dump's int status, then the attributes. */
	if (nlh->nlmsg_type == NLMSG_DONE)
		return nlutil_ext_ack_at(nlh, NLMSG_HDRLEN +
					 NLMSG_ALIGN(sizeof(int32_t)));
	return NULL;
}

int nlutil_want_ext_ack(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0)
		return -errno;
	return 0;
}

void nlutil_cap_ack(int fd)
{
	int one = 1;

	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

int nlutil_set_rcvbuf(int fd, int size)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		return -errno;
	return 0;
}

int nlutil_rcvbuf(int fd)
{
	socklen_t len;
	int size = 0;

	len = sizeof(size);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0)
		return -errno;
	return size;
}

/* ---- Who may talk to us --------------------------------------------- */

bool nlutil_from_kernel(const struct sockaddr_nl *sa, socklen_t len)
{
	return len >= sizeof(*sa) && sa->nl_family == AF_NETLINK &&
	       sa->nl_pid == 0;
}

int nlutil_connect_kernel(int fd)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

void nlutil_connect_kernel_or_warn(int fd, enum log_subsys sub,
				   const char *what)
{
	int err = nlutil_connect_kernel(fd);

	if (err < 0)
		log_warn(sub, "cannot connect %s to the kernel (%s): its sender "
			 "check alone keeps other programs' messages out", what,
			 strerror(-err));
}

/* A user who floods a socket with forgeries must not flood the log too:
 * one line per interval, saying how many went unmentioned. */
static void nlutil_warn_drop(struct nlutil_guard *g, uint32_t port,
			     int64_t now_s)
{
	if (g->warned && now_s - g->last_warn_s < NLUTIL_WARN_INTERVAL_S) {
		g->unlogged++;
		return;
	}
	if (g->unlogged)
		log_warn(g->sub, "dropped a netlink message from port %u on "
			 "the %s socket: only the kernel may send to it (%llu "
			 "more dropped since the last warning, %llu in all)",
			 port, g->what, (unsigned long long)g->unlogged,
			 (unsigned long long)g->dropped);
	else
		log_warn(g->sub, "dropped a netlink message from port %u on "
			 "the %s socket: only the kernel may send to it", port,
			 g->what);
	g->warned = true;
	g->last_warn_s = now_s;
	g->unlogged = 0;
}

bool nlutil_accept_at(struct nlutil_guard *g, const struct sockaddr_nl *sa,
		      socklen_t len, int64_t now_s)
{
	if (nlutil_from_kernel(sa, len))
		return true;
	g->dropped++;
	/* An address too short to hold a port is logged as port 0. */
	nlutil_warn_drop(g, len >= sizeof(*sa) ? sa->nl_pid : 0, now_s);
	return false;
}

bool nlutil_accept(struct nlutil_guard *g, const struct sockaddr_nl *sa,
		   socklen_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return nlutil_accept_at(g, sa, len, (int64_t)ts.tv_sec);
}

int nlutil_walk(const void *buf, size_t len, nlutil_msg_fn fn, void *ctx)
{
	const char *p = buf;
	const struct nlmsghdr *nlh;
	size_t step;
	int ret;

	while (len >= NLMSG_HDRLEN) {
		nlh = (const struct nlmsghdr *)p;
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return -EIO;
		ret = fn(nlh, ctx);
		if (ret)
			return ret;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}
