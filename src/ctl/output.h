/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MPTCPD_CTL_OUTPUT_H
#define MPTCPD_CTL_OUTPUT_H
#endif
