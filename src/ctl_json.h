/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#ifndef MPTCPD_CTL_JSON_H
#define MPTCPD_CTL_JSON_H
#endif
