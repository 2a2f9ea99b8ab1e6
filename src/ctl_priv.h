/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control socket's two halves share: ctl_server.c (clients,
 * framing, queues, the event stream) and ctl_handlers.c (the commands and
 * who may run them).  Nothing else includes it.
 */
#ifndef MPTCPD_CTL_PRIV_H
#define MPTCPD_CTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "ctl_json.h"
#include "ctl_server.h"

struct ctl_client;
struct loop_io;

/* Who sent a request: SO_PEERCRED, plus the supplementary groups when the
 * kernel told them (none for ctl_server_answer's callers). */
struct ctl_peer {
	const struct ucred *cred;
	const gid_t *groups;
	size_t n_groups;
};

struct ctl_server {
	struct ctl_server_env env;
	gid_t group;
	int fd;
	struct loop_io *io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client *clients;
	size_t n_clients, n_monitors;
	/* Callbacks in progress: clients dropped meanwhile are freed only
	 * when the outermost one returns, so no caller holds a freed one. */
	unsigned int busy;
	bool full_logged;
};

/* The name of an interface for the JSON builders (ctl_json_ifname_fn;
 * arg is the server), or NULL when unknown. */
const char *ctl_server_ifname(void *arg, int ifindex);

/* Run one validated request for this peer: the answer line (NULL only when
 * out of memory).  Mutating commands are refused unless the peer is root
 * or in the control group.  *subscribe is set by "monitor". */
struct json_object *ctl_handlers_dispatch(struct ctl_server *s,
					  const struct ctl_request *req,
					  const struct ctl_peer *peer,
					  bool *subscribe);

#endif
