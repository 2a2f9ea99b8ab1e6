/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "nslock.h"

/* mkdir with mode 0750 whatever the umask; an existing one is kept. */
static int nslock_mkdir(const char *dir)
{
	if (mkdir(dir, 0750) == 0)
		return chmod(dir, 0750) < 0 ? -errno : 0;
	return errno == EEXIST ? 0 : -errno;
}

/* dir must be a directory nobody else can write, owned by us, by root or
 * by the owner of the runtime directory (root's daemon in the unit's
 * /run/mptcpd): otherwise someone could hold the lock in our stead. */
static int nslock_check_dir(const char *dir, const struct stat *parent)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	if (st.st_uid != geteuid() && st.st_uid != 0 && st.st_uid != parent->st_uid)
		return -EPERM;
	return 0;
}

static int nslock_make_dirs(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;
	struct stat st;
	int err;

	if ((size_t)snprintf(parent, sizeof(parent), "%s", dir) >= sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -EINVAL;		/* always RUNDIR/NETNS */
	*slash = '\0';
	err = nslock_mkdir(parent);
	if (err == 0 && stat(parent, &st) < 0)
		err = -errno;
	if (err == 0)
		err = nslock_mkdir(dir);
	return err < 0 ? err : nslock_check_dir(dir, &st);
}

/* The holder writes its PID right after locking: give it a moment. */
static pid_t nslock_read_holder(int fd)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	char buf[32];

	for (int i = 0; i < 20; i++) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long pid;

		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
			if (pid > 0 && pid <= INT_MAX)
				return (pid_t)pid;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

int nslock_take(const char *dir, int *fd, pid_t *holder)
{
	char path[PATH_MAX];
	char pid[32];
	int err, n, f;

	*fd = -1;
	*holder = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, CTL_LOCK_NAME) >= sizeof(path))
		return -ENAMETOOLONG;
	err = nslock_make_dirs(dir);
	if (err < 0)
		return err;
	f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		err = -errno;
		if (err == -EWOULDBLOCK)
			*holder = nslock_read_holder(f);
		goto fail;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) < 0 || pwrite(f, pid, (size_t)n, 0) != n) {
		err = errno ? -errno : -EIO;
		goto fail;
	}
	*fd = f;
	return 0;
fail:
	close(f);
	return err;
}

void nslock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
