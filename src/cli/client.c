/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport of mptcpd-ctl.  Everything that comes from the socket is
 * treated as untrusted: lines are bounded by CTL_MSG_MAX, each must be
 * exactly one JSON object of our protocol version, and a non-monitor
 * command never waits longer than its timeout.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "cli/client.h"

struct client {
	int fd;
	int64_t id;		/* of the last request sent */
	size_t len;		/* bytes buffered in buf */
	char *buf;		/* CTL_ANSWER_MAX bytes; touched as used */
};

int client_default_path(char *buf, size_t len)
{
	int err = ctl_ns_dir(buf, len);
	size_t n;
	int m;

	if (err < 0)
		return err;
	n = strlen(buf);
	m = snprintf(buf + n, len - n, "/%s", CTL_SOCKET_NAME);
	return m < 0 || (size_t)m >= len - n ? -ENAMETOOLONG : 0;
}

int client_new(const char *path, struct client **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct client *c;
	int err = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->buf = malloc(CTL_ANSWER_MAX);
	if (!c->buf) {
		free(c);
		return -ENOMEM;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		client_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

static int client_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int client_send(struct client *c, const char *command, struct json_object *args)
{
	struct json_object *req = json_object_new_object();
	const char *text;
	char *line = NULL;
	int err;

	json_object_object_add(req, "version", json_object_new_int(CTL_PROTO_VERSION));
	json_object_object_add(req, "id", json_object_new_int64(++c->id));
	json_object_object_add(req, "command", json_object_new_string(command));
	if (args)
		json_object_object_add(req, "args", json_object_get(args));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	/* The newline counts against the limit too. */
	if (!text || strlen(text) + 1 > CTL_MSG_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	if (asprintf(&line, "%s\n", text) < 0) {
		line = NULL;
		err = -ENOMEM;
		goto out;
	}
	err = client_write_all(c->fd, line, strlen(line));
out:
	free(line);
	json_object_put(req);
	return err;
}

/* Parses buf[0..len) as exactly one JSON object (trailing blanks and a
 * CR allowed). */
static int client_parse_line(const char *buf, size_t len, struct json_object **msg)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t used;

	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (used < len && strchr(" \t\r", buf[used]))
		used++;
	if (!o || used != len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EBADMSG;
	}
	*msg = o;
	return 0;
}

/* Takes one complete line out of the buffer, if there is one. */
static int client_take_line(struct client *c, struct json_object **msg)
{
	char *nl = memchr(c->buf, '\n', c->len);
	size_t line;
	int err;

	if (!nl)
		return c->len == CTL_ANSWER_MAX ? -EMSGSIZE : -EAGAIN;
	line = (size_t)(nl - c->buf);
	err = client_parse_line(c->buf, line, msg);
	c->len -= line + 1;
	memmove(c->buf, nl + 1, c->len);
	return err;
}

static int64_t client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the socket is readable.  deadline < 0: no limit. */
static int client_wait(const struct client *c, int64_t deadline,
		       const struct client_watch *w)
{
	struct pollfd p[3] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = w ? w->stop_fd : -1, .events = POLLIN },
		{ .fd = w ? w->out_fd : -1, .events = 0 },	/* errors only */
	};
	int timeout = -1, n;

	if (deadline >= 0) {
		int64_t left = deadline - client_now_ms();

		timeout = left > 0 ? (int)left : 0;
	}
	n = poll(p, 3, timeout);	/* poll skips negative fds */
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (p[1].revents)
		return -EINTR;
	if (p[2].revents)
		return -EPIPE;
	return 0;
}

static int client_fill(struct client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, CTL_ANSWER_MAX - c->len, 0);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->len += (size_t)n;
	return 0;
}

int client_receive(struct client *c, int timeout_ms,
		   const struct client_watch *watch, struct json_object **msg)
{
	int64_t deadline = timeout_ms < 0 ? -1 : client_now_ms() + timeout_ms;
	int err;

	for (;;) {
		err = client_take_line(c, msg);
		if (err != -EAGAIN)
			return err;
		err = client_wait(c, deadline, watch);
		if (err == -EAGAIN)
			continue;
		if (!err)
			err = client_fill(c);
		if (err)
			return err;
	}
}

static bool client_version_ok(struct json_object *msg)
{
	struct json_object *v;

	return json_object_object_get_ex(msg, "version", &v) &&
	       json_object_is_type(v, json_type_int) &&
	       json_object_get_int64(v) == CTL_PROTO_VERSION;
}

static int client_refusal(struct json_object *msg, struct client_error *err)
{
	struct json_object *e, *code, *message;

	if (!json_object_object_get_ex(msg, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_is_type(code, json_type_string))
		return -EPROTO;
	err->code = json_object_get_string(code);
	err->message = json_object_object_get_ex(e, "message", &message) &&
		       json_object_is_type(message, json_type_string) ?
		       json_object_get_string(message) : err->code;
	if (!json_object_object_get_ex(e, "reasons", &err->reasons) ||
	    !json_object_is_type(err->reasons, json_type_array))
		err->reasons = NULL;
	return -EREMOTEIO;
}

int client_response(const struct client *c, struct json_object *msg,
		    struct json_object **result, struct client_error *err)
{
	struct json_object *id, *ok;

	if (!client_version_ok(msg) ||
	    !json_object_object_get_ex(msg, "id", &id) ||
	    !json_object_object_get_ex(msg, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		return -EPROTO;
	/* id null: the daemon refused the connection (EBUSY) or could not
	 * read the request; either way an error meant for us. */
	if (!id && !json_object_get_boolean(ok))
		return client_refusal(msg, err);
	if (!json_object_is_type(id, json_type_int) ||
	    json_object_get_int64(id) != c->id)
		return -EPROTO;
	if (!json_object_get_boolean(ok))
		return client_refusal(msg, err);
	if (!json_object_object_get_ex(msg, "result", result) ||
	    !json_object_is_type(*result, json_type_object))
		return -EPROTO;
	return 0;
}

int client_event(struct json_object *msg, struct json_object **event)
{
	if (!client_version_ok(msg) ||
	    !json_object_object_get_ex(msg, "event", event) ||
	    !json_object_is_type(*event, json_type_object))
		return -EPROTO;
	return 0;
}
