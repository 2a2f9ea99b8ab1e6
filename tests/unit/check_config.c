/* SPDX-License-Identifier: BSD-3-Clause */
/* config.c: defaults, every key, every error class, include/exclude. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define MSGS_MAX 256

/* Messages captured through log_set_sink. */
static struct {
	size_t n;
	char *msg[MSGS_MAX];
	int level[MSGS_MAX];
	enum log_subsys sub[MSGS_MAX];
} msgs;

static struct config cfg;

static void msgs_sink(int level, enum log_subsys sub, const char *msg, void *arg)
{
	(void)arg;
	if (msgs.n == MSGS_MAX)
		return;
	msgs.level[msgs.n] = level;
	msgs.sub[msgs.n] = sub;
	msgs.msg[msgs.n++] = strdup(msg);
}

static void msgs_clear(void)
{
	for (size_t i = 0; i < msgs.n; i++)
		free(msgs.msg[i]);
	msgs.n = 0;
}

/* Index of the first message containing both strings, or -1. */
static int msgs_find(const char *a, const char *b)
{
	for (size_t i = 0; i < msgs.n; i++)
		if (strstr(msgs.msg[i], a) && (!b || strstr(msgs.msg[i], b)))
			return (int)i;
	return -1;
}

/* The message for "NAME:LINE:" contains what. */
static void assert_line_msg(const char *name, unsigned int line, const char *what)
{
	char prefix[128];
	int i;

	snprintf(prefix, sizeof(prefix), "%s:%u: ", name, line);
	i = msgs_find(prefix, what);
	ck_assert_msg(i >= 0, "no message '%s...%s'", prefix, what);
	ck_assert_int_eq(msgs.level[i], LOG_ERR);
	ck_assert_int_eq(msgs.sub[i], LOG_SUB_CONFIG);
}

/* Messages of the form "t.conf:N: ..." (not the summary line). */
static size_t msgs_count_lines(void)
{
	size_t count = 0;

	for (size_t i = 0; i < msgs.n; i++)
		if (strncmp(msgs.msg[i], "t.conf:", 7) == 0 &&
		    msgs.msg[i][7] >= '0' && msgs.msg[i][7] <= '9')
			count++;
	return count;
}

static int load(const char *text)
{
	msgs_clear();
	return config_load_string(&cfg, text, "t.conf");
}

/* A bad text gives -EINVAL and names line with what. */
static void assert_bad(const char *text, unsigned int line, const char *what)
{
	ck_assert_int_eq(load(text), -EINVAL);
	assert_line_msg("t.conf", line, what);
}

static void setup(void)
{
	log_set_sink(msgs_sink, NULL);
	config_init(&cfg);
}

static void teardown(void)
{
	config_free(&cfg);
	msgs_clear();
	log_set_sink(NULL, NULL);
}

/* ---- defaults ---- */

START_TEST(test_defaults)
{
	static const char *const excluded[] = {
		"veth*", "docker*", "br-*", "virbr*", "vnet*", "tun*",
		"tap*", "wg*", "zt*", "tailscale*", "lo",
	};

	ck_assert_str_eq(cfg.strategy, "fullmesh");
	ck_assert_uint_eq(cfg.max_subflows, 8);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
	ck_assert_uint_eq(cfg.include.n, 0);
	ck_assert_uint_eq(cfg.exclude.n, sizeof(excluded) / sizeof(excluded[0]));
	for (size_t i = 0; i < cfg.exclude.n; i++)
		ck_assert_str_eq(cfg.exclude.v[i], excluded[i]);
	ck_assert(config_iface_allowed(&cfg, "eth0"));
	ck_assert(config_iface_allowed(&cfg, "wlan0"));
	ck_assert(config_iface_allowed(&cfg, "enp0s31f6"));
	ck_assert(!config_iface_allowed(&cfg, "veth1a2b"));
	ck_assert(!config_iface_allowed(&cfg, "docker0"));
	ck_assert(!config_iface_allowed(&cfg, "br-0123abcd"));
	ck_assert(!config_iface_allowed(&cfg, "wg0"));
	ck_assert(!config_iface_allowed(&cfg, "tailscale0"));
	ck_assert(!config_iface_allowed(&cfg, "lo"));
	ck_assert(config_iface_allowed(&cfg, "lo1"));
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

START_TEST(test_empty_file)
{
	ck_assert_int_eq(load(""), 0);
	ck_assert_int_eq(load("; only a comment\n# another\n\n"), 0);
	ck_assert_int_eq(load("[core]\n[interfaces]\n"), 0);
	ck_assert_str_eq(cfg.strategy, "fullmesh");
	ck_assert_uint_eq(cfg.exclude.n, 11);
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

/* ---- valid values ---- */

START_TEST(test_all_keys)
{
	ck_assert_int_eq(load("; mptcpd.conf\n"
			      "[core]\n"
			      "strategy = my_strategy-2\n"
			      "max-subflows = 4\n"
			      "log-level = debug\n"
			      "\n"
			      "[interfaces]\n"
			      "include = eth*, wlan*  usb0\n"
			      "exclude = eth9\n"), 0);
	ck_assert_str_eq(cfg.strategy, "my_strategy-2");
	ck_assert_uint_eq(cfg.max_subflows, 4);
	ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
	ck_assert_uint_eq(cfg.include.n, 3);
	ck_assert_str_eq(cfg.include.v[0], "eth*");
	ck_assert_str_eq(cfg.include.v[1], "wlan*");
	ck_assert_str_eq(cfg.include.v[2], "usb0");
	ck_assert_uint_eq(cfg.exclude.n, 1);
	ck_assert_str_eq(cfg.exclude.v[0], "eth9");
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

START_TEST(test_log_levels)
{
	static const struct { const char *name; int level; } t[] = {
		{ "err", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	char text[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[core]\nlog-level = %s\n", t[i].name);
		ck_assert_int_eq(load(text), 0);
		ck_assert_int_eq(cfg.log_level, t[i].level);
	}
}
END_TEST

START_TEST(test_max_subflows_bounds)
{
	ck_assert_int_eq(load("[core]\nmax-subflows = 1\n"), 0);
	ck_assert_uint_eq(cfg.max_subflows, 1);
	ck_assert_int_eq(load("[core]\nmax-subflows = 255\n"), 0);
	ck_assert_uint_eq(cfg.max_subflows, 255);
	ck_assert_int_eq(load("[core]\nmax-subflows = 007\n"), 0);
	ck_assert_uint_eq(cfg.max_subflows, 7);
}
END_TEST

/* Comments, "key: value", CRLF, BOM, continuation lines. */
START_TEST(test_syntax_variants)
{
	ck_assert_int_eq(load("\xef\xbb\xbf# BOM, then a comment\r\n"
			      "[core]\r\n"
			      "  ; indented comment\r\n"
			      "strategy: fullmesh ; inline comment\r\n"
			      "max-subflows=3\r\n"
			      "[interfaces]\n"
			      "include = eth*\n"
			      "          wlan*,\n"
			      "\tusb*\n"
			      "exclude =\n"), 0);
	ck_assert_str_eq(cfg.strategy, "fullmesh");
	ck_assert_uint_eq(cfg.max_subflows, 3);
	ck_assert_uint_eq(cfg.include.n, 3);
	ck_assert_str_eq(cfg.include.v[2], "usb*");
	ck_assert_uint_eq(cfg.exclude.n, 0);
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

/* A file is applied on top of what cfg already holds. */
START_TEST(test_layered)
{
	ck_assert_int_eq(load("[core]\nmax-subflows = 2\n"), 0);
	ck_assert_int_eq(load("[core]\nlog-level = err\n"), 0);
	ck_assert_uint_eq(cfg.max_subflows, 2);
	ck_assert_int_eq(cfg.log_level, LOG_ERR);
	ck_assert_uint_eq(cfg.exclude.n, 11);
}
END_TEST

/* ---- include / exclude ---- */

START_TEST(test_include)
{
	ck_assert_int_eq(load("[interfaces]\ninclude = eth* wl?n0\n"), 0);
	ck_assert(config_iface_allowed(&cfg, "eth0"));
	ck_assert(config_iface_allowed(&cfg, "wlan0"));
	ck_assert(!config_iface_allowed(&cfg, "wlan1"));
	ck_assert(!config_iface_allowed(&cfg, "enp1s0"));
	/* The default exclusions still apply on top. */
	ck_assert_int_eq(load("[interfaces]\ninclude = *\n"), 0);
	ck_assert(config_iface_allowed(&cfg, "enp1s0"));
	ck_assert(!config_iface_allowed(&cfg, "veth0"));
	ck_assert(!config_iface_allowed(&cfg, "lo"));
	/* An empty include means every interface again. */
	ck_assert_int_eq(load("[interfaces]\ninclude =\n"), 0);
	ck_assert_uint_eq(cfg.include.n, 0);
	ck_assert(config_iface_allowed(&cfg, "enp1s0"));
}
END_TEST

START_TEST(test_exclude_replaces_defaults)
{
	ck_assert(!config_iface_allowed(&cfg, "veth0"));
	ck_assert_int_eq(load("[interfaces]\nexclude = eth9, wlan9\n"), 0);
	ck_assert(config_iface_allowed(&cfg, "veth0"));
	ck_assert(config_iface_allowed(&cfg, "docker0"));
	ck_assert(config_iface_allowed(&cfg, "lo"));
	ck_assert(config_iface_allowed(&cfg, "wlan0"));
	ck_assert(!config_iface_allowed(&cfg, "eth9"));
	ck_assert(!config_iface_allowed(&cfg, "wlan9"));
	ck_assert_int_eq(load("[interfaces]\nexclude =\n"), 0);
	ck_assert(config_iface_allowed(&cfg, "veth0"));
	ck_assert(config_iface_allowed(&cfg, "eth9"));
}
END_TEST

START_TEST(test_include_and_exclude)
{
	ck_assert_int_eq(load("[interfaces]\ninclude = wl*\nexclude = wlan9\n"), 0);
	ck_assert(config_iface_allowed(&cfg, "wlan0"));
	ck_assert(config_iface_allowed(&cfg, "wlp2s0"));
	ck_assert(!config_iface_allowed(&cfg, "wlan9"));
	ck_assert(!config_iface_allowed(&cfg, "eth0"));
}
END_TEST

/* ---- one test per error class ---- */

START_TEST(test_err_unknown_section)
{
	assert_bad("[core]\nstrategy = fullmesh\n[paths]\nfoo = 1\n", 4,
		   "unknown section [paths]");
	assert_bad("[Core]\nstrategy = fullmesh\n", 2, "did you mean [core]");
}
END_TEST

START_TEST(test_err_unknown_key)
{
	assert_bad("[core]\nstrategy = fullmesh\nfoo = 1\n", 3,
		   "unknown key 'foo' in [core]");
	ck_assert(msgs_find("known keys: strategy, max-subflows, log-level", NULL) >= 0);
	assert_bad("[core]\ninclude = eth*\n", 2, "it belongs in [interfaces]");
	assert_bad("[interfaces]\n\nmax-subflows = 2\n", 3, "it belongs in [core]");
	assert_bad("[core]\nmax_subflows = 2\n", 2, "did you mean 'max-subflows'");
}
END_TEST

START_TEST(test_err_outside_section)
{
	assert_bad("strategy = fullmesh\n[core]\n", 1, "outside any section; put it under [core]");
	assert_bad("; c\nfoo = bar\n", 2, "outside any section");
}
END_TEST

START_TEST(test_err_duplicate)
{
	assert_bad("[core]\nmax-subflows = 2\n\nmax-subflows = 3\n", 4,
		   "duplicate key 'max-subflows' (already set on line 2)");
	assert_bad("[interfaces]\nexclude = a\n[core]\n[interfaces]\nexclude = b\n", 5,
		   "duplicate key 'exclude'");
}
END_TEST

START_TEST(test_err_numbers)
{
	assert_bad("[core]\nmax-subflows = 300\n", 2,
		   "max-subflows: '300' is out of range (1..255)");
	assert_bad("[core]\nmax-subflows = 0\n", 2, "out of range (1..255)");
	assert_bad("[core]\nmax-subflows = 256\n", 2, "out of range");
	assert_bad("[core]\nmax-subflows = 99999999999999999999999\n", 2, "out of range");
	assert_bad("[core]\nmax-subflows = many\n", 2, "'many' is not a number");
	assert_bad("[core]\nmax-subflows = -1\n", 2, "is not a number");
	assert_bad("[core]\nmax-subflows = 8x\n", 2, "trailing garbage 'x'");
	assert_bad("[core]\nmax-subflows = 8 9\n", 2, "trailing garbage");
}
END_TEST

START_TEST(test_err_empty)
{
	assert_bad("[core]\nstrategy =\n", 2, "strategy: empty value");
	assert_bad("[core]\nmax-subflows=\n", 2, "max-subflows: empty value");
	assert_bad("[core]\nlog-level = ; nothing\n", 2, "log-level: empty value");
}
END_TEST

START_TEST(test_err_values)
{
	assert_bad("[core]\nstrategy = Full Mesh\n", 2, "contains 'F'");
	assert_bad("[core]\nstrategy = a/b\n", 2, "contains '/'");
	assert_bad("[core]\nstrategy = \"fullmesh\"\n", 2, "without quotes");
	assert_bad("[core]\nlog-level = verbose\n", 2,
		   "unknown level 'verbose' (expected err, warning, notice, info or debug)");
	assert_bad("[core]\nstrategy = "
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		   2, "too long");
	assert_bad("[interfaces]\nexclude = veth* # containers\n", 2,
		   "'#' starts a comment only at the beginning of a line");
}
END_TEST

START_TEST(test_err_syntax)
{
	assert_bad("[core]\nstrategy fullmesh\n", 2, "syntax error");
	assert_bad("[core\nstrategy = fullmesh\n", 1, "without a closing ']'");
}
END_TEST

START_TEST(test_err_continuation)
{
	assert_bad("[core]\nstrategy = fullmesh\n  max-subflows = 2\n", 3,
		   "strategy takes a single value");
	assert_bad("[interfaces]\ninclude = eth*\n  [core]\n", 3,
		   "indented section header");
	assert_bad("[interfaces]\ninclude = eth*\n  exclude = veth*\n", 3,
		   "'=' in a pattern");
}
END_TEST

START_TEST(test_err_long_line)
{
	char text[512];

	memset(text, 'x', sizeof(text));
	memcpy(text, "[core]\n; ", 9);
	memcpy(text + 300, "\nmax-subflows = 300\n", 21);
	assert_bad(text, 2, "line is longer than");
	/* The count of lines stays right after the long one. */
	assert_line_msg("t.conf", 3, "out of range");
}
END_TEST

/* ---- several errors, one pass ---- */

START_TEST(test_err_all_reported)
{
	ck_assert_int_eq(load("[core]\n"			/* 1 */
			      "strategy = fullmesh\n"		/* 2 */
			      "bad line one\n"			/* 3 */
			      "max-subflows = 300\n"		/* 4 */
			      "bad line two\n"			/* 5 */
			      "log-level = loud\n"		/* 6 */
			      "[nope\n"				/* 7 */
			      "[interfaces]\n"			/* 8 */
			      "include = eth*\n"		/* 9 */
			      "bogus = 1\n"			/* 10 */
			      "include = wlan*\n"), -EINVAL);	/* 11 */
	assert_line_msg("t.conf", 3, "syntax error");
	assert_line_msg("t.conf", 4, "out of range");
	assert_line_msg("t.conf", 5, "syntax error");
	assert_line_msg("t.conf", 6, "unknown level");
	assert_line_msg("t.conf", 7, "closing ']'");
	assert_line_msg("t.conf", 10, "unknown key 'bogus'");
	assert_line_msg("t.conf", 11, "duplicate key 'include'");
	ck_assert_uint_eq(msgs_count_lines(), 7);
	/* In line order. */
	ck_assert_int_lt(msgs_find("t.conf:3:", NULL), msgs_find("t.conf:4:", NULL));
	ck_assert_int_lt(msgs_find("t.conf:7:", NULL), msgs_find("t.conf:10:", NULL));
	ck_assert(msgs_find("t.conf: 7 errors", NULL) >= 0);
}
END_TEST

/* Garbage is bounded work and still fails cleanly. */
START_TEST(test_err_many_syntax)
{
	char *text = malloc(200 * 6 + 1);

	ck_assert_ptr_nonnull(text);
	text[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(text, "junk\n");
	ck_assert_int_eq(load(text), -EINVAL);
	assert_line_msg("t.conf", 1, "syntax error");
	assert_line_msg("t.conf", 64, "syntax error");
	assert_line_msg("t.conf", 65, "too many errors");
	free(text);
}
END_TEST

START_TEST(test_unchanged_after_failure)
{
	ck_assert_int_eq(load("[core]\nstrategy = first\nmax-subflows = 3\n"
			      "[interfaces]\ninclude = eth0\nexclude = x*\n"), 0);
	ck_assert_int_eq(load("[core]\nstrategy = second\nlog-level = debug\n"
			      "max-subflows = 999\n"
			      "[interfaces]\ninclude = wlan*\nexclude =\n"), -EINVAL);
	ck_assert_str_eq(cfg.strategy, "first");
	ck_assert_uint_eq(cfg.max_subflows, 3);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
	ck_assert_uint_eq(cfg.include.n, 1);
	ck_assert_str_eq(cfg.include.v[0], "eth0");
	ck_assert_uint_eq(cfg.exclude.n, 1);
	ck_assert_str_eq(cfg.exclude.v[0], "x*");
}
END_TEST

/* ---- files ---- */

static char *write_tmp(const char *data, size_t len)
{
	char *path = strdup("/tmp/check_config.XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(test_file_ok)
{
	static const char text[] = "[core]\nstrategy = fullmesh\nmax-subflows = 5\n";
	char *path = write_tmp(text, sizeof(text) - 1);

	ck_assert_int_eq(config_load(&cfg, path), 0);
	ck_assert_uint_eq(cfg.max_subflows, 5);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_file_errors_name_path)
{
	static const char text[] = "[core]\n\0bad\nmax-subflows = 300\n";
	char *path = write_tmp(text, sizeof(text) - 1);

	msgs_clear();
	ck_assert_int_eq(config_load(&cfg, path), -EINVAL);
	assert_line_msg(path, 2, "NUL byte");
	assert_line_msg(path, 3, "out of range");
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_file_missing)
{
	msgs_clear();
	ck_assert_int_eq(config_load(&cfg, "/nonexistent/mptcpd.conf"), -ENOENT);
	ck_assert(msgs_find("/nonexistent/mptcpd.conf", "No such file") >= 0);
	ck_assert_str_eq(cfg.strategy, "fullmesh");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_all_keys);
	tcase_add_test(tc, test_log_levels);
	tcase_add_test(tc, test_max_subflows_bounds);
	tcase_add_test(tc, test_syntax_variants);
	tcase_add_test(tc, test_layered);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_exclude_replaces_defaults);
	tcase_add_test(tc, test_include_and_exclude);
	tcase_add_test(tc, test_err_unknown_section);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_outside_section);
	tcase_add_test(tc, test_err_duplicate);
	tcase_add_test(tc, test_err_numbers);
	tcase_add_test(tc, test_err_empty);
	tcase_add_test(tc, test_err_values);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_continuation);
	tcase_add_test(tc, test_err_long_line);
	tcase_add_test(tc, test_err_all_reported);
	tcase_add_test(tc, test_err_many_syntax);
	tcase_add_test(tc, test_unchanged_after_failure);
	tcase_add_test(tc, test_file_ok);
	tcase_add_test(tc, test_file_errors_name_path);
	tcase_add_test(tc, test_file_missing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
