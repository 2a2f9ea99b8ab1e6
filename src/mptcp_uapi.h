/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MPTCP uapi values newer than the distribution's <linux/mptcp.h>.
 * These are numbers fixed by the kernel ABI (Documentation/netlink/specs/
 * mptcp_pm.yaml); we define only what Debian 12's header lacks, and probe
 * at run time whether the running kernel implements them.
 */
#ifndef MPTCPD_MPTCP_UAPI_H
#define MPTCPD_MPTCP_UAPI_H

#include <linux/mptcp.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

/* Event numbers (enum mptcp_event_type). */
#define MPTCPD_KEV_CREATED		1
#define MPTCPD_KEV_ESTABLISHED		2
#define MPTCPD_KEV_CLOSED		3
#define MPTCPD_KEV_ANNOUNCED		6
#define MPTCPD_KEV_REMOVED		7
#define MPTCPD_KEV_SUB_ESTABLISHED	10
#define MPTCPD_KEV_SUB_CLOSED		11
#define MPTCPD_KEV_SUB_PRIORITY		13
#define MPTCPD_KEV_LISTENER_CREATED	15	/* 6.2 */
#define MPTCPD_KEV_LISTENER_CLOSED	16	/* 6.2 */

/* Event flags (MPTCP_ATTR_FLAGS). */
#define MPTCPD_EV_FLAG_DENY_JOIN_ID0	(1u << 0)
#define MPTCPD_EV_FLAG_SERVER_SIDE	(1u << 1)	/* 6.18 */

/* Endpoint flags newer than Debian 12's header. */
#define MPTCPD_ADDR_FLAG_LAMINAR	(1u << 5)	/* 6.18 */

/* Highest event attribute we know (MPTCP_ATTR_SERVER_SIDE). */
#define MPTCPD_ATTR_MAX			18

#endif
