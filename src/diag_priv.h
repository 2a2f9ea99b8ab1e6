/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the diag module (diag.c, diag_dump.c, diag_query.c): the
 * socket both the dumps and the exact lookups open, and the subflow
 * reply handler they share.  Nothing outside src/diag*.c includes it; the
 * module's public interface stays src/diag.h.
 */
#ifndef MPTCPD_DIAG_PRIV_H
#define MPTCPD_DIAG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "diag.h"

struct nlmsghdr;

/* Kernel dump skbs stay well below this; the lookups' batches of
 * requests and their replies use buffers of the same size. */
#define DIAG_BUF_SIZE		(64 * 1024)
/* Not in glibc's <netinet/tcp.h>: request sockets (half-open, server). */
#define DIAG_TCP_NEW_SYN_RECV	12
#define DIAG_STATES_ALL		0xffffffffu

/* A NETLINK_SOCK_DIAG socket, connected to the kernel, that asks for
 * extended acks and gives up a read after timeout_s.  The fd (the caller
 * closes it) or -errno. */
int diag_open(int timeout_s);
/* Whether a datagram read from such a socket came from the kernel; the
 * others are counted (diag_dropped()) and must be ignored whole. */
bool diag_from_kernel(const struct sockaddr_nl *from, socklen_t len);

/* Where diag_on_subflow hands each subflow. */
struct diag_subflow_ctx {
	void (*cb)(void *arg, const struct diag_subflow *s);
	void *arg;
};

/* One SOCK_DIAG_BY_FAMILY reply (ctx: a struct diag_subflow_ctx):
 * decoded, logged at debug level, and handed on if it is a subflow. */
void diag_on_subflow(const struct nlmsghdr *nlh, size_t len, void *ctx);

#endif
