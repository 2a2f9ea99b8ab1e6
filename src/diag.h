/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag: dumps of the MPTCP connections and their TCP subflows
 * (diag_dump.c), from which the daemon builds the adoption snapshot for
 * connections that exist before it starts (or after events were lost),
 * and exact lookups of known subflows for path health (diag_query.c).
 * Every call blocks until the kernel has answered it (the kernel answers
 * at once); a dump is read one datagram per call.
 */
#ifndef MPTCPD_DIAG_H
#define MPTCPD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mptcpd/strategy.h"

struct diag_conn {
	uint32_t token;
	struct mptcpd_addr local;	/* initial subflow, with ports */
	struct mptcpd_addr remote;
	uint8_t state;			/* TCP_* state of the MPTCP socket */
	bool fallback;			/* fell back to TCP: nothing to manage */
	bool listener;			/* a listening socket (remote empty) */
	uint32_t uid;			/* the socket's owner */
	bool has_cgroup;		/* the kernel sent INET_DIAG_CGROUP_ID */
	uint64_t cgroup_id;		/* its cgroup v2 (the directory's inode) */
};

struct diag_subflow {
	uint32_t token;			/* local token of the owning connection */
	struct mptcpd_addr local;
	struct mptcpd_addr remote;
	uint8_t local_id;
	uint8_t remote_id;
	bool backup;			/* local or remote backup bit */
	bool established;		/* TCP ESTABLISHED and fully established */
	uint8_t state;			/* TCP_* */
	int ifindex;			/* bound device, 0 if none */
	/* From struct tcp_info (INET_DIAG_INFO), for stall detection.  A
	 * field the kernel's shorter tcp_info lacks reads as 0;
	 * has_tcp_info is false when the attribute was absent or too short
	 * to hold even unacked. */
	bool has_tcp_info;
	bool has_bytes_acked;		/* kernel >= 4.1 */
	uint8_t ca_state;		/* TCP_CA_Open .. TCP_CA_Loss */
	uint8_t retransmits;		/* consecutive RTOs of the head */
	uint32_t unacked;		/* segments in flight (packets_out) */
	uint32_t rtt_us;		/* smoothed RTT */
	uint32_t last_ack_recv_ms;	/* ms since the last ACK arrived */
	uint32_t last_data_sent_ms;	/* ms since data was last sent */
	uint64_t bytes_acked;		/* cumulative, never goes back */
	uint64_t bytes_received;	/* kernel >= 4.1; 0 when absent */
	uint32_t total_retrans;		/* segments retransmitted, ever */
};

/* Dumps of every MPTCP socket (listeners included) and every TCP socket
 * that is an MPTCP subflow (with its tcp_info), IPv4 then IPv6, read one
 * datagram per step, so that the owner decides how much loop time a dump
 * of many connections may take at once.  The kernel walks its whole
 * established hash for each family, so even an empty subflow dump costs
 * ~4 ms of CPU on a big host, ~5 us more per socket.
 *
 * Either callback may be NULL: that kind is not dumped.  NULL when the
 * socket or memory cannot be had. */
struct diag_dumper;
struct diag_dumper *diag_dumper_new(void (*conn_cb)(void *arg,
						    const struct diag_conn *c),
				    void (*subflow_cb)(void *arg,
						       const struct diag_subflow *s),
				    void *arg);
/* Reads one datagram (sending the next dump's request first when one
 * dump ends): 1 when every dump is complete, 0 to call again,
 * DIAG_STEP_NEXT_DUMP to call again when a dump ended (the next read,
 * the first of another dump, is the longest step: 10-15 ms of kernel
 * time on the test host; an owner that slices its loop time stops here),
 * -errno when a dump failed (the dumper is then done; -EOPNOTSUPP:
 * mptcp_diag is missing).  A host without IPv6 is not an error. */
#define DIAG_STEP_NEXT_DUMP	2
int diag_dumper_step(struct diag_dumper *w);
void diag_dumper_free(struct diag_dumper *w);
/* All steps at once: 0 or -errno. */
int diag_dumper_run(void (*conn_cb)(void *arg, const struct diag_conn *c),
		    void (*subflow_cb)(void *arg, const struct diag_subflow *s),
		    void *arg);

/* The MPTCP connection with this token, asked of the kernel by token
 * (mptcp_diag's exact lookup): 0 with *out filled, -ENOENT when it is
 * gone, -errno. */
int diag_conn_lookup(uint32_t token, struct diag_conn *out);

/* Whether each of n (<= DIAG_EXIST_MAX) connections exists, asked by
 * token on one socket in one sendmsg(): result[i] is 0 (found), -ENOENT
 * (the kernel has no such token) or another -errno (no answer: unknown).
 * 0, or -errno when nothing could be asked. */
#define DIAG_EXIST_MAX	64
int diag_conns_exist(const uint32_t *tokens, size_t n, int *result);

/* Replies refused by the dumps and lookups so far because the kernel did
 * not send them (another local program did). */
uint64_t diag_dropped(void);

/* One established subflow to look up by its exact 4-tuple. */
struct diag_subflow_key {
	struct mptcpd_addr local;	/* with port */
	struct mptcpd_addr remote;	/* with port */
	int ifindex;			/* the device the subflow is bound to,
					 * 0 if none */
};

/* Ask the kernel about exactly these TCP sockets (no dump, so no walk of
 * the whole established hash) and call cb for each one that still exists
 * and is an MPTCP subflow, in no particular order.  IPv4 subflows are
 * given as plain IPv4, also those of dual-stack sockets.  A bound
 * subflow is found only with its own ifindex: the kernel's exact lookup
 * matches the bound device.  A socket that is gone is skipped, not an
 * error.  0 or -errno (-ETIMEDOUT, -ENOBUFS when replies stayed lost);
 * cb may have been called for some keys even then. */
int diag_query_subflows(const struct diag_subflow_key *keys, size_t n,
			void (*cb)(void *arg, const struct diag_subflow *s),
			void *arg);

/* Bytes of one request built by diag_build_queries. */
#define DIAG_QUERY_LEN	72
/* Lays out one non-dump SOCK_DIAG_BY_FAMILY request per key into buf, the
 * request for keys[i] with nlmsg_seq seq + i, back to back, ready for a
 * single send.  A key that cannot name a socket (no family, families
 * that differ) gets no request.  Returns how many keys it took (fewer
 * than n when buf is full) and sets *used to the bytes written.  Pure:
 * exposed for unit tests. */
size_t diag_build_queries(const struct diag_subflow_key *keys, size_t n,
			  uint32_t seq, void *buf, size_t len, size_t *used);
/* The family a key is queried with: AF_INET, AF_INET6, or AF_UNSPEC
 * when it cannot name a socket. */
int diag_key_family(const struct diag_subflow_key *key);

/* Decoders of one SOCK_DIAG_BY_FAMILY reply (nlmsg_len <= len), exposed
 * for unit tests.  0: *out filled; 1: not of interest (other
 * family; for subflows also not MPTCP, listener, time-wait); -EINVAL:
 * malformed. */
struct nlmsghdr;
int diag_parse_conn(const struct nlmsghdr *nlh, size_t len,
		    struct diag_conn *out);
int diag_parse_subflow(const struct nlmsghdr *nlh, size_t len,
		       struct diag_subflow *out);

#endif
