/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's command line: each option, each refusal and its message,
 * and the file's values that options override. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "fixture.h"

/* argv as main() gets it: the program name first, NULL last. */
#define ARGV(...) ((char *[]){ "mptcpd", __VA_ARGS__, NULL })

static int parse(struct args *a, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return args_parse(a, argc, argv);
}

/* parse(), with what it writes to fd (1 or 2) kept in out. */
static int parse_output(struct args *a, char **argv, int fd, char *out,
			size_t size)
{
	FILE *stream = fd == 1 ? stdout : stderr;
	FILE *tmp = tmpfile();
	int saved = dup(fd), rc;
	size_t n;

	ck_assert(tmp && saved >= 0);
	fflush(stream);
	ck_assert_int_ge(dup2(fileno(tmp), fd), 0);
	rc = parse(a, argv);
	fflush(stream);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, size - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return rc;
}

/* Refused with a usage status and a message naming the problem. */
static void assert_usage(char **argv, const char *msg)
{
	struct args a;
	char err[1024];

	ck_assert_int_eq(parse_output(&a, argv, 2, err, sizeof(err)),
			 ARGS_EXIT_USAGE);
	ck_assert_msg(strstr(err, msg), "'%s' not in: %s", msg, err);
	ck_assert_msg(strstr(err, "Try 'mptcpd --help'"), "no hint in: %s", err);
}

START_TEST(test_defaults)
{
	struct args a;
	const char *tail = "/mptcpd/mptcpd.conf";

	ck_assert_int_eq(parse(&a, (char *[]){ "mptcpd", NULL }), ARGS_EXIT_OK);
	ck_assert_uint_ge(strlen(a.config_path), strlen(tail));
	ck_assert_str_eq(a.config_path + strlen(a.config_path) - strlen(tail), tail);
	ck_assert(!a.config_explicit);
	ck_assert_ptr_null(a.strategy);
	ck_assert_uint_eq(a.max_subflows, 0);
	ck_assert(!a.log_target_set);
	ck_assert(!a.debug);
	ck_assert(!a.set_path_manager);
	ck_assert(!a.exit_now);
}
END_TEST

START_TEST(test_config_file)
{
	struct args a;

	ck_assert_int_eq(parse(&a, ARGV("-f", "-c", "/tmp/x.conf")), ARGS_EXIT_OK);
	ck_assert_str_eq(a.config_path, "/tmp/x.conf");
	ck_assert(a.config_explicit);
	ck_assert_int_eq(parse(&a, ARGV("--config=/etc/y.conf", "--foreground")),
			 ARGS_EXIT_OK);
	ck_assert_str_eq(a.config_path, "/etc/y.conf");
	assert_usage(ARGV("-c"), "requires an argument");
}
END_TEST

/* Only the form of a name: plugins are loaded later, by the daemon. */
START_TEST(test_strategy)
{
	struct args a;

	ck_assert_int_eq(parse(&a, ARGV("--strategy", "backup-cellular")),
			 ARGS_EXIT_OK);
	ck_assert_str_eq(a.strategy, "backup-cellular");
	ck_assert_int_eq(parse(&a, ARGV("--strategy=my_plugin2")), ARGS_EXIT_OK);
	ck_assert_str_eq(a.strategy, "my_plugin2");
	assert_usage(ARGV("--strategy", "Full!"),
		     "--strategy 'Full!': not a strategy name (built-in: ");
	assert_usage(ARGV("--strategy="), "--strategy '': not a strategy name");
}
END_TEST

START_TEST(test_max_subflows)
{
	struct args a;

	ck_assert_int_eq(parse(&a, ARGV("--max-subflows", "1")), ARGS_EXIT_OK);
	ck_assert_uint_eq(a.max_subflows, 1);
	ck_assert_int_eq(parse(&a, ARGV("--max-subflows=255")), ARGS_EXIT_OK);
	ck_assert_uint_eq(a.max_subflows, 255);
	assert_usage(ARGV("--max-subflows", "0"),
		     "--max-subflows '0': expected 1 to 255");
	assert_usage(ARGV("--max-subflows", "256"), "expected 1 to 255");
	assert_usage(ARGV("--max-subflows", "4x"), "expected 1 to 255");
	assert_usage(ARGV("--max-subflows="), "expected 1 to 255");
}
END_TEST

START_TEST(test_log_and_debug)
{
	struct args a;

	ck_assert_int_eq(parse(&a, ARGV("--log", "journal")), ARGS_EXIT_OK);
	ck_assert(a.log_target_set);
	ck_assert_int_eq(a.log_target, LOG_TARGET_JOURNAL);
	ck_assert_int_eq(parse(&a, ARGV("--log=stderr")), ARGS_EXIT_OK);
	ck_assert_int_eq(a.log_target, LOG_TARGET_STDERR);
	assert_usage(ARGV("--log", "syslog"), "--log 'syslog': expected stderr or journal");
	ck_assert_int_eq(parse(&a, ARGV("-d")), ARGS_EXIT_OK);
	ck_assert(a.debug);
	ck_assert_uint_eq(a.debug_mask, LOG_SUB_ALL);
	ck_assert_int_eq(parse(&a, ARGV("--debug=genl,rtnl")), ARGS_EXIT_OK);
	ck_assert_uint_eq(a.debug_mask, LOG_SUB_GENL | LOG_SUB_RTNL);
	ck_assert_int_eq(parse(&a, ARGV("-dconfig")), ARGS_EXIT_OK);
	ck_assert_uint_eq(a.debug_mask, LOG_SUB_CONFIG);
	assert_usage(ARGV("--debug=genl,bogus"), "--debug 'genl,bogus': expected");
	ck_assert_int_eq(parse(&a, ARGV("--set-path-manager")), ARGS_EXIT_OK);
	ck_assert(a.set_path_manager);
	ck_assert(!a.check_config);
	ck_assert_int_eq(parse(&a, ARGV("--check-config", "-c", "/x.conf")),
			 ARGS_EXIT_OK);
	ck_assert(a.check_config);
	ck_assert(!a.exit_now);		/* the daemon reads the file first */
}
END_TEST

START_TEST(test_bad_usage)
{
	assert_usage(ARGV("--bogus"), "bogus");
	assert_usage(ARGV("-x"), "x");
	assert_usage(ARGV("-f", "extra"), "unexpected argument 'extra'");
}
END_TEST

START_TEST(test_version_and_help)
{
	struct args a;
	char out[4096];

	ck_assert_int_eq(parse_output(&a, ARGV("--version"), 1, out, sizeof(out)),
			 ARGS_EXIT_OK);
	ck_assert(a.exit_now);
	ck_assert_msg(strncmp(out, "mptcpd ", 7) == 0, "version: %s", out);
	ck_assert_msg(strstr(out, "\nstrategies: ") && strstr(out, "fullmesh"),
		      "version: %s", out);
	ck_assert_msg(strstr(out, "\nstrategy ABI: "), "version: %s", out);
	/* Whatever follows is not looked at. */
	ck_assert_int_eq(parse_output(&a, ARGV("-h", "--bogus"), 1, out,
				      sizeof(out)), ARGS_EXIT_OK);
	ck_assert(a.exit_now);
	ck_assert_msg(strncmp(out, "Usage: mptcpd ", 14) == 0, "help: %s", out);
	ck_assert_msg(strstr(out, "--max-subflows"), "help: %s", out);
}
END_TEST

/* Options beat the file; what they leave unset stays the file's. */
START_TEST(test_apply)
{
	struct args a;
	struct config cfg;

	config_init(&cfg);
	ck_assert_int_eq(parse(&a, ARGV("-f")), ARGS_EXIT_OK);
	args_apply(&a, &cfg);
	ck_assert_str_eq(cfg.strategy, "fullmesh");
	ck_assert_uint_eq(cfg.max_subflows, 8);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
	ck_assert_int_eq(parse(&a, ARGV("--strategy", "metered-aware",
					"--max-subflows", "3", "-d")),
			 ARGS_EXIT_OK);
	args_apply(&a, &cfg);
	ck_assert_str_eq(cfg.strategy, "metered-aware");
	ck_assert_uint_eq(cfg.max_subflows, 3);
	ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
	config_free(&cfg);
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_strategy);
	tcase_add_test(tc, test_max_subflows);
	tcase_add_test(tc, test_log_and_debug);
	tcase_add_test(tc, test_bad_usage);
	tcase_add_test(tc, test_version_and_help);
	tcase_add_test(tc, test_apply);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(args_suite)
