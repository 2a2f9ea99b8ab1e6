/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parser and validator of one request line: the envelope, the command
 * and every argument checked for type and range against a per-command
 * table before any handler sees the request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctl_json.h"

/* Depth of nesting a request may have: args { local { address } }. */
#define CTL_JSON_DEPTH 8

struct ctl_parse {
	struct ctl_request *req;
	const char **code;
	char *msg;
	size_t len;
};

__attribute__((format(printf, 3, 4)))
static int ctl_json_fail(struct ctl_parse *p, const char *code,
			 const char *fmt, ...)
{
	va_list ap;

	*p->code = code;
	va_start(ap, fmt);
	vsnprintf(p->msg, p->len, fmt, ap);
	va_end(ap);
	if (strcmp(code, CTL_ERR_VERSION) == 0)
		return -EPROTO;
	if (strcmp(code, CTL_ERR_FAILED) == 0)
		return -ENOMEM;
	return strcmp(code, CTL_ERR_TOO_BIG) == 0 ? -EMSGSIZE : -EINVAL;
}

static int ctl_json_want(struct ctl_parse *p, const char *key,
			 struct json_object *v, enum json_type type,
			 const char *what)
{
	if (json_object_is_type(v, type))
		return 0;
	return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"%s\" must be %s", key,
			     what);
}

static int ctl_json_string(struct ctl_parse *p, const char *key,
			   struct json_object *v, char *out, size_t size)
{
	int err = ctl_json_want(p, key, v, json_type_string, "a string");

	if (err < 0)
		return err;
	if ((size_t)json_object_get_string_len(v) >= size ||
	    strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v))
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
				     "\"%s\" is too long or holds a NUL", key);
	memcpy(out, json_object_get_string(v), json_object_get_string_len(v) + 1);
	return 0;
}

/* An integer in [min, max] (JSON numbers with a fraction are refused). */
static int ctl_json_int(struct ctl_parse *p, const char *key,
			struct json_object *v, int64_t min, int64_t max,
			int64_t *out)
{
	int err = ctl_json_want(p, key, v, json_type_int, "an integer");

	if (err < 0)
		return err;
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max)
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
				     "\"%s\" must be in %lld..%lld", key,
				     (long long)min, (long long)max);
	return 0;
}

/* The words of t for a message: "\"add\" or \"del\"". */
static const char *ctl_json_word_list(const struct ctl_word *t, char *buf,
				      size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; t[i].word; i++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s\"%s\"", i == 0 ? "" :
			 t[i + 1].word ? ", " : " or ", t[i].word);
	}
	return buf;
}

/* One of the words of t; *out is the value it stands for. */
static int ctl_json_word(struct ctl_parse *p, const char *key,
			 struct json_object *v, const struct ctl_word *t,
			 int *out)
{
	char list[128];

	if (json_object_is_type(v, json_type_string) &&
	    ctl_word_to_value(t, json_object_get_string(v), out))
		return 0;
	return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"%s\" must be %s", key,
			     ctl_json_word_list(t, list, sizeof(list)));
}

static int ctl_json_arg_token(struct ctl_parse *p, struct json_object *v)
{
	char buf[16], *end;
	unsigned long t;
	int err = ctl_json_string(p, "token", v, buf, sizeof(buf));

	if (err < 0)
		goto bad;
	if (!buf[0] || strlen(buf) > 8 || strspn(buf, "0123456789abcdefABCDEF") !=
	    strlen(buf))
		goto bad;
	t = strtoul(buf, &end, 16);
	p->req->token = (uint32_t)t;
	return 0;
bad:
	return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"token\" must be a string "
			     "of 1 to 8 hexadecimal digits, like \"1a2b3c4d\"");
}

static int ctl_json_arg_name(struct ctl_parse *p, struct json_object *v)
{
	int err = ctl_json_string(p, "name", v, p->req->name,
				  sizeof(p->req->name));

	if (err == 0 && !p->req->name[0])
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"name\" is empty");
	return err;
}

static int ctl_json_arg_dev(struct ctl_parse *p, struct json_object *v)
{
	int err = ctl_json_string(p, "dev", v, p->req->dev, sizeof(p->req->dev));

	if (err == 0 && !p->req->dev[0])
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"dev\" is empty");
	return err;
}

/* "auto" for type or metered: back to the configuration or detection. */
static bool ctl_json_is_auto(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) &&
	       strcmp(json_object_get_string(v), CTL_WORD_AUTO) == 0;
}

static int ctl_json_arg_type(struct ctl_parse *p, struct json_object *v)
{
	int type;
	int err;

	if (ctl_json_is_auto(v)) {
		p->req->type_auto = true;
		return 0;
	}
	err = ctl_json_word(p, "type", v, ctl_words_iface_type, &type);

	if (err == 0)
		p->req->type = (enum mptcpd_iface_type)type;
	return err;
}

static int ctl_json_arg_metered(struct ctl_parse *p, struct json_object *v)
{
	int metered;
	int err;

	if (ctl_json_is_auto(v)) {
		p->req->metered_auto = true;
		return 0;
	}
	err = ctl_json_word(p, "metered", v, ctl_words_metered, &metered);

	if (err == 0)
		p->req->metered = (enum mptcpd_metered)metered;
	return err;
}

static int ctl_json_arg_exclude(struct ctl_parse *p, struct json_object *v)
{
	int err = ctl_json_want(p, "exclude", v, json_type_boolean,
				"true or false");

	p->req->exclude = err == 0 && json_object_get_boolean(v);
	return err;
}

static int ctl_json_arg_backup(struct ctl_parse *p, struct json_object *v)
{
	int err = ctl_json_want(p, "backup", v, json_type_boolean,
				"true or false");

	p->req->backup = err == 0 && json_object_get_boolean(v);
	return err;
}

static int ctl_json_arg_op(struct ctl_parse *p, struct json_object *v)
{
	int add;
	int err = ctl_json_word(p, "op", v, ctl_words_subflow_op, &add);

	p->req->add = err == 0 && add;
	return err;
}

static int ctl_json_ip_text(struct ctl_parse *p, const char *key,
			    struct json_object *v, struct mptcpd_addr *out)
{
	char buf[64];
	int err = ctl_json_string(p, key, v, buf, sizeof(buf));

	if (err == 0 && addr_parse(buf, out) < 0)
		err = ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"%s\": \"%s\" is not "
				    "an IPv4 or IPv6 address", key, buf);
	return err;
}

/* ADDR: {"address": "192.0.2.2", "port": 443}, port optional. */
static int ctl_json_endpoint(struct ctl_parse *p, const char *key,
			     struct json_object *v, struct mptcpd_addr *out)
{
	struct json_object *a = NULL, *port = NULL;
	int64_t n = 0;
	int err = ctl_json_want(p, key, v, json_type_object,
				"an object {\"address\", \"port\"}");

	if (err < 0)
		return err;
	json_object_object_foreach(v, k, val) {
		if (strcmp(k, "address") == 0)
			a = val;
		else if (strcmp(k, "port") == 0)
			port = val;
		else
			return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"%s\": "
					     "unknown member \"%s\"", key, k);
	}
	if (!a)
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "\"%s\" has no "
				     "\"address\"", key);
	err = ctl_json_ip_text(p, "address", a, out);
	if (err == 0 && port)
		err = ctl_json_int(p, "port", port, 0, 65535, &n);
	out->port = (uint16_t)n;
	return err;
}

static int ctl_json_arg_local(struct ctl_parse *p, struct json_object *v)
{
	return ctl_json_endpoint(p, "local", v, &p->req->local);
}

static int ctl_json_arg_remote(struct ctl_parse *p, struct json_object *v)
{
	return ctl_json_endpoint(p, "remote", v, &p->req->remote);
}

static int ctl_json_arg_address(struct ctl_parse *p, struct json_object *v)
{
	return ctl_json_ip_text(p, "address", v, &p->req->address);
}

static int ctl_json_arg_id(struct ctl_parse *p, struct json_object *v)
{
	int64_t n;
	int err = ctl_json_int(p, "id", v, 1, 255, &n);

	p->req->addr_id = err == 0 ? (uint8_t)n : 0;
	return err;
}

/* A subflow's local ID: 0 is the initial subflow's. */
static int ctl_json_arg_subflow_id(struct ctl_parse *p, struct json_object *v)
{
	int64_t n;
	int err = ctl_json_int(p, "id", v, 0, 255, &n);

	p->req->addr_id = err == 0 ? (uint8_t)n : 0;
	return err;
}

/* How far back "events" looks, in milliseconds: up to a year. */
static int ctl_json_arg_since(struct ctl_parse *p, struct json_object *v)
{
	int64_t n;
	int err = ctl_json_int(p, "since_ms", v, 0, 366LL * 24 * 3600 * 1000, &n);

	p->req->since_ms = err == 0 ? (uint64_t)n : 0;
	return err;
}

struct ctl_arg_spec {
	const char *name;
	enum ctl_req_field field;
	bool required;
	int (*parse)(struct ctl_parse *p, struct json_object *v);
};

struct ctl_cmd_spec {
	const char *name;
	const struct ctl_arg_spec *args;
	size_t n_args;
	/* Checks across arguments, after each passed its own. */
	int (*check)(struct ctl_parse *p);
};

static const struct ctl_arg_spec ctl_args_token[] = {
	{ "token", CTL_REQ_TOKEN, true, ctl_json_arg_token },
};
static const struct ctl_arg_spec ctl_args_strategy[] = {
	{ "name", CTL_REQ_NAME, false, ctl_json_arg_name },
};
static const struct ctl_arg_spec ctl_args_interface[] = {
	{ "dev", CTL_REQ_DEV, true, ctl_json_arg_dev },
	{ "type", CTL_REQ_TYPE, false, ctl_json_arg_type },
	{ "metered", CTL_REQ_METERED, false, ctl_json_arg_metered },
	{ "exclude", CTL_REQ_EXCLUDE, false, ctl_json_arg_exclude },
};
static const struct ctl_arg_spec ctl_args_subflow[] = {
	{ "token", CTL_REQ_TOKEN, true, ctl_json_arg_token },
	{ "op", CTL_REQ_OP, true, ctl_json_arg_op },
	{ "local", CTL_REQ_LOCAL, false, ctl_json_arg_local },
	{ "remote", CTL_REQ_REMOTE, false, ctl_json_arg_remote },
	{ "backup", CTL_REQ_BACKUP, false, ctl_json_arg_backup },
	{ "id", CTL_REQ_ID, false, ctl_json_arg_subflow_id },
};
static const struct ctl_arg_spec ctl_args_announce[] = {
	{ "token", CTL_REQ_TOKEN, true, ctl_json_arg_token },
	{ "address", CTL_REQ_ADDRESS, true, ctl_json_arg_address },
};
static const struct ctl_arg_spec ctl_args_remove[] = {
	{ "token", CTL_REQ_TOKEN, true, ctl_json_arg_token },
	{ "id", CTL_REQ_ID, true, ctl_json_arg_id },
};

static const struct ctl_arg_spec ctl_args_events[] = {
	{ "since_ms", CTL_REQ_SINCE, false, ctl_json_arg_since },
	{ "token", CTL_REQ_TOKEN, false, ctl_json_arg_token },
};

static int ctl_json_check_interface(struct ctl_parse *p)
{
	const uint32_t what = CTL_REQ_TYPE | CTL_REQ_METERED | CTL_REQ_EXCLUDE;

	if (p->req->has & what)
		return 0;
	return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "interface: say what to "
			     "set: \"type\", \"metered\" or \"exclude\"");
}

static int ctl_json_check_subflow(struct ctl_parse *p)
{
	const struct ctl_request *r = p->req;
	const uint32_t ends = CTL_REQ_LOCAL | CTL_REQ_REMOTE;

	/* del: by "id" alone, or by both ends; add: by both ends. */
	if (r->has & CTL_REQ_ID) {
		if (r->add || (r->has & ends))
			return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "subflow: "
					     "\"id\" goes with op \"del\" and "
					     "no \"local\" or \"remote\"");
		return 0;
	}
	if ((r->has & ends) != ends)
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "subflow: needs "
				     "\"local\" and \"remote\" (or, to "
				     "close one, \"id\")");
	if (r->local.family != r->remote.family)
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "subflow: \"local\" "
				     "and \"remote\" are of different families");
	/* The kernel finds a subflow to close by its full 4-tuple. */
	if (!r->add && (!r->local.port || !r->remote.port))
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "subflow del needs "
				     "the local and the remote port");
	return 0;
}

#define CTL_ARGS(a) a, sizeof(a) / sizeof(a[0])

/* Indexed by enum ctl_cmd. */
static const struct ctl_cmd_spec ctl_cmds[CTL_CMD_COUNT] = {
	[CTL_CMD_STATUS] = { "status", NULL, 0, NULL },
	[CTL_CMD_CONNECTIONS] = { "connections", NULL, 0, NULL },
	[CTL_CMD_CONNECTION] = { "connection", CTL_ARGS(ctl_args_token), NULL },
	[CTL_CMD_INTERFACES] = { "interfaces", NULL, 0, NULL },
	[CTL_CMD_STRATEGY] = { "strategy", CTL_ARGS(ctl_args_strategy), NULL },
	[CTL_CMD_INTERFACE] = { "interface", CTL_ARGS(ctl_args_interface),
				ctl_json_check_interface },
	[CTL_CMD_SUBFLOW] = { "subflow", CTL_ARGS(ctl_args_subflow),
			      ctl_json_check_subflow },
	[CTL_CMD_ANNOUNCE] = { "announce", CTL_ARGS(ctl_args_announce), NULL },
	[CTL_CMD_REMOVE] = { "remove", CTL_ARGS(ctl_args_remove), NULL },
	[CTL_CMD_MONITOR] = { "monitor", NULL, 0, NULL },
	[CTL_CMD_RELOAD] = { "reload", NULL, 0, NULL },
	[CTL_CMD_POLICY] = { "policy", NULL, 0, NULL },
	[CTL_CMD_EVENTS] = { "events", CTL_ARGS(ctl_args_events), NULL },
	[CTL_CMD_STATS] = { "stats", NULL, 0, NULL },
};

const char *ctl_json_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned int)cmd < CTL_CMD_COUNT ? ctl_cmds[cmd].name : "?";
}

static const struct ctl_arg_spec *ctl_json_arg_find(const struct ctl_cmd_spec *c,
						    const char *name)
{
	for (size_t i = 0; i < c->n_args; i++)
		if (strcmp(c->args[i].name, name) == 0)
			return &c->args[i];
	return NULL;
}

static int ctl_json_args(struct ctl_parse *p, const struct ctl_cmd_spec *c,
			 struct json_object *args)
{
	int err;

	if (args && !json_object_is_type(args, json_type_object))
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
				     "\"args\" must be an object");
	if (args) {
		json_object_object_foreach(args, k, v) {
			const struct ctl_arg_spec *a = ctl_json_arg_find(c, k);

			if (!a)
				return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
						     "%s: unknown argument \"%s\"",
						     c->name, k);
			err = a->parse(p, v);
			if (err < 0)
				return err;
			p->req->has |= a->field;
		}
	}
	for (size_t i = 0; i < c->n_args; i++)
		if (c->args[i].required && !(p->req->has & c->args[i].field))
			return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
					     "%s: missing argument \"%s\"",
					     c->name, c->args[i].name);
	return c->check ? c->check(p) : 0;
}

static int ctl_json_command(struct ctl_parse *p, struct json_object *cmd,
			    struct json_object *args)
{
	const char *name;

	if (!cmd || !json_object_is_type(cmd, json_type_string))
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
				     "\"command\" must be a string");
	name = json_object_get_string(cmd);
	for (size_t i = 0; i < CTL_CMD_COUNT; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0) {
			p->req->cmd = (enum ctl_cmd)i;
			return ctl_json_args(p, &ctl_cmds[i], args);
		}
	return ctl_json_fail(p, CTL_ERR_BAD_REQUEST, "unknown command \"%.64s\"",
			     name);
}

/* The top level: exactly version, id, command and (optionally) args. */
static int ctl_json_envelope(struct ctl_parse *p, struct json_object *o)
{
	struct json_object *version = NULL, *id = NULL, *cmd = NULL, *args = NULL;

	json_object_object_foreach(o, k, v) {
		if (strcmp(k, "version") == 0)
			version = v;
		else if (strcmp(k, "id") == 0)
			id = v;
		else if (strcmp(k, "command") == 0)
			cmd = v;
		else if (strcmp(k, "args") == 0)
			args = v;
		else
			return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
					     "unknown member \"%.64s\"", k);
	}
	if (json_object_is_type(id, json_type_int)) {
		p->req->has_id = true;
		p->req->id = json_object_get_int64(id);
	}
	if (!json_object_is_type(version, json_type_int) ||
	    json_object_get_int64(version) != CTL_PROTO_VERSION)
		return ctl_json_fail(p, CTL_ERR_VERSION, "this daemon speaks "
				     "protocol version %d", CTL_PROTO_VERSION);
	if (!p->req->has_id)
		return ctl_json_fail(p, CTL_ERR_BAD_REQUEST,
				     "\"id\" must be an integer");
	return ctl_json_command(p, cmd, args);
}

int ctl_json_parse_request(const char *line, size_t len,
			   struct ctl_request *out, const char **err_code,
			   char *err_msg, size_t err_len)
{
	struct ctl_parse p = { out, err_code, err_msg, err_len };
	struct json_tokener *tok;
	struct json_object *o = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > CTL_MSG_MAX)
		return ctl_json_fail(&p, CTL_ERR_TOO_BIG, "a request is at most "
				     "%d bytes", CTL_MSG_MAX);
	while (len && strchr(" \t\r\n", line[len - 1]) && line[len - 1])
		len--;
	tok = json_tokener_new_ex(CTL_JSON_DEPTH);
	if (!tok)
		return ctl_json_fail(&p, CTL_ERR_FAILED, "out of memory");
	if (len)
		o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)
		err = ctl_json_fail(&p, CTL_ERR_BAD_REQUEST, "not one complete JSON "
				    "value on the line");
	else if (!json_object_is_type(o, json_type_object))
		err = ctl_json_fail(&p, CTL_ERR_BAD_REQUEST,
				    "a request is a JSON object");
	else
		err = ctl_json_envelope(&p, o);
	json_object_put(o);
	json_tokener_free(tok);
	return err;
}
