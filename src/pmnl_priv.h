/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the pmnl module (pmnl.c, pmnl_event.c, pmnl_cmd.c,
 * pmnl_dump.c): the definition of struct pmnl, which the command builder
 * and the dump read, and the few helpers one file of the module lends to
 * another.  Nothing outside src/pmnl*.c includes it; the module's public
 * interface stays src/pmnl.h.
 */
#ifndef MPTCPD_PMNL_PRIV_H
#define MPTCPD_PMNL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmnl.h"

struct nl_msg;
struct nl_sock;
struct nlattr;
struct nlmsghdr;

struct pmnl_sent {
	uint32_t seq;
	struct mptcpd_action action;
};

/* Ring buffer of commands awaiting their ACK, oldest first. */
struct pmnl_fifo {
	struct pmnl_sent *v;
	size_t cap;
	size_t head;
	size_t n;
};

enum pmnl_dump_support {
	PMNL_DUMP_SUPPORT_UNKNOWN = 0,
	PMNL_DUMP_SUPPORT_YES,
	PMNL_DUMP_SUPPORT_NO,
};

/* Datagrams read per recvmmsg() call, and the room for each: events and
 * (capped) ACKs are a few hundred bytes. */
#define PMNL_BATCH		32
#define PMNL_SLOT_SIZE		2048

struct pmnl {
	struct nl_sock *ev_sk;
	struct nl_sock *cmd_sk;
	/* Events and ACKs are read here with recvmmsg(), not through
	 * nl_recvmsgs(): libnl allocates a buffer and an nl_msg and makes a
	 * syscall per message; a connection brings five or more messages,
	 * and in a burst the syscalls were most of the daemon's CPU. */
	uint8_t rbuf[PMNL_BATCH][PMNL_SLOT_SIZE];
	int family;
	struct pmnl_callbacks cb;
	void *arg;
	struct pmnl_fifo fifo;
	enum pmnl_dump_support dump_support;
};

/* A policy entry for an attribute of exactly n bytes (the event and the
 * GET_ADDR attribute policies). */
#define PMNL_FIXED(t, n)	{ .type = (t), .minlen = (n), .maxlen = (n) }

/* pmnl.c */
int pmnl_errno(int nlerr);
int pmnl_connect(struct nl_sock **out);
void pmnl_set_ext_ack(struct nl_sock *sk);
const char *pmnl_extack_at(const struct nlmsghdr *nlh, size_t off);
int pmnl_parse_ack(const struct nlmsghdr *nlh, int *error,
		   const char **extack);

/* pmnl_event.c */
bool pmnl_get_ip(const struct nlattr *a4, const struct nlattr *a6,
		 int family, struct mptcpd_addr *out);

/* pmnl_cmd.c */
int pmnl_build(struct pmnl *p, const struct mptcpd_action *a,
	       struct nl_msg **out);
const char *pmnl_describe(const struct mptcpd_action *a, char *buf,
			  size_t len);

#endif
