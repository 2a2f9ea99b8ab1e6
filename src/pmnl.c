/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's mptcp_pm generic-netlink family.  Events are decoded into
 * struct mptcpd_event; actions are encoded into commands whose ACKs are
 * matched, in order, against a FIFO of what was sent.  This is the only
 * file that includes libnl-genl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "pmnl.h"
#include "mptcp_uapi.h"
#include "addr.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Bursts of connections produce bursts of events: a small buffer loses
 * them (ENOBUFS) and forces a full resynchronisation. */
#define PMNL_EVENT_RCVBUF	(4 * 1024 * 1024)
#define PMNL_CMD_RCVBUF		(4 * 1024 * 1024)
#define PMNL_FIFO_MIN		64
#define PMNL_FIFO_MAX		65536
/* Datagrams per readable call; the level-triggered watcher calls again. */
#define PMNL_DRAIN_MAX		1024
#define PMNL_DUMP_TIMEOUT_S	2
#define PMNL_DUMP_MAX_READS	4096
#define PMNL_EXTACK_LEN		128

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
#define PMNL_SLOT_SIZE		4096

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

/* Kernel event number -> our type, and what the event must carry. */
struct pmnl_event_desc {
	uint8_t kev;
	enum mptcpd_event_type type;
	uint32_t required;
};

#define PMNL_REQ_CONN	(MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | \
			 MPTCPD_FIELD_REMOTE)
#define PMNL_REQ_SUB	(PMNL_REQ_CONN | MPTCPD_FIELD_LOCAL_ID | \
			 MPTCPD_FIELD_REMOTE_ID)

static const struct pmnl_event_desc pmnl_events[] = {
	{ MPTCPD_KEV_CREATED, MPTCPD_EVENT_CREATED, PMNL_REQ_CONN },
	{ MPTCPD_KEV_ESTABLISHED, MPTCPD_EVENT_ESTABLISHED, PMNL_REQ_CONN },
	{ MPTCPD_KEV_CLOSED, MPTCPD_EVENT_CLOSED, MPTCPD_FIELD_TOKEN },
	{ MPTCPD_KEV_ANNOUNCED, MPTCPD_EVENT_ANNOUNCED,
	  MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_REMOTE | MPTCPD_FIELD_REMOTE_ID },
	{ MPTCPD_KEV_REMOVED, MPTCPD_EVENT_REMOVED,
	  MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_REMOTE_ID },
	{ MPTCPD_KEV_SUB_ESTABLISHED, MPTCPD_EVENT_SUB_ESTABLISHED,
	  PMNL_REQ_SUB },
	{ MPTCPD_KEV_SUB_CLOSED, MPTCPD_EVENT_SUB_CLOSED, PMNL_REQ_SUB },
	{ MPTCPD_KEV_SUB_PRIORITY, MPTCPD_EVENT_SUB_PRIORITY, PMNL_REQ_SUB },
	{ MPTCPD_KEV_LISTENER_CREATED, MPTCPD_EVENT_LISTENER_CREATED,
	  MPTCPD_FIELD_LOCAL },
	{ MPTCPD_KEV_LISTENER_CLOSED, MPTCPD_EVENT_LISTENER_CLOSED,
	  MPTCPD_FIELD_LOCAL },
};

#define PMNL_FIXED(t, n)	{ .type = (t), .minlen = (n), .maxlen = (n) }

/* Exact sizes: a wrong length means a kernel we do not understand or a
 * corrupted message, and either way the values cannot be trusted. */
static struct nla_policy pmnl_event_policy[MPTCPD_ATTR_MAX + 1] = {
	[MPTCP_ATTR_TOKEN] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_FAMILY] = PMNL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_LOC_ID] = PMNL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_REM_ID] = PMNL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_SADDR4] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_SADDR6] = PMNL_FIXED(NLA_UNSPEC, 16),
	[MPTCP_ATTR_DADDR4] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_DADDR6] = PMNL_FIXED(NLA_UNSPEC, 16),
	[MPTCP_ATTR_SPORT] = PMNL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_DPORT] = PMNL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_BACKUP] = PMNL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_ERROR] = PMNL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_FLAGS] = PMNL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_TIMEOUT] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_IF_IDX] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_RESET_REASON] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_RESET_FLAGS] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_SERVER_SIDE] = PMNL_FIXED(NLA_U8, 1),
};

static struct nla_policy pmnl_addr_policy[MPTCP_PM_ADDR_ATTR_MAX + 1] = {
	[MPTCP_PM_ADDR_ATTR_FAMILY] = PMNL_FIXED(NLA_U16, 2),
	[MPTCP_PM_ADDR_ATTR_ID] = PMNL_FIXED(NLA_U8, 1),
	[MPTCP_PM_ADDR_ATTR_ADDR4] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_PM_ADDR_ATTR_ADDR6] = PMNL_FIXED(NLA_UNSPEC, 16),
	[MPTCP_PM_ADDR_ATTR_PORT] = PMNL_FIXED(NLA_U16, 2),
	[MPTCP_PM_ADDR_ATTR_FLAGS] = PMNL_FIXED(NLA_U32, 4),
	[MPTCP_PM_ADDR_ATTR_IF_IDX] = PMNL_FIXED(NLA_U32, 4),
};

/* ---- names ---------------------------------------------------------- */

const char *pmnl_event_name(enum mptcpd_event_type type)
{
	switch (type) {
	case MPTCPD_EVENT_CREATED: return "CREATED";
	case MPTCPD_EVENT_ESTABLISHED: return "ESTABLISHED";
	case MPTCPD_EVENT_CLOSED: return "CLOSED";
	case MPTCPD_EVENT_ANNOUNCED: return "ANNOUNCED";
	case MPTCPD_EVENT_REMOVED: return "REMOVED";
	case MPTCPD_EVENT_SUB_ESTABLISHED: return "SUB_ESTABLISHED";
	case MPTCPD_EVENT_SUB_CLOSED: return "SUB_CLOSED";
	case MPTCPD_EVENT_SUB_PRIORITY: return "SUB_PRIORITY";
	case MPTCPD_EVENT_LISTENER_CREATED: return "LISTENER_CREATED";
	case MPTCPD_EVENT_LISTENER_CLOSED: return "LISTENER_CLOSED";
	case MPTCPD_EVENT_ADOPTED: return "ADOPTED";
	case MPTCPD_EVENT_ADDR_ADDED: return "ADDR_ADDED";
	case MPTCPD_EVENT_ADDR_REMOVED: return "ADDR_REMOVED";
	case MPTCPD_EVENT_ACTION_FAILED: return "ACTION_FAILED";
	}
	return "UNKNOWN";
}

const char *pmnl_action_name(enum mptcpd_action_type type)
{
	switch (type) {
	case MPTCPD_ACTION_ANNOUNCE: return "ANNOUNCE";
	case MPTCPD_ACTION_REMOVE: return "REMOVE";
	case MPTCPD_ACTION_SUBFLOW_CREATE: return "SUBFLOW_CREATE";
	case MPTCPD_ACTION_SUBFLOW_DESTROY: return "SUBFLOW_DESTROY";
	case MPTCPD_ACTION_SET_BACKUP: return "SET_FLAGS";
	}
	return "UNKNOWN";
}

/* libnl folds errno into its own codes; undo it for our callers. */
static int pmnl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0: return 0;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_INVAL: return -EINVAL;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_RANGE: return -ERANGE;
	case NLE_EXIST: return -EEXIST;
	case NLE_BUSY: return -EBUSY;
	case NLE_MSGSIZE: return -EMSGSIZE;
	default: return -EIO;
	}
}

/* ---- event decoding (pure) ------------------------------------------ */

static const struct pmnl_event_desc *pmnl_event_lookup(uint8_t kev)
{
	size_t i;

	for (i = 0; i < sizeof(pmnl_events) / sizeof(pmnl_events[0]); i++)
		if (pmnl_events[i].kev == kev)
			return &pmnl_events[i];
	return NULL;
}

/* Check the netlink and genl headers; on success attrs and attrlen give the
 * attribute stream. */
static int pmnl_parse_headers(const struct nlmsghdr *nlh, size_t len,
			      struct nlattr **attrs, int *attrlen,
			      const char **why)
{
	const size_t hdrs = NLMSG_HDRLEN + GENL_HDRLEN;

	if (len < NLMSG_HDRLEN) {
		*why = "shorter than a netlink header";
		return -EBADMSG;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len) {
		*why = "netlink length out of bounds (truncated)";
		return -EBADMSG;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE) {
		*why = "netlink control message, not an event";
		return -EINVAL;
	}
	if (nlh->nlmsg_len < hdrs) {
		*why = "shorter than a generic netlink header";
		return -EBADMSG;
	}
	*attrs = (struct nlattr *)((char *)nlh + hdrs);
	*attrlen = (int)(nlh->nlmsg_len - hdrs);
	return 0;
}

/* libnl's nla_parse() silently ignores trailing bytes; we do not, since
 * a partial attribute means the message was cut. */
static int pmnl_check_stream(struct nlattr *attrs, int attrlen,
			     const char **why)
{
	struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, attrs, attrlen, rem)
		;
	if (rem > 0) {
		*why = "truncated attribute";
		return -EBADMSG;
	}
	return 0;
}

/* Choose the v4 or v6 attribute; FAMILY (when sent) must agree. */
static bool pmnl_get_ip(const struct nlattr *a4, const struct nlattr *a6,
			int family, struct mptcpd_addr *out)
{
	if (a4 && family != AF_INET6) {
		out->family = AF_INET;
		memcpy(&out->u.v4, nla_data(a4), sizeof(out->u.v4));
		return true;
	}
	if (a6 && family != AF_INET) {
		out->family = AF_INET6;
		memcpy(&out->u.v6, nla_data(a6), sizeof(out->u.v6));
		return true;
	}
	return false;
}

static void pmnl_fill_addrs(struct nlattr **tb, struct mptcpd_event *ev)
{
	int family = 0;

	if (tb[MPTCP_ATTR_FAMILY])
		family = nla_get_u16(tb[MPTCP_ATTR_FAMILY]);
	if (pmnl_get_ip(tb[MPTCP_ATTR_SADDR4], tb[MPTCP_ATTR_SADDR6], family,
			&ev->local))
		ev->fields |= MPTCPD_FIELD_LOCAL;
	if (pmnl_get_ip(tb[MPTCP_ATTR_DADDR4], tb[MPTCP_ATTR_DADDR6], family,
			&ev->remote))
		ev->fields |= MPTCPD_FIELD_REMOTE;
	/* Event ports are network order (commands use host order). */
	if (tb[MPTCP_ATTR_SPORT])
		ev->local.port = ntohs(nla_get_u16(tb[MPTCP_ATTR_SPORT]));
	if (tb[MPTCP_ATTR_DPORT])
		ev->remote.port = ntohs(nla_get_u16(tb[MPTCP_ATTR_DPORT]));
}

static void pmnl_fill_ids(struct nlattr **tb, struct mptcpd_event *ev)
{
	if (tb[MPTCP_ATTR_TOKEN]) {
		ev->token = nla_get_u32(tb[MPTCP_ATTR_TOKEN]);
		ev->fields |= MPTCPD_FIELD_TOKEN;
	}
	if (tb[MPTCP_ATTR_LOC_ID]) {
		ev->local_id = nla_get_u8(tb[MPTCP_ATTR_LOC_ID]);
		ev->fields |= MPTCPD_FIELD_LOCAL_ID;
	}
	if (tb[MPTCP_ATTR_REM_ID]) {
		ev->remote_id = nla_get_u8(tb[MPTCP_ATTR_REM_ID]);
		ev->fields |= MPTCPD_FIELD_REMOTE_ID;
	}
	if (tb[MPTCP_ATTR_IF_IDX]) {
		ev->ifindex = (int32_t)nla_get_u32(tb[MPTCP_ATTR_IF_IDX]);
		ev->fields |= MPTCPD_FIELD_IFINDEX;
	}
}

/* The SERVER_SIDE flag bit (6.18) replaces the deprecated attribute,
 * which recent kernels send only when true: honour either. */
static void pmnl_fill_flags(struct nlattr **tb, struct mptcpd_event *ev)
{
	if (tb[MPTCP_ATTR_FLAGS]) {
		ev->flags = nla_get_u16(tb[MPTCP_ATTR_FLAGS]);
		ev->fields |= MPTCPD_FIELD_FLAGS | MPTCPD_FIELD_SERVER_SIDE;
		ev->deny_join_id0 = ev->flags & MPTCPD_EV_FLAG_DENY_JOIN_ID0;
		ev->server_side = ev->flags & MPTCPD_EV_FLAG_SERVER_SIDE;
	}
	if (tb[MPTCP_ATTR_SERVER_SIDE]) {
		ev->fields |= MPTCPD_FIELD_SERVER_SIDE;
		if (nla_get_u8(tb[MPTCP_ATTR_SERVER_SIDE]))
			ev->server_side = true;
	}
	if (tb[MPTCP_ATTR_BACKUP]) {
		ev->backup = nla_get_u8(tb[MPTCP_ATTR_BACKUP]) != 0;
		ev->fields |= MPTCPD_FIELD_BACKUP;
	}
}

static void pmnl_fill_status(struct nlattr **tb, struct mptcpd_event *ev)
{
	if (tb[MPTCP_ATTR_ERROR]) {
		ev->error = nla_get_u8(tb[MPTCP_ATTR_ERROR]);
		ev->fields |= MPTCPD_FIELD_ERROR;
	}
	if (tb[MPTCP_ATTR_RESET_REASON]) {
		ev->reset_reason = nla_get_u32(tb[MPTCP_ATTR_RESET_REASON]);
		ev->fields |= MPTCPD_FIELD_RESET;
	}
	if (tb[MPTCP_ATTR_RESET_FLAGS]) {
		ev->reset_flags = nla_get_u32(tb[MPTCP_ATTR_RESET_FLAGS]);
		ev->fields |= MPTCPD_FIELD_RESET;
	}
	if (tb[MPTCP_ATTR_TIMEOUT]) {
		ev->timeout = nla_get_u32(tb[MPTCP_ATTR_TIMEOUT]);
		ev->fields |= MPTCPD_FIELD_TIMEOUT;
	}
}

static int pmnl_parse_aligned(const struct nlmsghdr *nlh, size_t len,
			      struct mptcpd_event *ev, const char **why)
{
	struct nlattr *tb[MPTCPD_ATTR_MAX + 1];
	const struct pmnl_event_desc *desc;
	const struct genlmsghdr *gh;
	struct nlattr *attrs;
	int attrlen, err;

	err = pmnl_parse_headers(nlh, len, &attrs, &attrlen, why);
	if (err)
		return err;
	gh = nlmsg_data(nlh);
	desc = pmnl_event_lookup(gh->cmd);
	if (!desc) {
		*why = "unknown event";
		return -ENOENT;
	}
	err = pmnl_check_stream(attrs, attrlen, why);
	if (err)
		return err;
	/* Types above MPTCPD_ATTR_MAX (newer kernels) are skipped by
	 * nla_parse(); known ones are length-checked by the policy. */
	if (nla_parse(tb, MPTCPD_ATTR_MAX, attrs, attrlen,
		      pmnl_event_policy) < 0) {
		*why = "attribute with a wrong length";
		return -EINVAL;
	}
	ev->type = desc->type;
	pmnl_fill_ids(tb, ev);
	pmnl_fill_addrs(tb, ev);
	pmnl_fill_flags(tb, ev);
	pmnl_fill_status(tb, ev);
	if ((ev->fields & desc->required) != desc->required) {
		*why = "required attribute missing";
		return -EINVAL;
	}
	return 0;
}

int pmnl_parse_event(const void *buf, size_t len, struct mptcpd_event *ev,
		     const char **why)
{
	const char *reason = NULL;
	void *copy = NULL;
	int err;

	memset(ev, 0, sizeof(*ev));
	/* Attribute access assumes the 4-byte netlink alignment; fuzzers
	 * and callers with odd buffers get an aligned copy. */
	if ((uintptr_t)buf % NLMSG_ALIGNTO) {
		copy = malloc(len ? len : 1);
		if (!copy) {
			reason = "out of memory";
			err = -ENOMEM;
			goto out;
		}
		memcpy(copy, buf, len);
		buf = copy;
	}
	err = pmnl_parse_aligned(buf, len, ev, &reason);
	if (err)
		memset(ev, 0, sizeof(*ev));
out:
	free(copy);
	if (why)
		*why = reason;
	return err;
}

/* ---- pending-command FIFO ------------------------------------------- */

static int pmnl_fifo_reserve(struct pmnl_fifo *f)
{
	struct pmnl_sent *v;
	size_t cap, i;

	if (f->n < f->cap)
		return 0;
	if (f->n >= PMNL_FIFO_MAX)
		return -ENOBUFS;
	cap = f->cap ? f->cap * 2 : PMNL_FIFO_MIN;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < f->n; i++)
		v[i] = f->v[(f->head + i) % f->cap];
	free(f->v);
	f->v = v;
	f->cap = cap;
	f->head = 0;
	return 0;
}

static void pmnl_fifo_push(struct pmnl_fifo *f, uint32_t seq,
			   const struct mptcpd_action *action)
{
	struct pmnl_sent *s = &f->v[(f->head + f->n) % f->cap];

	s->seq = seq;
	s->action = *action;
	f->n++;
}

static void pmnl_fifo_pop(struct pmnl_fifo *f, struct pmnl_sent *out)
{
	*out = f->v[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
}

size_t pmnl_pending(const struct pmnl *p)
{
	return p->fifo.n;
}

/* ---- command encoding ----------------------------------------------- */

/* What goes into one MPTCP_PM_ATTR_ADDR / ADDR_REMOTE nest. */
struct pmnl_nest {
	const struct mptcpd_addr *addr;
	bool port;
	bool has_id;
	uint8_t id;
	bool has_flags;
	uint32_t flags;
	int ifindex;
};

static int pmnl_put_ip(struct nl_msg *msg, const struct mptcpd_addr *a)
{
	if (nla_put_u16(msg, MPTCP_PM_ADDR_ATTR_FAMILY, a->family) < 0)
		return -EMSGSIZE;
	if (a->family == AF_INET)
		return nla_put(msg, MPTCP_PM_ADDR_ATTR_ADDR4,
			       sizeof(a->u.v4), &a->u.v4) < 0 ? -EMSGSIZE : 0;
	if (a->family == AF_INET6)
		return nla_put(msg, MPTCP_PM_ADDR_ATTR_ADDR6,
			       sizeof(a->u.v6), &a->u.v6) < 0 ? -EMSGSIZE : 0;
	return -EAFNOSUPPORT;
}

static int pmnl_put_nest(struct nl_msg *msg, int type,
			 const struct pmnl_nest *n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = pmnl_put_ip(msg, n->addr);
	if (err)
		return err;
	/* Command ports are host order: the kernel applies htons(). */
	if (n->port && n->addr->port &&
	    nla_put_u16(msg, MPTCP_PM_ADDR_ATTR_PORT, n->addr->port) < 0)
		return -EMSGSIZE;
	if (n->has_id && nla_put_u8(msg, MPTCP_PM_ADDR_ATTR_ID, n->id) < 0)
		return -EMSGSIZE;
	if (n->has_flags &&
	    nla_put_u32(msg, MPTCP_PM_ADDR_ATTR_FLAGS, n->flags) < 0)
		return -EMSGSIZE;
	if (n->ifindex &&
	    nla_put_s32(msg, MPTCP_PM_ADDR_ATTR_IF_IDX, n->ifindex) < 0)
		return -EMSGSIZE;
	return nla_nest_end(msg, nest) < 0 ? -EMSGSIZE : 0;
}

static int pmnl_put_remote(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct pmnl_nest r = { .addr = &a->remote, .port = true };

	return pmnl_put_nest(msg, MPTCP_PM_ATTR_ADDR_REMOTE, &r);
}

static int pmnl_put_announce(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct pmnl_nest l = {
		.addr = &a->local, .port = true,
		.has_id = true, .id = a->local_id,
		.has_flags = true, .flags = MPTCP_PM_ADDR_FLAG_SIGNAL,
		.ifindex = a->ifindex,
	};

	return pmnl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);
}

static int pmnl_put_remove(struct nl_msg *msg, const struct mptcpd_action *a)
{
	return nla_put_u8(msg, MPTCP_PM_ATTR_LOC_ID, a->local_id) < 0 ?
		-EMSGSIZE : 0;
}

static int pmnl_put_create(struct nl_msg *msg, const struct mptcpd_action *a)
{
	/* The kernel ignores a local port here and picks one itself. */
	const struct pmnl_nest l = {
		.addr = &a->local,
		.has_id = true, .id = a->local_id,
		.has_flags = true,
		.flags = a->backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0,
		.ifindex = a->ifindex,
	};
	int err = pmnl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);

	return err ? err : pmnl_put_remote(msg, a);
}

static int pmnl_put_destroy(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct pmnl_nest l = { .addr = &a->local, .port = true };
	int err = pmnl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);

	return err ? err : pmnl_put_remote(msg, a);
}

static int pmnl_put_backup(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct pmnl_nest l = {
		.addr = &a->local, .port = true,
		.has_flags = true,
		.flags = a->backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0,
	};
	int err = pmnl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);

	return err ? err : pmnl_put_remote(msg, a);
}

/* The genl command for an action, or -EINVAL outside the enum. */
static int pmnl_action_cmd(enum mptcpd_action_type type)
{
	switch (type) {
	case MPTCPD_ACTION_ANNOUNCE: return MPTCP_PM_CMD_ANNOUNCE;
	case MPTCPD_ACTION_REMOVE: return MPTCP_PM_CMD_REMOVE;
	case MPTCPD_ACTION_SUBFLOW_CREATE: return MPTCP_PM_CMD_SUBFLOW_CREATE;
	case MPTCPD_ACTION_SUBFLOW_DESTROY: return MPTCP_PM_CMD_SUBFLOW_DESTROY;
	case MPTCPD_ACTION_SET_BACKUP: return MPTCP_PM_CMD_SET_FLAGS;
	}
	return -EINVAL;
}

static int pmnl_encode_action(struct nl_msg *msg, const struct mptcpd_action *a)
{
	switch (a->type) {
	case MPTCPD_ACTION_ANNOUNCE: return pmnl_put_announce(msg, a);
	case MPTCPD_ACTION_REMOVE: return pmnl_put_remove(msg, a);
	case MPTCPD_ACTION_SUBFLOW_CREATE: return pmnl_put_create(msg, a);
	case MPTCPD_ACTION_SUBFLOW_DESTROY: return pmnl_put_destroy(msg, a);
	case MPTCPD_ACTION_SET_BACKUP: return pmnl_put_backup(msg, a);
	}
	return -EINVAL;
}

static int pmnl_build(struct pmnl *p, const struct mptcpd_action *a,
		      struct nl_msg **out)
{
	int cmd = pmnl_action_cmd(a->type);
	struct nl_msg *msg = NULL;
	int err = cmd;

	if (cmd < 0)
		goto out;
	err = -ENOMEM;
	msg = nlmsg_alloc();
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, p->family, 0,
			 NLM_F_REQUEST | NLM_F_ACK, cmd, MPTCP_PM_VER) ||
	    nla_put_u32(msg, MPTCP_PM_ATTR_TOKEN, a->token) < 0)
		goto out;
	err = pmnl_encode_action(msg, a);
	if (err)
		goto out;
	*out = msg;
	msg = NULL;
out:
	nlmsg_free(msg);
	return err;
}

/* "SUBFLOW_CREATE token=1a2b3c4d 198.51.100.2 id 1 dev 3 -> 203.0.113.2:80" */
static const char *pmnl_describe(const struct mptcpd_action *a, char *buf,
				 size_t len)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN], dev[24] = "";
	struct mptcpd_addr local = a->local;
	const char *name = pmnl_action_name(a->type);

	if (a->ifindex)
		snprintf(dev, sizeof(dev), " dev %d", a->ifindex);
	if (a->type == MPTCPD_ACTION_SUBFLOW_CREATE)
		local.port = 0;
	addr_str(&local, l, sizeof(l));
	addr_str(&a->remote, r, sizeof(r));
	switch (a->type) {
	case MPTCPD_ACTION_ANNOUNCE:
		snprintf(buf, len, "%s token=%08x %s id %u%s", name, a->token,
			 l, a->local_id, dev);
		return buf;
	case MPTCPD_ACTION_REMOVE:
		snprintf(buf, len, "%s token=%08x id %u", name, a->token,
			 a->local_id);
		return buf;
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		snprintf(buf, len, "%s token=%08x %s id %u%s%s -> %s", name,
			 a->token, l, a->local_id, a->backup ? " backup" : "",
			 dev, r);
		return buf;
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		snprintf(buf, len, "%s token=%08x %s -> %s", name, a->token,
			 l, r);
		return buf;
	case MPTCPD_ACTION_SET_BACKUP:
		snprintf(buf, len, "%s token=%08x %s -> %s %s", name,
			 a->token, l, r, a->backup ? "backup" : "nobackup");
		return buf;
	}
	snprintf(buf, len, "action %d token=%08x", (int)a->type, a->token);
	return buf;
}

int pmnl_send(struct pmnl *p, const struct mptcpd_action *action)
{
	char desc[256];
	struct nl_msg *msg = NULL;
	int err;

	err = pmnl_fifo_reserve(&p->fifo);
	if (err)
		goto out;
	err = pmnl_build(p, action, &msg);
	if (err) {
		log_warn(LOG_SUB_GENL, "cannot encode %s: %s",
			 pmnl_describe(action, desc, sizeof(desc)),
			 strerror(-err));
		goto out;
	}
	err = nl_send_auto(p->cmd_sk, msg);
	if (err < 0) {
		err = pmnl_errno(err);
		log_warn(LOG_SUB_GENL, "sending %s: %s",
			 pmnl_describe(action, desc, sizeof(desc)),
			 strerror(-err));
		goto out;
	}
	err = 0;
	pmnl_fifo_push(&p->fifo, nlmsg_hdr(msg)->nlmsg_seq, action);
	log_debug(LOG_SUB_GENL, "sent %s (seq %u)",
		  pmnl_describe(action, desc, sizeof(desc)),
		  nlmsg_hdr(msg)->nlmsg_seq);
out:
	nlmsg_free(msg);
	return err;
}

/* ---- ACKs ------------------------------------------------------------ */

/* NLMSGERR_ATTR_MSG from the TLVs at offset off, or NULL. */
static const char *pmnl_extack_at(const struct nlmsghdr *nlh, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlattr *m;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return NULL;
	m = tb[NLMSGERR_ATTR_MSG];
	if (!m || nla_len(m) < 1 || !memchr(nla_data(m), 0, nla_len(m)))
		return NULL;
	return nla_data(m);
}

/* In an NLMSG_ERROR the TLVs follow the echoed request, which is only
 * its header when NLM_F_CAPPED (we set NETLINK_CAP_ACK). */
static const char *pmnl_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NULL;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	return pmnl_extack_at(nlh, off);
}

/* 0 with *error (0 or -errno) and *extack, or -EBADMSG. */
static int pmnl_parse_ack(const struct nlmsghdr *nlh, int *error,
			  const char **extack)
{
	const struct nlmsgerr *e;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG;
	e = nlmsg_data(nlh);
	*error = e->error > 0 ? -e->error : e->error;
	*extack = pmnl_extack(nlh);
	return 0;
}

static void pmnl_report(struct pmnl *p, const struct mptcpd_action *a,
			int err, const char *extack)
{
	char desc[256];

	pmnl_describe(a, desc, sizeof(desc));
	if (err && extack)
		log_warn(LOG_SUB_GENL, "%s failed: %s (%s)", desc,
			 strerror(-err), extack);
	else if (err)
		log_warn(LOG_SUB_GENL, "%s failed: %s", desc, strerror(-err));
	else
		log_debug(LOG_SUB_GENL, "%s: ok", desc);
	if (p->cb.result)
		p->cb.result(p->arg, a, err, extack);
}

/* ACKs come back in send order.  Entries older than the ACKed sequence
 * lost their ACK (command socket overflow): their outcome is unknown, so
 * they are reported as -ENOBUFS and the caller may retry. */
static void pmnl_complete(struct pmnl *p, uint32_t seq, int err,
			  const char *extack)
{
	struct pmnl_sent s;
	size_t lost = 0;

	while (p->fifo.n > 0) {
		if ((int32_t)(p->fifo.v[p->fifo.head].seq - seq) > 0)
			break;
		/* Pop first: the callback may send and grow the FIFO. */
		pmnl_fifo_pop(&p->fifo, &s);
		if (s.seq == seq) {
			pmnl_report(p, &s.action, err, extack);
			goto out;
		}
		lost++;
		if (p->cb.result)
			p->cb.result(p->arg, &s.action, -ENOBUFS, "ACK lost");
	}
	log_debug(LOG_SUB_GENL, "ACK for unknown seq %u ignored", seq);
out:
	if (lost)
		log_warn(LOG_SUB_GENL, "%zu command ACKs were lost (socket "
			 "overflow): outcome unknown", lost);
}

static void pmnl_cmd_msg(struct pmnl *p, const struct nlmsghdr *nlh)
{
	const char *extack;
	int err;

	if (nlh->nlmsg_type != NLMSG_ERROR) {
		log_debug(LOG_SUB_GENL, "unexpected message type %u on the "
			  "command socket", nlh->nlmsg_type);
		return;
	}
	if (pmnl_parse_ack(nlh, &err, &extack)) {
		log_warn(LOG_SUB_GENL, "truncated ACK (seq %u) ignored",
			 nlh->nlmsg_seq);
		return;
	}
	pmnl_complete(p, nlh->nlmsg_seq, err, extack);
}

static void pmnl_deliver(struct pmnl *p, const uint8_t *buf, size_t len,
			 void (*fn)(struct pmnl *p, const struct nlmsghdr *nlh))
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rem = (int)len;

	for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next((struct nlmsghdr *)nlh, &rem))
		fn(p, nlh);
}

/* Read what is queued on a socket, up to PMNL_BATCH datagrams per
 * syscall, and hand each message to fn.  Returns 0 when drained, -ENOBUFS
 * when the socket lost messages (the caller decides what that means),
 * other -errno on error. */
static int pmnl_drain(struct pmnl *p, struct nl_sock *sk,
		      void (*fn)(struct pmnl *p, const struct nlmsghdr *nlh))
{
	struct mmsghdr msgs[PMNL_BATCH];
	struct iovec iov[PMNL_BATCH];
	int fd = nl_socket_get_fd(sk), lost = 0;

	for (int i = 0; i < PMNL_DRAIN_MAX; i++) {
		int n;

		memset(msgs, 0, sizeof(msgs));
		for (int k = 0; k < PMNL_BATCH; k++) {
			iov[k].iov_base = p->rbuf[k];
			iov[k].iov_len = PMNL_SLOT_SIZE;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, PMNL_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			lost = -ENOBUFS;
			continue;
		}
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? lost : -errno;
		for (int k = 0; k < n; k++) {
			if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC)
				log_warn(LOG_SUB_GENL, "dropping a truncated "
					 "netlink message (over %d bytes)",
					 PMNL_SLOT_SIZE);
			else
				pmnl_deliver(p, p->rbuf[k], msgs[k].msg_len, fn);
		}
		if (n < PMNL_BATCH)
			return lost;
	}
	return lost;
}

void pmnl_cmd_readable(struct pmnl *p)
{
	int err = pmnl_drain(p, p->cmd_sk, pmnl_cmd_msg);

	/* ENOBUFS: some ACKs were dropped; pmnl_complete() notices the gap
	 * in sequence numbers. */
	if (err == -ENOBUFS)
		log_warn(LOG_SUB_GENL, "command socket overflowed: "
			 "some ACKs were lost");
	else if (err < 0)
		log_warn(LOG_SUB_GENL, "receiving ACKs: %s", strerror(-err));
}

/* ---- events ---------------------------------------------------------- */

static void pmnl_event_msg(struct pmnl *p, const struct nlmsghdr *nlh)
{
	struct mptcpd_event ev;
	const char *why;
	int err;

	if (nlh->nlmsg_type != p->family)
		return;
	err = pmnl_parse_event(nlh, nlh->nlmsg_len, &ev, &why);
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

void pmnl_event_readable(struct pmnl *p)
{
	int err = pmnl_drain(p, p->ev_sk, pmnl_event_msg);

	if (err == -ENOBUFS) {
		log_warn(LOG_SUB_GENL, "event socket overflowed (ENOBUFS): "
			 "events were lost");
		if (p->cb.overflow)
			p->cb.overflow(p->arg);
	} else if (err < 0) {
		log_warn(LOG_SUB_GENL, "receiving events: %s", strerror(-err));
	}
}

int pmnl_event_fd(const struct pmnl *p)
{
	return nl_socket_get_fd(p->ev_sk);
}

int pmnl_cmd_fd(const struct pmnl *p)
{
	return nl_socket_get_fd(p->cmd_sk);
}

/* ---- sockets --------------------------------------------------------- */

/* SO_RCVBUFFORCE ignores rmem_max (needs CAP_NET_ADMIN, which we need
 * anyway); otherwise fall back to what rmem_max allows. */
/* MPTCPD_EVENT_RCVBUF shrinks the event socket's buffer: the tests use it
 * to make the kernel drop events and check that the daemon recovers. */
static int pmnl_event_rcvbuf(void)
{
	const char *env = getenv("MPTCPD_EVENT_RCVBUF");
	char *end;
	long v;

	if (!env || !*env)
		return PMNL_EVENT_RCVBUF;
	v = strtol(env, &end, 10);
	if (*end || v < 4096 || v > PMNL_EVENT_RCVBUF) {
		log_warn(LOG_SUB_GENL, "MPTCPD_EVENT_RCVBUF=%s ignored (expected "
			 "4096 to %d bytes)", env, PMNL_EVENT_RCVBUF);
		return PMNL_EVENT_RCVBUF;
	}
	log_notice(LOG_SUB_GENL, "event socket buffer limited to %ld bytes by "
		   "MPTCPD_EVENT_RCVBUF", v);
	return (int)v;
}

static void pmnl_set_rcvbuf(struct nl_sock *sk, int size, const char *what)
{
	int fd = nl_socket_get_fd(sk), got = 0;
	socklen_t glen = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		nl_socket_set_buffer_size(sk, size, 0);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &glen) == 0)
		log_debug(LOG_SUB_GENL, "%s socket receive buffer: %d bytes",
			  what, got);
}

static void pmnl_set_ext_ack(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk), one = 1;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0)
		log_info(LOG_SUB_GENL, "kernel lacks NETLINK_EXT_ACK: "
			 "command errors will carry no detail");
	/* Do not echo whole requests back in error messages. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

static int pmnl_connect(struct nl_sock **out)
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
		return pmnl_errno(err);
	}
	*out = sk;
	return 0;
}

static int pmnl_resolve_family(struct pmnl *p)
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
		return pmnl_errno(id);
	}
	p->family = id;
	return 0;
}

static int pmnl_join_events(struct pmnl *p)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(p->ev_sk, MPTCP_PM_NAME,
				    MPTCP_PM_EV_GRP_NAME);
	if (grp < 0) {
		log_err(LOG_SUB_GENL, "kernel's %s family has no \"%s\" "
			"group (kernel older than 5.12?): %s", MPTCP_PM_NAME,
			MPTCP_PM_EV_GRP_NAME, nl_geterror(grp));
		return grp == -NLE_OBJ_NOTFOUND ? -ENOENT : pmnl_errno(grp);
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
		return pmnl_errno(err);
	}
	return 0;
}

static int pmnl_open_cmd(struct pmnl *p)
{
	int err = pmnl_connect(&p->cmd_sk);

	if (err)
		return err;
	err = pmnl_resolve_family(p);
	if (err)
		return err;
	pmnl_set_ext_ack(p->cmd_sk);
	pmnl_set_rcvbuf(p->cmd_sk, PMNL_CMD_RCVBUF, "command");
	/* ACKs are read by pmnl_drain() and matched by pmnl_complete(). */
	return pmnl_errno(nl_socket_set_nonblocking(p->cmd_sk));
}

static int pmnl_open_events(struct pmnl *p)
{
	int err = pmnl_connect(&p->ev_sk);

	if (err)
		return err;
	err = pmnl_join_events(p);
	if (err)
		return err;
	pmnl_set_rcvbuf(p->ev_sk, pmnl_event_rcvbuf(), "event");
	/* Events are read by pmnl_drain(). */
	return pmnl_errno(nl_socket_set_nonblocking(p->ev_sk));
}

int pmnl_new(struct pmnl **out, const struct pmnl_callbacks *cb, void *arg)
{
	struct pmnl *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->cb = *cb;
	p->arg = arg;
	err = pmnl_open_cmd(p);
	if (err)
		goto out;
	err = pmnl_open_events(p);
	if (err)
		goto out;
	log_debug(LOG_SUB_GENL, "%s family id %d, subscribed to %s",
		  MPTCP_PM_NAME, p->family, MPTCP_PM_EV_GRP_NAME);
	*out = p;
	p = NULL;
out:
	pmnl_free(p);
	return err;
}

void pmnl_free(struct pmnl *p)
{
	if (!p)
		return;
	nl_socket_free(p->ev_sk);
	nl_socket_free(p->cmd_sk);
	free(p->fifo.v);
	free(p);
}

/* ---- GET_ADDR dump by token (start-up only, synchronous) ------------ */

struct pmnl_dump {
	int family;
	void (*cb)(void *arg, const struct pmnl_local_entry *e);
	void *arg;
	bool done;
	int error;
	char extack[PMNL_EXTACK_LEN];
};

static int pmnl_parse_entry(const struct nlmsghdr *nlh,
			    struct pmnl_local_entry *e)
{
	struct nlattr *tb[MPTCP_PM_ATTR_MAX + 1];
	struct nlattr *ab[MPTCP_PM_ADDR_ATTR_MAX + 1];

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, MPTCP_PM_ATTR_MAX,
			  NULL) < 0 || !tb[MPTCP_PM_ATTR_ADDR])
		return -EBADMSG;
	if (nla_parse_nested(ab, MPTCP_PM_ADDR_ATTR_MAX, tb[MPTCP_PM_ATTR_ADDR],
			     pmnl_addr_policy) < 0 || !ab[MPTCP_PM_ADDR_ATTR_ID])
		return -EBADMSG;
	memset(e, 0, sizeof(*e));
	e->id = nla_get_u8(ab[MPTCP_PM_ADDR_ATTR_ID]);
	if (ab[MPTCP_PM_ADDR_ATTR_FLAGS])
		e->flags = nla_get_u32(ab[MPTCP_PM_ADDR_ATTR_FLAGS]);
	if (ab[MPTCP_PM_ADDR_ATTR_IF_IDX])
		e->ifindex = (int32_t)nla_get_u32(ab[MPTCP_PM_ADDR_ATTR_IF_IDX]);
	if (ab[MPTCP_PM_ADDR_ATTR_PORT])	/* host order in replies */
		e->addr.port = nla_get_u16(ab[MPTCP_PM_ADDR_ATTR_PORT]);
	if (!pmnl_get_ip(ab[MPTCP_PM_ADDR_ATTR_ADDR4],
			 ab[MPTCP_PM_ADDR_ATTR_ADDR6], 0, &e->addr))
		return -EBADMSG;
	return 0;
}

/* The dump's final status: NLMSG_DONE carries an int, NLMSG_ERROR an
 * nlmsgerr; either may have extack TLVs. */
static void pmnl_dump_status(struct pmnl_dump *d, const struct nlmsghdr *nlh)
{
	const char *extack = NULL;
	int32_t status = 0;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (pmnl_parse_ack(nlh, &status, &extack))
			status = -EBADMSG;
	} else if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(status)) {
		memcpy(&status, nlmsg_data(nlh), sizeof(status));
		extack = pmnl_extack_at(nlh, NLMSG_HDRLEN +
					NLMSG_ALIGN(sizeof(status)));
	}
	d->error = status > 0 ? -status : status;
	if (extack)
		snprintf(d->extack, sizeof(d->extack), "%.*s",
			 PMNL_EXTACK_LEN - 1, extack);
	d->done = true;
}

static int pmnl_dump_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct pmnl_local_entry e;
	struct pmnl_dump *d = arg;

	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		pmnl_dump_status(d, nlh);
		return NL_STOP;
	}
	if (nlh->nlmsg_type != d->family)
		return NL_SKIP;
	if (pmnl_parse_entry(nlh, &e) < 0) {
		log_warn(LOG_SUB_GENL, "malformed GET_ADDR reply skipped");
		return NL_SKIP;
	}
	if (d->cb)
		d->cb(d->arg, &e);
	return NL_SKIP;
}

static int pmnl_dump_socket(struct pmnl_dump *d, struct nl_sock **out)
{
	struct timeval tv = { .tv_sec = PMNL_DUMP_TIMEOUT_S };
	int err = pmnl_connect(out);

	if (err)
		return err;
	pmnl_set_ext_ack(*out);
	/* Bound every read so start-up cannot hang on a silent kernel. */
	setsockopt(nl_socket_get_fd(*out), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	nl_socket_disable_seq_check(*out);
	nl_socket_disable_auto_ack(*out);
	nl_socket_modify_cb(*out, NL_CB_MSG_IN, NL_CB_CUSTOM, pmnl_dump_msg, d);
	return 0;
}

static int pmnl_dump_request(struct nl_sock *sk, int family, uint32_t token)
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
	err = err < 0 ? pmnl_errno(err) : 0;
out:
	nlmsg_free(msg);
	return err;
}

/* One dump; d->error/d->extack hold the kernel's verdict. */
static int pmnl_dump_run(struct pmnl *p, uint32_t token, struct pmnl_dump *d)
{
	struct nl_sock *sk = NULL;
	int i, err;

	d->family = p->family;
	err = pmnl_dump_socket(d, &sk);
	if (err)
		return err;
	err = pmnl_dump_request(sk, p->family, token);
	for (i = 0; !err && !d->done && i < PMNL_DUMP_MAX_READS; i++) {
		err = nl_recvmsgs_default(sk);
		err = err == -NLE_AGAIN ? -ETIMEDOUT :
		      err < 0 ? pmnl_errno(err) : 0;
	}
	if (!err && !d->done)
		err = -ETIMEDOUT;
	nl_socket_free(sk);
	return err;
}

/* Kernels before 6.9 ignore the token and dump the in-kernel endpoints,
 * which would look like a valid answer.  Token 0 tells them apart: a
 * kernel that understands it refuses it as "invalid token". */
static bool pmnl_dump_supported(struct pmnl *p)
{
	struct pmnl_dump d = { .cb = NULL };
	int err;

	if (p->dump_support != PMNL_DUMP_SUPPORT_UNKNOWN)
		return p->dump_support == PMNL_DUMP_SUPPORT_YES;
	err = pmnl_dump_run(p, 0, &d);
	if (!err && d.error == -EINVAL && strstr(d.extack, "token")) {
		p->dump_support = PMNL_DUMP_SUPPORT_YES;
		return true;
	}
	p->dump_support = PMNL_DUMP_SUPPORT_NO;
	log_info(LOG_SUB_GENL, "kernel cannot list a connection's local "
		 "addresses (GET_ADDR by token needs Linux 6.9); address ids "
		 "of existing connections are not recovered");
	return false;
}

int pmnl_dump_local_addrs(struct pmnl *p, uint32_t token,
			  void (*cb)(void *arg, const struct pmnl_local_entry *e),
			  void *arg)
{
	struct pmnl_dump d = { .cb = cb, .arg = arg };
	int err;

	if (!pmnl_dump_supported(p))
		return -EOPNOTSUPP;
	err = pmnl_dump_run(p, token, &d);
	if (!err)
		err = d.error;
	if (err == -EOPNOTSUPP) {
		p->dump_support = PMNL_DUMP_SUPPORT_NO;
		return err;
	}
	if (err)
		log_warn(LOG_SUB_GENL, "GET_ADDR token=%08x failed: %s%s%s%s",
			 token, strerror(-err), d.extack[0] ? " (" : "",
			 d.extack, d.extack[0] ? ")" : "");
	return err;
}
