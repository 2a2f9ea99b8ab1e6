/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's mptcp_pm generic-netlink family: the sockets, resolving the
 * family and joining its events group, the receive path (recvmmsg() into
 * fixed slots) that hands events to genl_event.c's parser and ACKs to the
 * FIFO of what was sent, which reports each command's result in order,
 * and genl_send().  Encoding commands is genl_cmd.c's job, the GET_ADDR
 * dump by token genl_dump.c's.  Only the genl*.c files include libnl-genl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "genl.h"
#include "genl_priv.h"
#include "mptcp_uapi.h"
#include "log.h"
#include "nlutil.h"

/* Bursts of connections produce bursts of events: a small buffer loses
 * them (ENOBUFS) and forces a full resynchronisation. */
#define GENL_EVENT_RCVBUF	(4 * 1024 * 1024)
#define GENL_CMD_RCVBUF		(4 * 1024 * 1024)
/* Loop time one call for ACKs may take; the watcher calls again. */
#define GENL_CMD_BUDGET_MS	10
/* Datagrams per readable call; the level-triggered watcher calls again. */
#define GENL_DRAIN_MAX		1024

/* ---- sending -------------------------------------------------------- */

size_t genl_pending(const struct genl *p)
{
	return genl_queue_len(&p->queue);
}

size_t genl_window(const struct genl *p)
{
	return p->queue.window;
}

uint64_t genl_refused(const struct genl *p)
{
	return p->queue.refused;
}

/* Encode and send one command now; the window has room (the caller
 * checked).  0 or -errno, logged at debug level: the engine counts and
 * logs failures, aggregated during a mass action. */
static int genl_transmit(struct genl *p, const struct mptcpd_action *action)
{
	char desc[256];
	struct nl_msg *msg = NULL;
	int err;

	err = genl_build(p, action, &msg);
	if (err) {
		log_debug(LOG_SUB_GENL, "cannot encode %s: %s",
			  genl_describe(action, desc, sizeof(desc)),
			  strerror(-err));
		goto out;
	}
	err = nl_send_auto(p->cmd_sk, msg);
	if (err < 0) {
		err = nlutil_errno(err);
		log_debug(LOG_SUB_GENL, "sending %s: %s",
			  genl_describe(action, desc, sizeof(desc)),
			  strerror(-err));
		goto out;
	}
	err = genl_queue_sent(&p->queue, nlmsg_hdr(msg)->nlmsg_seq, action);
	if (log_enabled(LOG_DEBUG, LOG_SUB_GENL))
		log_debug(LOG_SUB_GENL, "sent %s (seq %u)",
			  genl_describe(action, desc, sizeof(desc)),
			  nlmsg_hdr(msg)->nlmsg_seq);
out:
	nlmsg_free(msg);
	return err;
}

/* Sent at once while the window has room and nothing waits; otherwise
 * queued, and sent as ACKs come back (genl_pump).  A command that cannot
 * even be queued is refused here (-ENOBUFS), so the caller takes back what
 * it believed. */
int genl_send(struct genl *p, const struct mptcpd_action *action)
{
	if (genl_queue_may_send(&p->queue))
		return genl_transmit(p, action);
	return genl_queue_wait(&p->queue, action);
}

/* ---- ACKs ------------------------------------------------------------ */

/* 0 with *error (0 or -errno) and *extack, or -EBADMSG. */
int genl_parse_ack(const struct nlmsghdr *nlh, int *error,
		   const char **extack)
{
	const struct nlmsgerr *e;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG;
	e = nlmsg_data(nlh);
	*error = nlutil_kernel_errno(e->error > 0 ? -e->error : e->error);
	*extack = nlutil_ext_ack(nlh);
	return 0;
}

/* The kernel's words for "no connection has this token" (EINVAL with
 * this extended ACK, from 5.19 on) become GENL_ERR_NO_CONN: EINVAL alone
 * also means a malformed command. */
int genl_translate_error(int err, const char *extack)
{
	if (err == -EINVAL && extack && strcmp(extack, "invalid token") == 0)
		return GENL_ERR_NO_CONN;
	return err;
}

/* One command's outcome, to the owner; per-command lines are debug: the
 * owner aggregates a mass action's results. */
static void genl_report(struct genl *p, const struct mptcpd_action *a,
			int err, const char *extack)
{
	char desc[256];

	err = genl_translate_error(err, extack);
	/* Closing a subflow that is already gone reached its goal. */
	if (err == -ESRCH && a->type == MPTCPD_ACTION_SUBFLOW_DESTROY)
		err = 0;
	if (log_enabled(LOG_DEBUG, LOG_SUB_GENL)) {
		genl_describe(a, desc, sizeof(desc));
		log_debug(LOG_SUB_GENL, "%s: %s%s%s%s", desc,
			  err ? strerror(-err) : "ok", extack ? " (" : "",
			  extack ? extack : "", extack ? ")" : "");
	}
	if (p->cb.result)
		p->cb.result(p->arg, a, err, extack);
}

/* Fill the window from the queue, highest class first.  A command that
 * cannot be sent now gets its result at once, as the kernel's would. */
static void genl_pump(struct genl *p)
{
	struct mptcpd_action a;
	int err;

	while (genl_queue_next(&p->queue, &a)) {
		err = genl_transmit(p, &a);
		if (err)
			genl_report(p, &a, err, NULL);
	}
}

/* ACKs come back in send order.  Entries older than the ACKed sequence
 * lost their ACK (the socket overflowed anyway): their outcome is not
 * guessed command by command; the owner is told once and resynchronises
 * the model from the kernel. */
static void genl_complete(struct genl *p, uint32_t seq, int err,
			  const char *extack)
{
	struct mptcpd_action a;
	size_t lost = 0;
	bool found = genl_queue_ack(&p->queue, seq, &a, &lost);

	p->lost_in_read += lost;
	if (found)
		genl_report(p, &a, err, extack);
	else
		log_debug(LOG_SUB_GENL, "ACK for unknown seq %u ignored", seq);
}

static void genl_cmd_msg(struct genl *p, const struct nlmsghdr *nlh)
{
	const char *extack;
	int err;

	if (nlh->nlmsg_type != NLMSG_ERROR) {
		log_debug(LOG_SUB_GENL, "unexpected message type %u on the "
			  "command socket", nlh->nlmsg_type);
		return;
	}
	if (genl_parse_ack(nlh, &err, &extack)) {
		log_warn(LOG_SUB_GENL, "truncated ACK (seq %u) ignored",
			 nlh->nlmsg_seq);
		return;
	}
	genl_complete(p, nlh->nlmsg_seq, err, extack);
}

static void genl_deliver(struct genl *p, const uint8_t *buf, size_t len,
			 void (*fn)(struct genl *p, const struct nlmsghdr *nlh))
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rem = (int)len;

	for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next((struct nlmsghdr *)nlh, &rem))
		fn(p, nlh);
}

int genl_slot_check(int msg_flags)
{
	return msg_flags & MSG_TRUNC ? -ENOBUFS : 0;
}

/* Read what is queued on a socket, up to GENL_BATCH datagrams per
 * syscall and at most rounds syscalls, and hand each message the kernel
 * sent to fn (guard refuses the others).  *drained tells whether the
 * socket was read empty.  Returns 0, -ENOBUFS when the socket lost
 * messages, by overflow or truncation (the caller decides what that
 * means), other -errno on error. */
static int genl_drain(struct genl *p, struct nl_sock *sk,
		      struct nlutil_guard *guard, int rounds, bool *drained,
		      void (*fn)(struct genl *p, const struct nlmsghdr *nlh))
{
	struct mmsghdr msgs[GENL_BATCH];
	struct iovec iov[GENL_BATCH];
	struct sockaddr_nl from[GENL_BATCH];
	int fd = nl_socket_get_fd(sk), lost = 0;

	*drained = false;
	for (int i = 0; i < rounds; i++) {
		int n;

		memset(msgs, 0, sizeof(msgs));
		for (int k = 0; k < GENL_BATCH; k++) {
			iov[k].iov_base = p->rbuf[k];
			iov[k].iov_len = GENL_SLOT_SIZE;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
			msgs[k].msg_hdr.msg_name = &from[k];
			msgs[k].msg_hdr.msg_namelen = sizeof(from[k]);
		}
		n = recvmmsg(fd, msgs, GENL_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			lost = -ENOBUFS;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			*drained = true;
			return lost;
		}
		if (n < 0)
			return -errno;
		for (int k = 0; k < n; k++) {
			if (!nlutil_accept(guard, &from[k],
					   msgs[k].msg_hdr.msg_namelen))
				continue;
			if (genl_slot_check(msgs[k].msg_hdr.msg_flags) < 0) {
				log_warn(LOG_SUB_GENL, "dropping a truncated "
					 "netlink message (over %d bytes): "
					 "counted as lost", GENL_SLOT_SIZE);
				lost = -ENOBUFS;
			} else {
				genl_deliver(p, p->rbuf[k], msgs[k].msg_len, fn);
			}
		}
		if (n < GENL_BATCH) {
			*drained = true;
			return lost;
		}
	}
	return lost;
}

/* ACKs read per pass: about a window's worth. */
static int genl_cmd_rounds(const struct genl *p)
{
	return (int)(p->queue.window / GENL_BATCH) + 1;
}

static uint64_t genl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One pass: read about a window of ACKs, report them, refill the
 * window.  False when it made no progress (nothing was read). */
static bool genl_cmd_pass(struct genl *p)
{
	size_t before = genl_queue_len(&p->queue);
	bool drained;
	int err = genl_drain(p, p->cmd_sk, &p->cmd_guard, genl_cmd_rounds(p),
			     &drained, genl_cmd_msg);

	if (err == -ENOBUFS)
		p->cmd_overflowed = true;
	else if (err < 0)
		log_warn(LOG_SUB_GENL, "receiving ACKs: %s", strerror(-err));
	/* The kernel answers a command within our sendmsg(): once the socket
	 * is read empty after an overflow, the ACKs still awaited are the
	 * ones it dropped. */
	if (drained && p->cmd_overflowed) {
		p->cmd_overflowed = false;
		p->lost_in_read += genl_queue_drop_inflight(&p->queue);
	}
	if (p->lost_in_read) {
		size_t lost = p->lost_in_read;

		p->lost_in_read = 0;
		if (p->cb.acks_lost)
			p->cb.acks_lost(p->arg, lost);
	}
	genl_pump(p);
	return genl_queue_len(&p->queue) != before;
}

/* The kernel has answered what we sent by the time sendmsg() returns, so
 * the next ACKs are already there: pass after pass until the queue is
 * empty or GENL_CMD_BUDGET_MS is spent, so that a mass action does not
 * wait for a loop iteration per window, nor hold the loop for long. */
void genl_cmd_readable(struct genl *p)
{
	uint64_t until = genl_mono_ms() + GENL_CMD_BUDGET_MS;

	while (genl_cmd_pass(p) && genl_queue_len(&p->queue) &&
	       genl_mono_ms() < until)
		;
	if (genl_queue_len(&p->queue) == 0 && p->cb.idle)
		p->cb.idle(p->arg);
}

/* ---- events ---------------------------------------------------------- */

static void genl_event_msg(struct genl *p, const struct nlmsghdr *nlh)
{
	struct mptcpd_event ev;
	const char *why;
	int err;

	if (nlh->nlmsg_type != p->family)
		return;
	err = genl_parse_event(nlh, nlh->nlmsg_len, &ev, &why);
	if (err == -ENOENT) {
		log_debug(LOG_SUB_GENL, "ignoring unknown event %u",
			  ((const struct genlmsghdr *)nlmsg_data(nlh))->cmd);
		return;
	}
	if (err) {
		log_warn(LOG_SUB_GENL, "dropping malformed event: %s", why);
		return;
	}
	if (p->cb.event)
		p->cb.event(p->arg, &ev);
}

void genl_event_readable(struct genl *p)
{
	bool drained;
	int err = genl_drain(p, p->ev_sk, &p->ev_guard, GENL_DRAIN_MAX,
			     &drained, genl_event_msg);

	if (err == -ENOBUFS) {
		/* The owner's overflow callback warns, rate-limited. */
		log_debug(LOG_SUB_GENL, "event socket overflowed: "
			  "events were lost");
		if (p->cb.overflow)
			p->cb.overflow(p->arg);
	} else if (err < 0) {
		log_warn(LOG_SUB_GENL, "receiving events: %s", strerror(-err));
	}
}

uint64_t genl_dropped(const struct genl *p)
{
	return p->ev_guard.dropped + p->cmd_guard.dropped +
	       p->dump_guard.dropped;
}

int genl_event_fd(const struct genl *p)
{
	return nl_socket_get_fd(p->ev_sk);
}

int genl_cmd_fd(const struct genl *p)
{
	return nl_socket_get_fd(p->cmd_sk);
}

/* ---- sockets --------------------------------------------------------- */

/* MPTCPD_EVENT_RCVBUF and MPTCPD_CMD_RCVBUF shrink the event and the
 * command socket's buffers: the tests use them to make the kernel drop
 * events and check that the daemon recovers, and to make a mass action
 * outgrow the command socket and check that the window paces it. */
static int genl_rcvbuf_env(const char *name, int dflt)
{
	const char *env = getenv(name);
	char *end;
	long v;

	if (!env || !*env)
		return dflt;
	v = strtol(env, &end, 10);
	if (*end || v < 4096 || v > dflt) {
		log_warn(LOG_SUB_GENL, "%s=%s ignored (expected 4096 to %d "
			 "bytes)", name, env, dflt);
		return dflt;
	}
	log_notice(LOG_SUB_GENL, "socket buffer limited to %ld bytes by %s",
		   v, name);
	return (int)v;
}

/* Best effort: without CAP_NET_ADMIN the size is capped by rmem_max. */
static void genl_set_rcvbuf(struct nl_sock *sk, int size, const char *what)
{
	int fd = nl_socket_get_fd(sk), got;

	nlutil_set_rcvbuf(fd, size);
	got = nlutil_rcvbuf(fd);
	if (got >= 0)
		log_debug(LOG_SUB_GENL, "%s socket receive buffer: %d bytes",
			  what, got);
}

void genl_set_ext_ack(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk);

	if (nlutil_want_ext_ack(fd) < 0)
		log_info(LOG_SUB_GENL, "kernel lacks NETLINK_EXT_ACK: "
			 "command errors will carry no detail");
	/* Do not echo whole requests back in error messages. */
	nlutil_cap_ack(fd);
}

int genl_sock_connect(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		log_err(LOG_SUB_GENL, "out of memory for a netlink socket");
		return -ENOMEM;
	}
	err = genl_connect(sk);
	if (err < 0) {
		log_err(LOG_SUB_GENL, "cannot open a generic netlink socket: "
			"%s", nl_geterror(err));
		nl_socket_free(sk);
		return nlutil_errno(err);
	}
	nlutil_connect_kernel_or_warn(nl_socket_get_fd(sk), LOG_SUB_GENL,
				      "a generic netlink socket");
	*out = sk;
	return 0;
}

static int genl_resolve_family(struct genl *p)
{
	int id = genl_ctrl_resolve(p->cmd_sk, MPTCP_PM_NAME);

	if (id == -NLE_OBJ_NOTFOUND) {
		log_err(LOG_SUB_GENL, "kernel has no MPTCP path-manager netlink "
			"family \"%s\" (CONFIG_MPTCP disabled, or kernel "
			"older than 5.7?)", MPTCP_PM_NAME);
		return -ENOENT;
	}
	if (id < 0) {
		log_err(LOG_SUB_GENL, "resolving netlink family \"%s\": %s",
			MPTCP_PM_NAME, nl_geterror(id));
		return nlutil_errno(id);
	}
	p->family = id;
	return 0;
}

static int genl_join_events(struct genl *p)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(p->ev_sk, MPTCP_PM_NAME,
				    MPTCP_PM_EV_GRP_NAME);
	if (grp < 0) {
		log_err(LOG_SUB_GENL, "kernel's %s family has no \"%s\" "
			"group (kernel older than 5.12?): %s", MPTCP_PM_NAME,
			MPTCP_PM_EV_GRP_NAME, nl_geterror(grp));
		return grp == -NLE_OBJ_NOTFOUND ? -ENOENT : nlutil_errno(grp);
	}
	err = nl_socket_add_membership(p->ev_sk, grp);
	if (err == -NLE_PERM) {
		log_err(LOG_SUB_GENL, "joining the MPTCP events group needs "
			"CAP_NET_ADMIN: run as root or grant the capability");
		return -EPERM;
	}
	if (err < 0) {
		log_err(LOG_SUB_GENL, "joining group \"%s\": %s",
			MPTCP_PM_EV_GRP_NAME, nl_geterror(err));
		return nlutil_errno(err);
	}
	return 0;
}

/* The window of commands in flight, sized from the receive buffer the
 * kernel granted (rmem_max caps it without CAP_NET_ADMIN). */
static int genl_cmd_window(struct genl *p)
{
	int rcvbuf = nlutil_rcvbuf(nl_socket_get_fd(p->cmd_sk));
	size_t window = genl_queue_window_for(rcvbuf);
	int err = genl_queue_init(&p->queue, window, GENL_QUEUE_WAIT_MAX);

	if (err)
		return err;
	log_debug(LOG_SUB_GENL, "command window: %zu in flight (receive "
		  "buffer %d bytes), up to %d waiting", window, rcvbuf,
		  GENL_QUEUE_WAIT_MAX);
	return 0;
}

static int genl_open_cmd(struct genl *p)
{
	int err = genl_sock_connect(&p->cmd_sk);

	if (err)
		return err;
	err = genl_resolve_family(p);
	if (err)
		return err;
	genl_set_ext_ack(p->cmd_sk);
	genl_set_rcvbuf(p->cmd_sk, genl_rcvbuf_env("MPTCPD_CMD_RCVBUF",
						 GENL_CMD_RCVBUF), "command");
	err = genl_cmd_window(p);
	if (err)
		return err;
	/* ACKs are read by genl_drain() and matched by genl_complete(). */
	return nlutil_errno(nl_socket_set_nonblocking(p->cmd_sk));
}

static int genl_open_events(struct genl *p)
{
	int err = genl_sock_connect(&p->ev_sk);

	if (err)
		return err;
	err = genl_join_events(p);
	if (err)
		return err;
	genl_set_rcvbuf(p->ev_sk, genl_rcvbuf_env("MPTCPD_EVENT_RCVBUF",
						 GENL_EVENT_RCVBUF), "event");
	/* Events are read by genl_drain(). */
	return nlutil_errno(nl_socket_set_nonblocking(p->ev_sk));
}

int genl_new(struct genl **out, const struct genl_callbacks *cb, void *arg)
{
	struct genl *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->cb = *cb;
	p->arg = arg;
	p->ev_guard = (struct nlutil_guard)NLUTIL_GUARD_INIT(LOG_SUB_GENL,
							     "genl event");
	p->cmd_guard = (struct nlutil_guard)NLUTIL_GUARD_INIT(LOG_SUB_GENL,
							      "genl command");
	p->dump_guard = (struct nlutil_guard)NLUTIL_GUARD_INIT(LOG_SUB_GENL,
							       "genl dump");
	err = genl_open_cmd(p);
	if (err)
		goto out;
	err = genl_open_events(p);
	if (err)
		goto out;
	log_debug(LOG_SUB_GENL, "%s family id %d, subscribed to %s",
		  MPTCP_PM_NAME, p->family, MPTCP_PM_EV_GRP_NAME);
	*out = p;
	p = NULL;
out:
	genl_free(p);
	return err;
}

void genl_free(struct genl *p)
{
	if (!p)
		return;
	nl_socket_free(p->ev_sk);
	nl_socket_free(p->cmd_sk);
	nl_socket_free(p->dump_sk);
	genl_queue_clear(&p->queue);
	free(p);
}
