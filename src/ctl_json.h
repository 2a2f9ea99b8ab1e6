/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol's JSON (ctl_proto.h): builders from our structs to
 * json-c objects (ctl_json_build.c), and the parser and validator of one
 * request line (ctl_json_parse.c).  Pure: no I/O, no daemon state, so unit
 * tests and fuzzers call it directly.
 * Every builder returns a new object (reference count 1) that the caller
 * owns and releases with json_object_put(), or NULL when out of memory.
 */
#ifndef MPTCPD_CTL_JSON_H
#define MPTCPD_CTL_JSON_H

#include <json-c/json.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "history.h"
#include "iface.h"
#include "mptcpd/strategy.h"

/* The name of an interface, or NULL when unknown. */
typedef const char *(*ctl_json_ifname_fn)(void *arg, int ifindex);

/* ADDR; JSON null for AF_UNSPEC. */
struct json_object *ctl_json_addr(const struct mptcpd_addr *a);
/* CONN; age_s: seconds since the daemon first saw the connection (the
 * caller replaces it for an adopted one, whose age is unknown). */
struct json_object *ctl_json_conn(const struct mptcpd_conn *c, uint64_t age_s,
				  ctl_json_ifname_fn ifname, void *arg);
/* IFACE, with the addresses known on the interface. */
struct json_object *ctl_json_iface(const struct iface_info *i,
				   const struct mptcpd_addr *addrs, size_t n);
/* The inside of an event line: {"type": "subflow-established", ...}. */
struct json_object *ctl_json_event(const struct mptcpd_event *ev,
				   ctl_json_ifname_fn ifname, void *arg);
/* A command sent to the kernel: {"type": "action", "action": "announce"...}. */
struct json_object *ctl_json_action(const struct mptcpd_action *a,
				    ctl_json_ifname_fn ifname, void *arg);

/* One entry of the decision history ("events"). */
struct json_object *ctl_json_history(const struct history_entry *e);

/* Whole lines.  Each takes ownership of the object passed in (even on
 * failure).  has_id false: "id" is null (the request had no usable id). */
struct json_object *ctl_json_ok(bool has_id, int64_t id,
				struct json_object *result);
struct json_object *ctl_json_error(bool has_id, int64_t id, const char *code,
				   const char *message);
struct json_object *ctl_json_event_line(struct json_object *event);

enum ctl_cmd {
	CTL_CMD_STATUS = 0,
	CTL_CMD_CONNECTIONS = 1,
	CTL_CMD_CONNECTION = 2,
	CTL_CMD_INTERFACES = 3,
	CTL_CMD_STRATEGY = 4,
	CTL_CMD_INTERFACE = 5,
	CTL_CMD_SUBFLOW = 6,
	CTL_CMD_ANNOUNCE = 7,
	CTL_CMD_REMOVE = 8,
	CTL_CMD_MONITOR = 9,
	CTL_CMD_RELOAD = 10,
	CTL_CMD_POLICY = 11,
	CTL_CMD_EVENTS = 12,
	CTL_CMD_STATS = 13,
};
#define CTL_CMD_COUNT 14

/* Which arguments a request carried (struct ctl_request.has). */
enum ctl_req_field {
	CTL_REQ_TOKEN = 1u << 0,
	CTL_REQ_NAME = 1u << 1,
	CTL_REQ_DEV = 1u << 2,
	CTL_REQ_TYPE = 1u << 3,
	CTL_REQ_METERED = 1u << 4,
	CTL_REQ_EXCLUDE = 1u << 5,
	CTL_REQ_OP = 1u << 6,
	CTL_REQ_LOCAL = 1u << 7,
	CTL_REQ_REMOTE = 1u << 8,
	CTL_REQ_BACKUP = 1u << 9,
	CTL_REQ_ADDRESS = 1u << 10,
	CTL_REQ_ID = 1u << 11,
	CTL_REQ_SINCE = 1u << 12,
};

#define CTL_NAME_MAX 64

/* A validated request: every value already checked for type and range. */
struct ctl_request {
	bool has_id;		/* set as soon as an integer id was seen */
	int64_t id;
	enum ctl_cmd cmd;
	uint32_t has;		/* enum ctl_req_field bits */
	uint32_t token;
	char name[CTL_NAME_MAX];	/* strategy */
	char dev[IF_NAMESIZE];
	enum mptcpd_iface_type type;
	enum mptcpd_metered metered;
	bool type_auto, metered_auto;	/* "auto": drop the run-time value */
	bool exclude;
	bool add;		/* subflow: "op" add (true) or del */
	struct mptcpd_addr local, remote;	/* subflow */
	bool backup;
	struct mptcpd_addr address;	/* announce */
	uint8_t addr_id;		/* remove: "id" */
	uint64_t since_ms;		/* events: "since_ms", how far back */
};

const char *ctl_json_cmd_name(enum ctl_cmd cmd);

/*
 * Parse and validate one request line (the '\n' may be included in len):
 * size, a JSON object, version, integer id, known command, and the type
 * and range of every argument of that command (unknown or missing ones are
 * errors).  0 and *out filled, or -errno with *err_code a CTL_ERR_* string
 * and err_msg a human explanation.  out->has_id/id are valid on error too,
 * so the answer can echo the id.
 */
int ctl_json_parse_request(const char *line, size_t len,
			   struct ctl_request *out, const char **err_code,
			   char *err_msg, size_t err_len);

#endif
