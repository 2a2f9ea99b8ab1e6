/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mptcpd control protocol, version 1: what mptcpd-ctl and the daemon
 * say to each other over the UNIX stream socket RUNDIR/NETNS/control
 * (ctl_ns_dir(): RUNDIR from ctl_runtime_dir(), by default /run/mptcpd;
 * NETNS the inode number of the network namespace; both directories
 * 0750).  One daemon per network namespace, each in its own directory
 * beside its lock (CTL_LOCK_NAME); a CLI in the same namespace computes
 * the same path.  Shared by the daemon and the CLI; the CLI includes
 * nothing else of the daemon (mptcpd/strategy.h is the public plugin
 * API, free of libnl).
 *
 * Framing: one JSON object per line ('\n'), UTF-8.  A request line is at
 * most CTL_MSG_MAX bytes including the newline (a longer one is an error
 * and closes the connection); a response or event line at most
 * CTL_ANSWER_MAX: an answer that would be longer is replaced by a
 * CTL_ERR_TOO_BIG error (only "connections" can grow so, past about
 * 25,000 connections: ask for them one at a time with "connection").
 * An error with "id": null answers a line whose id could not be read, or
 * refuses the connection itself (CTL_ERR_BUSY: no free slot; the daemon
 * then closes it).
 *
 * Limits (the daemon's, so that no local user can exhaust it): a client
 * that sends no complete request for 30 s is closed, unless it is a
 * monitor; a client that does not read its answers is not read from until
 * it does; at most a few requests of one client are answered per turn of
 * the daemon's loop.  Of the daemon's client slots the last few are kept
 * for root and the control group, and the very last for root alone.
 *
 * Request:  {"version": 1, "id": 7, "command": "connections", "args": {...}}
 *   version  must be CTL_PROTO_VERSION;
 *   id       an integer chosen by the client, echoed in the response;
 *   command  one of the names below; args an object (may be absent when a
 *            command takes none).
 * Response: {"version": 1, "id": 7, "ok": true, "result": {...}}
 *       or  {"version": 1, "id": 7, "ok": false,
 *            "error": {"code": "EPERM", "message": "human text"}}
 *   code is one of the CTL_ERR_* strings.  The error may also have
 *   "reasons": ["FILE:LINE: what is wrong", ...] (a refused reload: the
 *   lines the daemon's log has).
 * Events (after a successful "monitor" response, until the client closes):
 *           {"version": 1, "event": {"type": "subflow-established", ...,
 *            "time": "2026-12-02T02:18:18.200Z", "mono_ms": 123456}}
 *           (time: the wall clock, UTC; mono_ms: the daemon's monotonic
 *           clock, for exact distances between events; an "action" event
 *           also has "cause" when a strategy asked for it: the triggering
 *           event and who decided, and "reason": the whole story in one
 *           line, "promote wwan0 subflow: no working non-cellular subflow
 *           (address-removed 192.0.2.2 wlan0)")
 *
 * Commands (R = read-only, open to anyone who can reach the socket;
 * M = mutating, also needs SO_PEERCRED uid 0 or the configured group):
 *   status       R  -> {"version", "strategy", "path_manager", "connections",
 *                       "subflows", "interfaces", "uptime_s", "pid",
 *                       "announcements_refused", "local_connections",
 *                       "joins_timed_out", "subflows_over_cap",
 *                       "netlink_dropped", "resyncs"}   (the last six:
 *                       counts since start; added in version 1, clients
 *                       ignore keys they do not know)
 *   connections  R  -> {"connections": [CONN...]}
 *   connection   R  args {"token": "1a2b3c4d"} -> CONN
 *   interfaces   R  -> {"interfaces": [IFACE...]}
 *   strategy     R  no args -> {"strategy": NAME, "available": [NAME...]}
 *                M  args {"name": NAME} -> the same, after the switch
 *   interface    M  args {"dev": "wlan0", and one of
 *                       "type": "wifi"|"cellular"|"ethernet"|"other"|"auto",
 *                       "metered": "yes"|"no"|"unknown"|"auto",
 *                       "exclude": true|false} -> IFACE
 *                       ("auto" drops the run-time value: the
 *                       configuration's or the detected one applies)
 *   subflow      M  args {"token", "op": "add"|"del", "local": ADDR,
 *                       "remote": ADDR, "backup": bool} -> {}
 *                       or {"token", "op": "del", "id": N} (the one
 *                       established subflow with local ID N; EINVAL when
 *                       several have it)
 *                       (add: EEXIST when the connection has that subflow,
 *                       EAGAIN when the connection is not fully established
 *                       yet, when there is no route to the peer through
 *                       the local address's interface yet or the pair is
 *                       backing off after failures; del: ENOENT when the
 *                       connection has no such subflow, ports included)
 *   announce     M  args {"token", "address": "192.0.2.2"} -> {"id": N}
 *                       (EEXIST when already announced, EINVAL for the
 *                       connection's initial address)
 *   remove       M  args {"token", "id": N} -> {}
 *   monitor      R  -> {} then events
 *   reload       M  -> {"strategy": NAME}
 *   policy       R  -> {"default": NAME, "policies": [{"name", "line",
 *                       "match": TEXT, "actions": TEXT, "strategy": NAME,
 *                       "connections": N}]}   ([policy] rules in file
 *                       order; match and actions in the file's words;
 *                       connections: live ones under the rule now)
 *   events       R  args {"since_ms": N (how far back; absent: all),
 *                       "token": "1a2b3c4d" (absent: every connection)}
 *                       -> {"events": [EVENT...]}   (the decision history,
 *                       oldest first; made a slice per turn like
 *                       "connections")
 * EVENT = {"seq", "time", "mono_ms", "kind": "action"|"strategy"|"reload"|
 *          "path-dead"|"path-alive", and when known "token", "action",
 *          "id", "local": ADDR, "remote": ADDR, "backup", "dev", "outcome":
 *          "sent"|"done"|"refused"|"not sent", "error": "ENOENT"...,
 *          "strategy", "policy", "reason", "cause"}
 *   stats        R  -> the counters since start (stats.h; every key in
 *                       mptcpd-ctl(8), JSON OUTPUT): {"uptime_ms",
 *                       "connections", "local_connections",
 *                       "connections_gone", "subflows": {"requested",
 *                       "established", "failed", "failed_by": [{"errno",
 *                       "count"}], "closed", "closed_by": [{"reason",
 *                       "reset_reason", "count"}], "joins_timed_out",
 *                       "over_cap"}, "handovers": {"promotions",
 *                       "demotions", "latency": {"buckets": [{"le_ms"
 *                       (null: +Inf), "count" (cumulative)}], "count",
 *                       "sum_ms"}}, "stalls", "announcements_sent",
 *                       "announcements_refused", "resyncs", "events_lost",
 *                       "acks_lost", "commands_failed", "metered":
 *                       {"bytes_sent", "bytes_received"}, "interfaces":
 *                       [{"dev", "index", "subflows", "bytes_sent",
 *                       "bytes_received", "active_ms", "active"}],
 *                       "interfaces_not_kept", "bytes_fresh"}
 *                       (the answer comes once one sock_diag dump of the
 *                       subflows has been read, a slice per turn of the
 *                       daemon's loop; its size does not grow with the
 *                       connections)
 * ADDR  = {"address": "192.0.2.2", "port": 443}   (port 0/absent = none)
 * CONN  = {"token", "local": ADDR, "remote": ADDR, "server_side": bool,
 *          "state": "pending"|"established" (pending: not fully
 *          established, no joins yet), "age_s" (null when adopted: the
 *          age is unknown; then "adopted_s", seconds since adoption),
 *          "policy": NAME|null, "strategy": NAME, "waiting": [{"why",
 *          "text" (the daemon's words), "local": ADDR, "remote": ADDR;
 *          why "backing off" also "failures", "retry_in_ms"; "connection"
 *          only: why "no route" (a join held for a route, "no route to
 *          203.0.113.1 yet", also "dev") and "stalled" ("stalled since
 *          02:18:18.200", UTC)}] (only when there is any), "subflows":
 *          [{"local": ADDR, "remote": ADDR, "id",
 *          "remote_id", "backup", "dev", "state": "pending"|"established",
 *          "stalled"; "connection" only, when the kernel answered: "rtt_us",
 *          "bytes_sent" (acked), "bytes_received", "retransmits",
 *          "unacked"}], "remote_addresses": [{"id", "address", "port"}],
 *          "announced": [{"id", "address"}]}
 * IFACE = {"dev", "index", "type", "type_source": "auto"|"config"|"runtime",
 *          "metered", "metered_source", "up": bool, "excluded": bool,
 *          "addresses": ["192.0.2.2", ...], "waiting": [{"why": "no route"
 *          (and "remote") | "stalled" (a dead path; and "local"), "text"}]
 *          (only when there is any)}
 * Words follow `ip mptcp`: address, id, port, dev, signal, subflow, backup,
 * fullmesh, token.  The words for our enums (interface types, metered,
 * event and action types, subflow operations) are the ctl_words_* tables
 * below: the protocol, the CLI and the daemon's logs all spell them so.
 * Message types are never renumbered or renamed: a changed meaning gets a
 * new command name.
 */
#ifndef MPTCPD_CTL_PROTO_H
#define MPTCPD_CTL_PROTO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mptcpd/strategy.h"	/* the enums the words stand for; no libnl */

#define CTL_PROTO_VERSION 1
/* The value of "type" and "metered" that drops a run-time override. */
#define CTL_WORD_AUTO "auto"
#define CTL_MSG_MAX (64 * 1024)	/* a request line */
/* A response line: a "connections" answer grows with the connections
 * (about 650 bytes each), so it has a cap of its own. */
#define CTL_ANSWER_MAX (16 * 1024 * 1024)
#define CTL_SOCKET_NAME "control"
/* Beside the socket: locked (flock) by the daemon that serves this
 * namespace, and holding its PID. */
#define CTL_LOCK_NAME "mptcpd.pid"
#define CTL_RUNTIME_DIR "/run/mptcpd"	/* when the environment says none */

/* The socket's directory, as the daemon and the CLI both choose it:
 * $MPTCPD_RUNTIME_DIRECTORY, else $RUNTIME_DIRECTORY (systemd's, the first
 * of its ':' list), else CTL_RUNTIME_DIR.  Written into buf (cut to fit,
 * like snprintf); returns buf. */
static inline const char *ctl_runtime_dir(char *buf, size_t len)
{
	const char *d = getenv("MPTCPD_RUNTIME_DIRECTORY");

	if (!d || !*d)
		d = getenv("RUNTIME_DIRECTORY");
	if (!d || !*d)
		d = CTL_RUNTIME_DIR;
	snprintf(buf, len, "%.*s", (int)strcspn(d, ":"), d);
	return buf;
}

/* The directory of this network namespace's daemon: ctl_runtime_dir()/N,
 * N the inode number of /proc/self/ns/net (what `lsns -t net` and
 * `readlink /proc/self/ns/net` show).  Anyone may stat their own
 * namespace, so the daemon and an unprivileged CLI agree on N without
 * asking each other; namespaces that share a runtime directory (the
 * default /run/mptcpd) do not share a socket.  Returns 0, -ENAMETOOLONG,
 * or -errno of stat (no /proc). */
static inline int ctl_ns_dir(char *buf, size_t len)
{
	struct stat st;
	size_t n;
	int m;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	n = strlen(ctl_runtime_dir(buf, len));
	m = snprintf(buf + n, len - n, "/%lu", (unsigned long)st.st_ino);
	return m < 0 || (size_t)m >= len - n ? -ENAMETOOLONG : 0;
}

/* Error codes (the "code" member).  New codes may be added within a
 * protocol version (EEXIST and EAGAIN were, both within version 1; the
 * daemon said EIO for those cases before): a client treats a code it does
 * not know as it treats EIO, a refusal. */
#define CTL_ERR_BAD_REQUEST "EINVAL"	/* malformed, wrong types, unknown,
					 * or impossible (announcing ID 0) */
#define CTL_ERR_VERSION "EPROTO"	/* another protocol version */
#define CTL_ERR_TOO_BIG "EMSGSIZE"	/* over CTL_MSG_MAX or CTL_ANSWER_MAX */
#define CTL_ERR_PERM "EPERM"		/* mutating request, not allowed */
#define CTL_ERR_NOT_FOUND "ENOENT"	/* no such token, dev, strategy */
#define CTL_ERR_FAILED "EIO"		/* the daemon or the kernel refused */
#define CTL_ERR_EXISTS "EEXIST"		/* already so (the subflow exists,
					 * the address is announced): nothing
					 * was sent */
#define CTL_ERR_AGAIN "EAGAIN"		/* not sent now (no route to the peer
					 * yet, the pair backing off after
					 * failures); may work later */
#define CTL_ERR_BUSY "EBUSY"		/* no client slot free for this peer */


/* One word of the protocol and the value it stands for.  A table's rows
 * end with { NULL, 0 }; each value has exactly one word. */
struct ctl_word {
	const char *word;
	int value;
};

/* In the order messages and completions list them. */
static const struct ctl_word ctl_words_iface_type[] = {
	{ "wifi", MPTCPD_IFACE_WIFI },
	{ "cellular", MPTCPD_IFACE_CELLULAR },
	{ "ethernet", MPTCPD_IFACE_ETHERNET },
	{ "other", MPTCPD_IFACE_OTHER },
	{ NULL, 0 },
};

static const struct ctl_word ctl_words_metered[] = {
	{ "yes", MPTCPD_METERED_YES },
	{ "no", MPTCPD_METERED_NO },
	{ "unknown", MPTCPD_METERED_UNKNOWN },
	{ NULL, 0 },
};

/* The "type" of a monitor event, and the name of an event in the logs. */
static const struct ctl_word ctl_words_event[] = {
	{ "created", MPTCPD_EVENT_CREATED },
	{ "established", MPTCPD_EVENT_ESTABLISHED },
	{ "closed", MPTCPD_EVENT_CLOSED },
	{ "announced", MPTCPD_EVENT_ANNOUNCED },
	{ "removed", MPTCPD_EVENT_REMOVED },
	{ "subflow-established", MPTCPD_EVENT_SUB_ESTABLISHED },
	{ "subflow-closed", MPTCPD_EVENT_SUB_CLOSED },
	{ "subflow-priority", MPTCPD_EVENT_SUB_PRIORITY },
	{ "listener-created", MPTCPD_EVENT_LISTENER_CREATED },
	{ "listener-closed", MPTCPD_EVENT_LISTENER_CLOSED },
	{ "adopted", MPTCPD_EVENT_ADOPTED },
	{ "address-added", MPTCPD_EVENT_ADDR_ADDED },
	{ "address-removed", MPTCPD_EVENT_ADDR_REMOVED },
	{ "action-failed", MPTCPD_EVENT_ACTION_FAILED },
	{ "subflow-stalled", MPTCPD_EVENT_SUB_STALLED },
	{ "retry", MPTCPD_EVENT_RETRY },
	{ "rtt-updated", MPTCPD_EVENT_RTT_UPDATED },
	{ NULL, 0 },
};

/* The "action" of an action event, and the name of a command in the logs. */
static const struct ctl_word ctl_words_action[] = {
	{ "announce", MPTCPD_ACTION_ANNOUNCE },
	{ "remove", MPTCPD_ACTION_REMOVE },
	{ "subflow-create", MPTCPD_ACTION_SUBFLOW_CREATE },
	{ "subflow-destroy", MPTCPD_ACTION_SUBFLOW_DESTROY },
	{ "set-flags", MPTCPD_ACTION_SET_BACKUP },
	{ NULL, 0 },
};

/* The "op" of the subflow command: add (1) or del (0). */
static const struct ctl_word ctl_words_subflow_op[] = {
	{ "add", 1 },
	{ "del", 0 },
	{ NULL, 0 },
};

/* word -> value: true and *value set, or false for a word not in t
 * (letter case counts). */
static inline bool ctl_word_to_value(const struct ctl_word *t,
				     const char *word, int *value)
{
	for (; t->word; t++)
		if (strcmp(t->word, word) == 0) {
			*value = t->value;
			return true;
		}
	return false;
}

/* value -> word, or none when t has no word for it. */
static inline const char *ctl_value_to_word(const struct ctl_word *t,
					    int value, const char *none)
{
	for (; t->word; t++)
		if (t->value == value)
			return t->word;
	return none;
}

/* Text from the other side made safe for a terminal or a log line: every
 * byte outside printable ASCII as \xNN, and '"' and '\\' behind a
 * backslash, so nothing a peer sends (an interface name may hold an escape
 * sequence) can move the cursor, fake a line or end a quoted field.  Like
 * snprintf: writes at most size bytes including the NUL (never half an
 * escape) and returns the length the whole escaped text needs (at most
 * 4 * strlen(s)). */
static inline size_t ctl_escape(char *buf, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 0, used = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char e[4] = { '\\', (char)ch, 0, 0 };
		size_t k = 2;

		if (ch < 0x20 || ch > 0x7e) {
			e[1] = 'x';
			e[2] = hex[ch >> 4];
			e[3] = hex[ch & 15];
			k = 4;
		} else if (ch != '"' && ch != '\\') {
			e[0] = (char)ch;
			k = 1;
		}
		if (used == need && need + k < size) {
			memcpy(buf + used, e, k);
			used += k;
		}
		need += k;
	}
	if (size)
		buf[used] = 0;
	return need;
}

#endif
