/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Netlink plumbing the three edges share (genl, rtnl, diag): libnl's
 * error codes back to errno, the kernel's extended-ack text, and the
 * socket options every one of our netlink sockets sets.  No state.
 */
#ifndef MPTCPD_NLUTIL_H
#define MPTCPD_NLUTIL_H

struct nlmsghdr;

/* A libnl error code (NLE_*, either sign) as -errno; 0 stays 0.  Codes
 * with no errno of their own become -EIO. */
int nlutil_errno(int nlerr);

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

#endif
