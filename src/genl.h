/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's mptcp_pm generic-netlink family: events in, commands out.
 * The module's interface; only src/genl*.c know libnl-genl.  Two sockets:
 * one joined to the mptcp_pm_events group, one for commands (and a third
 * for the GET_ADDR dump by token, opened at its first use).  Commands
 * never block: each is sent with an ACK requested and its result arrives
 * later through genl_callbacks.result when the command socket becomes
 * readable.
 */
#ifndef MPTCPD_GENL_H
#define MPTCPD_GENL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

struct genl;

struct genl_callbacks {
	/* One parsed kernel event. */
	void (*event)(void *arg, const struct mptcpd_event *ev);
	/* The kernel's answer to an action; err is 0 or -errno, extack the
	 * kernel's extended-ack text or NULL. */
	void (*result)(void *arg, const struct mptcpd_action *action, int err,
		       const char *extack);
	/* Events were lost (ENOBUFS, or one larger than a receive slot):
	 * the caller must resynchronise. */
	void (*overflow)(void *arg);
	/* The ACKs of n commands were lost all the same (the command socket
	 * overflowed): their outcome is unknown, and no result comes for
	 * them; the caller resynchronises (optional). */
	void (*acks_lost)(void *arg, size_t n);
	/* Every command sent has its answer and none waits: the end of a
	 * mass action's sweep (optional). */
	void (*idle)(void *arg);
};

/* The result for a command on a connection the kernel does not have (any
 * more): it said "invalid token". */
#define GENL_ERR_NO_CONN	(-ESTALE)

/* One entry of the kernel's per-connection local address list. */
struct genl_local_entry {
	uint8_t id;
	uint32_t flags;
	int ifindex;
	struct mptcpd_addr addr;
};

/* Resolve the family, join the events group.  0 or -errno (logged). */
int genl_new(struct genl **out, const struct genl_callbacks *cb, void *arg);
void genl_free(struct genl *p);

int genl_event_fd(const struct genl *p);
int genl_cmd_fd(const struct genl *p);
/* Drain the sockets; call when their fd is readable. */
void genl_event_readable(struct genl *p);
void genl_cmd_readable(struct genl *p);

/* Datagrams refused on the module's sockets because the kernel did not
 * send them (another local program did). */
uint64_t genl_dropped(const struct genl *p);

/* Send one command (action->local_id already set by the caller), at once
 * when the window of commands awaiting their ACK has room and none
 * waits, else queued and sent as ACKs come back (genl_queue.h: bounded,
 * promotions and joins before closes).  0, or -errno when it was neither
 * sent nor queued (-ENOBUFS: the queue is full). */
int genl_send(struct genl *p, const struct mptcpd_action *action);
/* Commands whose ACK has not arrived yet, sent or waiting. */
size_t genl_pending(const struct genl *p);
/* The most commands in flight at once. */
size_t genl_window(const struct genl *p);
/* Commands refused since start: the queue was full. */
uint64_t genl_refused(const struct genl *p);
/* err (0 or -errno) and the extended ACK of the kernel's answer, in our
 * words: GENL_ERR_NO_CONN for an unknown token, else err. */
int genl_translate_error(int err, const char *extack);

/* Does the kernel's userspace PM take the flags of the addresses it is
 * given ("mptcp: check userspace pm flags", 6.9), so that SUBFLOW_CREATE
 * opens a join asked for as backup as backup?  Probed (once, then
 * remembered) by GET_ADDR by token, which came in the same series. */
bool genl_upm_checks_flags(struct genl *p);

/* Synchronous GET_ADDR dump by token (6.9+), at start-up and in a
 * resync.  -EOPNOTSUPP when the kernel cannot do it. */
int genl_dump_local_addrs(struct genl *p, uint32_t token,
			  void (*cb)(void *arg, const struct genl_local_entry *e),
			  void *arg);

/* Pure parser for one generic-netlink event message (nlmsghdr first).
 * 0, or -EINVAL/-EBADMSG with *why set to a static description. */
int genl_parse_event(const void *buf, size_t len, struct mptcpd_event *ev,
		     const char **why);

#endif
