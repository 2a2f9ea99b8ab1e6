/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcp_events [-t SECONDS] [-v]: print the kernel's MPTCP path-manager
 * events, one line each, for tests and the benchmark:
 *
 *   <monotonic s.ns> <event> token=<hex> [saddr=IP] [sport=N] [daddr=IP]
 *   [dport=N] [loc_id=N] [rem_id=N] [backup=0|1] [error=N]
 *   [server_side=0|1] [flags=N]
 *
 * <event> is the control protocol's word for it (ctl_words_event:
 * "established", "subflow-established"...).
 *
 * "ready" goes to stderr once subscribed.  Exits after SECONDS (default
 * 60), or on SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "genl.h"
#include "log.h"

#define EVENTS_DEFAULT_SECONDS	60
#define EVENTS_MAX_SECONDS	86400

static int64_t events_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void events_put_ip(const char *key, const struct mptcpd_addr *a)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, &a->u, ip, sizeof(ip)))
		printf(" %s=%s", key, ip);
}

static void events_put_addr(const struct mptcpd_event *ev, unsigned int bit,
			    const struct mptcpd_addr *a, const char *ipkey,
			    const char *portkey)
{
	if (ev->fields & bit)
		events_put_ip(ipkey, a);
	if (a->port)
		printf(" %s=%u", portkey, a->port);
}

static void events_print(void *arg, const struct mptcpd_event *ev)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld.%09ld %s token=%08x", (long long)ts.tv_sec, ts.tv_nsec,
	       ctl_value_to_word(ctl_words_event, ev->type, "unknown"),
	       ev->token);
	events_put_addr(ev, MPTCPD_FIELD_LOCAL, &ev->local, "saddr", "sport");
	events_put_addr(ev, MPTCPD_FIELD_REMOTE, &ev->remote, "daddr",
			"dport");
	if (ev->fields & MPTCPD_FIELD_LOCAL_ID)
		printf(" loc_id=%u", ev->local_id);
	if (ev->fields & MPTCPD_FIELD_REMOTE_ID)
		printf(" rem_id=%u", ev->remote_id);
	if (ev->fields & MPTCPD_FIELD_BACKUP)
		printf(" backup=%d", ev->backup);
	if (ev->fields & MPTCPD_FIELD_ERROR)
		printf(" error=%u", ev->error);
	if (ev->fields & MPTCPD_FIELD_SERVER_SIDE)
		printf(" server_side=%d", ev->server_side);
	if (ev->fields & MPTCPD_FIELD_FLAGS)
		printf(" flags=%u", ev->flags);
	printf("\n");
	fflush(stdout);
}

static void events_overflow(void *arg)
{
	fprintf(stderr, "mptcp_events: events lost (ENOBUFS)\n");
}

static int events_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* 0 on timeout or signal, -errno on poll failure. */
static int events_run(struct genl *p, int sfd, int seconds)
{
	int64_t end = events_now_ms() + (int64_t)seconds * 1000;
	struct pollfd fds[2] = {
		{ .fd = genl_event_fd(p), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	int64_t left;

	while ((left = end - events_now_ms()) > 0) {
		int n = poll(fds, 2, (int)left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (fds[1].revents)
			return 0;
		if (fds[0].revents)
			genl_event_readable(p);
	}
	return 0;
}

static void events_usage(FILE *out)
{
	fprintf(out, "usage: mptcp_events [-t SECONDS] [-v]\n"
		"  -t SECONDS  run time, 1..%d (default %d)\n"
		"  -v          debug logging on stderr\n",
		EVENTS_MAX_SECONDS, EVENTS_DEFAULT_SECONDS);
}

int main(int argc, char **argv)
{
	const struct genl_callbacks cb = {
		.event = events_print,
		.overflow = events_overflow,
	};
	int seconds = EVENTS_DEFAULT_SECONDS, opt, sfd, err;
	struct genl *p = NULL;
	char *end;

	log_set_level(LOG_WARNING);
	while ((opt = getopt(argc, argv, "t:vh")) != -1) {
		switch (opt) {
		case 't':
			errno = 0;
			seconds = (int)strtol(optarg, &end, 10);
			if (errno || *end || seconds < 1 ||
			    seconds > EVENTS_MAX_SECONDS) {
				events_usage(stderr);
				return 2;
			}
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			events_usage(stdout);
			return 0;
		default:
			events_usage(stderr);
			return 2;
		}
	}
	sfd = events_signalfd();
	if (sfd < 0) {
		perror("mptcp_events: signalfd");
		return 1;
	}
	err = genl_new(&p, &cb, NULL);
	if (err) {
		fprintf(stderr, "mptcp_events: %s\n", strerror(-err));
		return 1;
	}
	fprintf(stderr, "ready\n");
	err = events_run(p, sfd, seconds);
	if (err)
		fprintf(stderr, "mptcp_events: poll: %s\n", strerror(-err));
	genl_free(p);
	close(sfd);
	return err ? 1 : 0;
}
