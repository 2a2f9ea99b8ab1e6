/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-connection policy: the [policy NAME] rules of mptcpd.conf, in file
 * order, first match wins; a connection no rule matches gets [core].
 * What Apple lets each app choose (its MPTCP service type) and what 3GPP
 * ATSSS rules steer per flow (traffic descriptor -> steering mode), here
 * written by the administrator per port, prefix, side, user or cgroup.
 *
 * Pure: no I/O, no clock.  A rule is plain data (fixed arrays, so a
 * configuration copies it with memcpy).  The owner of a socket (uid,
 * cgroup) costs the daemon a sock_diag lookup, so matching runs in two
 * steps: first without the owner, where a rule whose other keys match but
 * which also names a user or cgroup answers POLICY_NEED_OWNER; only then
 * does the daemon look the owner up and match again.  A connection that
 * no rule could match pays nothing.
 */
#ifndef MPTCPD_POLICY_H
#define MPTCPD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

#define POLICY_NAME_MAX		64
#define POLICY_RULES_MAX	256	/* [policy] sections in one file */
#define POLICY_RANGES_MAX	16	/* port ranges per key */
#define POLICY_PREFIXES_MAX	16
#define POLICY_CGROUPS_MAX	8
#define POLICY_CGROUP_MAX	128	/* characters of one cgroup pattern */
#define POLICY_USER_MAX		32

/* Returned by policy_match(): no rule matched, or the first rule that
 * still could needs the socket's owner. */
#define POLICY_NONE		(-1)
#define POLICY_NEED_OWNER	(-2)

struct policy_port_range {
	uint16_t lo, hi;		/* inclusive */
};

struct policy_prefix {
	struct mptcpd_addr net;		/* port 0 */
	uint8_t len;
};

enum policy_side {
	POLICY_SIDE_ANY,
	POLICY_SIDE_SERVER,		/* server-side = yes */
	POLICY_SIDE_CLIENT,		/* server-side = no */
};

/* metered = ...: what a connection may do over a metered interface. */
enum policy_metered {
	POLICY_METERED_DEFAULT,		/* not set: the strategy decides */
	POLICY_METERED_ALLOW,		/* like any other path */
	POLICY_METERED_BACKUP_ONLY,	/* only as a backup subflow */
	POLICY_METERED_NEVER,		/* no subflow at all */
};

struct policy_rule {
	char name[POLICY_NAME_MAX];
	unsigned int line;		/* of the section header */
	/* Match keys: every one given must hold; none given matches all. */
	size_t n_remote_ports;
	struct policy_port_range remote_ports[POLICY_RANGES_MAX];
	size_t n_local_ports;
	struct policy_port_range local_ports[POLICY_RANGES_MAX];
	size_t n_prefixes;
	struct policy_prefix remote_prefixes[POLICY_PREFIXES_MAX];
	enum policy_side side;
	bool has_user;
	uint32_t uid;
	char user[POLICY_USER_MAX];	/* as written, for messages */
	size_t n_cgroups;		/* fnmatch(3) patterns, no leading / */
	char cgroups[POLICY_CGROUPS_MAX][POLICY_CGROUP_MAX];
	/* Actions: an unset one keeps [core]'s. */
	char strategy[POLICY_NAME_MAX];	/* "": [core] strategy */
	unsigned int max_subflows;	/* 0: [core] max-subflows */
	uint32_t iface_types;		/* 1 << enum mptcpd_iface_type; 0: all */
	enum policy_metered metered;
};

/* What is known of a connection when its policy is chosen. */
struct policy_conn {
	struct mptcpd_addr local;	/* initial subflow, with ports */
	struct mptcpd_addr remote;
	bool server_side;
	bool owner_known;		/* uid and cgroup below are set */
	uint32_t uid;
	const char *cgroup;		/* cgroup v2 path; "" when unknown */
};

/* Does the rule name a user or a cgroup? */
bool policy_rule_needs_owner(const struct policy_rule *r);
/* The index of the first of n rules that matches c, POLICY_NONE, or
 * POLICY_NEED_OWNER when c's owner is not known and the first rule whose
 * other keys match needs it (match again once it is known).  O(rules). */
int policy_match(const struct policy_rule *rules, size_t n,
		 const struct policy_conn *c);
/* Does a cgroup path match a pattern?  The path's leading '/' is not
 * part of the match, and a '*' crosses '/': the patterns "*ssh.service"
 * and "system.slice/" followed by '*' both match
 * "/system.slice/ssh.service". */
bool policy_cgroup_matches(const char *pattern, const char *path);

/* The rule's match keys and its actions in the file's words, for the
 * operator ("remote-port 22,8000-8100 user alice"; "" when none), cut to
 * len like snprintf.  Interface types are named by type_word. */
void policy_describe_match(const struct policy_rule *r, char *buf, size_t len);
void policy_describe_actions(const struct policy_rule *r,
			     const char *(*type_word)(int type),
			     char *buf, size_t len);

/* Value parsers for the config keys: 0, or -EINVAL with *why set to what
 * is wrong, in words for a FILE:LINE message. */
int policy_parse_port_range(const char *text, struct policy_port_range *out,
			    const char **why);
int policy_parse_prefix(const char *text, struct policy_prefix *out,
			const char **why);

#endif
