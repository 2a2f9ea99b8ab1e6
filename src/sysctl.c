/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sysctl.h"

#define SYSCTL_DIR "/proc/sys/net/mptcp/"

static int sysctl_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
out:
	close(fd);
	return err;
}

static int sysctl_write(const char *name, const char *value)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* "userspace", "kernel", ...; path_manager exists from 6.15, pm_type
 * (0 kernel, 1 userspace) from 5.19. */
static int sysctl_path_manager(char *buf, size_t len, bool *by_name)
{
	int err = sysctl_read("path_manager", buf, len);

	*by_name = err == 0;
	if (err == 0)
		return 0;
	err = sysctl_read("pm_type", buf, len);
	if (err < 0)
		return err;
	snprintf(buf, len, "%s", strcmp(buf, "1") == 0 ? "userspace" : "kernel");
	return 0;
}

static int sysctl_set_userspace(bool by_name)
{
	int err = by_name ? sysctl_write("path_manager", "userspace") :
			    sysctl_write("pm_type", "1");

	if (err < 0)
		log_err(LOG_SUB_CORE, "could not set %s: %s", by_name ?
			"net.mptcp.path_manager=userspace" : "net.mptcp.pm_type=1",
			strerror(-err));
	else
		log_notice(LOG_SUB_CORE, "set %s in this network namespace",
			   by_name ? "net.mptcp.path_manager=userspace" :
				     "net.mptcp.pm_type=1");
	return err;
}

int sysctl_check_mptcp(bool set_pm)
{
	char buf[64];
	bool by_name;
	int err = sysctl_read("enabled", buf, sizeof(buf));

	if (err < 0) {
		log_err(LOG_SUB_CORE, "this kernel has no MPTCP (%s missing): "
			"a kernel with CONFIG_MPTCP is needed", SYSCTL_DIR "enabled");
		return -ENOENT;
	}
	if (strcmp(buf, "1") != 0) {
		log_err(LOG_SUB_CORE, "MPTCP is disabled in this network namespace: "
			"run 'sysctl -w net.mptcp.enabled=1'");
		return -ENOTSUP;
	}
	err = sysctl_path_manager(buf, sizeof(buf), &by_name);
	if (err < 0) {
		log_err(LOG_SUB_CORE, "this kernel has no userspace path manager "
			"(net.mptcp.pm_type missing): Linux 5.19 or later is needed");
		return -ENOENT;
	}
	if (strcmp(buf, "userspace") == 0)
		return 0;
	if (set_pm)
		return sysctl_set_userspace(by_name);
	log_err(LOG_SUB_CORE, "the %s path manager is selected in this network "
		"namespace, so the kernel would ignore mptcpd: run 'sysctl -w %s' "
		"(or start mptcpd with --set-path-manager)", buf, by_name ?
		"net.mptcp.path_manager=userspace" : "net.mptcp.pm_type=1");
	return -EPERM;
}
