/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#ifndef MPTCPD_CTL_SERVER_H
#define MPTCPD_CTL_SERVER_H
#endif
