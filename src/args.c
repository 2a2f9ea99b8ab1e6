/* SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "args.h"
#include "config.h"
#include "strategies/registry.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif

enum args_opt {
	ARGS_OPT_STRATEGY = 256,
	ARGS_OPT_MAX_SUBFLOWS,
	ARGS_OPT_LOG,
	ARGS_OPT_SET_PM,
	ARGS_OPT_CHECK_CONFIG,
};

static const struct option args_options[] = {
	{ "foreground", no_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "strategy", required_argument, NULL, ARGS_OPT_STRATEGY },
	{ "max-subflows", required_argument, NULL, ARGS_OPT_MAX_SUBFLOWS },
	{ "log", required_argument, NULL, ARGS_OPT_LOG },
	{ "debug", optional_argument, NULL, 'd' },
	{ "set-path-manager", no_argument, NULL, ARGS_OPT_SET_PM },
	{ "check-config", no_argument, NULL, ARGS_OPT_CHECK_CONFIG },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void args_usage(FILE *out)
{
	fprintf(out,
		"Usage: mptcpd [OPTION]...\n"
		"Userspace Multipath TCP path manager.\n\n"
		"  -f, --foreground          stay in the foreground (mptcpd never forks)\n"
		"  -c, --config FILE         configuration file\n"
		"                            (default " SYSCONFDIR "/mptcpd/mptcpd.conf)\n"
		"      --strategy NAME       strategy to run (%s)\n"
		"      --max-subflows N      subflows per connection, initial included (1-255)\n"
		"      --log stderr|journal  where to log (default: journal under systemd)\n"
		"  -d, --debug[=LIST]        debug logging, optionally only for LIST of\n"
		"                            core,genl,rtnl,diag,engine,strategy,config\n"
		"      --set-path-manager    select the userspace path manager in this\n"
		"                            network namespace instead of refusing to start\n"
		"      --check-config        read the configuration (and the plugins it\n"
		"                            names), report what is wrong, and exit\n"
		"  -V, --version             print the version and compiled-in features\n"
		"  -h, --help                print this help\n", strategy_names());
}

static void args_version(void)
{
	printf("mptcpd " PACKAGE_VERSION "\n"
	       "features: mptcp_pm-genl rtnetlink sock_diag-adoption "
	       "systemd-notify journal inih"
#ifdef __SANITIZE_ADDRESS__
	       " sanitizers"
#endif
	       "\nstrategies: %s\n"
	       "strategy ABI: %d\n", strategy_names(), MPTCPD_STRATEGY_ABI_VERSION);
}

static int __attribute__((format(printf, 1, 2))) args_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mptcpd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mptcpd --help' for more information.\n");
	return ARGS_EXIT_USAGE;
}

static int args_one(struct args *a, int opt, const char *arg)
{
	char *end;
	unsigned long n;

	switch (opt) {
	case 'f':
		return ARGS_EXIT_OK;
	case 'c':
		a->config_path = arg;
		a->config_explicit = true;
		return ARGS_EXIT_OK;
	case ARGS_OPT_STRATEGY:
		/* Plugins are loaded later: the daemon checks the name. */
		if (!*arg || strlen(arg) >= CONFIG_NAME_MAX ||
		    arg[strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-")])
			return args_bad("--strategy '%s': not a strategy name "
					"(built-in: %s)", arg, strategy_names());
		a->strategy = arg;
		return ARGS_EXIT_OK;
	case ARGS_OPT_MAX_SUBFLOWS:
		n = strtoul(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || n < 1 || n > 255)
			return args_bad("--max-subflows '%s': expected 1 to 255", arg);
		a->max_subflows = (unsigned int)n;
		return ARGS_EXIT_OK;
	case ARGS_OPT_LOG:
		if (strcmp(arg, "stderr") == 0)
			a->log_target = LOG_TARGET_STDERR;
		else if (strcmp(arg, "journal") == 0)
			a->log_target = LOG_TARGET_JOURNAL;
		else
			return args_bad("--log '%s': expected stderr or journal", arg);
		a->log_target_set = true;
		return ARGS_EXIT_OK;
	case 'd':
		a->debug = true;
		a->debug_mask = LOG_SUB_ALL;
		if (arg && log_parse_subsys(arg, &a->debug_mask) < 0)
			return args_bad("--debug '%s': expected a comma-separated list "
					"of core,genl,rtnl,diag,engine,strategy,config", arg);
		return ARGS_EXIT_OK;
	case ARGS_OPT_SET_PM:
		a->set_path_manager = true;
		return ARGS_EXIT_OK;
	case ARGS_OPT_CHECK_CONFIG:
		a->check_config = true;
		return ARGS_EXIT_OK;
	case 'V':
		args_version();
		a->exit_now = true;
		return ARGS_EXIT_OK;
	case 'h':
		args_usage(stdout);
		a->exit_now = true;
		return ARGS_EXIT_OK;
	}
	fprintf(stderr, "Try 'mptcpd --help' for more information.\n");
	return ARGS_EXIT_USAGE;
}

int args_parse(struct args *a, int argc, char **argv)
{
	int opt, err;

	memset(a, 0, sizeof(*a));
	a->config_path = SYSCONFDIR "/mptcpd/mptcpd.conf";
	optind = 1;
	while ((opt = getopt_long(argc, argv, "fc:d::Vh", args_options, NULL)) != -1) {
		err = args_one(a, opt, optarg);
		if (err != ARGS_EXIT_OK || a->exit_now)
			return err;
	}
	if (optind < argc)
		return args_bad("unexpected argument '%s'", argv[optind]);
	return ARGS_EXIT_OK;
}

void args_apply(const struct args *a, struct config *cfg)
{
	if (a->strategy)
		snprintf(cfg->strategy, sizeof(cfg->strategy), "%s", a->strategy);
	if (a->max_subflows)
		cfg->max_subflows = a->max_subflows;
	if (a->debug)
		cfg->log_level = LOG_DEBUG;
}
