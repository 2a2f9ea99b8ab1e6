/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding of mptcp_pm events: a pure parser that turns one generic-netlink
 * event message into a struct mptcpd_event, checking headers, lengths and
 * the attributes each event must carry.  It does no I/O, so the unit tests
 * and the fuzzers call it directly; genl.c feeds it what the event socket
 * receives.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "genl.h"
#include "genl_priv.h"
#include "mptcp_uapi.h"

/* Kernel event number -> our type, and what the event must carry. */
struct genl_event_desc {
	uint8_t kev;
	enum mptcpd_event_type type;
	uint32_t required;
};

#define GENL_REQ_CONN	(MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_LOCAL | \
			 MPTCPD_FIELD_REMOTE)
#define GENL_REQ_SUB	(GENL_REQ_CONN | MPTCPD_FIELD_LOCAL_ID | \
			 MPTCPD_FIELD_REMOTE_ID)

static const struct genl_event_desc genl_events[] = {
	{ MPTCPD_KEV_CREATED, MPTCPD_EVENT_CREATED, GENL_REQ_CONN },
	{ MPTCPD_KEV_ESTABLISHED, MPTCPD_EVENT_ESTABLISHED, GENL_REQ_CONN },
	{ MPTCPD_KEV_CLOSED, MPTCPD_EVENT_CLOSED, MPTCPD_FIELD_TOKEN },
	{ MPTCPD_KEV_ANNOUNCED, MPTCPD_EVENT_ANNOUNCED,
	  MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_REMOTE | MPTCPD_FIELD_REMOTE_ID },
	{ MPTCPD_KEV_REMOVED, MPTCPD_EVENT_REMOVED,
	  MPTCPD_FIELD_TOKEN | MPTCPD_FIELD_REMOTE_ID },
	{ MPTCPD_KEV_SUB_ESTABLISHED, MPTCPD_EVENT_SUB_ESTABLISHED,
	  GENL_REQ_SUB },
	{ MPTCPD_KEV_SUB_CLOSED, MPTCPD_EVENT_SUB_CLOSED, GENL_REQ_SUB },
	{ MPTCPD_KEV_SUB_PRIORITY, MPTCPD_EVENT_SUB_PRIORITY, GENL_REQ_SUB },
	{ MPTCPD_KEV_LISTENER_CREATED, MPTCPD_EVENT_LISTENER_CREATED,
	  MPTCPD_FIELD_LOCAL },
	{ MPTCPD_KEV_LISTENER_CLOSED, MPTCPD_EVENT_LISTENER_CLOSED,
	  MPTCPD_FIELD_LOCAL },
};

/* Exact sizes: a wrong length means a kernel we do not understand or a
 * corrupted message, and either way the values cannot be trusted. */
static const struct nla_policy genl_event_policy[MPTCPD_ATTR_MAX + 1] = {
	[MPTCP_ATTR_TOKEN] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_FAMILY] = GENL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_LOC_ID] = GENL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_REM_ID] = GENL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_SADDR4] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_SADDR6] = GENL_FIXED(NLA_UNSPEC, 16),
	[MPTCP_ATTR_DADDR4] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_DADDR6] = GENL_FIXED(NLA_UNSPEC, 16),
	[MPTCP_ATTR_SPORT] = GENL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_DPORT] = GENL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_BACKUP] = GENL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_ERROR] = GENL_FIXED(NLA_U8, 1),
	[MPTCP_ATTR_FLAGS] = GENL_FIXED(NLA_U16, 2),
	[MPTCP_ATTR_TIMEOUT] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_IF_IDX] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_RESET_REASON] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_RESET_FLAGS] = GENL_FIXED(NLA_U32, 4),
	[MPTCP_ATTR_SERVER_SIDE] = GENL_FIXED(NLA_U8, 1),
};

/* ---- event decoding (pure) ------------------------------------------ */

static const struct genl_event_desc *genl_event_lookup(uint8_t kev)
{
	size_t i;

	for (i = 0; i < sizeof(genl_events) / sizeof(genl_events[0]); i++)
		if (genl_events[i].kev == kev)
			return &genl_events[i];
	return NULL;
}

/* Check the netlink and genl headers; on success attrs and attrlen give the
 * attribute stream. */
static int genl_parse_headers(const struct nlmsghdr *nlh, size_t len,
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
static int genl_check_stream(struct nlattr *attrs, int attrlen,
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
bool genl_get_ip(const struct nlattr *a4, const struct nlattr *a6,
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

static void genl_fill_addrs(struct nlattr **tb, struct mptcpd_event *ev)
{
	int family = 0;

	if (tb[MPTCP_ATTR_FAMILY])
		family = nla_get_u16(tb[MPTCP_ATTR_FAMILY]);
	if (genl_get_ip(tb[MPTCP_ATTR_SADDR4], tb[MPTCP_ATTR_SADDR6], family,
			&ev->local))
		ev->fields |= MPTCPD_FIELD_LOCAL;
	if (genl_get_ip(tb[MPTCP_ATTR_DADDR4], tb[MPTCP_ATTR_DADDR6], family,
			&ev->remote))
		ev->fields |= MPTCPD_FIELD_REMOTE;
	/* Event ports are network order (commands use host order). */
	if (tb[MPTCP_ATTR_SPORT])
		ev->local.port = ntohs(nla_get_u16(tb[MPTCP_ATTR_SPORT]));
	if (tb[MPTCP_ATTR_DPORT])
		ev->remote.port = ntohs(nla_get_u16(tb[MPTCP_ATTR_DPORT]));
}

static void genl_fill_ids(struct nlattr **tb, struct mptcpd_event *ev)
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
static void genl_fill_flags(struct nlattr **tb, struct mptcpd_event *ev)
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

static void genl_fill_status(struct nlattr **tb, struct mptcpd_event *ev)
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

static int genl_parse_aligned(const struct nlmsghdr *nlh, size_t len,
			      struct mptcpd_event *ev, const char **why)
{
	struct nlattr *tb[MPTCPD_ATTR_MAX + 1];
	const struct genl_event_desc *desc;
	const struct genlmsghdr *gh;
	struct nlattr *attrs;
	int attrlen, err;

	err = genl_parse_headers(nlh, len, &attrs, &attrlen, why);
	if (err)
		return err;
	gh = nlmsg_data(nlh);
	desc = genl_event_lookup(gh->cmd);
	if (!desc) {
		*why = "unknown event";
		return -ENOENT;
	}
	err = genl_check_stream(attrs, attrlen, why);
	if (err)
		return err;
	/* Types above MPTCPD_ATTR_MAX (newer kernels) are skipped by
	 * nla_parse(); known ones are length-checked by the policy. */
	if (nla_parse(tb, MPTCPD_ATTR_MAX, attrs, attrlen,
		      genl_event_policy) < 0) {
		*why = "attribute with a wrong length";
		return -EINVAL;
	}
	ev->type = desc->type;
	genl_fill_ids(tb, ev);
	genl_fill_addrs(tb, ev);
	genl_fill_flags(tb, ev);
	genl_fill_status(tb, ev);
	if ((ev->fields & desc->required) != desc->required) {
		*why = "required attribute missing";
		return -EINVAL;
	}
	return 0;
}

int genl_parse_event(const void *buf, size_t len, struct mptcpd_event *ev,
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
	err = genl_parse_aligned(buf, len, ev, &reason);
	if (err)
		memset(ev, 0, sizeof(*ev));
out:
	free(copy);
	if (why)
		*why = reason;
	return err;
}
