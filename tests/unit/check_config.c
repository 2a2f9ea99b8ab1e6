/* SPDX-License-Identifier: BSD-3-Clause */
/* config.c: defaults, every key, every error class, include/exclude,
 * [interface] rules, announce lists, the backoff cross-check. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "logcap.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/mptcpd"
#endif

static struct config cfg;

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

/* What peers' announcements may do: the switch and the cap. */
START_TEST(test_announcement_keys)
{
	ck_assert_int_eq(load(""), 0);
	ck_assert(cfg.accept_announcements);
	ck_assert_uint_eq(cfg.max_announcements, 8);
	ck_assert_int_eq(load("[core]\naccept-announcements = No\n"
			      "max-announcements = 0\n"), 0);
	ck_assert(!cfg.accept_announcements);
	ck_assert_uint_eq(cfg.max_announcements, 0);
	ck_assert_int_eq(load("[core]\nmax-announcements = 255\n"), 0);
	ck_assert_uint_eq(cfg.max_announcements, 255);
	ck_assert_int_ne(load("[core]\nmax-announcements = 256\n"), 0);
	ck_assert_int_ne(load("[core]\naccept-announcements = maybe\n"), 0);
}
END_TEST

/* [core] history-size: 0 (none) to 100000, 4096 by default. */
START_TEST(test_history_size)
{
	ck_assert_int_eq(load(""), 0);
	ck_assert_uint_eq(cfg.history_size, 4096);
	ck_assert_int_eq(load("[core]\nhistory-size = 0\n"), 0);
	ck_assert_uint_eq(cfg.history_size, 0);
	ck_assert_int_eq(load("[core]\nhistory-size = 100000\n"), 0);
	ck_assert_uint_eq(cfg.history_size, 100000);
	assert_bad("[core]\nhistory-size = 100001\n", 2, "history-size");
	assert_bad("[core]\nstrategy = fullmesh\nhistory-size = lots\n", 3,
		   "history-size");
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

/* The file of Intel's mptcpd (same path), kept when its package was
 * replaced by ours: named as such. */
START_TEST(test_err_intel_file)
{
	ck_assert_int_eq(load("[core]\nlog=stderr\n"
			      "plugin-dir=/usr/lib/x86_64-linux-gnu/mptcpd\n"
			      "path-manager=addr_adv\n"), -EINVAL);
	assert_line_msg("t.conf", 2, "Intel's mptcpd");
	assert_line_msg("t.conf", 4, "Intel's mptcpd");
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
	/* a quoted word later in a list, too (issue 11) */
	assert_bad("[interfaces]\ninclude = wlan* \"wwan*\"\n", 2, "without quotes");
	assert_bad("[interfaces]\nexclude = veth*, 'docker*'\n", 2, "without quotes");
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

/* What only the daemon can check, and the reasons for the caller. */
static bool fake_strategy_known(void *arg, const char *plugin_dir,
				const char *name)
{
	(void)arg;
	(void)plugin_dir;
	return strcmp(name, "fullmesh") == 0 || strcmp(name, "backup-cellular") == 0;
}

static const char *fake_strategies_known(void *arg)
{
	(void)arg;
	return "built-in are fullmesh, backup-cellular";
}

static int fake_group_known(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "mptcp") == 0 ? 0 : -ENOENT;
}

/* One run reports everything: a syntax error, a bad value, an unknown
 * strategy (at its line, also in [policy]) and group; the caller gets the
 * same FILE:LINE reasons the log has (issue 11: the strategy came with no
 * line, and only in a second round once the rest was fixed). */
START_TEST(test_file_checks_one_round)
{
	static const char text[] = "[core]\nstrategy = fullmsh\nmax-subflows = 300\n"
				   "control-group = nosuchgroup\nthis is wrong\n"
				   "[policy ssh]\nremote-port = 22\nstrategy = nope\n";
	char *path = write_tmp(text, sizeof(text) - 1);
	struct config_report report = { 0 };
	const struct config_checks checks = {
		.strategy_known = fake_strategy_known,
		.strategies_known = fake_strategies_known,
		.group_known = fake_group_known,
		.report = &report,
	};

	msgs_clear();
	ck_assert_int_eq(config_load_checked(&cfg, path, &checks), -EINVAL);
	assert_line_msg(path, 2, "unknown strategy 'fullmsh': built-in are fullmesh");
	assert_line_msg(path, 3, "out of range");
	assert_line_msg(path, 4, "no group 'nosuchgroup'");
	assert_line_msg(path, 5, "syntax error");
	assert_line_msg(path, 6, "[policy ssh]: unknown strategy 'nope'");
	ck_assert_uint_eq(report.n, 5);
	ck_assert_ptr_nonnull(strstr(report.text, ":2: strategy: unknown strategy 'fullmsh'"));
	ck_assert_ptr_nonnull(strstr(report.text, ":5: syntax error"));
	ck_assert_str_eq(cfg.strategy, "fullmesh");	/* nothing applied */
	/* known names pass */
	msgs_clear();
	memset(&report, 0, sizeof(report));
	unlink(path);
	free(path);
	path = write_tmp("[core]\nstrategy = backup-cellular\ncontrol-group = mptcp\n", 56);
	ck_assert_int_eq(config_load_checked(&cfg, path, &checks), 0);
	ck_assert_uint_eq(report.n, 0);
	ck_assert_str_eq(cfg.strategy, "backup-cellular");
	unlink(path);
	free(path);
}
END_TEST

/* ---- plugin-dir, unknown-metered, announce, backoff ---- */

/* cfg.announce_addrs.v[i] is text. */
static void assert_addr(size_t i, const char *text)
{
	char buf[INET6_ADDRSTRLEN];
	const struct mptcpd_addr *a;

	ck_assert_uint_lt(i, cfg.announce_addrs.n);
	a = &cfg.announce_addrs.v[i];
	ck_assert_uint_eq(a->port, 0);
	ck_assert_ptr_nonnull(inet_ntop(a->family, &a->u, buf, sizeof(buf)));
	ck_assert_str_eq(buf, text);
}

START_TEST(test_core_defaults)
{
	enum mptcpd_iface_type type;
	enum mptcpd_metered metered;

	ck_assert_str_eq(cfg.plugin_dir, PLUGINDIR);
	ck_assert(!cfg.unknown_metered);
	ck_assert_int_eq(cfg.announce, CONFIG_ANNOUNCE_ALL);
	ck_assert_uint_eq(cfg.announce_addrs.n, 0);
	ck_assert_uint_eq(cfg.backoff_initial_ms, 1000);
	ck_assert_uint_eq(cfg.backoff_max_ms, 60000);
	ck_assert_uint_eq(cfg.iface_rules.n, 0);
	ck_assert_str_eq(cfg.control_group, "");
	ck_assert(!config_iface_type(&cfg, "wlan0", &type));
	ck_assert(!config_iface_metered(&cfg, "wlan0", &metered));
}
END_TEST

START_TEST(test_core_new_keys)
{
	ck_assert_int_eq(load("[core]\n"
			      "plugin-dir = /opt/mptcpd/plugins\n"
			      "unknown-metered = yes\n"
			      "announce = 192.0.2.1, 2001:db8::1  198.51.100.7\n"
			      "backoff-initial-ms = 500\n"
			      "backoff-max-ms = 30000\n"), 0);
	ck_assert_str_eq(cfg.plugin_dir, "/opt/mptcpd/plugins");
	ck_assert(cfg.unknown_metered);
	ck_assert_int_eq(cfg.announce, CONFIG_ANNOUNCE_LIST);
	ck_assert_uint_eq(cfg.announce_addrs.n, 3);
	assert_addr(0, "192.0.2.1");
	assert_addr(1, "2001:db8::1");
	assert_addr(2, "198.51.100.7");
	ck_assert_uint_eq(cfg.backoff_initial_ms, 500);
	ck_assert_uint_eq(cfg.backoff_max_ms, 30000);
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

START_TEST(test_unknown_metered)
{
	ck_assert_int_eq(load("[core]\nunknown-metered = yes\n"), 0);
	ck_assert(cfg.unknown_metered);
	ck_assert_int_eq(load("[core]\nunknown-metered = no\n"), 0);
	ck_assert(!cfg.unknown_metered);
	ck_assert_int_eq(load("[core]\nunknown-metered = YES\n"), 0);
	ck_assert(cfg.unknown_metered);
}
END_TEST

START_TEST(test_announce)
{
	ck_assert_int_eq(load("[core]\nannounce = none\n"), 0);
	ck_assert_int_eq(cfg.announce, CONFIG_ANNOUNCE_NONE);
	ck_assert_int_eq(load("[core]\nannounce = 203.0.113.9\n"
			      "           2001:db8::9,\n"
			      "\t::ffff:192.0.2.200\n"), 0);
	ck_assert_int_eq(cfg.announce, CONFIG_ANNOUNCE_LIST);
	ck_assert_uint_eq(cfg.announce_addrs.n, 3);
	assert_addr(0, "203.0.113.9");
	assert_addr(1, "2001:db8::9");
	/* A v4-mapped address is stored as plain IPv4. */
	assert_addr(2, "192.0.2.200");
	ck_assert_int_eq(cfg.announce_addrs.v[2].family, AF_INET);
	/* A later file replaces the list. */
	ck_assert_int_eq(load("[core]\nannounce = 198.51.100.1\n"), 0);
	ck_assert_uint_eq(cfg.announce_addrs.n, 1);
	assert_addr(0, "198.51.100.1");
	ck_assert_int_eq(load("[core]\nannounce = All\n"), 0);
	ck_assert_int_eq(cfg.announce, CONFIG_ANNOUNCE_ALL);
	ck_assert_uint_eq(cfg.announce_addrs.n, 0);
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

START_TEST(test_backoff_bounds)
{
	ck_assert_int_eq(load("[core]\nbackoff-initial-ms = 100\nbackoff-max-ms = 100\n"), 0);
	ck_assert_uint_eq(cfg.backoff_initial_ms, 100);
	ck_assert_uint_eq(cfg.backoff_max_ms, 100);
	ck_assert_int_eq(load("[core]\nbackoff-max-ms = 3600000\n"
			      "backoff-initial-ms = 60000\n"), 0);
	ck_assert_uint_eq(cfg.backoff_initial_ms, 60000);
	ck_assert_uint_eq(cfg.backoff_max_ms, 3600000);
	/* Either key alone, checked against the value already there. */
	ck_assert_int_eq(load("[core]\nbackoff-max-ms = 60000\n"), 0);
	ck_assert_int_eq(load("[core]\nbackoff-initial-ms = 2000\n"), 0);
	ck_assert_uint_eq(cfg.backoff_initial_ms, 2000);
	ck_assert_uint_eq(cfg.backoff_max_ms, 60000);
}
END_TEST

START_TEST(test_rtt_switch)
{
	ck_assert_uint_eq(cfg.rtt_switch_ratio_pct, 150);
	ck_assert_uint_eq(cfg.rtt_switch_margin_ms, 20);
	ck_assert_uint_eq(cfg.rtt_switch_hold_ms, 500);
	ck_assert_int_eq(load("[core]\nrtt-switch-ratio = 1.25\n"
			      "rtt-switch-margin-ms = 0\nrtt-switch-hold-ms = 60000\n"), 0);
	ck_assert_uint_eq(cfg.rtt_switch_ratio_pct, 125);
	ck_assert_uint_eq(cfg.rtt_switch_margin_ms, 0);
	ck_assert_uint_eq(cfg.rtt_switch_hold_ms, 60000);
	ck_assert_int_eq(load("[core]\nrtt-switch-ratio = 2.5\n"), 0);
	ck_assert_uint_eq(cfg.rtt_switch_ratio_pct, 250);
	ck_assert_int_eq(load("[core]\nrtt-switch-ratio = 10\n"), 0);
	ck_assert_uint_eq(cfg.rtt_switch_ratio_pct, 1000);
	ck_assert_int_eq(load("[core]\nrtt-switch-ratio = 1\n"), 0);
	ck_assert_uint_eq(cfg.rtt_switch_ratio_pct, 100);
	assert_bad("[core]\nrtt-switch-ratio = 0.9\n", 2, "out of range (1..10)");
	assert_bad("[core]\nrtt-switch-ratio = 10.5\n", 2, "out of range (1..10)");
	assert_bad("[core]\nrtt-switch-ratio = 1.505\n", 2, "is not a factor");
	assert_bad("[core]\nrtt-switch-ratio = 1.\n", 2, "is not a factor");
	assert_bad("[core]\nrtt-switch-ratio = .5\n", 2, "is not a factor");
	assert_bad("[core]\nrtt-switch-ratio = 1.5x\n", 2, "is not a factor");
	assert_bad("[core]\nrtt-switch-ratio = 99999999999\n", 2, "is not a factor");
	assert_bad("[core]\nrtt-switch-ratio =\n", 2, "is not a factor");
	assert_bad("[core]\nrtt-switch-margin-ms = 10001\n", 2, "out of range");
	assert_bad("[core]\nrtt-switch-hold-ms = -1\n", 2, "is not a number");
}
END_TEST

/* ---- [interface GLOB] ---- */

START_TEST(test_iface_laptop)
{
	enum mptcpd_iface_type type;
	enum mptcpd_metered metered;

	ck_assert_int_eq(load("[interface wlan*]\n"		/* 1 */
			      "type = wifi\n"			/* 2 */
			      "\n"				/* 3 */
			      "[interface wwan*]\n"		/* 4 */
			      "type = cellular\n"		/* 5 */
			      "metered = yes\n"), 0);		/* 6 */
	ck_assert_uint_eq(cfg.iface_rules.n, 2);
	ck_assert_str_eq(cfg.iface_rules.v[0].glob, "wlan*");
	ck_assert_uint_eq(cfg.iface_rules.v[0].line, 1);
	ck_assert(cfg.iface_rules.v[0].has_type);
	ck_assert(!cfg.iface_rules.v[0].has_metered);
	ck_assert_str_eq(cfg.iface_rules.v[1].glob, "wwan*");
	ck_assert_uint_eq(cfg.iface_rules.v[1].line, 4);
	ck_assert(config_iface_type(&cfg, "wlan0", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_WIFI);
	ck_assert(!config_iface_metered(&cfg, "wlan0", &metered));
	ck_assert(config_iface_type(&cfg, "wwan0", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_CELLULAR);
	ck_assert(config_iface_metered(&cfg, "wwan0", &metered));
	ck_assert_int_eq(metered, MPTCPD_METERED_YES);
	ck_assert(!config_iface_type(&cfg, "eth0", &type));
	ck_assert(!config_iface_metered(&cfg, "eth0", &metered));
	ck_assert_uint_eq(msgs.n, 0);
}
END_TEST

/* Several sections match: the last one with the key wins, key by key. */
START_TEST(test_iface_override)
{
	enum mptcpd_iface_type type;
	enum mptcpd_metered metered;

	ck_assert_int_eq(load("[interface *]\nmetered = no\ntype = ethernet\n"
			      "[interface wwan*]\nmetered = yes\n"
			      "[interface wwan1]\ntype = other\n"
			      "[interface usb?]\nmetered = unknown\n"), 0);
	ck_assert(config_iface_metered(&cfg, "wwan1", &metered));
	ck_assert_int_eq(metered, MPTCPD_METERED_YES);
	ck_assert(config_iface_type(&cfg, "wwan1", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_OTHER);
	ck_assert(config_iface_type(&cfg, "wwan0", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_ETHERNET);
	ck_assert(config_iface_metered(&cfg, "eth0", &metered));
	ck_assert_int_eq(metered, MPTCPD_METERED_NO);
	/* "unknown" is a setting too: it overrides the earlier "no". */
	ck_assert(config_iface_metered(&cfg, "usb0", &metered));
	ck_assert_int_eq(metered, MPTCPD_METERED_UNKNOWN);
	ck_assert(config_iface_metered(&cfg, "usb10", &metered));
	ck_assert_int_eq(metered, MPTCPD_METERED_NO);
}
END_TEST

/* The same pattern twice is two sections: no duplicate key, later wins. */
START_TEST(test_iface_same_glob_twice)
{
	enum mptcpd_iface_type type;

	ck_assert_int_eq(load("[interface wlan0]\ntype = wifi\n"
			      "[core]\n"
			      "[interface wlan0]\ntype = cellular\n"
			      "[interface wlan0]\n"
			      "  type = ethernet\n"), 0);
	ck_assert_uint_eq(cfg.iface_rules.n, 3);
	ck_assert(config_iface_type(&cfg, "wlan0", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_ETHERNET);
	/* A repeated [core] still may not set a key twice. */
	assert_bad("[core]\nstrategy = a\n[interface x]\ntype = wifi\n"
		   "[core]\nstrategy = b\n", 6, "duplicate key 'strategy'");
	ck_assert_uint_eq(msgs_count_lines(), 1);
}
END_TEST

START_TEST(test_iface_words)
{
	static const struct { const char *word; int type; } t[] = {
		{ "wifi", MPTCPD_IFACE_WIFI }, { "cellular", MPTCPD_IFACE_CELLULAR },
		{ "ethernet", MPTCPD_IFACE_ETHERNET }, { "other", MPTCPD_IFACE_OTHER },
		{ "WiFi", MPTCPD_IFACE_WIFI },
	};
	static const struct { const char *word; int metered; } m[] = {
		{ "yes", MPTCPD_METERED_YES }, { "no", MPTCPD_METERED_NO },
		{ "unknown", MPTCPD_METERED_UNKNOWN },
	};
	enum mptcpd_iface_type type;
	enum mptcpd_metered metered;
	char text[96];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[interface x%zu]\ntype = %s\n", i, t[i].word);
		ck_assert_int_eq(load(text), 0);
		snprintf(text, sizeof(text), "x%zu", i);
		ck_assert(config_iface_type(&cfg, text, &type));
		ck_assert_int_eq(type, t[i].type);
	}
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(text, sizeof(text), "[interface\ty%zu]\nmetered: %s\n", i, m[i].word);
		ck_assert_int_eq(load(text), 0);
		snprintf(text, sizeof(text), "y%zu", i);
		ck_assert(config_iface_metered(&cfg, text, &metered));
		ck_assert_int_eq(metered, m[i].metered);
	}
}
END_TEST

/* A later file adds its sections after the earlier ones. */
START_TEST(test_iface_layered)
{
	enum mptcpd_iface_type type;

	ck_assert_int_eq(load("[interface eth*]\ntype = ethernet\n"), 0);
	ck_assert_int_eq(load("[interface eth1]\ntype = cellular\n"), 0);
	ck_assert_uint_eq(cfg.iface_rules.n, 2);
	ck_assert(config_iface_type(&cfg, "eth0", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_ETHERNET);
	ck_assert(config_iface_type(&cfg, "eth1", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_CELLULAR);
}
END_TEST

/* ---- errors of the new keys ---- */

START_TEST(test_err_plugin_dir)
{
	assert_bad("[core]\nplugin-dir =\n", 2,
		   "plugin-dir: empty value (expected an absolute directory path)");
	assert_bad("[core]\nplugin-dir = lib/mptcpd\n", 2,
		   "plugin-dir: 'lib/mptcpd' is not an absolute path");
	assert_bad("[core]\nplugin-dir = \"/usr/lib\"\n", 2, "without quotes");
	assert_bad("[core]\nplugin_dir = /usr/lib\n", 2, "did you mean 'plugin-dir'");
	assert_bad("[core]\nplugin-dir = /a\nplugin-dir = /b\n", 3,
		   "duplicate key 'plugin-dir' (already set on line 2)");
}
END_TEST

/* A group name's form only: whether it exists is the daemon's check. */
START_TEST(test_control_group)
{
	static const char *const good[] = {
		"mptcpctl", "_mptcp", "netdev", "wheel-2", "a",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 characters */
	};
	char text[128];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[core]\ncontrol-group = %s\n", good[i]);
		ck_assert_int_eq(load(text), 0);
		ck_assert_str_eq(cfg.control_group, good[i]);
		ck_assert_uint_eq(msgs.n, 0);
	}
	/* Empty: back to root only. */
	ck_assert_int_eq(load("[core]\ncontrol-group =\n"), 0);
	ck_assert_str_eq(cfg.control_group, "");
}
END_TEST

START_TEST(test_err_control_group)
{
	assert_bad("[core]\ncontrol-group = abcdefghijklmnopqrstuvwxyz0123456\n", 2,
		   "control-group: 'abcdefghijklmnopqrstuvwxyz0123456' is too long (a group name has at most 32 characters)");
	assert_bad("[core]\ncontrol-group = 1mptcp\n", 2,
		   "control-group: '1mptcp' must start with a-z or '_'");
	assert_bad("[core]\ncontrol-group = -mptcp\n", 2, "must start with a-z or '_'");
	assert_bad("[core]\ncontrol-group = MPTCP\n", 2, "must start with a-z or '_'");
	assert_bad("[core]\ncontrol-group = mptcP\n", 2,
		   "control-group: 'mptcP' contains 'P' (a group name is made of a-z, 0-9, '-' and '_')");
	assert_bad("[core]\ncontrol-group = mptcp ctl\n", 2, "contains ' '");
	assert_bad("[core]\ncontrol-group = mptcp,wheel\n", 2, "contains ','");
	assert_bad("[core]\ncontrol-group = \"mptcp\"\n", 2, "without quotes");
	assert_bad("[core]\ncontrol-group = a\ncontrol-group = b\n", 3,
		   "duplicate key 'control-group' (already set on line 2)");
	assert_bad("[interfaces]\ncontrol-group = mptcp\n", 2, "it belongs in [core]");
	/* A refused value leaves the running one alone. */
	ck_assert_int_eq(load("[core]\ncontrol-group = good\n"), 0);
	ck_assert_int_eq(load("[core]\ncontrol-group = Bad\n"), -EINVAL);
	ck_assert_str_eq(cfg.control_group, "good");
}
END_TEST

START_TEST(test_err_unknown_metered)
{
	assert_bad("[core]\nunknown-metered =\n", 2,
		   "unknown-metered: empty value (expected yes or no)");
	assert_bad("[core]\nunknown-metered = maybe\n", 2,
		   "unknown-metered: unknown value 'maybe' (expected yes or no)");
	assert_bad("[interfaces]\nunknown-metered = yes\n", 2, "it belongs in [core]");
}
END_TEST

START_TEST(test_err_announce)
{
	assert_bad("[core]\nannounce =\n", 2,
		   "announce: empty value (expected all, none or addresses)");
	assert_bad("[core]\nannounce = 192.0.2.300\n", 2,
		   "announce: '192.0.2.300' is not an IPv4 or IPv6 address");
	assert_bad("[core]\nannounce = 192.0.2.1:80\n", 2, "is not an IPv4 or IPv6 address");
	assert_bad("[core]\nannounce = [2001:db8::1]\n", 2, "is not an IPv4 or IPv6 address");
	assert_bad("[core]\nannounce = server.example\n", 2, "is not an IPv4 or IPv6 address");
	assert_bad("[core]\nannounce = 2001:db8:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1\n", 2,
		   "is not an IPv4 or IPv6 address");
	/* Longer than any address: named whole in the message. */
	assert_bad("[core]\nannounce = 2001:0db8:0000:0000:0000:0000:0000:0000:0000:0001\n", 2,
		   "'2001:0db8:0000:0000:0000:0000:0000:0000:0000:0001' is not an IPv4");
	assert_bad("[core]\nannounce = 192.0.2.1 all\n", 2,
		   "announce: 'all' cannot be combined with addresses");
	assert_bad("[core]\nannounce = none\n  192.0.2.1\n", 3,
		   "announce: addresses cannot follow 'none'");
	assert_bad("[core]\nannounce = all\n  192.0.2.1\n", 3, "cannot follow 'all'");
	assert_bad("[core]\nannounce = 192.0.2.1\n  backoff-max-ms = 5\n", 3,
		   "'=' in an address");
}
END_TEST

START_TEST(test_err_announce_unusable)
{
	static const char *const bad[] = {
		"0.0.0.0", "127.0.0.1", "224.0.0.1", "169.254.1.1",
		"::", "::1", "ff02::1", "fe80::1",
	};
	char text[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[core]\nannounce = 192.0.2.1 %s\n", bad[i]);
		assert_bad(text, 2, "cannot be announced");
		ck_assert(msgs_find(bad[i], "unspecified, loopback, link-local or multicast") >= 0);
	}
}
END_TEST

START_TEST(test_err_backoff)
{
	assert_bad("[core]\nbackoff-initial-ms = 99\n", 2,
		   "backoff-initial-ms: '99' is out of range (100..60000)");
	assert_bad("[core]\nbackoff-initial-ms = 60001\n", 2, "out of range (100..60000)");
	assert_bad("[core]\nbackoff-max-ms = 3600001\n", 2,
		   "backoff-max-ms: '3600001' is out of range (100..3600000)");
	assert_bad("[core]\nbackoff-max-ms = 50\n", 2, "out of range (100..3600000)");
	assert_bad("[core]\nbackoff-max-ms = 1s\n", 2, "trailing garbage 's'");
	assert_bad("[core]\nbackoff-initial-ms = soon\n", 2, "'soon' is not a number");
	assert_bad("[core]\nbackoff-initial-ms =\n", 2,
		   "backoff-initial-ms: empty value (expected an integer 100..60000)");
}
END_TEST

/* max < initial names both lines, reported at the later one. */
START_TEST(test_err_backoff_cross)
{
	assert_bad("[core]\nbackoff-max-ms = 500\n\nbackoff-initial-ms = 2000\n", 4,
		   "backoff-max-ms (500, line 2) is less than backoff-initial-ms (2000, line 4)");
	ck_assert_uint_eq(msgs_count_lines(), 1);
	assert_bad("[core]\nbackoff-initial-ms = 2000\nbackoff-max-ms = 500\n", 3,
		   "(500, line 3) is less than backoff-initial-ms (2000, line 2)");
	/* Against the default initial value (1000). */
	assert_bad("[core]\nbackoff-max-ms = 500\n", 2,
		   "backoff-max-ms: 500 is less than backoff-initial-ms (1000, not set in this file)");
	/* Against a max set by an earlier file. */
	ck_assert_int_eq(load("[core]\nbackoff-max-ms = 2000\n"), 0);
	assert_bad("[core]\nbackoff-initial-ms = 5000\n", 2,
		   "backoff-initial-ms: 5000 is more than backoff-max-ms (2000, not set in this file)");
	/* No cross-check against a value that was itself rejected. */
	assert_bad("[core]\nbackoff-initial-ms = 50000\nbackoff-max-ms = 9999999\n", 3,
		   "out of range");
	ck_assert_uint_eq(msgs_count_lines(), 1);
	ck_assert_uint_eq(cfg.backoff_max_ms, 2000);
}
END_TEST

START_TEST(test_err_iface_keys)
{
	assert_bad("[interface wlan*]\ntype = wifi\nspeed = 100\n", 3,
		   "unknown key 'speed' in [interface wlan*] (known keys: type, metered)");
	assert_bad("[interface wlan*]\nType = wifi\n", 2,
		   "unknown key 'Type' in [interface wlan*]; did you mean 'type'?");
	assert_bad("[interface wlan*]\nstrategy = fullmesh\n", 2,
		   "unknown key 'strategy' in [interface wlan*]; it belongs in [core]");
	assert_bad("[core]\ntype = wifi\n", 2,
		   "unknown key 'type' in [core]; it belongs in [interface PATTERN]");
	assert_bad("[interfaces]\nmetered = yes\n", 2, "it belongs in [interface PATTERN]");
	assert_bad("metered = yes\n", 1, "outside any section; put it under [interface PATTERN]");
	assert_bad("[interface wlan*]\ntype = wireless\n", 2,
		   "type: unknown value 'wireless' (expected wifi, cellular, ethernet or other)");
	assert_bad("[interface wlan*]\ntype =\n", 2,
		   "type: empty value (expected wifi, cellular, ethernet or other)");
	assert_bad("[interface wwan*]\nmetered = sometimes\n", 2,
		   "metered: unknown value 'sometimes' (expected yes, no or unknown)");
	assert_bad("[interface wwan*]\nmetered =\n", 2, "metered: empty value");
	assert_bad("[interface wwan*]\nmetered = yes\ntype = cellular\nmetered = no\n", 4,
		   "duplicate key 'metered' (already set on line 2)");
	assert_bad("[interface wwan*]\ntype = cellular\n  wifi\n", 3,
		   "type takes a single value");
}
END_TEST

/* A bad header is reported once, at its line; its keys are skipped. */
START_TEST(test_err_iface_headers)
{
	assert_bad("[interface]\ntype = wifi\nmetered = no\n", 1,
		   "[interface]: missing the interface name pattern");
	ck_assert_uint_eq(msgs_count_lines(), 1);
	assert_bad("[core]\n[interface  ]\ntype = wifi\n", 2, "missing the interface name pattern");
	assert_bad("[interface wlan* eth*]\ntype = wifi\n", 1,
		   "[interface wlan* eth*]: one interface name pattern per section");
	assert_bad("[interface wlan[0-3]]\ntype = wifi\n", 1,
		   "'[...]' cannot be used here");
	assert_bad("[Interface wlan*]\ntype = wifi\n", 2,
		   "unknown section [Interface wlan*]; did you mean [interface wlan*]?");
	assert_bad("[interfaces  wwan*]\ntype = wifi\n", 2,
		   "did you mean [interface wwan*]?");
	assert_bad("[interface_wlan]\ntype = wifi\n", 2,
		   "known sections: [core], [interfaces], [interface PATTERN]");
	/* inih would cut the name to 49 characters. */
	assert_bad("[interface aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\ntype = wifi\n", 1,
		   "section name is longer than 49 characters");
	ck_assert_int_eq(load("[interface aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\ntype = wifi\n"), 0);
	ck_assert_uint_eq(strlen(cfg.iface_rules.v[0].glob), 39);
	/* A key after a bad section goes to the next good one. */
	assert_bad("[interface]\ntype = wifi\n[interface ok]\ntype = foo\n", 4,
		   "unknown value 'foo'");
	ck_assert_uint_eq(msgs_count_lines(), 2);
}
END_TEST

/* Errors of the new keys are all reported, in line order. */
START_TEST(test_err_new_all_reported)
{
	ck_assert_int_eq(load("[core]\n"				/* 1 */
			      "plugin-dir = plugins\n"			/* 2 */
			      "announce = 192.0.2.1, nope\n"		/* 3 */
			      "unknown-metered = perhaps\n"		/* 4 */
			      "[interface wlan*]\n"			/* 5 */
			      "type = radio\n"				/* 6 */
			      "colour = blue\n"				/* 7 */
			      "[interface ]\n"				/* 8 */
			      "type = wifi\n"				/* 9 */
			      "[core]\n"				/* 10 */
			      "backoff-initial-ms = 9000\n"		/* 11 */
			      "backoff-max-ms = 8000\n"), -EINVAL);	/* 12 */
	assert_line_msg("t.conf", 2, "not an absolute path");
	assert_line_msg("t.conf", 3, "'nope' is not an IPv4 or IPv6 address");
	assert_line_msg("t.conf", 4, "unknown value 'perhaps'");
	assert_line_msg("t.conf", 6, "unknown value 'radio'");
	assert_line_msg("t.conf", 7, "unknown key 'colour'");
	assert_line_msg("t.conf", 8, "missing the interface name pattern");
	assert_line_msg("t.conf", 12, "is less than backoff-initial-ms (9000, line 11)");
	ck_assert_uint_eq(msgs_count_lines(), 7);
	ck_assert_int_lt(msgs_find("t.conf:2:", NULL), msgs_find("t.conf:3:", NULL));
	ck_assert_int_lt(msgs_find("t.conf:7:", NULL), msgs_find("t.conf:8:", NULL));
	ck_assert(msgs_find("t.conf: 7 errors", NULL) >= 0);
}
END_TEST

START_TEST(test_new_unchanged_after_failure)
{
	enum mptcpd_iface_type type;

	ck_assert_int_eq(load("[core]\nannounce = 192.0.2.1\nplugin-dir = /p\n"
			      "[interface eth*]\ntype = ethernet\n"), 0);
	ck_assert_int_eq(load("[core]\nannounce = 192.0.2.2 198.51.100.2\n"
			      "plugin-dir = /q\nunknown-metered = yes\n"
			      "backoff-initial-ms = 200\n"
			      "[interface eth*]\ntype = wifi\n"
			      "[interface wwan*]\ntype = bogus\n"), -EINVAL);
	ck_assert_str_eq(cfg.plugin_dir, "/p");
	ck_assert(!cfg.unknown_metered);
	ck_assert_uint_eq(cfg.backoff_initial_ms, 1000);
	ck_assert_uint_eq(cfg.announce_addrs.n, 1);
	assert_addr(0, "192.0.2.1");
	ck_assert_uint_eq(cfg.iface_rules.n, 1);
	ck_assert(config_iface_type(&cfg, "eth0", &type));
	ck_assert_int_eq(type, MPTCPD_IFACE_ETHERNET);
}
END_TEST

/* The shipped conf/mptcpd.conf loads and changes nothing. */
START_TEST(test_shipped_conf)
{
	const char *srcdir = getenv("srcdir");
	char path[512];

	if (!srcdir)
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/conf/mptcpd.conf", srcdir);
	if (access(path, R_OK) != 0)
		return;		/* not run from the build tree */
	msgs_clear();
	ck_assert_int_eq(config_load(&cfg, path), 0);
	ck_assert_uint_eq(msgs.n, 0);
	ck_assert_str_eq(cfg.strategy, "fullmesh");
	ck_assert_uint_eq(cfg.max_subflows, 8);
	ck_assert_str_eq(cfg.plugin_dir, PLUGINDIR);
	ck_assert_int_eq(cfg.announce, CONFIG_ANNOUNCE_ALL);
	ck_assert_uint_eq(cfg.backoff_initial_ms, 1000);
	ck_assert_uint_eq(cfg.backoff_max_ms, 60000);
	ck_assert_str_eq(cfg.control_group, "");
	ck_assert_uint_eq(cfg.exclude.n, 11);
	ck_assert_uint_eq(cfg.iface_rules.n, 0);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_checks_one_round);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_all_keys);
	tcase_add_test(tc, test_log_levels);
	tcase_add_test(tc, test_max_subflows_bounds);
	tcase_add_test(tc, test_announcement_keys);
	tcase_add_test(tc, test_history_size);
	tcase_add_test(tc, test_syntax_variants);
	tcase_add_test(tc, test_layered);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_exclude_replaces_defaults);
	tcase_add_test(tc, test_include_and_exclude);
	tcase_add_test(tc, test_err_unknown_section);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_intel_file);
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
	tcase_add_test(tc, test_core_defaults);
	tcase_add_test(tc, test_core_new_keys);
	tcase_add_test(tc, test_unknown_metered);
	tcase_add_test(tc, test_announce);
	tcase_add_test(tc, test_backoff_bounds);
	tcase_add_test(tc, test_rtt_switch);
	tcase_add_test(tc, test_iface_laptop);
	tcase_add_test(tc, test_iface_override);
	tcase_add_test(tc, test_iface_same_glob_twice);
	tcase_add_test(tc, test_iface_words);
	tcase_add_test(tc, test_iface_layered);
	tcase_add_test(tc, test_err_plugin_dir);
	tcase_add_test(tc, test_control_group);
	tcase_add_test(tc, test_err_control_group);
	tcase_add_test(tc, test_err_unknown_metered);
	tcase_add_test(tc, test_err_announce);
	tcase_add_test(tc, test_err_announce_unusable);
	tcase_add_test(tc, test_err_backoff);
	tcase_add_test(tc, test_err_backoff_cross);
	tcase_add_test(tc, test_err_iface_keys);
	tcase_add_test(tc, test_err_iface_headers);
	tcase_add_test(tc, test_err_new_all_reported);
	tcase_add_test(tc, test_new_unchanged_after_failure);
	tcase_add_test(tc, test_shipped_conf);
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
