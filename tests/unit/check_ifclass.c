/* SPDX-License-Identifier: BSD-3-Clause */
/* Interface type detection from sysfs facts, ARPHRD types and names. */
#include <check.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "ifclass.h"

static enum mptcpd_iface_type classify(const char *devtype, bool wireless,
				       unsigned int arphrd, const char *name)
{
	struct ifclass_facts f = { .wireless = wireless };

	snprintf(f.devtype, sizeof(f.devtype), "%s", devtype);
	return ifclass_from(&f, arphrd, name);
}

START_TEST(test_facts_win_over_names)
{
	ck_assert_int_eq(classify("wlan", false, ARPHRD_ETHER, "eth0"), MPTCPD_IFACE_WIFI);
	ck_assert_int_eq(classify("", true, ARPHRD_ETHER, "eth0"), MPTCPD_IFACE_WIFI);
	ck_assert_int_eq(classify("wwan", false, ARPHRD_ETHER, "usb0"), MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(classify("", false, 519, "whatever"), MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(classify("", false, ARPHRD_PPP, "ppp0"), MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(classify("", false, ARPHRD_NONE, "x"), MPTCPD_IFACE_CELLULAR);
}
END_TEST

START_TEST(test_names_then_arphrd)
{
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "wwan0"), MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "rmnet_data0"), MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "wwp0s20f0u3i12"), MPTCPD_IFACE_CELLULAR);
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "wlan0"), MPTCPD_IFACE_WIFI);
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "wlp2s0"), MPTCPD_IFACE_WIFI);
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "enp0s31f6"), MPTCPD_IFACE_ETHERNET);
	ck_assert_int_eq(classify("", false, ARPHRD_ETHER, "eth1"), MPTCPD_IFACE_ETHERNET);
	ck_assert_int_eq(classify("", false, ARPHRD_LOOPBACK, "lo"), MPTCPD_IFACE_OTHER);
	ck_assert_int_eq(classify("", false, ARPHRD_TUNNEL, "tun0"), MPTCPD_IFACE_OTHER);
}
END_TEST

/* A fake /sys/class/net in a temp dir. */
START_TEST(test_read_sysfs)
{
	char dir[] = "/tmp/check_ifclass.XXXXXX", path[512];
	struct ifclass_facts f;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wl0", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/wl0/uevent", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("INTERFACE=wl0\nIFINDEX=3\nDEVTYPE=wlan\n", fp);
	fclose(fp);
	ifclass_read(dir, "wl0", &f);
	ck_assert_str_eq(f.devtype, "wlan");
	ck_assert(!f.wireless);
	snprintf(path, sizeof(path), "%s/wl0/phy80211", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ifclass_read(dir, "wl0", &f);
	ck_assert(f.wireless);
	ck_assert_int_eq(ifclass_detect(dir, "wl0", ARPHRD_ETHER), MPTCPD_IFACE_WIFI);
	/* missing interface: no facts, the name and type decide */
	ck_assert_int_eq(ifclass_detect(dir, "eth9", ARPHRD_ETHER), MPTCPD_IFACE_ETHERNET);
	ifclass_read(dir, "../etc", &f);
	ck_assert_str_eq(f.devtype, "");
	rmdir(path);
	snprintf(path, sizeof(path), "%s/wl0/uevent", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/wl0", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

static Suite *ifclass_suite(void)
{
	Suite *s = suite_create("ifclass");
	TCase *tc = tcase_create("detect");

	tcase_add_test(tc, test_facts_win_over_names);
	tcase_add_test(tc, test_names_then_arphrd);
	tcase_add_test(tc, test_read_sysfs);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(ifclass_suite)
