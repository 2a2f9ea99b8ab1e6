/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MPTCPD_CTL_CLIENT_H
#define MPTCPD_CTL_CLIENT_H
#endif
