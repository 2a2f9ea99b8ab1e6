/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd-ctl's command line grammar: turns the words after the global
 * options into a control request (src/ctl_proto.h), and lists completion
 * candidates for the words typed so far.  Pure: no I/O, no daemon.
 */
#ifndef MPTCPD_CLI_COMMANDS_H
#define MPTCPD_CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

/* Exit statuses scripts can rely on (documented in mptcpd-ctl(8)). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,		/* the daemon answered with an error */
	CTL_EXIT_USAGE = 2,		/* bad command or arguments */
	CTL_EXIT_UNREACHABLE = 3,	/* no daemon behind the socket */
	CTL_EXIT_PERM = 4,		/* needs root or the control group */
	CTL_EXIT_PROTO = 5,		/* garbage or another version */
};

#define COMMANDS_ERR_MAX 256

/* A parsed command line.  args is owned by the request and freed by
 * commands_request_release(); it is NULL for commands without arguments. */
struct commands_request {
	const char *command;		/* protocol command name */
	struct json_object *args;
	bool monitor;			/* answer is followed by events */
	bool openmetrics;		/* stats --openmetrics: print it so */
	const char *usage;		/* synopsis, for a usage error hint */
	char err[COMMANDS_ERR_MAX];	/* why parsing failed */
};

/* Parses words[0..n-1] (words[0] is the command).  Returns 0, or -EINVAL
 * with req->err set and req->usage pointing at the command's synopsis
 * (NULL when the command itself is unknown). */
int commands_parse(int n, char *const words[], struct commands_request *req);
void commands_request_release(struct commands_request *req);

/* Prints the synopsis of every visible command, one per line. */
void commands_print_usage(FILE *out);

/* Values only the daemon or the system knows, completed by the caller. */
enum commands_dynamic {
	COMMANDS_DYNAMIC_NONE = 0,
	COMMANDS_DYNAMIC_TOKEN,		/* tokens of current connections */
	COMMANDS_DYNAMIC_STRATEGY,	/* available strategies */
	COMMANDS_DYNAMIC_DEV,		/* interface names */
	COMMANDS_DYNAMIC_FILE,		/* a path: let the shell do it */
};

#define COMMANDS_CANDIDATES_MAX 32

struct commands_candidates {
	const char *word[COMMANDS_CANDIDATES_MAX];	/* static strings */
	size_t n;
	enum commands_dynamic dynamic;
	const char *prefix;		/* the word being completed */
};

/* Completion for words[0..n-1]: the last word is the one being typed
 * (possibly empty); the words include global options.  Fills c with the
 * static candidates matching the last word and says which dynamic kind
 * the caller should add. */
void commands_complete(int n, char *const words[],
		       struct commands_candidates *c);

/* Whether a candidate starts with the word being typed. */
bool commands_candidate_matches(const struct commands_candidates *c,
				const char *candidate);

#endif
