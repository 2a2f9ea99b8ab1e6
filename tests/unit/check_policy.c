/* SPDX-License-Identifier: BSD-3-Clause */
/* [policy NAME] rules: matching of every key, first match wins, ranges,
 * CIDRs (IPv4, IPv6, IPv4-mapped), cgroup globs, the owner asked for only
 * when a rule could still match; and the sections in mptcpd.conf, with
 * every bad value a FILE:LINE error. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "config_priv.h"
#include "fixture.h"
#include "log.h"
#include "logcap.h"
#include "policy.h"

static struct config cfg;

static bool msgs_has(const char *a, const char *b)
{
	return msgs_find(a, b) >= 0;
}

static int load(const char *text)
{
	msgs_clear();
	config_free(&cfg);
	config_init(&cfg);
	return config_load_string(&cfg, text, "t.conf");
}

static void assert_bad(const char *text, unsigned int line, const char *what)
{
	char prefix[32];

	ck_assert_int_eq(load(text), -EINVAL);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	ck_assert_msg(msgs_has(prefix, what), "no message '%s...%s' (first: %s)",
		      prefix, what, msgs.n ? msgs.msg[0] : "none");
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

/* A client connection from 192.0.2.2:40000 to remote:rport. */
static struct policy_conn conn(const char *remote, uint16_t rport)
{
	struct policy_conn c = { 0 };

	c.local = fx_addr("192.0.2.2", 40000);
	c.remote = fx_addr(remote, rport);
	c.cgroup = "";
	return c;
}

static int match(const struct policy_conn *c)
{
	return policy_match(cfg.policies.v, cfg.policies.n, c);
}

/* ---- parsing ---- */

START_TEST(test_every_key)
{
	const struct policy_rule *r;

	ck_assert_int_eq(load("[policy ssh]\n"
			      "remote-port = 22, 2222-2230\n"
			      "local-port = 40000\n"
			      "remote-prefix = 203.0.113.0/24 2001:db8::/32\n"
			      "  198.51.100.7\n"
			      "server-side = no\n"
			      "user = root\n"
			      "cgroup = */ssh.service, user.slice/*/app-*firefox*.scope\n"
			      "strategy = backup-cellular\n"
			      "max-subflows = 2\n"
			      "interfaces = wifi, cellular\n"
			      "metered = backup-only\n"), 0);
	ck_assert_uint_eq(cfg.policies.n, 1);
	r = &cfg.policies.v[0];
	ck_assert_str_eq(r->name, "ssh");
	ck_assert_uint_eq(r->line, 1);
	ck_assert_uint_eq(r->n_remote_ports, 2);
	ck_assert_uint_eq(r->remote_ports[1].lo, 2222);
	ck_assert_uint_eq(r->remote_ports[1].hi, 2230);
	ck_assert_uint_eq(r->n_local_ports, 1);
	ck_assert_uint_eq(r->n_prefixes, 3);
	ck_assert_uint_eq(r->remote_prefixes[1].len, 32);
	ck_assert_uint_eq(r->remote_prefixes[2].len, 32);	/* a host */
	ck_assert_int_eq(r->side, POLICY_SIDE_CLIENT);
	ck_assert(r->has_user);
	ck_assert_uint_eq(r->uid, 0);
	ck_assert_uint_eq(r->n_cgroups, 2);
	ck_assert_str_eq(r->strategy, "backup-cellular");
	ck_assert_uint_eq(r->max_subflows, 2);
	ck_assert_uint_eq(r->iface_types, (1u << MPTCPD_IFACE_WIFI) |
					  (1u << MPTCPD_IFACE_CELLULAR));
	ck_assert_int_eq(r->metered, POLICY_METERED_BACKUP_ONLY);
}
END_TEST

START_TEST(test_sections_in_file_order)
{
	ck_assert_int_eq(load("[core]\nstrategy = fullmesh\n"
			      "[policy b]\nremote-port = 1\n"
			      "[interface wlan*]\ntype = wifi\n"
			      "[policy a]\nremote-port = 2\n"
			      "[Policy c]\nremote-port = 3\n"), -EINVAL);
	/* [Policy c] is not a section: with a hint */
	ck_assert(msgs_has("unknown section [Policy c]", "[policy c]"));
	ck_assert_int_eq(load("[policy b]\nremote-port = 1\n"
			      "[policy a]\nuser = 0\n"), 0);
	ck_assert_uint_eq(cfg.policies.n, 2);
	ck_assert_str_eq(cfg.policies.v[0].name, "b");
	ck_assert_str_eq(cfg.policies.v[1].name, "a");
	ck_assert_uint_eq(cfg.policies.v[1].line, 3);
}
END_TEST

START_TEST(test_bad_rules_are_file_line_errors)
{
	assert_bad("[policy x]\nremote-prefix = 192.0.2.1/24\n", 2,
		   "bits are set after the prefix length");
	assert_bad("[policy x]\nremote-prefix = 192.0.2.0/33\n", 2,
		   "above the address's bits");
	assert_bad("[policy x]\nremote-prefix = 2001:db8::/129\n", 2,
		   "above the address's bits");
	assert_bad("[policy x]\nremote-prefix = example.com\n", 2,
		   "not an IPv4 or IPv6 prefix");
	assert_bad("[policy x]\nremote-port = 0\n", 2, "1 to 65535");
	assert_bad("[policy x]\nremote-port = 70000\n", 2, "1 to 65535");
	assert_bad("[policy x]\nlocal-port = 90-80\n", 2, "above its last");
	assert_bad("[policy x]\nremote-port = ssh\n", 2, "1 to 65535");
	assert_bad("[policy x]\nuser = no-such-user-here\n", 2, "no user");
	assert_bad("[policy x]\nserver-side = maybe\n", 2, "expected yes or no");
	assert_bad("[policy x]\ninterfaces = wifi, wlan\n", 2, "unknown value 'wlan'");
	assert_bad("[policy x]\nmetered = sometimes\n", 2,
		   "expected allow, backup-only or never");
	assert_bad("[policy x]\nmax-subflows = 0\n", 2, "max-subflows");
	assert_bad("[policy x]\nstrategy = Full Mesh\n", 2, "contains");
	assert_bad("[policy x]\nport = 22\n", 2, "unknown key 'port'");
	assert_bad("[policy x]\nremote-port = 22\n[policy x]\nremote-port = 23\n",
		   3, "already defined on line 1");
	assert_bad("[policy]\nremote-port = 22\n", 1, "missing the policy's name");
	assert_bad("[policy SSH]\nremote-port = 22\n", 1, "contains 'S'");
	assert_bad("[policy x]\nremote-port = 22\nremote-port = 23\n", 3,
		   "duplicate key");
	assert_bad("[policy x]\ncgroup = /\n", 2, "root cgroup");
	assert_bad("[policy x]\nremote-port = \"22\"\n", 2, "without quotes");
	/* a key of another section, named as such */
	assert_bad("[policy x]\ntype = wifi\n", 2, "unknown key 'type'");
}
END_TEST

/* Each [policy] section is a new rule: its keys start unset. */
START_TEST(test_keys_are_per_section)
{
	ck_assert_int_eq(load("[policy a]\nremote-port = 22\n"
			      "[policy b]\nremote-port = 23\n"), 0);
	ck_assert_uint_eq(cfg.policies.v[1].remote_ports[0].lo, 23);
	ck_assert_uint_eq(cfg.policies.v[1].n_remote_ports, 1);
}
END_TEST

/* A configuration copy owns its rules. */
START_TEST(test_copy)
{
	struct config copy;

	ck_assert_int_eq(load("[policy a]\nremote-port = 22\nstrategy = x\n"), 0);
	ck_assert_int_eq(config_copy(&copy, &cfg), 0);
	ck_assert_ptr_ne(copy.policies.v, cfg.policies.v);
	ck_assert_str_eq(copy.policies.v[0].strategy, "x");
	config_free(&copy);
}
END_TEST

/* ---- matching ---- */

START_TEST(test_first_match_wins)
{
	struct policy_conn c = conn("203.0.113.9", 22);

	ck_assert_int_eq(load("[policy web]\nremote-port = 80, 443\n"
			      "[policy ssh]\nremote-port = 22\n"
			      "[policy all]\nstrategy = fullmesh\n"), 0);
	ck_assert_int_eq(match(&c), 1);
	c.remote.port = 443;
	ck_assert_int_eq(match(&c), 0);
	c.remote.port = 8080;
	ck_assert_int_eq(match(&c), 2);	/* no match key: matches all */
	ck_assert_int_eq(load("[policy ssh]\nremote-port = 22\n"), 0);
	ck_assert_int_eq(match(&c), POLICY_NONE);
}
END_TEST

START_TEST(test_ports_and_ranges)
{
	struct policy_conn c = conn("203.0.113.9", 8000);

	ck_assert_int_eq(load("[policy r]\nremote-port = 8000-8100 9000\n"
			      "local-port = 40000-40010\n"), 0);
	ck_assert_int_eq(match(&c), 0);
	c.remote.port = 8100;
	ck_assert_int_eq(match(&c), 0);
	c.remote.port = 8101;
	ck_assert_int_eq(match(&c), POLICY_NONE);
	c.remote.port = 9000;
	c.local.port = 40011;		/* both keys must hold */
	ck_assert_int_eq(match(&c), POLICY_NONE);
}
END_TEST

START_TEST(test_prefixes)
{
	struct policy_conn c = conn("203.0.113.9", 22);

	ck_assert_int_eq(load("[policy p]\nremote-prefix = 203.0.113.0/25, 2001:db8:1::/48\n"), 0);
	ck_assert_int_eq(match(&c), 0);
	c.remote = fx_addr("203.0.113.200", 22);
	ck_assert_int_eq(match(&c), POLICY_NONE);
	/* a dual-stack socket's IPv4 peer, built by hand (fx_addr would
	 * unmap it already) */
	c.remote = fx_addr("2001:db8::1", 22);
	memset(&c.remote.u.v6, 0, sizeof(c.remote.u.v6));
	c.remote.u.v6.s6_addr[10] = c.remote.u.v6.s6_addr[11] = 0xff;
	c.remote.u.v6.s6_addr[12] = 203;
	c.remote.u.v6.s6_addr[13] = 0;
	c.remote.u.v6.s6_addr[14] = 113;
	c.remote.u.v6.s6_addr[15] = 9;
	ck_assert_int_eq(match(&c), 0);
	c.remote = fx_addr("2001:db8:1:ff::1", 22);
	ck_assert_int_eq(match(&c), 0);
	c.remote = fx_addr("2001:db8:2::1", 22);
	ck_assert_int_eq(match(&c), POLICY_NONE);
	ck_assert_int_eq(load("[policy all]\nremote-prefix = 0.0.0.0/0 ::/0\n"), 0);
	ck_assert_int_eq(match(&c), 0);
}
END_TEST

START_TEST(test_server_side)
{
	struct policy_conn c = conn("203.0.113.9", 50000);

	ck_assert_int_eq(load("[policy srv]\nserver-side = yes\nlocal-port = 40000\n"
			      "[policy cli]\nserver-side = no\n"), 0);
	ck_assert_int_eq(match(&c), 1);
	c.server_side = true;
	ck_assert_int_eq(match(&c), 0);
}
END_TEST

/* The owner is asked for only when a rule that needs it could still
 * match, and then decides. */
START_TEST(test_owner_asked_only_when_needed)
{
	struct policy_conn c = conn("203.0.113.9", 22);

	ck_assert_int_eq(load("[policy alice-ssh]\nremote-port = 22\nuser = 1000\n"
			      "[policy ssh]\nremote-port = 22\n"), 0);
	c.remote.port = 80;		/* no rule could match: no lookup */
	ck_assert_int_eq(match(&c), POLICY_NONE);
	c.remote.port = 22;
	ck_assert_int_eq(match(&c), POLICY_NEED_OWNER);
	c.owner_known = true;
	c.uid = 1000;
	ck_assert_int_eq(match(&c), 0);
	c.uid = 1001;			/* falls through to the next */
	ck_assert_int_eq(match(&c), 1);
	/* An earlier rule that matches without the owner needs no lookup. */
	ck_assert_int_eq(load("[policy ssh]\nremote-port = 22\n"
			      "[policy alice]\nuser = 1000\n"), 0);
	c.owner_known = false;
	ck_assert_int_eq(match(&c), 0);
}
END_TEST

START_TEST(test_cgroup_globs)
{
	struct policy_conn c = conn("203.0.113.9", 22);

	ck_assert(policy_cgroup_matches("*/ssh.service", "/system.slice/ssh.service"));
	ck_assert(policy_cgroup_matches("system.slice/ssh.service", "/system.slice/ssh.service"));
	ck_assert(!policy_cgroup_matches("ssh.service", "/system.slice/ssh.service"));
	ck_assert(policy_cgroup_matches("user.slice/*/app-*firefox*.scope",
		"/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.mozilla.firefox-1234.scope"));
	ck_assert(!policy_cgroup_matches("user.slice/*/app-*firefox*.scope",
		"/user.slice/user-1000.slice/session-3.scope"));
	ck_assert_int_eq(load("[policy ssh]\ncgroup = /*/ssh.service mptcpd-test/*\n"), 0);
	ck_assert_str_eq(cfg.policies.v[0].cgroups[0], "*/ssh.service");
	c.owner_known = true;
	c.cgroup = "/system.slice/ssh.service";
	ck_assert_int_eq(match(&c), 0);
	c.cgroup = "/mptcpd-test/app1";
	ck_assert_int_eq(match(&c), 0);
	c.cgroup = "/system.slice/cron.service";
	ck_assert_int_eq(match(&c), POLICY_NONE);
	c.cgroup = "";			/* unknown: a cgroup rule cannot hold */
	ck_assert_int_eq(match(&c), POLICY_NONE);
}
END_TEST

START_TEST(test_parse_helpers)
{
	struct policy_port_range r;
	struct policy_prefix p;
	const char *why;

	ck_assert_int_eq(policy_parse_port_range("65535", &r, &why), 0);
	ck_assert_uint_eq(r.hi, 65535);
	ck_assert_int_eq(policy_parse_port_range("1-", &r, &why), -EINVAL);
	ck_assert_int_eq(policy_parse_port_range("-5", &r, &why), -EINVAL);
	ck_assert_int_eq(policy_parse_port_range("+5", &r, &why), -EINVAL);
	ck_assert_int_eq(policy_parse_port_range("", &r, &why), -EINVAL);
	ck_assert_int_eq(policy_parse_prefix("2001:db8::", &p, &why), 0);
	ck_assert_uint_eq(p.len, 128);
	ck_assert_int_eq(policy_parse_prefix("192.0.2.0/", &p, &why), -EINVAL);
	ck_assert_int_eq(policy_parse_prefix("/24", &p, &why), -EINVAL);
	ck_assert_int_eq(policy_parse_prefix("192.0.2.0/24x", &p, &why), -EINVAL);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_sections_in_file_order);
	tcase_add_test(tc, test_bad_rules_are_file_line_errors);
	tcase_add_test(tc, test_keys_are_per_section);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_first_match_wins);
	tcase_add_test(tc, test_ports_and_ranges);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_server_side);
	tcase_add_test(tc, test_owner_asked_only_when_needed);
	tcase_add_test(tc, test_cgroup_globs);
	tcase_add_test(tc, test_parse_helpers);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(policy_suite)
