/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: listening, accepting clients into the slots their
 * rank may take, credentials, the event stream, and running one request
 * line (validated by ctl_json_parse_request() before ctl_handlers.c runs
 * it).  Each client's own life (buffers, framing, flow control, idleness)
 * is ctl_client.c's.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "iface.h"
#include "log.h"
#include "loop.h"

/* At most one "no free slot" warning per minute: refusals are cheap to
 * provoke, the log should not be. */
#define CTL_REFUSED_LOG_MS (60 * 1000)

/* ---- Requests ---------------------------------------------------------- */

const char *ctl_server_ifname(void *arg, int ifindex)
{
	struct ctl_server *s = arg;
	const char *name = iface_name(s->env.ifaces, ifindex);

	return strcmp(name, "?") == 0 ? NULL : name;
}

struct json_object *ctl_server_answer_peer(struct ctl_server *s,
						  const char *line, size_t len,
						  const struct ctl_peer *peer,
						  struct ctl_reply *reply)
{
	const struct ucred *cred = peer->cred;
	struct ctl_request req;
	const char *code = CTL_ERR_BAD_REQUEST;
	char msg[256], esc[4 * sizeof(msg)];

	reply->subscribe = false;
	reply->list.tokens = NULL;
	reply->job = NULL;
	if (ctl_json_parse_request(line, len, &req, &code, msg, sizeof(msg)) < 0) {
		/* The message quotes the request: the client's bytes. */
		ctl_escape(esc, sizeof(esc), msg);
		log_debug(LOG_SUB_CORE, "control: pid %d: refused request: %s",
			  (int)cred->pid, esc);
		return ctl_json_error(req.has_id, req.id, code, msg);
	}
	log_debug(LOG_SUB_CORE, "control: pid %d uid %u: %s", (int)cred->pid,
		  (unsigned int)cred->uid, ctl_json_cmd_name(req.cmd));
	return ctl_handlers_dispatch(s, &req, peer, reply);
}

struct json_object *ctl_server_answer(struct ctl_server *s, const char *line,
				      size_t len, const struct ucred *cred,
				      bool *subscribe)
{
	const struct ctl_peer peer = { .cred = cred };
	struct ctl_reply reply = { .may_list = false };	/* all in one go */
	struct json_object *answer = ctl_server_answer_peer(s, line, len, &peer,
							    &reply);

	*subscribe = reply.subscribe;
	return answer;
}

enum ctl_peer_rank ctl_server_peer_rank(const struct ctl_server *s,
					const struct ctl_peer *peer)
{
	if (peer->cred->uid == 0)
		return CTL_PEER_ROOT;
	if (s->group == (gid_t)-1)
		return CTL_PEER_OTHER;
	if (peer->cred->gid == s->group)
		return CTL_PEER_GROUP;
	for (size_t i = 0; i < peer->n_groups; i++)
		if (peer->groups[i] == s->group)
			return CTL_PEER_GROUP;
	return CTL_PEER_OTHER;
}

/* ---- Accepting --------------------------------------------------------- */

/* The peer's supplementary groups as they were at connect(), like
 * SO_PEERCRED (Linux 4.13+).  The kernel says how much room it needs when
 * the buffer is too small (ERANGE); that size does not change, so one
 * retry is enough: the bound is only a guard.  *groups is the caller's to
 * free, also on failure. */
#ifdef SO_PEERGROUPS
static int ctl_server_get_groups(int fd, gid_t **groups, size_t *n)
{
	socklen_t cap = 16 * sizeof(gid_t);

	for (int tries = 0; tries < 3; tries++) {
		gid_t *v = realloc(*groups, cap);
		socklen_t len = cap;

		if (!v)
			return -ENOMEM;
		*groups = v;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) == 0) {
			*n = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE || len <= cap)
			return -errno;
		cap = len;
	}
	return -ERANGE;
}
#else
static int ctl_server_get_groups(int fd, gid_t **groups, size_t *n)
{
	(void)fd;
	(void)groups;
	(void)n;
	return -ENOPROTOOPT;
}
#endif

/* Without the list a member whose control group is supplementary can
 * still read, just not change anything: worth a warning, not a refusal. */
static void ctl_server_groups(int fd, const struct ucred *cred, gid_t **groups,
			      size_t *n)
{
	int err = ctl_server_get_groups(fd, groups, n);

	if (err == -ENOPROTOOPT)
		log_debug(LOG_SUB_CORE, "control: SO_PEERGROUPS is not supported "
			  "(Linux < 4.13): only a client's primary group counts");
	else if (err < 0)
		log_warn(LOG_SUB_CORE, "control: pid %d: cannot read its groups "
			 "(%s): only its primary group counts", (int)cred->pid,
			 strerror(-err));
	if (err < 0)
		*n = 0;
}

static size_t ctl_server_slots(enum ctl_peer_rank rank)
{
	switch (rank) {
	case CTL_PEER_OTHER:
		return CTL_SERVER_CLIENTS_MAX - CTL_SERVER_RESERVED;
	case CTL_PEER_GROUP:
		return CTL_SERVER_CLIENTS_MAX - CTL_SERVER_RESERVED_ROOT;
	case CTL_PEER_ROOT:
		break;
	}
	return CTL_SERVER_CLIENTS_MAX;
}

/* One error line (the socket's buffer is empty: it fits), then close. */
static void ctl_server_refuse(struct ctl_server *s, int fd,
			      const struct ctl_peer *peer)
{
	uint64_t now = loop_now_ms(s->env.loop);
	struct json_object *e;
	char msg[160];
	size_t len;

	snprintf(msg, sizeof(msg), "mptcpd has %zu control clients, all the slots "
		 "open to uid %u; try again later", s->n_clients,
		 (unsigned int)peer->cred->uid);
	e = ctl_json_error(false, 0, CTL_ERR_BUSY, msg);
	if (e) {
		const char *text = json_object_to_json_string_length(e,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		char line[256];

		if ((size_t)snprintf(line, sizeof(line), "%s\n", text) < sizeof(line) &&
		    send(fd, line, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug(LOG_SUB_CORE, "control: refusal: %s", strerror(errno));
		json_object_put(e);
	}
	close(fd);
	if (s->refused_logged_ms && now - s->refused_logged_ms < CTL_REFUSED_LOG_MS)
		return;
	s->refused_logged_ms = now;
	log_warn(LOG_SUB_CORE, "control: %zu clients already: refusing pid %d uid "
		 "%u (the last %d of %d slots are kept for root and the control "
		 "group); not logged again for a minute", s->n_clients,
		 (int)peer->cred->pid, (unsigned int)peer->cred->uid,
		 CTL_SERVER_RESERVED, CTL_SERVER_CLIENTS_MAX);
}

int ctl_server_add_peer(struct ctl_server *s, int fd,
			const struct ctl_peer *peer)
{
	enum ctl_peer_rank rank = ctl_server_peer_rank(s, peer);

	if (s->n_clients >= ctl_server_slots(rank)) {
		ctl_server_refuse(s, fd, peer);
		return -EUSERS;
	}
	return ctl_client_new(s, fd, peer);
}

static void ctl_server_take(struct ctl_server *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ctl_peer peer = { .cred = &cred };
	gid_t *groups = NULL;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn(LOG_SUB_CORE, "control: cannot take a client: %s",
			 strerror(errno));
		close(fd);
		return;
	}
	ctl_server_groups(fd, &cred, &groups, &peer.n_groups);
	peer.groups = groups;
	ctl_server_add_peer(s, fd, &peer);
	free(groups);
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
		ctl_server_take(s, fd);
	}
}

/* ---- Events ------------------------------------------------------------ */

/* When it happened, for reading a stream after the fact: the wall clock
 * (UTC, to the millisecond) and the monotonic one the daemon's timers
 * use, so that two events' distance is exact across clock steps. */
static void ctl_server_stamp(const struct ctl_server *s, struct json_object *ev)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	if (!ev || clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
	    !gmtime_r(&ts.tv_sec, &tm))
		return;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);
	json_object_object_add(ev, "time", json_object_new_string(buf));
	if (s->env.now_ms)
		json_object_object_add(ev, "mono_ms", json_object_new_int64(
				       (int64_t)s->env.now_ms(s->env.arg)));
}

static void ctl_server_broadcast(struct ctl_server *s, struct json_object *ev)
{
	struct json_object *line;
	const char *text;
	size_t len;

	ctl_server_stamp(s, ev);
	line = ctl_json_event_line(ev);
	if (!line)
		return;
	text = json_object_to_json_string_length(line, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	ctl_client_broadcast(s, text, len);
	json_object_put(line);
}

void ctl_server_publish_event(struct ctl_server *s,
			      const struct mptcpd_event *ev)
{
	if (s && s->n_monitors)
		ctl_server_broadcast(s, ctl_json_event(ev, ctl_server_ifname, s));
}

void ctl_server_publish_action(struct ctl_server *s,
			       const struct mptcpd_action *a, const char *cause,
			       const char *reason)
{
	struct json_object *o;

	if (!s || !s->n_monitors)
		return;
	o = ctl_json_action(a, ctl_server_ifname, s);
	if (o && cause)
		json_object_object_add(o, "cause", json_object_new_string(cause));
	if (o && reason)
		json_object_object_add(o, "reason", json_object_new_string(reason));
	ctl_server_broadcast(s, o);
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
	s->idle_ms = CTL_SERVER_IDLE_MS;
	ctl_ring_init(&s->idle);
	ctl_ring_init(&s->backlog);
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
	ctl_client_drop_all(s);
	loop_timer_del(s->env.loop, s->idle_timer);
	loop_timer_del(s->env.loop, s->backlog_timer);
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
