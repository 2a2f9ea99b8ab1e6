/* SPDX-License-Identifier: BSD-3-Clause */
/* The one daemon context: start-up, run, shutdown. */
#ifndef MPTCPD_DAEMON_H
#define MPTCPD_DAEMON_H

/* Parse argv, run the daemon; returns the process exit status. */
int daemon_main(int argc, char **argv);

#endif
