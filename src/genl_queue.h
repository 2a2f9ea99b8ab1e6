/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow control of the commands to the kernel, as plain data (no netlink,
 * no I/O): at most a window of commands awaits its ACK; the others wait,
 * bounded, in two classes: what makes a path work (joins, announcements,
 * flag changes such as a promotion) goes before what breaks one (closing a
 * subflow, withdrawing an address), each class in the order it came.  The
 * kernel handles a command within our sendmsg() and queues its ACK on our
 * socket: without a window, a mass action (a link lost under thousands of
 * connections) queued more ACKs than the receive buffer holds and the
 * kernel dropped them.  genl.c sends and receives; this file only decides.
 */
#ifndef MPTCPD_GENL_QUEUE_H
#define MPTCPD_GENL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

/* Receive-buffer bytes one ACK may cost (the kernel charges the skb's
 * truesize: a capped ACK with an extended-ack text is well under this). */
#define GENL_QUEUE_ACK_COST	2048
#define GENL_QUEUE_WINDOW_MIN	8
#define GENL_QUEUE_WINDOW_MAX	256
/* Commands waiting, all classes: 10,000 connections losing their Wi-Fi
 * make about three each (promotion, RM_ADDR, subflow close). */
#define GENL_QUEUE_WAIT_MAX	65536

enum genl_queue_class {
	GENL_QUEUE_MAKE = 0,	/* joins, announcements, SET_FLAGS */
	GENL_QUEUE_BREAK,	/* SUBFLOW_DESTROY, REMOVE */
	GENL_QUEUE_CLASSES,
};

struct genl_sent {
	uint32_t seq;
	struct mptcpd_action action;
};

/* Ring of entries, oldest first. */
struct genl_ring {
	struct genl_sent *v;
	size_t cap;
	size_t head;
	size_t n;
};

struct genl_queue {
	struct genl_ring inflight;	/* sent, ACK awaited; seq order */
	struct genl_ring wait[GENL_QUEUE_CLASSES];
	size_t window;			/* most in flight at once */
	size_t wait_max;		/* most waiting, all classes */
	uint64_t refused;		/* commands refused: queue full */
	uint64_t acks_lost;		/* in flight when a later ACK came */
};

/* The window a receive buffer of rcvbuf bytes holds the ACKs of
 * (half of it: events of our own making share nothing with it, but the
 * kernel's accounting is coarse), within the bounds above. */
size_t genl_queue_window_for(int rcvbuf);

/* 0, or -ENOMEM (the in-flight ring is allocated here, once). */
int genl_queue_init(struct genl_queue *q, size_t window, size_t wait_max);
void genl_queue_clear(struct genl_queue *q);

enum genl_queue_class genl_queue_class_of(const struct mptcpd_action *a);

/* In flight plus waiting. */
size_t genl_queue_len(const struct genl_queue *q);
size_t genl_queue_inflight(const struct genl_queue *q);
size_t genl_queue_waiting(const struct genl_queue *q);

/* May a new command go out at once?  Only with room in the window and
 * nothing waiting (which would otherwise be overtaken). */
bool genl_queue_may_send(const struct genl_queue *q);
/* Park a command until the window has room: 0, or -ENOBUFS when
 * wait_max commands already wait (counted in refused), -ENOMEM. */
int genl_queue_wait(struct genl_queue *q, const struct mptcpd_action *a);
/* The next command to send, highest class first, when the window has
 * room: true and *out filled (and taken off the queue), or false. */
bool genl_queue_next(struct genl_queue *q, struct mptcpd_action *out);
/* A command went out with this sequence number.  The caller checked the
 * window (may_send or next): -ENOBUFS when it is full anyway. */
int genl_queue_sent(struct genl_queue *q, uint32_t seq,
		    const struct mptcpd_action *a);
/* The ACK for seq came: commands sent before it whose ACK did not come
 * were lost (*lost of them, forgotten; ACKs come in send order).  True
 * with *out the acknowledged command; false for a seq not in flight
 * (nothing forgotten then but what preceded it). */
bool genl_queue_ack(struct genl_queue *q, uint32_t seq,
		    struct mptcpd_action *out, size_t *lost);
/* The socket overflowed and is now drained: the kernel answered every
 * command it got within our sendmsg(), so the ACKs still awaited were
 * dropped.  Forgets them; returns how many. */
size_t genl_queue_drop_inflight(struct genl_queue *q);

#endif
