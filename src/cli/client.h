/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client end of the control protocol (src/ctl_proto.h): one UNIX
 * stream connection, JSON lines out and in, bounded in size and time.
 */
#ifndef MPTCPD_CLI_CLIENT_H
#define MPTCPD_CLI_CLIENT_H

#include <stddef.h>

struct json_object;
struct client;

/* What the daemon said when it refused a request.  The strings belong to
 * the response object they were read from. */
struct client_error {
	const char *code;	/* a CTL_ERR_* string */
	const char *message;
	/* Why, one line each (a refused reload's FILE:LINE reasons), or
	 * NULL; borrowed from the response like the two above. */
	struct json_object *reasons;
};

/* The socket of this network namespace's daemon, as the daemon chooses
 * it: ctl_ns_dir()/control.  Returns 0, -ENAMETOOLONG, or -errno when
 * the namespace cannot be told (no /proc). */
int client_default_path(char *buf, size_t len);

/* Connects to path.  Returns 0 or -errno from socket()/connect()
 * (ENOENT, ECONNREFUSED, EACCES...), -ENAMETOOLONG when the path does
 * not fit a sockaddr_un.  The caller frees *out with client_free(). */
int client_new(const char *path, struct client **out);
void client_free(struct client *c);

/* Sends one request with a fresh id.  args may be NULL (a reference is
 * taken, not stolen).  Returns 0, -EMSGSIZE over CTL_MSG_MAX, or -errno
 * from send() (MSG_NOSIGNAL: a gone daemon is EPIPE, not a signal). */
int client_send(struct client *c, const char *command, struct json_object *args);

/* Descriptors a wait also watches; -1 for none. */
struct client_watch {
	int stop_fd;	/* readable: stop (a signalfd for Ctrl-C) */
	int out_fd;	/* error or hang-up: our reader went away */
};

/* Receives the next message.  timeout_ms < 0 waits without limit.  With
 * watch (may be NULL), returns -EINTR when watch->stop_fd becomes
 * readable and -EPIPE when watch->out_fd reports an error or hang-up, so
 * that a monitor ends on Ctrl-C or a closed pipe even while no event
 * comes.  Returns 0 with *msg (the caller puts it), -ETIMEDOUT,
 * -ECONNRESET when the daemon closed the connection, -EMSGSIZE for an
 * over-long line, -EBADMSG for a line that is not one JSON object, or
 * -errno. */
int client_receive(struct client *c, int timeout_ms,
		   const struct client_watch *watch, struct json_object **msg);

/* Checks msg as the answer to the last request.  Returns 0 with *result
 * (borrowed from msg), -EREMOTEIO with *err filled when the daemon
 * refused, -EPROTO for another version, a wrong id or a bad shape. */
int client_response(const struct client *c, struct json_object *msg,
		    struct json_object **result, struct client_error *err);

/* Checks msg as a monitor event.  Returns 0 with *event (borrowed from
 * msg) or -EPROTO. */
int client_event(struct json_object *msg, struct json_object **event);

#endif
