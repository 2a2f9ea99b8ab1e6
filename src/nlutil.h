/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Netlink plumbing the three edges share (genl, rtnl, diag): libnl's
 * error codes back to errno, the kernel's extended-ack text, the socket
 * options every one of our netlink sockets sets, and the check that a
 * datagram came from the kernel.  The only state is what a caller keeps
 * in its struct nlutil_guard.
 */
#ifndef MPTCPD_NLUTIL_H
#define MPTCPD_NLUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "log.h"

struct nlmsghdr;

/* A libnl error code (NLE_*, either sign) as -errno; 0 stays 0.  Codes
 * with no errno of their own become -EIO. */
int nlutil_errno(int nlerr);

/* Calls fn for each netlink message of a datagram, in order, and stops at
 * the first non-zero return, which it returns; -EIO when a message's
 * length does not fit what is left (the rest cannot be trusted); 0 at the
 * end. */
typedef int (*nlutil_msg_fn)(const struct nlmsghdr *nlh, void *ctx);
int nlutil_walk(const void *buf, size_t len, nlutil_msg_fn fn, void *ctx);

/* The error field of an NLMSG_ERROR, or the status of an NLMSG_DONE, as
 * the kernel's -errno: values below -4095 (MAX_ERRNO) are no errno, and
 * negating INT_MIN for strerror() would overflow, so they become -EIO.
 * Anything else is returned unchanged. */
int nlutil_kernel_errno(int error);

/* The kernel's extended-ack message (NLMSGERR_ATTR_MSG) carried by an
 * NLMSG_ERROR or NLMSG_DONE message, or NULL when there is none or the
 * message is truncated or malformed.  nlh->nlmsg_len bytes must be
 * readable.  The text points into nlh. */
const char *nlutil_ext_ack(const struct nlmsghdr *nlh);

/* Ask for extended acks in error replies.  0, or -errno when the kernel
 * has none (before Linux 4.12). */
int nlutil_want_ext_ack(int fd);
/* Error replies then echo only the header of the failed request, not all
 * of it.  Best effort. */
void nlutil_cap_ack(int fd);

/* Grow the receive buffer to size bytes: SO_RCVBUFFORCE passes rmem_max
 * but needs CAP_NET_ADMIN (the daemon has it); without the privilege,
 * SO_RCVBUF takes what rmem_max allows.  0, or -errno when both failed. */
int nlutil_set_rcvbuf(int fd, int size);
/* The receive buffer's size as the kernel reports it, or -errno. */
int nlutil_rcvbuf(int fd);


/* ---- Who may talk to us --------------------------------------------- */

/* Another program may unicast a datagram to a netlink socket by its port
 * id (for generic netlink, rtnetlink and sock_diag the kernel asks
 * CAP_NET_ADMIN of the sender, which is not enough to speak for the
 * kernel); only the kernel sends from port 0.  True when sa (len bytes,
 * as recvfrom() or recvmsg() left them) is a netlink address of port 0. */
bool nlutil_from_kernel(const struct sockaddr_nl *sa, socklen_t len);

/* Connect fd to the kernel (port 0, no group): the kernel then refuses
 * unicasts from other sockets to ours with ECONNREFUSED, while its own
 * replies and group messages still arrive.  0 or -errno. */
int nlutil_connect_kernel(int fd);
/* The same, logging a failure for the socket called what: the sender
 * check alone then keeps other programs' messages out. */
void nlutil_connect_kernel_or_warn(int fd, enum log_subsys sub,
				   const char *what);

/* What one receive path (a socket, or the short-lived sockets of one
 * kind) remembers of the datagrams it refused.  Zero it, then set what
 * and sub: NLUTIL_GUARD_INIT. */
struct nlutil_guard {
	const char *what;		/* names the socket in the warning */
	enum log_subsys sub;
	uint64_t dropped;		/* datagrams refused, ever */
	uint64_t unlogged;		/* of them, refused since the warning */
	int64_t last_warn_s;		/* CLOCK_MONOTONIC; valid if warned */
	bool warned;
};
#define NLUTIL_GUARD_INIT(sub_, what_)	{ .what = (what_), .sub = (sub_) }
/* At most one warning per guard in this many seconds. */
#define NLUTIL_WARN_INTERVAL_S	10

/* True when the datagram came from the kernel.  Otherwise it is counted
 * and (rate-limited) logged with the sender's port; the caller drops it
 * whole, without looking at what it says. */
bool nlutil_accept(struct nlutil_guard *g, const struct sockaddr_nl *sa,
		   socklen_t len);
/* The same with the clock passed in, for tests. */
bool nlutil_accept_at(struct nlutil_guard *g, const struct sockaddr_nl *sa,
		      socklen_t len, int64_t now_s);

#endif
