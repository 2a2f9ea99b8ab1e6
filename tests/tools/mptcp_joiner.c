/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcp_joiner -a LOCAL -i IFINDEX [-n JOINS] [-t SECONDS] [-w WINDOW]
 *              [-H HOLD_MS]:
 * a peer that joins and closes subflows on one connection as fast as the
 * kernel lets it, for bench/join_churn.sh.  Run in the client's
 * namespace with the userspace path manager there: it waits for the
 * first ESTABLISHED event, then keeps WINDOW (32) joins from LOCAL (bound
 * to IFINDEX) to the connection's remote in flight, closes each HOLD_MS
 * (20) after it is established here (closed at once, most joins never
 * become established at the server: its handshake's last ACK and our
 * close cross), and opens the next when it is closed, until JOINS
 * (100000) joins were established or SECONDS (300) passed.
 *
 * Prints "ready" on stderr once subscribed, then on stdout, at the end:
 *   joins=N refused=N seconds=S
 * Uses the daemon's own netlink edge (genl.c) for commands and events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "genl.h"
#include "log.h"

#define JOINER_LOCAL_ID	9
#define JOINER_HELD_MAX	4096	/* established, waiting to be closed */

struct joiner_held {
	double at;			/* when to close it */
	struct mptcpd_addr local, remote;
};

struct joiner {
	struct genl *g;
	struct mptcpd_addr local;	/* port 0 */
	int ifindex;
	uint32_t token;			/* 0 until ESTABLISHED */
	struct mptcpd_addr remote;	/* with port */
	unsigned long max, joins, refused;
	unsigned int window, inflight;
	double hold_s;
	struct joiner_held held[JOINER_HELD_MAX];	/* a ring */
	size_t held_head, n_held;
};

static double joiner_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void joiner_create(struct joiner *j)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SUBFLOW_CREATE };

	a.token = j->token;
	a.local = j->local;
	a.local_id = JOINER_LOCAL_ID;
	a.remote = j->remote;
	a.ifindex = j->ifindex;
	if (genl_send(j->g, &a) == 0)
		j->inflight++;
	else
		j->refused++;
}

static void joiner_fill(struct joiner *j)
{
	while (j->token && j->inflight < j->window &&
	       j->joins + j->inflight < j->max)
		joiner_create(j);
}

static bool joiner_ours(const struct joiner *j, const struct mptcpd_event *ev)
{
	return ev->token == j->token &&
	       mptcpd_addr_same_ip(&ev->local, &j->local);
}

static void joiner_destroy(struct joiner *j, const struct joiner_held *h)
{
	struct mptcpd_action a = { .type = MPTCPD_ACTION_SUBFLOW_DESTROY };

	a.token = j->token;
	a.local = h->local;	/* with its port: the 4-tuple */
	a.remote = h->remote;
	genl_send(j->g, &a);
}

/* The held subflows whose time is up are closed (oldest first). */
static void joiner_close_due(struct joiner *j, double now)
{
	while (j->n_held && j->held[j->held_head].at <= now) {
		joiner_destroy(j, &j->held[j->held_head]);
		j->held_head = (j->held_head + 1) % JOINER_HELD_MAX;
		j->n_held--;
	}
}

static void joiner_event(void *arg, const struct mptcpd_event *ev)
{
	struct joiner *j = arg;
	struct joiner_held h;

	if (ev->type == MPTCPD_EVENT_ESTABLISHED && !j->token) {
		j->token = ev->token;
		j->remote = ev->remote;
	} else if (ev->type == MPTCPD_EVENT_SUB_ESTABLISHED &&
		   joiner_ours(j, ev)) {
		j->joins++;
		h.at = joiner_now() + j->hold_s;
		h.local = ev->local;
		h.remote = ev->remote;
		if (j->n_held == JOINER_HELD_MAX) {
			joiner_destroy(j, &h);	/* no room: at once */
		} else {
			j->held[(j->held_head + j->n_held) % JOINER_HELD_MAX] = h;
			j->n_held++;
		}
	} else if (ev->type == MPTCPD_EVENT_SUB_CLOSED && joiner_ours(j, ev)) {
		if (j->inflight)
			j->inflight--;
	}
	joiner_fill(j);
}

static void joiner_result(void *arg, const struct mptcpd_action *a, int err,
			  const char *extack)
{
	struct joiner *j = arg;

	(void)extack;
	/* A create the kernel refused never makes a SUB_CLOSED. */
	if (err && a->type == MPTCPD_ACTION_SUBFLOW_CREATE) {
		j->refused++;
		if (j->inflight)
			j->inflight--;
		joiner_fill(j);
	}
}

static void joiner_usage(FILE *out)
{
	fprintf(out, "usage: mptcp_joiner -a LOCAL -i IFINDEX [-n JOINS] "
		"[-t SECONDS] [-w WINDOW] [-H HOLD_MS]\n");
}

int main(int argc, char **argv)
{
	const struct genl_callbacks cb = {
		.event = joiner_event,
		.result = joiner_result,
	};
	static struct joiner j = { .max = 100000, .window = 32,
				   .hold_s = 0.02 };
	double seconds = 300, t0, end;
	int opt, err;

	log_set_level(LOG_ERR);
	while ((opt = getopt(argc, argv, "a:i:n:t:w:H:h")) != -1) {
		switch (opt) {
		case 'a':
			if (addr_parse(optarg, &j.local) < 0) {
				joiner_usage(stderr);
				return 2;
			}
			break;
		case 'i':
			j.ifindex = atoi(optarg);
			break;
		case 'n':
			j.max = strtoul(optarg, NULL, 10);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'w':
			j.window = (unsigned int)atoi(optarg);
			break;
		case 'H':
			j.hold_s = atof(optarg) / 1000.0;
			break;
		case 'h':
			joiner_usage(stdout);
			return 0;
		default:
			joiner_usage(stderr);
			return 2;
		}
	}
	if (j.local.family == AF_UNSPEC || !j.window || seconds <= 0 ||
	    seconds > 3600) {
		joiner_usage(stderr);
		return 2;
	}
	err = genl_new(&j.g, &cb, &j);
	if (err) {
		fprintf(stderr, "mptcp_joiner: %s\n", strerror(-err));
		return 1;
	}
	fprintf(stderr, "ready\n");
	t0 = joiner_now();
	end = t0 + seconds;
	while (j.joins < j.max && joiner_now() < end) {
		struct pollfd fds[2] = {
			{ .fd = genl_event_fd(j.g), .events = POLLIN },
			{ .fd = genl_cmd_fd(j.g), .events = POLLIN },
		};

		if (poll(fds, 2, 5) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			genl_event_readable(j.g);
		if (fds[1].revents)
			genl_cmd_readable(j.g);
		joiner_close_due(&j, joiner_now());
	}
	printf("joins=%lu refused=%lu seconds=%.1f\n", j.joins, j.refused,
	       joiner_now() - t0);
	genl_free(j.g);
	return 0;
}
