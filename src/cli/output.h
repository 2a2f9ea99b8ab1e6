/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd-ctl's one output layer: a command's result or a monitor event,
 * printed either as aligned text for people (like `ip` and `ss`) or as
 * the daemon's own JSON for scripts (-j).
 */
#ifndef MPTCPD_CLI_OUTPUT_H
#define MPTCPD_CLI_OUTPUT_H

#include <stdio.h>

struct json_object;

enum output_format {
	OUTPUT_FORMAT_TEXT = 0,
	OUTPUT_FORMAT_JSON,
	/* "stats" only (--openmetrics): the OpenMetrics text exposition;
	 * other results and events print as JSON. */
	OUTPUT_FORMAT_OPENMETRICS,
};

/* Prints the result object of `command` (a protocol command name).  JSON:
 * the object itself on one line.  Text: a layout per command; commands
 * whose result is empty print nothing.  Returns 0, or -errno when writing
 * failed (EPIPE when the reader went away). */
int output_result(FILE *out, enum output_format fmt, const char *command,
		  struct json_object *result);

/* Prints one monitor event (the "event" member of an event message) on
 * one line.  Same return values. */
int output_event(FILE *out, enum output_format fmt, struct json_object *event);

/* A string from the daemon made safe to print (ctl_escape()): malloc'd,
 * the caller frees it; NULL when out of memory. */
char *output_escape(const char *s);

/* openmetrics.c: the "stats" result as an OpenMetrics text exposition
 * (names in mptcpd-ctl(8)), ending with "# EOF".  Returns 0. */
int openmetrics_stats(FILE *out, struct json_object *res);

#endif
