/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-namespace MPTCP sysctls the daemon depends on. */
#ifndef MPTCPD_SYSCTL_H
#define MPTCPD_SYSCTL_H

#include <stdbool.h>

/* 0 when MPTCP is enabled and the userspace PM is selected in this network
 * namespace.  Otherwise a message telling what to do is logged and:
 * -ENOENT (no MPTCP in this kernel), -ENOTSUP (MPTCP disabled), or
 * -EPERM (another path manager is selected).  With set_pm, the path
 * manager is switched to userspace instead of refusing. */
int sysctl_check_mptcp(bool set_pm);

#endif
