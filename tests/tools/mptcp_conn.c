/* mptcp_conn: a small real-MPTCP traffic tool for the namespace tests.
 *
 *   mptcp_conn server -a ADDR -p PORT [-t MAX_SECONDS]
 *   mptcp_conn client -a ADDR -p PORT [-n CONNS] [-d SECONDS]
 *                     [-i INTERVAL_MS] [-s BYTES] [-w SUBFLOWS -W TIMEOUT_S]
 *
 * Plain C on purpose: it must not depend on the daemon it tests.  The
 * "subflows=" it prints is the TOTAL number of subflows of a connection,
 * initial one included: mptcpi_subflows only counts the extra subflows
 * (the uapi header aliases it as mptcpi_extra_subflows), so we add one, or
 * use mptcpi_subflows_total (6.8+) when the kernel fills it in, which is
 * right even after the initial subflow has been closed.  Both count a
 * join still in SYN_SENT, so "established=" (from MPTCP_TCPINFO's per-subflow
 * tcpi_state) is printed too, and -w waits for ESTABLISHED subflows.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_IPPROTO_MPTCP 262
#define CONN_SOL_MPTCP 284
#define CONN_MPTCP_INFO 1
#define CONN_MPTCP_TCPINFO 2
#define CONN_TCP_ESTABLISHED 1
#define CONN_MAX 1000
#define CONN_CONNECT_TIMEOUT_MS 10000

/* Our own copy of the append-only struct mptcp_info, up to the fields we
 * read: Debian's header predates mptcpi_subflows_total. */
struct conn_mptcp_info {
	uint8_t subflows;	/* extra subflows, initial one NOT counted */
	uint8_t add_addr_signal, add_addr_accepted, subflows_max;
	uint8_t add_addr_signal_max, add_addr_accepted_max;
	uint32_t flags, token;
	uint64_t write_seq, snd_una, rcv_nxt;
	uint8_t local_addr_used, local_addr_max, csum_enabled;
	uint32_t retransmits;
	uint64_t bytes_retrans, bytes_sent, bytes_received, bytes_acked;
	uint8_t subflows_total;	/* 6.8+: initial (if still open) + extra */
	uint8_t pad[15];
};

/* MPTCP_TCPINFO reply: this header, then one (truncated) struct tcp_info
 * per subflow.  We only ask for the first bytes: tcpi_state is byte 0. */
struct conn_subflow_data {
	uint32_t size_subflow_data, num_subflows, size_kernel, size_user;
} __attribute__((aligned(8)));

struct conn_opts {
	const char *addr;
	const char *port;
	int is_server;
	int conns, duration_s, interval_ms, bytes, wait_subflows, wait_s;
	int max_s;
};

struct conn_peer {
	int fd;
	int failed;
	uint64_t bytes;
};

static int64_t conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_usage(void)
{
	fprintf(stderr,
		"usage: mptcp_conn server -a ADDR -p PORT [-t MAX_SECONDS]\n"
		"       mptcp_conn client -a ADDR -p PORT [-n CONNS] [-d SECONDS]"
		" [-i INTERVAL_MS] [-s BYTES] [-w SUBFLOWS -W TIMEOUT_S]\n");
	exit(2);
}

static int conn_num(const char *s, int min, int max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "mptcp_conn: bad number '%s' (%d..%d)\n", s, min, max);
		exit(2);
	}
	return (int)v;
}

static void conn_parse(int argc, char **argv, struct conn_opts *o)
{
	int c;

	*o = (struct conn_opts){ .conns = 1, .duration_s = 5, .interval_ms = 100,
				 .bytes = 1000, .wait_s = 10, .max_s = 600 };
	if (argc < 2)
		conn_usage();
	o->is_server = strcmp(argv[1], "server") == 0;
	if (!o->is_server && strcmp(argv[1], "client") != 0)
		conn_usage();
	optind = 2;
	while ((c = getopt(argc, argv, "a:p:t:n:d:i:s:w:W:")) != -1) {
		switch (c) {
		case 'a': o->addr = optarg; break;
		case 'p': o->port = optarg; break;
		case 't': o->max_s = conn_num(optarg, 1, 86400); break;
		case 'n': o->conns = conn_num(optarg, 1, CONN_MAX); break;
		case 'd': o->duration_s = conn_num(optarg, 0, 86400); break;
		case 'i': o->interval_ms = conn_num(optarg, 1, 60000); break;
		case 's': o->bytes = conn_num(optarg, 1, 1 << 20); break;
		case 'w': o->wait_subflows = conn_num(optarg, 1, 64); break;
		case 'W': o->wait_s = conn_num(optarg, 1, 3600); break;
		default: conn_usage();
		}
	}
	if (!o->addr || !o->port)
		conn_usage();
}

/* Resolve numerically only: the tests never use names. */
static int conn_resolve(const struct conn_opts *o, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	int err;

	hints.ai_family = strchr(o->addr, ':') ? AF_INET6 : AF_INET;
	err = getaddrinfo(o->addr, o->port, &hints, res);
	if (err) {
		fprintf(stderr, "mptcp_conn: %s port %s: %s\n", o->addr, o->port,
			gai_strerror(err));
		return -EINVAL;
	}
	return 0;
}

static int conn_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			CONN_IPPROTO_MPTCP);

	if (fd < 0)
		perror("mptcp_conn: socket(IPPROTO_MPTCP)");
	return fd;
}

/* Blocks SIGTERM/SIGINT and returns a signalfd for them, so the poll loops
 * see signals as ordinary events (no handler, no global flag). */
static int conn_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int conn_listen(const struct conn_opts *o)
{
	struct addrinfo *ai;
	int fd, one = 1;

	if (conn_resolve(o, &ai) < 0)
		return -1;
	fd = conn_socket(ai->ai_family);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
			perror("mptcp_conn: bind/listen");
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

static void conn_server_accept(int lfd, struct pollfd *pfd, struct conn_peer *peer,
			       int *npeer)
{
	int fd, k;

	for (k = 0; k < 64; k++) {
		int slot = 0;

		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* Reuse the slot of a closed connection: a long-lived server
		 * sees far more than CONN_MAX connections in its life. */
		while (slot < *npeer && peer[slot].fd >= 0)
			slot++;
		if (slot >= CONN_MAX) {
			close(fd);
			continue;
		}
		peer[slot] = (struct conn_peer){ .fd = fd };
		pfd[slot + 2] = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (slot == *npeer)
			(*npeer)++;
	}
}

static void conn_server_read(struct pollfd *pfd, struct conn_peer *peer, int k)
{
	char buf[65536];
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		n = read(peer[k].fd, buf, sizeof(buf));
		if (n > 0) {
			peer[k].bytes += (uint64_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		printf("conn=%d received=%llu%s\n", k, (unsigned long long)peer[k].bytes,
		       n < 0 ? " error" : "");
		fflush(stdout);
		close(peer[k].fd);
		peer[k].fd = -1;
		pfd[k + 2].fd = -1;
		return;
	}
}

static int conn_server(const struct conn_opts *o)
{
	static struct pollfd pfd[CONN_MAX + 2];
	static struct conn_peer peer[CONN_MAX];
	int64_t deadline = conn_now_ms() + (int64_t)o->max_s * 1000;
	int npeer = 0, k, left;

	pfd[0] = (struct pollfd){ .fd = conn_signalfd(), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = conn_listen(o), .events = POLLIN };
	if (pfd[0].fd < 0 || pfd[1].fd < 0)
		return 1;
	printf("listening %s %s\n", o->addr, o->port);
	fflush(stdout);
	while ((left = (int)(deadline - conn_now_ms())) > 0) {
		if (poll(pfd, (nfds_t)npeer + 2, left) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			conn_server_accept(pfd[1].fd, pfd, peer, &npeer);
		for (k = 0; k < npeer; k++)
			if (pfd[k + 2].fd >= 0 && pfd[k + 2].revents)
				conn_server_read(pfd, peer, k);
	}
	printf("server conns=%d\n", npeer);
	return 0;
}

/* Starts every connect() at once, then waits (bounded) for all of them. */
static int conn_client_connect(const struct conn_opts *o, struct conn_peer *peer)
{
	static struct pollfd pfd[CONN_MAX];
	int64_t deadline = conn_now_ms() + CONN_CONNECT_TIMEOUT_MS;
	struct addrinfo *ai;
	int k, pending = 0, err, left;
	socklen_t len;

	if (conn_resolve(o, &ai) < 0)
		return -1;
	for (k = 0; k < o->conns; k++) {
		peer[k] = (struct conn_peer){ .fd = conn_socket(ai->ai_family) };
		pfd[k] = (struct pollfd){ .fd = peer[k].fd, .events = POLLOUT };
		if (peer[k].fd < 0 || (connect(peer[k].fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
				       errno != EINPROGRESS)) {
			perror("mptcp_conn: connect");
			peer[k].failed = 1;
			pfd[k].fd = -1;
			continue;
		}
		pending++;
	}
	freeaddrinfo(ai);
	while (pending > 0 && (left = (int)(deadline - conn_now_ms())) > 0) {
		if (poll(pfd, (nfds_t)o->conns, left) <= 0)
			continue;
		for (k = 0; k < o->conns; k++) {
			if (pfd[k].fd < 0 || !pfd[k].revents)
				continue;
			err = 0;
			len = sizeof(err);
			getsockopt(peer[k].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				fprintf(stderr, "mptcp_conn: conn=%d connect: %s\n", k, strerror(err));
				peer[k].failed = 1;
			}
			pfd[k].fd = -1;
			pending--;
		}
	}
	for (k = 0; k < o->conns; k++)
		if (pfd[k].fd >= 0) {
			fprintf(stderr, "mptcp_conn: conn=%d connect timed out\n", k);
			peer[k].failed = 1;
		}
	return 0;
}

/* One write round.  A full send buffer (EAGAIN) only means we wrote less;
 * any other error (EPIPE, ECONNRESET, ...) marks the connection failed. */
static void conn_client_write(const struct conn_opts *o, struct conn_peer *peer,
			      const char *buf)
{
	ssize_t n;
	int k;

	for (k = 0; k < o->conns; k++) {
		if (peer[k].failed)
			continue;
		n = send(peer[k].fd, buf, (size_t)o->bytes, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			peer[k].bytes += (uint64_t)n;
		} else if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "mptcp_conn: conn=%d write: %s\n", k, strerror(errno));
			peer[k].failed = 1;
		}
	}
}

/* Total subflows (initial included) as the kernel reports them, or -1. */
static int conn_subflows(int fd)
{
	struct conn_mptcp_info info;
	socklen_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, CONN_SOL_MPTCP, CONN_MPTCP_INFO, &info, &len) < 0)
		return -1;
	if (len > offsetof(struct conn_mptcp_info, subflows_total) && info.subflows_total)
		return info.subflows_total;
	return info.subflows + 1;
}

/* Subflows whose TCP state is ESTABLISHED: mptcpi_subflows already counts
 * a join whose SYN is still unanswered.  -1 if the kernel cannot tell. */
static int conn_established(int fd)
{
	struct {
		struct conn_subflow_data hdr;
		uint8_t info[64][8];
	} buf;
	socklen_t len = sizeof(buf);
	uint32_t k;
	int n = 0;

	memset(&buf, 0, sizeof(buf));
	buf.hdr.size_subflow_data = sizeof(buf.hdr);
	buf.hdr.size_user = sizeof(buf.info[0]);
	if (getsockopt(fd, CONN_SOL_MPTCP, CONN_MPTCP_TCPINFO, &buf, &len) < 0)
		return -1;
	for (k = 0; k < buf.hdr.num_subflows && k < 64; k++)
		n += buf.info[k][0] == CONN_TCP_ESTABLISHED;
	return n;
}

/* Sleeps until @until_ms; returns 1 if SIGTERM/SIGINT arrived. */
static int conn_sleep_until(int sfd, int64_t until_ms)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	int left = (int)(until_ms - conn_now_ms());

	if (left <= 0)
		return 0;
	return poll(&p, 1, left) > 0;
}

static void conn_client_wait_subflows(const struct conn_opts *o, struct conn_peer *peer,
				      int sfd)
{
	int64_t start = conn_now_ms(), deadline = start + (int64_t)o->wait_s * 1000;
	int k, ready = 0, rounds;

	for (rounds = 0; rounds < o->wait_s * 100 + 1; rounds++) {
		ready = 0;
		for (k = 0; k < o->conns; k++)
			if (!peer[k].failed && conn_established(peer[k].fd) >= o->wait_subflows)
				ready++;
		if (ready == o->conns || conn_now_ms() >= deadline)
			break;
		if (conn_sleep_until(sfd, conn_now_ms() + 10))
			break;
	}
	printf("subflows_ready=%d/%d elapsed_ms=%lld\n", ready, o->conns,
	       (long long)(conn_now_ms() - start));
	fflush(stdout);
}

/* A reset that arrived after our last write still counts as a failure. */
static int conn_client_report(const struct conn_opts *o, struct conn_peer *peer)
{
	int k, err, errors = 0, ok = 0;
	socklen_t len;

	for (k = 0; k < o->conns; k++) {
		err = 0;
		len = sizeof(err);
		if (!peer[k].failed && peer[k].fd >= 0 &&
		    getsockopt(peer[k].fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err) {
			fprintf(stderr, "mptcp_conn: conn=%d: %s\n", k, strerror(err));
			peer[k].failed = 1;
		}
		printf("conn=%d sent=%llu subflows=%d established=%d%s\n", k,
		       (unsigned long long)peer[k].bytes,
		       peer[k].fd >= 0 ? conn_subflows(peer[k].fd) : 0,
		       peer[k].fd >= 0 ? conn_established(peer[k].fd) : 0,
		       peer[k].failed ? " error" : "");
		errors += peer[k].failed;
		ok += !peer[k].failed;
		if (peer[k].fd >= 0) {
			shutdown(peer[k].fd, SHUT_WR);
			close(peer[k].fd);
		}
	}
	printf("ok conns=%d errors=%d\n", ok, errors);
	return errors ? 1 : 0;
}

static int conn_client(const struct conn_opts *o)
{
	static struct conn_peer peer[CONN_MAX];
	static char buf[1 << 20];
	int64_t next, end;
	int sfd = conn_signalfd();

	memset(buf, 'm', (size_t)o->bytes);
	if (sfd < 0 || conn_client_connect(o, peer) < 0)
		return 1;
	/* MPTCP is only fully established (and subflows allowed) after data. */
	conn_client_write(o, peer, buf);
	if (o->wait_subflows)
		conn_client_wait_subflows(o, peer, sfd);
	next = conn_now_ms();
	end = next + (int64_t)o->duration_s * 1000;
	while (next < end) {
		next += o->interval_ms;
		if (conn_sleep_until(sfd, next))
			break;
		conn_client_write(o, peer, buf);
	}
	return conn_client_report(o, peer);
}

int main(int argc, char **argv)
{
	struct conn_opts o;

	conn_parse(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o.is_server ? conn_server(&o) : conn_client(&o);
}
