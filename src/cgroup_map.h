/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cgroup v2 ids to paths.  sock_diag tells a socket's cgroup as an id,
 * which is the inode number of the cgroup's directory under the cgroup2
 * mount; [policy] rules name paths (patterns such as "system.slice/ssh.service").
 * The map walks the hierarchy once, answers from its table, and walks
 * again when an id is missing and larger than any it saw (ids only grow:
 * a scope created since), at most once per CGROUP_MAP_RESCAN_MS or ten
 * times the last walk's length, whichever is longer; a missing smaller
 * id is gone, with no walk, so that connections from cgroups that do
 * not exist any more cannot keep it walking.  Bounded: CGROUP_MAP_MAX cgroups,
 * CGROUP_MAP_DEPTH levels.
 */
#ifndef MPTCPD_CGROUP_MAP_H
#define MPTCPD_CGROUP_MAP_H

#include <stddef.h>
#include <stdint.h>

#define CGROUP_MAP_ROOT		"/sys/fs/cgroup"
#define CGROUP_MAP_RESCAN_MS	10	/* at least; 10x the last walk */
#define CGROUP_MAP_MAX		65536
#define CGROUP_MAP_DEPTH	32

struct cgroup_map;

/* root: the cgroup2 mount; NULL: found in /proc/self/mounts (else
 * CGROUP_MAP_ROOT).  NULL without memory. */
struct cgroup_map *cgroup_map_new(const char *root);
void cgroup_map_free(struct cgroup_map *m);
/* The path of cgroup id below the root ("/system.slice/ssh.service"; "/"
 * for the root itself) into buf: 0, -ENOENT (not there even after a walk),
 * -EAGAIN (not there, and the last walk is too recent), -ENAMETOOLONG,
 * or the walk's -errno. */
int cgroup_map_path(struct cgroup_map *m, uint64_t id, uint64_t now_ms,
		    char *buf, size_t len);
/* Cgroups in the table. */
size_t cgroup_map_size(const struct cgroup_map *m);

#endif
