/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What kind of link an interface is (Wi-Fi, cellular, Ethernet, other),
 * guessed the way the kernel and NetworkManager expose it: sysfs DEVTYPE
 * (wlan, wwan), the wireless/phy80211 directories, the ARPHRD type that
 * modem drivers use (RAWIP, PPP, NONE), and well-known name patterns.
 * Configuration and the CLI can override the guess (iface.c keeps where
 * each value came from, and the metered default of each type).  The
 * words for the types are ctl_proto.h's.
 */
#ifndef MPTCPD_IFCLASS_H
#define MPTCPD_IFCLASS_H

#include <stdbool.h>
#include "mptcpd/strategy.h"

/* The sysfs facts about one interface. */
struct ifclass_facts {
	char devtype[16];	/* DEVTYPE= of uevent; "" when none */
	bool wireless;		/* wireless/ or phy80211 exists */
};

/* Pure: the type these facts point to. */
enum mptcpd_iface_type ifclass_from(const struct ifclass_facts *facts,
				    unsigned int arphrd, const char *ifname);
/* Read the facts from sysfs_dir/IFNAME (normally /sys/class/net); a
 * missing file only means fewer facts. */
void ifclass_read(const char *sysfs_dir, const char *ifname,
		  struct ifclass_facts *facts);
/* Both: read and decide. */
enum mptcpd_iface_type ifclass_detect(const char *sysfs_dir,
				      const char *ifname, unsigned int arphrd);

#endif
