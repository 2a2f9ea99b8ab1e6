/* SPDX-License-Identifier: BSD-3-Clause */
#include <fnmatch.h>
#include <linux/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ifclass.h"

#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519	/* qmi_wwan, rmnet and friends */
#endif

/* Names as drivers and udev's predictable naming give them. */
static const char *const ifclass_cellular_names[] = {
	"wwan*", "wwp*", "rmnet*", "ccmni*", "qmimux*", "mhi_hwip*",
};
static const char *const ifclass_wifi_names[] = { "wlan*", "wlp*", "wlx*" };

static bool ifclass_name_in(const char *const *globs, size_t n,
			    const char *ifname)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], ifname, 0) == 0)
			return true;
	return false;
}

#define IFCLASS_NAME_IN(globs, name) \
	ifclass_name_in(globs, sizeof(globs) / sizeof(globs[0]), name)

enum mptcpd_iface_type ifclass_from(const struct ifclass_facts *facts,
				    unsigned int arphrd, const char *ifname)
{
	if (strcmp(facts->devtype, "wlan") == 0 || facts->wireless)
		return MPTCPD_IFACE_WIFI;
	if (strcmp(facts->devtype, "wwan") == 0)
		return MPTCPD_IFACE_CELLULAR;
	if (arphrd == ARPHRD_RAWIP || arphrd == ARPHRD_PPP ||
	    arphrd == ARPHRD_NONE)
		return MPTCPD_IFACE_CELLULAR;
	if (IFCLASS_NAME_IN(ifclass_cellular_names, ifname))
		return MPTCPD_IFACE_CELLULAR;
	if (IFCLASS_NAME_IN(ifclass_wifi_names, ifname))
		return MPTCPD_IFACE_WIFI;
	if (arphrd == ARPHRD_ETHER)
		return MPTCPD_IFACE_ETHERNET;
	return MPTCPD_IFACE_OTHER;
}

static void ifclass_read_devtype(const char *path, struct ifclass_facts *f)
{
	char line[128];
	FILE *fp = fopen(path, "re");

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "DEVTYPE=", 8) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* Longer than any DEVTYPE we know: leave it empty. */
		if (strlen(line + 8) < sizeof(f->devtype))
			memcpy(f->devtype, line + 8, strlen(line + 8) + 1);
		break;
	}
	fclose(fp);
}

void ifclass_read(const char *sysfs_dir, const char *ifname,
		  struct ifclass_facts *facts)
{
	char path[256];

	memset(facts, 0, sizeof(*facts));
	/* An interface name never contains '/', but a rename race could hand
	 * us garbage: do not let it walk the file system. */
	if (strchr(ifname, '/') || strcmp(ifname, "..") == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s/uevent", sysfs_dir, ifname);
	ifclass_read_devtype(path, facts);
	snprintf(path, sizeof(path), "%s/%s/wireless", sysfs_dir, ifname);
	facts->wireless = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), "%s/%s/phy80211", sysfs_dir, ifname);
	facts->wireless = facts->wireless || access(path, F_OK) == 0;
}

enum mptcpd_iface_type ifclass_detect(const char *sysfs_dir,
				      const char *ifname, unsigned int arphrd)
{
	struct ifclass_facts facts;

	ifclass_read(sysfs_dir, ifname, &facts);
	return ifclass_from(&facts, arphrd, ifname);
}
