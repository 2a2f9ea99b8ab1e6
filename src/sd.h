/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsystemd behind one edge: the service manager's notifications
 * (READY=1, STOPPING=1, STATUS=, the watchdog) and the journal.  Nothing
 * else includes a systemd header.  Outside systemd every notification is
 * a no-op.  The names keep clear of libsystemd's own (sd_notify*,
 * sd_journal_*, sd_watchdog_enabled).
 */
#ifndef MPTCPD_SD_H
#define MPTCPD_SD_H

#include <stdbool.h>
#include <stdint.h>

/* Does a service manager wait for our notifications (NOTIFY_SOCKET)? */
bool sd_supervised(void);
/* Were we started by systemd (INVOCATION_ID, JOURNAL_STREAM)?  Then the
 * journal is where logs belong. */
bool sd_started_by_systemd(void);

void sd_ready(void);				/* READY=1 */
void sd_stopping(void);				/* STOPPING=1 */
void sd_status(const char *fmt, ...)		/* STATUS=, one line */
	__attribute__((format(printf, 1, 2)));
/* WatchdogSec= of our unit in microseconds; 0 when there is none. */
uint64_t sd_watchdog_usec(void);
void sd_watchdog_ping(void);			/* WATCHDOG=1 */

/* One message to the journal, with its priority (LOG_*) and our
 * subsystem tag; -errno when the journal cannot take it. */
int sd_log(int level, const char *subsys, const char *msg);

#endif
