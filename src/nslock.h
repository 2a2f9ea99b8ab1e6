/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One path manager per network namespace: the daemon locks
 * DIR/CTL_LOCK_NAME (DIR = ctl_ns_dir(), the directory of its control
 * socket) with flock() for as long as it runs, and writes its PID there
 * for the next one's error message.
 *
 * Why a file in the daemon's own directory: a lock anyone could take
 * (an abstract UNIX socket name, a file in a world-writable place) would
 * let an unprivileged user keep mptcpd from starting.  Nobody but the
 * daemon's user writes the runtime directory, and the lock file is 0600
 * (a shared flock needs only read access, so group members must not open
 * it).  The lock covers one runtime directory: daemons given different
 * MPTCPD_RUNTIME_DIRECTORY values do not see each other, which is how
 * tests and private instances are run on purpose.
 */
#ifndef MPTCPD_NSLOCK_H
#define MPTCPD_NSLOCK_H

#include <sys/types.h>

/* Makes dir and its parent (0750) when missing, refuses a dir that
 * another user could have planted (-EPERM), and takes the lock.  Returns
 * 0 with *fd (keep it open; nslock_release() at exit), -EWOULDBLOCK with
 * *holder the PID of the daemon holding it (0 when unreadable), or
 * -errno. */
int nslock_take(const char *dir, int *fd, pid_t *holder);
/* Drops the lock; fd < 0 is a no-op.  The file stays, its PID stale but
 * read only while locked: removing it would let a daemon that opened it
 * just before lock a file nobody else can see. */
void nslock_release(int fd);

#endif
