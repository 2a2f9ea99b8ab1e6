/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: accepting clients, framing lines, bounded queues,
 * credentials, and the event stream.  Requests are fully validated by
 * ctl_json_parse_request() before ctl_handlers.c runs them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "iface.h"
#include "log.h"
#include "loop.h"

/* Bytes read from one client per wake-up, so one busy client cannot
 * starve the others (the loop is level-triggered: the rest comes next). */
#define CTL_READ_BUDGET (64 * 1024)
#define CTL_IN_CHUNK 4096

struct ctl_client {
	struct ctl_server *s;
	int fd;
	struct loop_io *io;
	struct ucred cred;
	gid_t *groups;			/* supplementary (SO_PEERGROUPS); owned */
	size_t n_groups;
	char *in;			/* partial request line */
	size_t in_len, in_cap;
	char *out;			/* unsent answers and events */
	size_t out_len, out_off, out_cap;
	bool monitor;			/* subscribed to the event stream */
	bool closing;			/* flush what is queued, then close */
	bool dead;			/* closed; freed by ctl_server_reap */
	struct ctl_client *next;
};

/* ---- Requests ---------------------------------------------------------- */

const char *ctl_server_ifname(void *arg, int ifindex)
{
	struct ctl_server *s = arg;
	const char *name = iface_name(s->env.ifaces, ifindex);

	return strcmp(name, "?") == 0 ? NULL : name;
}

static struct json_object *ctl_server_answer_peer(struct ctl_server *s,
						  const char *line, size_t len,
						  const struct ctl_peer *peer,
						  bool *subscribe)
{
	const struct ucred *cred = peer->cred;
	struct ctl_request req;
	const char *code = CTL_ERR_BAD_REQUEST;
	char msg[256];

	*subscribe = false;
	if (ctl_json_parse_request(line, len, &req, &code, msg, sizeof(msg)) < 0) {
		log_debug(LOG_SUB_CORE, "control: pid %d: refused request: %s",
			  (int)cred->pid, msg);
		return ctl_json_error(req.has_id, req.id, code, msg);
	}
	log_debug(LOG_SUB_CORE, "control: pid %d uid %u: %s", (int)cred->pid,
		  (unsigned int)cred->uid, ctl_json_cmd_name(req.cmd));
	return ctl_handlers_dispatch(s, &req, peer, subscribe);
}

struct json_object *ctl_server_answer(struct ctl_server *s, const char *line,
				      size_t len, const struct ucred *cred,
				      bool *subscribe)
{
	const struct ctl_peer peer = { .cred = cred };

	return ctl_server_answer_peer(s, line, len, &peer, subscribe);
}

/* ---- Clients ----------------------------------------------------------- */

static void ctl_client_free(struct ctl_client *c)
{
	free(c->groups);
	free(c->in);
	free(c->out);
	free(c);
}

/* Free the dropped clients once no callback can still hold them. */
static void ctl_server_reap(struct ctl_server *s)
{
	struct ctl_client **pp = &s->clients;

	if (s->busy)
		return;
	while (*pp) {
		struct ctl_client *c = *pp;

		if (c->dead) {
			*pp = c->next;
			ctl_client_free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void ctl_client_drop(struct ctl_client *c, const char *why)
{
	struct ctl_server *s = c->s;

	if (c->dead)
		return;
	if (why)
		log_warn(LOG_SUB_CORE, "control: dropping client pid %d uid %u: %s",
			 (int)c->cred.pid, (unsigned int)c->cred.uid, why);
	loop_io_del(s->env.loop, c->io);
	c->io = NULL;
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	s->n_clients--;
	if (c->monitor)
		s->n_monitors--;
	ctl_server_reap(s);
}

static void ctl_client_watch(struct ctl_client *c)
{
	bool pending = c->out_len > c->out_off;

	loop_io_set(c->s->env.loop, c->io, !c->closing, pending);
}

static void ctl_client_flush(struct ctl_client *c)
{
	while (c->out_len > c->out_off) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			ctl_client_drop(c, NULL);	/* it went away */
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->out_cap > CTL_MSG_MAX) {	/* do not keep a burst's peak */
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->closing) {
			ctl_client_drop(c, NULL);
			return;
		}
	}
	ctl_client_watch(c);
}

static int ctl_client_reserve(struct ctl_client *c, size_t len)
{
	size_t need, cap;
	char *nv;

	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	need = c->out_len + len;
	if (need <= c->out_cap)
		return 0;
	cap = c->out_cap ? c->out_cap : 4096;
	while (cap < need)
		cap *= 2;
	nv = realloc(c->out, cap);
	if (!nv)
		return -ENOMEM;
	c->out = nv;
	c->out_cap = cap;
	return 0;
}

/* Queue one line and push what the socket takes now.  A client with a
 * full queue does not read what it asked for: it is dropped rather than
 * letting memory grow or the loop wait for it. */
static void ctl_client_queue(struct ctl_client *c, const char *text, size_t len)
{
	if (c->dead)
		return;
	if (c->out_len - c->out_off >= CTL_SERVER_OUT_MAX) {
		ctl_client_drop(c, c->monitor ? "it does not read its event stream "
				"(queue full)" : "it does not read its answers "
				"(queue full)");
		return;
	}
	if (ctl_client_reserve(c, len + 1) < 0) {
		ctl_client_drop(c, "out of memory for its answers");
		return;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	ctl_client_flush(c);
}

static void ctl_client_send(struct ctl_client *c, struct json_object *line)
{
	size_t len;
	const char *text;

	if (!line) {
		ctl_client_drop(c, "out of memory for its answer");
		return;
	}
	text = json_object_to_json_string_length(line, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	ctl_client_queue(c, text, len);
	json_object_put(line);
}

static void ctl_client_line(struct ctl_client *c, const char *line, size_t len)
{
	const struct ctl_peer peer = {
		.cred = &c->cred, .groups = c->groups, .n_groups = c->n_groups,
	};
	bool subscribe = false;
	struct json_object *answer = ctl_server_answer_peer(c->s, line, len,
							    &peer, &subscribe);

	ctl_client_send(c, answer);
	if (subscribe && !c->dead && !c->monitor) {
		c->monitor = true;
		c->s->n_monitors++;
	}
}

/* Answer every complete line; keep the unfinished rest. */
static void ctl_client_lines(struct ctl_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->dead && !c->closing &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = (size_t)(nl - (c->in + start)) + 1;

		ctl_client_line(c, c->in + start, len);
		start += len;
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len >= CTL_MSG_MAX && !c->closing) {
		char msg[96];

		snprintf(msg, sizeof(msg), "a request line is at most %d bytes; "
			 "closing", CTL_MSG_MAX);
		ctl_client_send(c, ctl_json_error(false, 0, CTL_ERR_TOO_BIG, msg));
		if (!c->dead) {
			c->closing = true;
			ctl_client_flush(c);
		}
	}
}

static int ctl_client_grow_in(struct ctl_client *c)
{
	size_t cap = c->in_cap ? c->in_cap * 2 : CTL_IN_CHUNK;
	char *nv;

	if (cap > CTL_MSG_MAX)
		cap = CTL_MSG_MAX;
	nv = realloc(c->in, cap);
	if (!nv)
		return -ENOMEM;
	c->in = nv;
	c->in_cap = cap;
	return 0;
}

/* The peer closed its side: answer what came, then close. */
static void ctl_client_eof(struct ctl_client *c)
{
	if (c->out_len == c->out_off) {
		ctl_client_drop(c, NULL);
		return;
	}
	c->closing = true;
	ctl_client_watch(c);
}

static void ctl_client_read(struct ctl_client *c)
{
	size_t budget = CTL_READ_BUDGET;

	while (budget && !c->dead && !c->closing) {
		ssize_t n;

		if (c->in_len == c->in_cap && ctl_client_grow_in(c) < 0) {
			ctl_client_drop(c, "out of memory for its request");
			return;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			ctl_client_eof(c);
			return;
		}
		c->in_len += (size_t)n;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		ctl_client_lines(c);
	}
}

static void ctl_client_ready(void *arg)
{
	struct ctl_client *c = arg;
	struct ctl_server *s = c->s;

	s->busy++;
	if (c->out_len > c->out_off)
		ctl_client_flush(c);
	if (!c->dead && !c->closing)
		ctl_client_read(c);
	s->busy--;
	ctl_server_reap(s);
}

/* The peer's supplementary groups as they were at connect(), like
 * SO_PEERCRED (Linux 4.13+).  The kernel says how much room it needs when
 * the buffer is too small (ERANGE); that size does not change, so one
 * retry is enough: the bound is only a guard. */
#ifdef SO_PEERGROUPS
static int ctl_client_get_groups(struct ctl_client *c)
{
	socklen_t cap = 16 * sizeof(gid_t);

	for (int tries = 0; tries < 3; tries++) {
		gid_t *v = realloc(c->groups, cap);
		socklen_t len = cap;

		if (!v)
			return -ENOMEM;
		c->groups = v;
		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) == 0) {
			c->n_groups = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE || len <= cap)
			return -errno;
		cap = len;
	}
	return -ERANGE;
}
#else
static int ctl_client_get_groups(struct ctl_client *c)
{
	(void)c;
	return -ENOPROTOOPT;
}
#endif

/* Without the list a member whose control group is supplementary can
 * still read, just not change anything: worth a warning, not a refusal. */
static void ctl_client_groups(struct ctl_client *c)
{
	int err = ctl_client_get_groups(c);

	if (err == -ENOPROTOOPT)
		log_debug(LOG_SUB_CORE, "control: SO_PEERGROUPS is not supported "
			  "(Linux < 4.13): only a client's primary group counts");
	else if (err < 0)
		log_warn(LOG_SUB_CORE, "control: pid %d: cannot read its groups "
			 "(%s): only its primary group counts", (int)c->cred.pid,
			 strerror(-err));
}

static void ctl_server_add_client(struct ctl_server *s, int fd)
{
	struct ctl_client *c = calloc(1, sizeof(*c));
	socklen_t len = sizeof(c->cred);

	if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0) {
		log_warn(LOG_SUB_CORE, "control: cannot take a client: %s",
			 c ? strerror(errno) : "out of memory");
		goto fail;
	}
	c->s = s;
	c->fd = fd;
	ctl_client_groups(c);
	c->io = loop_io_add(s->env.loop, fd, ctl_client_ready, c);
	if (!c->io)
		goto fail;
	c->next = s->clients;
	s->clients = c;
	s->n_clients++;
	return;
fail:
	if (c)
		free(c->groups);
	free(c);
	close(fd);
}

static void ctl_server_accept(void *arg)
{
	struct ctl_server *s = arg;

	for (int i = 0; i < 32; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn(LOG_SUB_CORE, "control: accept: %s",
					 strerror(errno));
			return;
		}
		if (s->n_clients >= CTL_SERVER_CLIENTS_MAX) {
			if (!s->full_logged)
				log_warn(LOG_SUB_CORE, "control: %d clients already: "
					 "refusing more", CTL_SERVER_CLIENTS_MAX);
			s->full_logged = true;
			close(fd);
			continue;
		}
		s->full_logged = false;
		ctl_server_add_client(s, fd);
	}
}

/* ---- Events ------------------------------------------------------------ */

static void ctl_server_broadcast(struct ctl_server *s, struct json_object *ev)
{
	struct json_object *line = ctl_json_event_line(ev);
	const char *text;
	size_t len;

	if (!line)
		return;
	text = json_object_to_json_string_length(line, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		if (c->monitor && !c->dead)
			ctl_client_queue(c, text, len);
	s->busy--;
	ctl_server_reap(s);
	json_object_put(line);
}

void ctl_server_publish_event(struct ctl_server *s,
			      const struct mptcpd_event *ev)
{
	if (s && s->n_monitors)
		ctl_server_broadcast(s, ctl_json_event(ev, ctl_server_ifname, s));
}

void ctl_server_publish_action(struct ctl_server *s,
			       const struct mptcpd_action *a)
{
	if (s && s->n_monitors)
		ctl_server_broadcast(s, ctl_json_action(a, ctl_server_ifname, s));
}

/* ---- The socket -------------------------------------------------------- */

static int ctl_server_mkdir(const char *dir)
{
	if (mkdir(dir, 0750) == 0)
		return chmod(dir, 0750) < 0 ? -errno : 0;	/* past umask */
	return errno == EEXIST ? 0 : -errno;
}

/* A socket file nobody answers on is left over from a crash. */
static int ctl_server_clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, err = 0;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;		/* not ours to remove */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		err = -EADDRINUSE;
	else if (errno != ENOENT && unlink(sun->sun_path) < 0 && errno != ENOENT)
		err = -errno;
	close(fd);
	return err;
}

static int ctl_server_listen(struct ctl_server *s, const char *dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int err;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir,
			     CTL_SOCKET_NAME) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	err = ctl_server_mkdir(dir);
	if (err == 0)
		err = ctl_server_clear_stale(&sun);
	if (err < 0)
		return err;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -errno;
	snprintf(s->path, sizeof(s->path), "%s", sun.sun_path);
	/* Who may connect is the directory's business (0750); what they
	 * may change is checked per request with SO_PEERCRED. */
	if (chmod(s->path, 0666) < 0 || listen(s->fd, 64) < 0)
		return -errno;
	s->io = loop_io_add(s->env.loop, s->fd, ctl_server_accept, s);
	return s->io ? 0 : -ENOMEM;
}

int ctl_server_new(struct ctl_server **out, const char *dir,
		   const struct ctl_server_env *env)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	int err = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->env = *env;
	s->group = (gid_t)-1;
	s->fd = -1;
	if (dir && env->loop)
		err = ctl_server_listen(s, dir);
	if (err < 0) {
		log_err(LOG_SUB_CORE, "control socket %s/%s: %s", dir,
			CTL_SOCKET_NAME, err == -EADDRINUSE ? "another daemon "
			"answers there" : strerror(-err));
		ctl_server_free(s);
		return err;
	}
	if (s->path[0])
		log_info(LOG_SUB_CORE, "control socket: %s", s->path);
	*out = s;
	return 0;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	s->busy++;
	for (struct ctl_client *c = s->clients; c; c = c->next)
		ctl_client_drop(c, NULL);
	s->busy--;
	ctl_server_reap(s);
	if (s->io)
		loop_io_del(s->env.loop, s->io);
	if (s->fd >= 0)
		close(s->fd);
	if (s->path[0])
		unlink(s->path);
	free(s);
}

void ctl_server_set_group(struct ctl_server *s, gid_t gid)
{
	s->group = gid;
}

size_t ctl_server_clients(const struct ctl_server *s)
{
	return s->n_clients;
}
