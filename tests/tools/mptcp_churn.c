/* mptcp_churn: what a local user can do to the path manager with MPTCP
 * sockets alone: open and close connections as fast as one core allows,
 * for the loopback-storm benchmark and the local-connection test.
 *
 *   mptcp_churn -a ADDR -p PORT [-d SECONDS] [-n MAX_CONNS] [-r PER_SECOND]
 *
 * Listens on ADDR:PORT (IPPROTO_MPTCP) and connects to it again and again
 * from the same process; every connection is accepted, then both ends are
 * closed with an RST (SO_LINGER 0), so no TIME_WAIT fills the port range.
 * -r holds the pace at PER_SECOND connections (default: as fast as it
 * goes).  Stops after SECONDS (default 5) or MAX_CONNS connections,
 * whichever comes first, and prints one line:
 *   churn: CONNS connections in SECS s (RATE/s), ERRORS errors
 * Plain C, no daemon code: it plays the user, not the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHURN_IPPROTO_MPTCP 262

struct churn_opts {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	double seconds;
	long max_conns;
	double rate;		/* connections per second; 0 = no limit */
};

static double churn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int churn_parse_addr(const char *text, int port, struct churn_opts *o)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->addr;

	memset(&o->addr, 0, sizeof(o->addr));
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		o->addr_len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		o->addr_len = sizeof(*v6);
		return 0;
	}
	return -1;
}

static int churn_args(int argc, char **argv, struct churn_opts *o)
{
	const char *addr = NULL;
	int port = 0, c;

	o->seconds = 5;
	o->max_conns = 0;
	o->rate = 0;
	while ((c = getopt(argc, argv, "a:p:d:n:r:")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'd': o->seconds = atof(optarg); break;
		case 'n': o->max_conns = atol(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		default: return -1;
		}
	}
	if (!addr || port <= 0 || port > 65535 || o->seconds <= 0 ||
	    o->seconds > 600 || o->rate < 0)
		return -1;
	return churn_parse_addr(addr, port, o);
}

/* An RST instead of a FIN: no TIME_WAIT left behind. */
static void churn_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static int churn_listen(const struct churn_opts *o)
{
	int one = 1;
	int fd = socket(o->addr.ss_family, SOCK_STREAM, CHURN_IPPROTO_MPTCP);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&o->addr, o->addr_len) < 0 ||
	    listen(fd, 1024) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection: connect (the loopback handshake completes inside the
 * call), accept its other end, close both.  0 or -1. */
static int churn_one(int lfd, const struct churn_opts *o)
{
	int cfd = socket(o->addr.ss_family, SOCK_STREAM, CHURN_IPPROTO_MPTCP);
	int afd;

	if (cfd < 0)
		return -1;
	if (connect(cfd, (const struct sockaddr *)&o->addr, o->addr_len) < 0) {
		close(cfd);
		return -1;
	}
	afd = accept(lfd, NULL, NULL);
	churn_close(cfd);
	if (afd < 0)
		return -1;
	churn_close(afd);
	return 0;
}

/* Ahead of the pace: sleep until the schedule catches up. */
static void churn_pace(const struct churn_opts *o, long conns, double start)
{
	double due, ahead;
	struct timespec ts;

	if (o->rate <= 0)
		return;
	due = start + (double)conns / o->rate;
	ahead = due - churn_now();
	if (ahead <= 0)
		return;
	ts.tv_sec = (time_t)ahead;
	ts.tv_nsec = (long)((ahead - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	struct churn_opts o;
	long conns = 0, errors = 0;
	double start, elapsed;
	int lfd;

	if (churn_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: mptcp_churn -a ADDR -p PORT [-d SECONDS] "
			"[-n MAX_CONNS] [-r PER_SECOND]\n");
		return 2;
	}
	lfd = churn_listen(&o);
	if (lfd < 0) {
		fprintf(stderr, "mptcp_churn: listen: %s\n", strerror(errno));
		return 1;
	}
	start = churn_now();
	do {
		if (churn_one(lfd, &o) < 0 && ++errors > 1000) {
			fprintf(stderr, "mptcp_churn: %s\n", strerror(errno));
			break;
		}
		conns++;
		churn_pace(&o, conns, start);
	} while ((!o.max_conns || conns < o.max_conns) &&
		 churn_now() - start < o.seconds);
	elapsed = churn_now() - start;
	printf("churn: %ld connections in %.2f s (%.0f/s), %ld errors\n",
	       conns - errors, elapsed, (double)(conns - errors) / elapsed, errors);
	close(lfd);
	return errors > 1000 ? 1 : 0;
}
