/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Netlink socket-option values that an older C library or kernel header
 * may lack.  Numbers fixed by the kernel ABI; the running kernel may still
 * refuse an option, which every caller treats as best effort.
 */
#ifndef MPTCPD_NETLINK_UAPI_H
#define MPTCPD_NETLINK_UAPI_H

#include <sys/socket.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10	/* Linux 4.3 */
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11	/* Linux 4.12 */
#endif

#endif
