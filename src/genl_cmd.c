/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encoding of commands: turns one struct mptcpd_action into the
 * mptcp_pm generic-netlink request the kernel expects (ANNOUNCE, REMOVE,
 * SUBFLOW_CREATE, SUBFLOW_DESTROY, SET_FLAGS) and describes an action in
 * the words of the logs.  Sending it and matching its ACK is genl.c's job.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "ctl_proto.h"
#include "genl.h"
#include "genl_priv.h"
#include "mptcp_uapi.h"
#include "addr.h"

/* ---- command encoding ----------------------------------------------- */

/* What goes into one MPTCP_PM_ATTR_ADDR / ADDR_REMOTE nest. */
struct genl_nest {
	const struct mptcpd_addr *addr;
	bool port;
	bool has_id;
	uint8_t id;
	bool has_flags;
	uint32_t flags;
	int ifindex;
};

static int genl_put_ip(struct nl_msg *msg, const struct mptcpd_addr *a)
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

static int genl_put_nest(struct nl_msg *msg, int type,
			 const struct genl_nest *n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = genl_put_ip(msg, n->addr);
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

static int genl_put_remote(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct genl_nest r = { .addr = &a->remote, .port = true };

	return genl_put_nest(msg, MPTCP_PM_ATTR_ADDR_REMOTE, &r);
}

static int genl_put_announce(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct genl_nest l = {
		.addr = &a->local, .port = true,
		.has_id = true, .id = a->local_id,
		.has_flags = true, .flags = MPTCP_PM_ADDR_FLAG_SIGNAL,
		.ifindex = a->ifindex,
	};

	return genl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);
}

static int genl_put_remove(struct nl_msg *msg, const struct mptcpd_action *a)
{
	return nla_put_u8(msg, MPTCP_PM_ATTR_LOC_ID, a->local_id) < 0 ?
		-EMSGSIZE : 0;
}

static int genl_put_create(struct nl_msg *msg, const struct mptcpd_action *a)
{
	/* The kernel ignores a local port here and picks one itself. */
	const struct genl_nest l = {
		.addr = &a->local,
		.has_id = true, .id = a->local_id,
		.has_flags = true,
		.flags = a->backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0,
		.ifindex = a->ifindex,
	};
	int err = genl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);

	return err ? err : genl_put_remote(msg, a);
}

static int genl_put_destroy(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct genl_nest l = { .addr = &a->local, .port = true };
	int err = genl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);

	return err ? err : genl_put_remote(msg, a);
}

static int genl_put_backup(struct nl_msg *msg, const struct mptcpd_action *a)
{
	const struct genl_nest l = {
		.addr = &a->local, .port = true,
		.has_flags = true,
		.flags = a->backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0,
	};
	int err = genl_put_nest(msg, MPTCP_PM_ATTR_ADDR, &l);

	return err ? err : genl_put_remote(msg, a);
}

/* The genl command for an action, or -EINVAL outside the enum. */
static int genl_action_cmd(enum mptcpd_action_type type)
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

static int genl_encode_action(struct nl_msg *msg, const struct mptcpd_action *a)
{
	switch (a->type) {
	case MPTCPD_ACTION_ANNOUNCE: return genl_put_announce(msg, a);
	case MPTCPD_ACTION_REMOVE: return genl_put_remove(msg, a);
	case MPTCPD_ACTION_SUBFLOW_CREATE: return genl_put_create(msg, a);
	case MPTCPD_ACTION_SUBFLOW_DESTROY: return genl_put_destroy(msg, a);
	case MPTCPD_ACTION_SET_BACKUP: return genl_put_backup(msg, a);
	}
	return -EINVAL;
}

int genl_build(struct genl *p, const struct mptcpd_action *a,
	       struct nl_msg **out)
{
	int cmd = genl_action_cmd(a->type);
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
	err = genl_encode_action(msg, a);
	if (err)
		goto out;
	*out = msg;
	msg = NULL;
out:
	nlmsg_free(msg);
	return err;
}

/* "subflow-create token=1a2b3c4d 198.51.100.2 id 1 dev 3 -> 203.0.113.2:80" */
const char *genl_describe(const struct mptcpd_action *a, char *buf,
			  size_t len)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN], dev[24] = "";
	struct mptcpd_addr local = a->local;
	const char *name = ctl_value_to_word(ctl_words_action, a->type, "?");

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
