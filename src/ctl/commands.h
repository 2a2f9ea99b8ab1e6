/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MPTCPD_CTL_COMMANDS_H
#define MPTCPD_CTL_COMMANDS_H
#endif
