/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The synchronous GET_ADDR dump by token (Linux 6.9+), which recovers the
 * local address ids of a connection at start-up (connections that existed
 * before the daemon) and in a resync: a probe that tells whether the kernel
 * understands the request, then one dump per connection with every read
 * bounded in time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "genl.h"
#include "genl_priv.h"
#include "mptcp_uapi.h"
#include "log.h"
#include "nlutil.h"

#define GENL_DUMP_TIMEOUT_S	2
#define GENL_DUMP_MAX_READS	4096
#define GENL_EXTACK_LEN		128

static const struct nla_policy genl_addr_policy[MPTCP_PM_ADDR_ATTR_MAX + 1] = {
	[MPTCP_PM_ADDR_ATTR_FAMILY] = GENL_FIXED(NLA_U16, 2),
	[MPTCP_PM_ADDR_ATTR_ID] = GENL_FIXED(NLA_U8, 1),
	[MPTCP_PM_ADDR_ATTR_ADDR4] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_PM_ADDR_ATTR_ADDR6] = GENL_FIXED(NLA_UNSPEC, 16),
	[MPTCP_PM_ADDR_ATTR_PORT] = GENL_FIXED(NLA_U16, 2),
	[MPTCP_PM_ADDR_ATTR_FLAGS] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_PM_ADDR_ATTR_IF_IDX] = GENL_FIXED(NLA_U32, 4),
};

/* ---- GET_ADDR dump by token (synchronous) --------------------------- */

struct genl_dump {
	int family;
	uint32_t seq;			/* of the request: replies carry it */
	struct nlutil_guard *guard;
	void (*cb)(void *arg, const struct genl_local_entry *e);
	void *arg;
	bool done;
	int error;
	char extack[GENL_EXTACK_LEN];
};

int genl_parse_entry(const struct nlmsghdr *nlh, struct genl_local_entry *e)
{
	struct nlattr *tb[MPTCP_PM_ATTR_MAX + 1];
	struct nlattr *ab[MPTCP_PM_ADDR_ATTR_MAX + 1];

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, MPTCP_PM_ATTR_MAX,
			  NULL) < 0 || !tb[MPTCP_PM_ATTR_ADDR])
		return -EBADMSG;
	if (nla_parse_nested(ab, MPTCP_PM_ADDR_ATTR_MAX, tb[MPTCP_PM_ATTR_ADDR],
			     genl_addr_policy) < 0 || !ab[MPTCP_PM_ADDR_ATTR_ID])
		return -EBADMSG;
	memset(e, 0, sizeof(*e));
	e->id = nla_get_u8(ab[MPTCP_PM_ADDR_ATTR_ID]);
	if (ab[MPTCP_PM_ADDR_ATTR_FLAGS])
		e->flags = nla_get_u32(ab[MPTCP_PM_ADDR_ATTR_FLAGS]);
	if (ab[MPTCP_PM_ADDR_ATTR_IF_IDX])
		e->ifindex = (int32_t)nla_get_u32(ab[MPTCP_PM_ADDR_ATTR_IF_IDX]);
	if (ab[MPTCP_PM_ADDR_ATTR_PORT])	/* host order in replies */
		e->addr.port = nla_get_u16(ab[MPTCP_PM_ADDR_ATTR_PORT]);
	if (!genl_get_ip(ab[MPTCP_PM_ADDR_ATTR_ADDR4],
			 ab[MPTCP_PM_ADDR_ATTR_ADDR6], 0, &e->addr))
		return -EBADMSG;
	return 0;
}

/* The dump's final status: NLMSG_DONE carries an int, NLMSG_ERROR an
 * nlmsgerr; either may have extack TLVs. */
static void genl_dump_status(struct genl_dump *d, const struct nlmsghdr *nlh)
{
	const char *extack = NULL;
	int32_t status = 0;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (genl_parse_ack(nlh, &status, &extack))
			status = -EBADMSG;
	} else if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(status)) {
		memcpy(&status, nlmsg_data(nlh), sizeof(status));
		extack = nlutil_ext_ack(nlh);
	}
	d->error = nlutil_kernel_errno(status > 0 ? -status : status);
	if (extack)
		snprintf(d->extack, sizeof(d->extack), "%.*s",
			 GENL_EXTACK_LEN - 1, extack);
	d->done = true;
}

/* libnl's NL_CB_MSG_IN: sees every message first, so it also checks
 * who sent it and that it answers our request.  An entry another
 * program forged would give a connection's address id away to the wrong
 * address; a forged DONE or error would end the dump early. */
static int genl_dump_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genl_local_entry e;
	struct genl_dump *d = arg;

	if (!nlutil_accept(d->guard, nlmsg_get_src(msg),
			   sizeof(struct sockaddr_nl)))
		return NL_SKIP;
	if (nlh->nlmsg_seq != d->seq) {
		log_debug(LOG_SUB_GENL, "GET_ADDR reply with seq %u, not %u, "
			  "ignored", nlh->nlmsg_seq, d->seq);
		return NL_SKIP;
	}
	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		genl_dump_status(d, nlh);
		return NL_STOP;
	}
	if (nlh->nlmsg_type != d->family)
		return NL_SKIP;
	if (genl_parse_entry(nlh, &e) < 0) {
		log_warn(LOG_SUB_GENL, "malformed GET_ADDR reply skipped");
		return NL_SKIP;
	}
	if (d->cb)
		d->cb(d->arg, &e);
	return NL_SKIP;
}

/* The dump socket lives from the first dump to the daemon's end (or to
 * a dump that fails, whose rest it may still hold): a resync asks for
 * the ids of every connection it adopts, and a socket of its own per
 * dump (socket, bind, getsockname, three setsockopts, close) was most of
 * what each of them cost. */
static int genl_dump_socket(struct genl *p)
{
	struct timeval tv = { .tv_sec = GENL_DUMP_TIMEOUT_S };
	int err;

	if (p->dump_sk)
		return 0;
	err = genl_sock_connect(&p->dump_sk);
	if (err)
		return err;
	genl_set_ext_ack(p->dump_sk);
	/* Bound every read so that no dump hangs on a silent kernel. */
	setsockopt(nl_socket_get_fd(p->dump_sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	/* genl_dump_msg() checks the sender and the sequence number. */
	nl_socket_disable_seq_check(p->dump_sk);
	nl_socket_disable_auto_ack(p->dump_sk);
	return 0;
}

/* Sends the request; *seq is the sequence number libnl gave it. */
static int genl_dump_request(struct nl_sock *sk, int family, uint32_t token,
			     uint32_t *seq)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err = -ENOMEM;

	if (!msg)
		return err;
	err = -EMSGSIZE;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP,
			 MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER) ||
	    nla_put_u32(msg, MPTCP_PM_ATTR_TOKEN, token) < 0)
		goto out;
	err = nl_send_auto(sk, msg);
	err = err < 0 ? nlutil_errno(err) : 0;
	*seq = nlmsg_hdr(msg)->nlmsg_seq;
out:
	nlmsg_free(msg);
	return err;
}

/* One dump; d->error/d->extack hold the kernel's verdict. */
static int genl_dump_run(struct genl *p, uint32_t token, struct genl_dump *d)
{
	int i, err;

	d->family = p->family;
	d->guard = &p->dump_guard;
	err = genl_dump_socket(p);
	if (err)
		return err;
	/* d lives on the caller's stack: the callback is only run by the
	 * reads below, and set again before the next dump's. */
	nl_socket_modify_cb(p->dump_sk, NL_CB_MSG_IN, NL_CB_CUSTOM,
			    genl_dump_msg, d);
	err = genl_dump_request(p->dump_sk, p->family, token, &d->seq);
	for (i = 0; !err && !d->done && i < GENL_DUMP_MAX_READS; i++) {
		err = nl_recvmsgs_default(p->dump_sk);
		err = err == -NLE_AGAIN ? -ETIMEDOUT :
		      err < 0 ? nlutil_errno(err) : 0;
	}
	if (!err && !d->done)
		err = -ETIMEDOUT;
	/* The socket may hold the rest of a dump cut short: the next one
	 * starts on a fresh socket. */
	if (err) {
		nl_socket_free(p->dump_sk);
		p->dump_sk = NULL;
	}
	return err;
}

/* No GET_ADDR by token: remembered, and its socket is of no more use. */
static void genl_dump_unsupported(struct genl *p)
{
	p->dump_support = GENL_DUMP_SUPPORT_NO;
	nl_socket_free(p->dump_sk);
	p->dump_sk = NULL;
}

/* Kernels before 6.9 ignore the token and dump the in-kernel endpoints,
 * which would look like a valid answer.  Token 0 tells them apart: a
 * kernel that understands it refuses it as "invalid token". */
static bool genl_dump_supported(struct genl *p)
{
	struct genl_dump d = { .cb = NULL };
	int err;

	if (p->dump_support != GENL_DUMP_SUPPORT_UNKNOWN)
		return p->dump_support == GENL_DUMP_SUPPORT_YES;
	err = genl_dump_run(p, 0, &d);
	if (!err && d.error == -EINVAL && strstr(d.extack, "token")) {
		p->dump_support = GENL_DUMP_SUPPORT_YES;
		return true;
	}
	genl_dump_unsupported(p);
	log_info(LOG_SUB_GENL, "kernel cannot list a connection's local "
		 "addresses (GET_ADDR by token needs Linux 6.9); address ids "
		 "of existing connections are not recovered");
	return false;
}

int genl_dump_local_addrs(struct genl *p, uint32_t token,
			  void (*cb)(void *arg, const struct genl_local_entry *e),
			  void *arg)
{
	struct genl_dump d = { .cb = cb, .arg = arg };
	int err;

	if (!genl_dump_supported(p))
		return -EOPNOTSUPP;
	err = genl_dump_run(p, token, &d);
	if (!err)
		err = d.error;
	if (err == -EOPNOTSUPP) {
		genl_dump_unsupported(p);
		return err;
	}
	if (err)
		log_warn(LOG_SUB_GENL, "GET_ADDR token=%08x failed: %s%s%s%s",
			 token, strerror(-err), d.extack[0] ? " (" : "",
			 d.extack, d.extack[0] ? ")" : "");
	return err;
}

bool genl_upm_checks_flags(struct genl *p)
{
	return genl_dump_supported(p);
}
