/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's command line. */
#ifndef MPTCPD_ARGS_H
#define MPTCPD_ARGS_H

#include <stdbool.h>
#include "config.h"
#include "log.h"

/* Exit statuses (sysexits.h values where one fits). */
enum args_exit {
	ARGS_EXIT_OK = 0,
	ARGS_EXIT_FAILURE = 1,
	ARGS_EXIT_USAGE = 64,	/* EX_USAGE */
	ARGS_EXIT_CONFIG = 78,	/* EX_CONFIG */
};

struct args {
	const char *config_path;
	bool config_explicit;		/* -c given: a missing file is an error */
	const char *strategy;		/* NULL = from the file */
	unsigned int max_subflows;	/* 0 = from the file */
	bool log_target_set;
	enum log_target log_target;
	bool debug;
	unsigned int debug_mask;
	bool set_path_manager;
	bool check_config;		/* --check-config: load, report, exit */
	bool exit_now;			/* --help / --version done */
};

/* Parse argv.  Returns ARGS_EXIT_OK, or ARGS_EXIT_USAGE after printing
 * what is wrong.  --help and --version print and set exit_now. */
int args_parse(struct args *a, int argc, char **argv);
/* Apply command-line overrides on top of the file's values. */
void args_apply(const struct args *a, struct config *cfg);

#endif
