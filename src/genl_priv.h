/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the genl module (genl.c, genl_event.c, genl_cmd.c,
 * genl_dump.c): the definition of struct genl, which the command builder
 * and the dump read, and the few helpers one file of the module lends to
 * another.  Nothing outside src/genl*.c includes it but the fuzzers of the
 * ACK and GET_ADDR decoders; the module's public interface stays
 * src/genl.h.
 */
#ifndef MPTCPD_GENL_PRIV_H
#define MPTCPD_GENL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genl.h"
#include "genl_queue.h"
#include "nlutil.h"

struct nl_msg;
struct nl_sock;
struct nlattr;
struct nlmsghdr;

enum genl_dump_support {
	GENL_DUMP_SUPPORT_UNKNOWN = 0,
	GENL_DUMP_SUPPORT_YES,
	GENL_DUMP_SUPPORT_NO,
};

/* Datagrams read per recvmmsg() call, and the room for each: events and
 * (capped) ACKs are a few hundred bytes. */
#define GENL_BATCH		32
#define GENL_SLOT_SIZE		2048

/* One received datagram, by its recvmsg() flags: 0 to deliver it, or
 * -ENOBUFS when it is lost (MSG_TRUNC: larger than a slot) and the
 * socket's owner must react as to an overflow. */
int genl_slot_check(int msg_flags);

struct genl {
	struct nl_sock *ev_sk;
	struct nl_sock *cmd_sk;
	struct nl_sock *dump_sk;	/* GET_ADDR by token; opened at first use */
	/* Events and ACKs are read here with recvmmsg(), not through
	 * nl_recvmsgs(): libnl allocates a buffer and an nl_msg and makes a
	 * syscall per message; a connection brings five or more messages,
	 * and in a burst the syscalls were most of the daemon's CPU. */
	uint8_t rbuf[GENL_BATCH][GENL_SLOT_SIZE];
	int family;
	struct genl_callbacks cb;
	void *arg;
	/* Commands in flight (ACK awaited) and waiting for room. */
	struct genl_queue queue;
	bool cmd_overflowed;	/* ENOBUFS seen, socket not yet read empty */
	size_t lost_in_read;	/* ACKs found lost, told once per read */
	enum genl_dump_support dump_support;
	/* Datagrams not sent by the kernel, refused per receive path. */
	struct nlutil_guard ev_guard, cmd_guard, dump_guard;
};

/* A policy entry for an attribute of exactly n bytes (the event and the
 * GET_ADDR attribute policies). */
#define GENL_FIXED(t, n)	{ .type = (t), .minlen = (n), .maxlen = (n) }

/* genl.c */
int genl_sock_connect(struct nl_sock **out);
void genl_set_ext_ack(struct nl_sock *sk);
/* An NLMSG_ERROR (nlh->nlmsg_len bytes readable): 0 with *error (0 or
 * -errno) and *extack (the kernel's text pointing into nlh, or NULL), or
 * -EBADMSG when it is too short to hold its struct nlmsgerr. */
int genl_parse_ack(const struct nlmsghdr *nlh, int *error,
		   const char **extack);

/* genl_dump.c: one GET_ADDR dump reply (nlh->nlmsg_len bytes readable,
 * its type not looked at).  0 with *e filled, or -EBADMSG. */
int genl_parse_entry(const struct nlmsghdr *nlh, struct genl_local_entry *e);

/* genl_event.c */
bool genl_get_ip(const struct nlattr *a4, const struct nlattr *a6,
		 int family, struct mptcpd_addr *out);

/* genl_cmd.c */
int genl_build(struct genl *p, const struct mptcpd_action *a,
	       struct nl_msg **out);
const char *genl_describe(const struct mptcpd_action *a, char *buf,
			  size_t len);

#endif
