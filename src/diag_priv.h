/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the diag module (diag.c, diag_dump.c, diag_query.c): the
 * socket both the dumps and the exact lookups open, the subflow reply
 * handler they share, and the state of a dump and of a batch of lookups
 * with the walkers of their reply datagrams.  Outside src/diag*.c only
 * check_diag and fuzz_diag include it, to drive the walkers; the module's
 * public interface stays src/diag.h.
 */
#ifndef MPTCPD_DIAG_PRIV_H
#define MPTCPD_DIAG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/inet_diag.h>
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

/* One SOCK_DIAG_BY_FAMILY request with the real protocol in an
 * INET_DIAG_REQ_PROTOCOL attribute (MPTCP's 262 does not fit the u8
 * field): the dumps' and the lookup by token's. */
struct diag_request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
	struct nlattr proto_hdr;	/* INET_DIAG_REQ_PROTOCOL */
	uint32_t proto;
};
/* Zeroes req and fills the header, family, protocol, states and
 * extensions; the caller sets what is left (the cookie). */
void diag_request_init(struct diag_request *req, uint16_t flags, uint32_t seq,
		       uint8_t family, uint32_t protocol, uint32_t states,
		       uint8_t ext);

/* Where diag_on_subflow hands each subflow. */
struct diag_subflow_ctx {
	void (*cb)(void *arg, const struct diag_subflow *s);
	void *arg;
};

/* One SOCK_DIAG_BY_FAMILY reply (ctx: a struct diag_subflow_ctx):
 * decoded, logged at debug level, and handed on if it is a subflow. */
void diag_on_subflow(const struct nlmsghdr *nlh, size_t len, void *ctx);

/* One reply message handed to the per-dump decoder. */
typedef void (*diag_msg_fn)(const struct nlmsghdr *nlh, size_t len,
			    void *ctx);

/* diag_dump.c: one dump in progress. */
struct diag_dump {
	uint8_t family;
	uint32_t protocol;	/* may exceed the u8 field: MPTCP is 262 */
	uint32_t states;
	uint32_t seq;
	diag_msg_fn fn;
	void *ctx;
};

/* Walks one datagram of a dump's replies (len bytes from buf, aligned):
 * the messages of d->seq go to d->fn.  1 when the dump is over (NLMSG_DONE
 * or NLMSG_ERROR), 0 to read on, -errno (the kernel's; -EIO when that is
 * no errno or the datagram is malformed). */
int diag_dump_walk(const void *buf, size_t len, const struct diag_dump *d);

/* diag_query.c: a batch of exact lookups in flight. */
struct diag_query {
	int fd;
	char *buf;		/* DIAG_BUF_SIZE: requests out, replies in */
	bool *answered;		/* per key of the batch in flight */
	size_t batch;		/* most keys per sendmsg() */
	uint32_t seq;		/* of the first key of the batch in flight */
	size_t n;		/* keys in the batch in flight */
	size_t left;		/* of them still unanswered */
	int err;		/* first unexpected kernel error */
	struct diag_subflow_ctx sc;
};

/* Walks one datagram of lookup replies (len bytes from p, aligned): each
 * marks its key answered, subflows go to q->sc.  0, or -EIO for a
 * malformed datagram. */
int diag_query_walk(struct diag_query *q, const char *p, size_t len);

#endif
