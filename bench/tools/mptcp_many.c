/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcp_many: holds many MPTCP connections cheaply, for bench/scale.sh and
 * bench/soak.sh (tests/tools/mptcp_conn stops at 1,000 per process and
 * polls every socket).  One epoll loop, non-blocking sockets.
 *
 *   mptcp_many server -a ADDR -p PORT [-n MAX] [-t SECONDS]
 *   mptcp_many client -a ADDR -p PORT -n CONNS [-t SECONDS] [-b BYTES] [-S]
 *   mptcp_many churn  -a ADDR -p PORT -r PER_S -l MIN_S:MAX_S [-t SECONDS]
 *                     [-m MAX_LIVE]
 *   mptcp_many at CMD [ARG...]
 *
 * server: accepts up to MAX connections (default 100000), reads and drops
 * what they send.  client: opens CONNS connections at once, writes BYTES
 * (default 100) on each when it is connected (MPTCP lets subflows join
 * only once data went through), prints "connected=N failed=M
 * elapsed_ms=T" and holds them; -S makes connection 0 stream 100 bytes
 * every 10 ms.  churn: opens PER_S connections a second, each living a
 * uniformly drawn MIN_S..MAX_S seconds.  SIGUSR1 freezes a client or a
 * churn (nothing is opened or closed any more) and prints "frozen live=N";
 * SIGTERM/SIGINT closes everything, prints a summary and exits.
 * at: prints CLOCK_MONOTONIC ("s.ns", the clock of mptcp_events) and
 * execs CMD, so that a script can stamp an action in the events' clock.
 *
 * Plain C, independent of the daemon it measures.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4 */
#endif
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MANY_IPPROTO_MPTCP 262
#define MANY_MAX_CONNS 200000
#define MANY_BACKLOG 65535
#define MANY_STREAM_MS 10
#define MANY_CONNECT_TIMEOUT_MS 30000
#define MANY_SIG_TAG UINT64_MAX
#define MANY_LISTEN_TAG (UINT64_MAX - 1)

enum many_mode { MANY_SERVER, MANY_CLIENT, MANY_CHURN };

struct many_opts {
	enum many_mode mode;
	const char *addr, *port;
	int conns, seconds, bytes, stream, rate, life_min, life_max, max_live;
};

/* One connection slot.  state: 0 free, 1 connecting, 2 connected. */
struct many_conn {
	int fd;
	int state;
	int64_t due_ms;		/* churn: when it closes */
};

struct many {
	struct many_opts o;
	struct addrinfo *ai;
	int ep, sfd;
	struct many_conn *c;
	int nslots, live, connecting, connected, failed, dropped, frozen;
	long long opened, closed;
	int64_t start_ms;
	char buf[65536];
};

static int64_t many_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void many_usage(void)
{
	fprintf(stderr,
		"usage: mptcp_many server -a ADDR -p PORT [-n MAX] [-t SECONDS]\n"
		"       mptcp_many client -a ADDR -p PORT -n CONNS [-t SECONDS] [-b BYTES] [-S]\n"
		"       mptcp_many churn -a ADDR -p PORT -r PER_S -l MIN_S:MAX_S [-t SECONDS]"
		" [-m MAX_LIVE]\n"
		"       mptcp_many at CMD [ARG...]\n");
	exit(2);
}

static int many_num(const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "mptcp_many: bad number '%s' (%d..%d)\n", s, min, max);
		exit(2);
	}
	return (int)v;
}

static void many_life(const char *s, struct many_opts *o)
{
	char min[16];
	const char *colon = strchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(min))
		many_usage();
	memcpy(min, s, (size_t)(colon - s));
	min[colon - s] = '\0';
	o->life_min = many_num(min, 0, 86400);
	o->life_max = many_num(colon + 1, o->life_min, 86400);
}

static void many_parse(int argc, char **argv, struct many_opts *o)
{
	int c;

	*o = (struct many_opts){ .conns = 1, .seconds = 600, .bytes = 100,
				 .life_min = 1, .life_max = 30,
				 .max_live = MANY_MAX_CONNS };
	if (strcmp(argv[1], "server") == 0) {
		o->mode = MANY_SERVER;
		o->conns = 100000;
	} else if (strcmp(argv[1], "client") == 0) {
		o->mode = MANY_CLIENT;
	} else if (strcmp(argv[1], "churn") == 0) {
		o->mode = MANY_CHURN;
	} else {
		many_usage();
	}
	optind = 2;
	while ((c = getopt(argc, argv, "a:p:n:t:b:Sr:l:m:")) != -1) {
		switch (c) {
		case 'a': o->addr = optarg; break;
		case 'p': o->port = optarg; break;
		case 'n': o->conns = many_num(optarg, 1, MANY_MAX_CONNS); break;
		case 't': o->seconds = many_num(optarg, 1, 86400 * 2); break;
		case 'b': o->bytes = many_num(optarg, 1, 65536); break;
		case 'S': o->stream = 1; break;
		case 'r': o->rate = many_num(optarg, 1, 100000); break;
		case 'l': many_life(optarg, o); break;
		case 'm': o->max_live = many_num(optarg, 1, MANY_MAX_CONNS); break;
		default: many_usage();
		}
	}
	if (!o->addr || !o->port || (o->mode == MANY_CHURN && !o->rate))
		many_usage();
}

/* "at": the stamp is printed right before exec, in mptcp_events' clock. */
static int many_at(char **argv)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	fflush(stdout);
	execvp(argv[0], argv);
	perror("mptcp_many: exec");
	return 127;
}

static int many_resolve(struct many *m)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	int err;

	hints.ai_family = strchr(m->o.addr, ':') ? AF_INET6 : AF_INET;
	err = getaddrinfo(m->o.addr, m->o.port, &hints, &m->ai);
	if (err) {
		fprintf(stderr, "mptcp_many: %s port %s: %s\n", m->o.addr, m->o.port,
			gai_strerror(err));
		return -1;
	}
	return 0;
}

static int many_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int many_watch(struct many *m, int fd, uint32_t events, uint64_t tag, int op)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(m->ep, op, fd, &ev);
}

static void many_close(struct many *m, int k)
{
	struct many_conn *c = &m->c[k];

	if (c->state == 0)
		return;
	if (c->state == 1)
		m->connecting--;
	close(c->fd);
	c->fd = -1;
	c->state = 0;
	m->live--;
	m->closed++;
}

static int many_free_slot(struct many *m)
{
	static int hint;
	int i, k;

	for (i = 0; i < m->nslots; i++) {
		k = (hint + i) % m->nslots;
		if (m->c[k].state == 0) {
			hint = k + 1;
			return k;
		}
	}
	return -1;
}

/* Starts one non-blocking connect into a free slot. */
static int many_open(struct many *m, int64_t now)
{
	int k = many_free_slot(m), fd, span;

	if (k < 0)
		return -1;
	fd = socket(m->ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    MANY_IPPROTO_MPTCP);
	if (fd < 0) {
		m->failed++;
		return -1;
	}
	if (connect(fd, m->ai->ai_addr, m->ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		m->failed++;
		close(fd);
		return -1;
	}
	span = m->o.life_max - m->o.life_min;
	m->c[k] = (struct many_conn){ .fd = fd, .state = 1,
		.due_ms = now + (int64_t)m->o.life_min * 1000 +
			  (span > 0 ? rand() % (span * 1000 + 1) : 0) };
	if (many_watch(m, fd, EPOLLOUT, (uint64_t)k, EPOLL_CTL_ADD) < 0) {
		m->failed++;
		close(fd);
		m->c[k].state = 0;
		return -1;
	}
	m->live++;
	m->connecting++;
	m->opened++;
	return k;
}

static void many_connected(struct many *m, int k)
{
	struct many_conn *c = &m->c[k];
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		m->failed++;
		many_close(m, k);
		return;
	}
	c->state = 2;
	m->connecting--;
	m->connected++;
	/* Nothing more to wait for but errors and the peer's close. */
	many_watch(m, c->fd, EPOLLRDHUP, (uint64_t)k, EPOLL_CTL_MOD);
	if (send(c->fd, m->buf, (size_t)m->o.bytes, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
	    errno != EAGAIN)
		m->failed++;
}

static void many_conn_event(struct many *m, int k, uint32_t events)
{
	if (k < 0 || k >= m->nslots || m->c[k].state == 0)
		return;
	if (m->c[k].state == 1) {
		many_connected(m, k);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
		m->dropped++;
		many_close(m, k);
	}
}

static void many_server_accept(struct many *m, int lfd)
{
	int fd, k, n;

	for (n = 0; n < 256; n++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		k = many_free_slot(m);
		if (k < 0 || many_watch(m, fd, EPOLLIN | EPOLLRDHUP, (uint64_t)k,
					EPOLL_CTL_ADD) < 0) {
			close(fd);
			continue;
		}
		m->c[k] = (struct many_conn){ .fd = fd, .state = 2 };
		m->live++;
		m->opened++;
	}
}

static void many_server_read(struct many *m, int k)
{
	ssize_t n;
	int i;

	if (k < 0 || k >= m->nslots || m->c[k].state == 0)
		return;
	for (i = 0; i < 16; i++) {
		n = read(m->c[k].fd, m->buf, sizeof(m->buf));
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		many_close(m, k);
		return;
	}
}

/* 1: stop the loop. */
static int many_signal(struct many *m)
{
	struct signalfd_siginfo si;

	while (read(m->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGUSR1)
			return 1;
		m->frozen = 1;
		printf("frozen live=%d connected=%d failed=%d dropped=%d\n", m->live,
		       m->connected, m->failed, m->dropped);
	}
	return 0;
}

static void many_client_report(struct many *m, int64_t now)
{
	printf("connected=%d failed=%d elapsed_ms=%lld\n", m->connected, m->failed,
	       (long long)(now - m->start_ms));
}

/* Churn: open what is due at this time, close what expired. */
static void many_churn_tick(struct many *m, int64_t now, long long *due_opens)
{
	long long want = (now - m->start_ms) * m->o.rate / 1000;
	int k;

	while (*due_opens < want) {
		(*due_opens)++;
		if (m->live < m->o.max_live)
			many_open(m, now);
	}
	for (k = 0; k < m->nslots; k++)
		if (m->c[k].state == 2 && m->c[k].due_ms <= now)
			many_close(m, k);
}

static int many_run(struct many *m)
{
	struct epoll_event evs[512];
	int64_t end = m->start_ms + (int64_t)m->o.seconds * 1000, now, next_stream;
	long long due_opens = 0;
	int reported = 0, i, n, lfd = -1, one = 1;

	if (m->o.mode == MANY_SERVER) {
		lfd = socket(m->ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			     MANY_IPPROTO_MPTCP);
		if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(lfd, m->ai->ai_addr, m->ai->ai_addrlen) < 0 ||
		    listen(lfd, MANY_BACKLOG) < 0 ||
		    many_watch(m, lfd, EPOLLIN, MANY_LISTEN_TAG, EPOLL_CTL_ADD) < 0) {
			perror("mptcp_many: listen");
			return 1;
		}
		printf("listening %s %s\n", m->o.addr, m->o.port);
	} else if (m->o.mode == MANY_CLIENT) {
		for (i = 0; i < m->o.conns; i++)
			many_open(m, m->start_ms);
	}
	next_stream = m->start_ms;
	while ((now = many_now_ms()) < end) {
		int timeout = (int)(end - now);

		if (m->o.mode == MANY_CHURN || m->o.stream || m->connecting)
			timeout = timeout < MANY_STREAM_MS ? timeout : MANY_STREAM_MS;
		n = epoll_wait(m->ep, evs, 512, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == MANY_SIG_TAG) {
				if (many_signal(m))
					goto out;
			} else if (tag == MANY_LISTEN_TAG) {
				many_server_accept(m, lfd);
			} else if (m->o.mode == MANY_SERVER) {
				many_server_read(m, (int)tag);
			} else {
				many_conn_event(m, (int)tag, evs[i].events);
			}
		}
		now = many_now_ms();
		if (m->o.mode == MANY_CLIENT && !reported &&
		    (m->connecting == 0 || now - m->start_ms > MANY_CONNECT_TIMEOUT_MS)) {
			many_client_report(m, now);
			reported = 1;
		}
		if (m->o.mode == MANY_CHURN && !m->frozen)
			many_churn_tick(m, now, &due_opens);
		if (m->o.stream && now >= next_stream && m->c[0].state == 2) {
			send(m->c[0].fd, m->buf, 100, MSG_NOSIGNAL | MSG_DONTWAIT);
			next_stream = now + MANY_STREAM_MS;
		}
	}
out:
	if (lfd >= 0)
		close(lfd);
	printf("end live=%d opened=%lld closed=%lld connected=%d failed=%d dropped=%d\n",
	       m->live, m->opened, m->closed, m->connected, m->failed, m->dropped);
	for (i = 0; i < m->nslots; i++)
		many_close(m, i);
	return 0;
}

int main(int argc, char **argv)
{
	static struct many m;
	int rc;

	if (argc < 2)
		many_usage();
	if (strcmp(argv[1], "at") == 0)
		return argc < 3 ? (many_usage(), 2) : many_at(argv + 2);
	many_parse(argc, argv, &m.o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)getpid());
	memset(m.buf, 'm', sizeof(m.buf));
	m.nslots = m.o.mode == MANY_CHURN ? m.o.max_live : m.o.conns;
	if (m.o.mode == MANY_CHURN && m.nslots > m.o.rate * (m.o.life_max + 2))
		m.nslots = m.o.rate * (m.o.life_max + 2);
	m.c = calloc((size_t)m.nslots, sizeof(*m.c));
	m.ep = epoll_create1(EPOLL_CLOEXEC);
	m.sfd = many_signalfd();
	if (!m.c || m.ep < 0 || m.sfd < 0 || many_resolve(&m) < 0) {
		perror("mptcp_many");
		return 1;
	}
	many_watch(&m, m.sfd, EPOLLIN, MANY_SIG_TAG, EPOLL_CTL_ADD);
	m.start_ms = many_now_ms();
	rc = many_run(&m);
	freeaddrinfo(m.ai);
	free(m.c);
	return rc;
}
