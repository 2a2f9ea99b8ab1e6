/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag dumps: every MPTCP socket and every TCP socket that is an
 * MPTCP subflow, IPv4 then IPv6, for adopting the connections that exist
 * before the daemon starts (or after events were lost).  A dumper reads
 * one datagram per step: the kernel fills each datagram of a dump when it
 * is read, so a step costs one datagram's worth of kernel walk and
 * parsing, and the owner can spread a dump of 10,000 connections over
 * several loop iterations (resync.c) instead of holding the loop.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include "diag.h"
#include "diag_priv.h"
#include "addr.h"
#include "log.h"
#include "mptcp_uapi.h"
#include "nlutil.h"

/* Bounds a dump: 2^20 reads of >= 1 socket each is far beyond any host. */
#define DIAG_MAX_READS		(1u << 20)
/* The kernel always answers; this only guards against a wedged socket. */
#define DIAG_TIMEOUT_S		5

static int diag_send(int fd, const struct diag_dump *d)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct diag_request req;

	diag_request_init(&req, NLM_F_REQUEST | NLM_F_DUMP, d->seq, d->family,
			  d->protocol, d->states, 1u << (INET_DIAG_INFO - 1));
	req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* NLMSG_ERROR or NLMSG_DONE: 0 (success) or -errno. */
static int diag_status(const struct nlmsghdr *nlh, const struct diag_dump *d)
{
	const struct nlmsgerr *e;
	const char *ext;
	int err;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
			return 0;
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		return err < 0 ? nlutil_kernel_errno(err) : 0;
	}
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EIO;
	e = NLMSG_DATA(nlh);
	if (e->error >= 0)
		return 0;
	err = nlutil_kernel_errno(e->error);
	ext = nlutil_ext_ack(nlh);
	/* ENOENT / EAFNOSUPPORT answer our probes (no mptcp_diag, no IPv6):
	 * the caller decides whether they matter. */
	log_msg(err == -ENOENT || err == -EAFNOSUPPORT ?
		LOG_DEBUG : LOG_WARNING, LOG_SUB_DIAG,
		"sock_diag dump family %u protocol %u: %s %s", d->family,
		d->protocol, strerror(-err), ext ? ext : "");
	return err;
}

/* One message of a dump: ours (by sequence) or ignored; 1 at its end. */
static int diag_dump_msg(const struct nlmsghdr *nlh, void *ctx)
{
	const struct diag_dump *d = ctx;
	int err;

	if (nlh->nlmsg_seq != d->seq)
		return 0;
	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		err = diag_status(nlh, d);
		return err < 0 ? err : 1;
	}
	if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY)
		d->fn(nlh, nlh->nlmsg_len, d->ctx);
	return 0;
}

int diag_dump_walk(const void *buf, size_t len, const struct diag_dump *d)
{
	return nlutil_walk(buf, len, diag_dump_msg, (void *)d);
}

struct diag_conn_ctx {
	void (*cb)(void *arg, const struct diag_conn *c);
	void *arg;
	size_t records;		/* MPTCP sockets seen in this dump, any kind */
};

static void diag_on_conn(const struct nlmsghdr *nlh, size_t len, void *ctx)
{
	struct diag_conn_ctx *cc = ctx;
	char l[ADDR_STRLEN], r[ADDR_STRLEN];
	struct diag_conn c;

	cc->records++;
	if (diag_parse_conn(nlh, len, &c) != 0)
		return;
	log_debug(LOG_SUB_DIAG, "conn token %08x %s -> %s state %u%s%s",
		  c.token, addr_str(&c.local, l, sizeof(l)),
		  addr_str(&c.remote, r, sizeof(r)), c.state,
		  c.listener ? " listener" : "", c.fallback ? " fallback" : "");
	cc->cb(cc->arg, &c);
}

/* The four dumps of a snapshot, in order: a reader that wants only one
 * kind skips the other's two. */
static const struct diag_stage {
	uint32_t protocol;
	uint8_t family;
	bool subflows;
} diag_stages[] = {
	{ IPPROTO_MPTCP, AF_INET, false },
	{ IPPROTO_MPTCP, AF_INET6, false },
	{ IPPROTO_TCP, AF_INET, true },
	{ IPPROTO_TCP, AF_INET6, true },
};
#define DIAG_N_STAGES	(sizeof(diag_stages) / sizeof(diag_stages[0]))

/* Listeners, request and time-wait sockets are never subflows we manage;
 * the kernel skips them for us. */
#define DIAG_SUBFLOW_STATES	(DIAG_STATES_ALL & ~((1u << TCP_LISTEN) | \
				 (1u << TCP_TIME_WAIT) | \
				 (1u << DIAG_TCP_NEW_SYN_RECV)))

struct diag_dumper {
	int fd;
	size_t stage;		/* index in diag_stages; DIAG_N_STAGES: done */
	bool sent;		/* the stage's request is out */
	unsigned int reads;	/* datagrams of this stage */
	/* The IPv6 MPTCP dump found no socket at all: the IPv6 subflow
	 * dump, a walk of the whole established hash, is skipped.  The
	 * subflows of an IPv4 connection are IPv4 sockets, unless a path
	 * manager gave the kernel a v4-mapped local address (the kernel then
	 * opens an IPv6 socket); we unmap every address we send, so only
	 * another path manager's subflow, before we adopted the connection,
	 * could be missed, and the live events still bring it in. */
	bool no_mptcp_v6;
	void *buf;
	struct diag_dump d;
	struct diag_conn_ctx cc;
	struct diag_subflow_ctx sc;
};

static bool diag_stage_wanted(const struct diag_dumper *w, size_t stage)
{
	const struct diag_stage *st = &diag_stages[stage];

	if (!st->subflows)
		return w->cc.cb != NULL;
	if (st->family == AF_INET6 && w->no_mptcp_v6)
		return false;
	return w->sc.cb != NULL;
}

static void diag_dumper_skip(struct diag_dumper *w)
{
	while (w->stage < DIAG_N_STAGES && !diag_stage_wanted(w, w->stage))
		w->stage++;
}

struct diag_dumper *diag_dumper_new(void (*conn_cb)(void *arg,
						    const struct diag_conn *c),
				    void (*subflow_cb)(void *arg,
						       const struct diag_subflow *s),
				    void *arg)
{
	struct diag_dumper *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fd = -1;
	w->buf = malloc(DIAG_BUF_SIZE);
	if (!w->buf)
		goto fail;
	w->fd = diag_open(DIAG_TIMEOUT_S);
	if (w->fd < 0)
		goto fail;
	w->cc.cb = conn_cb;
	w->cc.arg = arg;
	w->sc.cb = subflow_cb;
	w->sc.arg = arg;
	diag_dumper_skip(w);
	return w;
fail:
	diag_dumper_free(w);
	return NULL;
}

void diag_dumper_free(struct diag_dumper *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	free(w);
}

/* The request of the current stage.  The same socket serves the four
 * dumps one after the other; each has its own sequence number, so a late
 * datagram of an earlier one is ignored. */
static int diag_stage_send(struct diag_dumper *w)
{
	const struct diag_stage *st = &diag_stages[w->stage];
	int err;

	w->d.family = st->family;
	w->d.protocol = st->protocol;
	w->d.states = st->subflows ? DIAG_SUBFLOW_STATES : DIAG_STATES_ALL;
	w->d.fn = st->subflows ? diag_on_subflow : diag_on_conn;
	w->d.ctx = st->subflows ? (void *)&w->sc : (void *)&w->cc;
	w->d.seq++;
	w->reads = 0;
	w->cc.records = 0;
	err = diag_send(w->fd, &w->d);
	/* Not sent: nothing to read; the stage ends on the error. */
	w->sent = err == 0;
	return err;
}

/* A stage that ended in an error: the errors a host may legitimately
 * give are translated (no IPv6 is not an error; no mptcp_diag is
 * -EOPNOTSUPP), the others logged and returned. */
static int diag_stage_failed(const struct diag_dumper *w, int err)
{
	const struct diag_stage *st = &diag_stages[w->stage];
	bool absent = err == -ENOENT || err == -EAFNOSUPPORT ||
		      err == -EOPNOTSUPP;

	if (absent && st->family == AF_INET6) {
		log_debug(LOG_SUB_DIAG, "%s dump: no IPv6 sock_diag",
			  st->subflows ? "tcp" : "mptcp");
		return 0;
	}
	if (absent && !st->subflows) {
		/* No handler registered for protocol 262. */
		log_err(LOG_SUB_DIAG, "mptcp_diag missing: modprobe mptcp_diag");
		return -EOPNOTSUPP;
	}
	log_err(LOG_SUB_DIAG, "%s sock_diag dump: %s",
		st->subflows ? "tcp" : "mptcp", strerror(-err));
	return err;
}

/* One datagram of the current stage: 1 when the stage ended, 0 to read
 * on, -errno. */
static int diag_stage_read(struct diag_dumper *w)
{
	struct sockaddr_nl from;
	socklen_t from_len = sizeof(from);
	ssize_t n;

	if (++w->reads > DIAG_MAX_READS)
		return -E2BIG;
	do {
		n = recvfrom(w->fd, w->buf, DIAG_BUF_SIZE, 0,
			     (struct sockaddr *)&from, &from_len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!diag_from_kernel(&from, from_len))
		return 0;
	return diag_dump_walk(w->buf, (size_t)n, &w->d);
}

int diag_dumper_step(struct diag_dumper *w)
{
	int err;

	if (w->stage >= DIAG_N_STAGES)
		return 1;
	/* A request that could not be sent ends its stage like a dump that
	 * failed: absent (no IPv6) is no error, the rest abandon. */
	err = w->sent ? 0 : diag_stage_send(w);
	if (err == 0) {
		err = diag_stage_read(w);
		if (err == 0)
			return 0;
	}
	if (err < 0) {
		err = diag_stage_failed(w, err);
		if (err < 0) {
			w->stage = DIAG_N_STAGES;	/* abandoned */
			return err;
		}
	}
	if (!diag_stages[w->stage].subflows &&
	    diag_stages[w->stage].family == AF_INET6 &&
	    w->cc.records == 0)
		w->no_mptcp_v6 = true;
	w->stage++;
	w->sent = false;
	diag_dumper_skip(w);
	return w->stage >= DIAG_N_STAGES ? 1 : DIAG_STEP_NEXT_DUMP;
}

int diag_dumper_run(void (*conn_cb)(void *arg, const struct diag_conn *c),
		    void (*subflow_cb)(void *arg, const struct diag_subflow *s),
		    void *arg)
{
	struct diag_dumper *w = diag_dumper_new(conn_cb, subflow_cb, arg);
	int err;

	if (!w)
		return -ENOMEM;
	do {
		err = diag_dumper_step(w);
	} while (err == 0 || err == DIAG_STEP_NEXT_DUMP);
	diag_dumper_free(w);
	return err < 0 ? err : 0;
}
