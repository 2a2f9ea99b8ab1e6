/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "sd.h"

bool sd_supervised(void)
{
	return getenv("NOTIFY_SOCKET") != NULL;
}

bool sd_started_by_systemd(void)
{
	return getenv("INVOCATION_ID") || getenv("JOURNAL_STREAM");
}

void sd_ready(void)
{
	sd_notify(0, "READY=1");
}

void sd_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void sd_status(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", line);
}

uint64_t sd_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

void sd_watchdog_ping(void)
{
	sd_notify(0, "WATCHDOG=1");
}

int sd_log(int level, const char *subsys, const char *msg)
{
	return sd_journal_send("MESSAGE=%s: %s", subsys, msg, "PRIORITY=%d", level,
			       "MPTCPD_SUBSYSTEM=%s", subsys, NULL);
}
