/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cgroup2 hierarchy as a table sorted by inode: a walk with
 * openat/fdopendir (no path is resolved twice, no symlink followed), and
 * binary search.  The directory entries' d_ino is the cgroup id, so the
 * walk needs no stat of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup_map.h"
#include "log.h"

struct cgroup_entry {
	uint64_t id;
	char *path;
};

struct cgroup_map {
	char *root;
	struct cgroup_entry *v;
	size_t n, cap;
	bool scanned;
	uint64_t last_scan_ms;
	uint64_t last_walk_ms;	/* how long the last walk took */
	uint64_t max_id;	/* the largest id the last walk saw */
	bool truncated_logged;
};

/* Where cgroup2 is mounted: /sys/fs/cgroup on a unified host,
 * /sys/fs/cgroup/unified on a hybrid one.  The first cgroup2 line of
 * /proc/self/mounts; the default when there is none (or it is escaped). */
static char *cgroup_map_find_root(void)
{
	char line[1024], dev[256], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) != 3)
			continue;
		if (strcmp(type, "cgroup2") == 0 && !strchr(dir, '\\')) {
			fclose(f);
			return strdup(dir);
		}
	}
	if (f)
		fclose(f);
	return strdup(CGROUP_MAP_ROOT);
}

struct cgroup_map *cgroup_map_new(const char *root)
{
	struct cgroup_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->root = root ? strdup(root) : cgroup_map_find_root();
	if (!m->root) {
		free(m);
		return NULL;
	}
	return m;
}

static void cgroup_map_clear(struct cgroup_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	m->n = 0;
}

void cgroup_map_free(struct cgroup_map *m)
{
	if (!m)
		return;
	cgroup_map_clear(m);
	free(m->v);
	free(m->root);
	free(m);
}

size_t cgroup_map_size(const struct cgroup_map *m)
{
	return m->n;
}

static int cgroup_map_add(struct cgroup_map *m, uint64_t id, const char *path)
{
	struct cgroup_entry *v;

	if (m->n >= CGROUP_MAP_MAX)
		return -ENOSPC;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].path = strdup(path);
	if (!m->v[m->n].path)
		return -ENOMEM;
	m->v[m->n++].id = id;
	return 0;
}

/* The subdirectories of fd_dir (whose path is path), depth levels deep.
 * Takes fd_dir. */
static int cgroup_map_walk(struct cgroup_map *m, int fd_dir, const char *path,
			   unsigned int depth)
{
	DIR *dir = fdopendir(fd_dir);
	struct dirent *de;
	char sub[4096];
	int err = 0;

	if (!dir) {
		err = -errno;
		close(fd_dir);
		return err;
	}
	while (err != -ENOSPC && err != -ENOMEM && (de = readdir(dir))) {
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "",
			     de->d_name) >= (int)sizeof(sub))
			continue;
		err = cgroup_map_add(m, (uint64_t)de->d_ino, sub);
		if (err < 0 || depth == 0)
			continue;
		fd = openat(dirfd(dir), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			err = cgroup_map_walk(m, fd, sub, depth - 1);
	}
	closedir(dir);
	return err == -ENOSPC || err == -ENOMEM ? err : 0;
}

static int cgroup_map_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct cgroup_entry *)a)->id;
	uint64_t y = ((const struct cgroup_entry *)b)->id;

	return x < y ? -1 : x > y;
}

static uint64_t cgroup_map_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int cgroup_map_scan(struct cgroup_map *m)
{
	uint64_t t0 = cgroup_map_clock_ms();
	struct stat st;
	int fd, err;

	cgroup_map_clear(m);
	fd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = cgroup_map_add(m, (uint64_t)st.st_ino, "/");
	if (err < 0) {
		close(fd);
		return err;
	}
	err = cgroup_map_walk(m, fd, "/", CGROUP_MAP_DEPTH);
	if (err == -ENOSPC && !m->truncated_logged) {
		m->truncated_logged = true;
		log_warn(LOG_SUB_CORE, "more than %d cgroups under %s: the "
			 "others cannot be named by [policy] cgroup rules",
			 CGROUP_MAP_MAX, m->root);
	}
	qsort(m->v, m->n, sizeof(*m->v), cgroup_map_cmp);
	/* An entry too deep or unreadable is not in the table: max_id is
	 * only what the walk saw, and an id below it that is missing is
	 * taken as gone (a rare wrong answer: no rule for it). */
	m->max_id = m->n ? m->v[m->n - 1].id : 0;
	m->last_walk_ms = cgroup_map_clock_ms() - t0;
	return err == -ENOMEM ? err : 0;
}

static const struct cgroup_entry *cgroup_map_find(const struct cgroup_map *m,
						  uint64_t id)
{
	struct cgroup_entry key = { .id = id };

	if (!m->n)
		return NULL;
	return bsearch(&key, m->v, m->n, sizeof(*m->v), cgroup_map_cmp);
}

static uint64_t cgroup_map_interval(const struct cgroup_map *m)
{
	uint64_t t = 10 * m->last_walk_ms;

	return t > CGROUP_MAP_RESCAN_MS ? t : CGROUP_MAP_RESCAN_MS;
}

int cgroup_map_path(struct cgroup_map *m, uint64_t id, uint64_t now_ms,
		    char *buf, size_t len)
{
	const struct cgroup_entry *e = cgroup_map_find(m, id);
	int err;

	if (!e) {
		/* Cgroup ids are kernfs inode numbers: never reused, always
		 * growing.  One at or below the largest the last walk saw
		 * will not appear (gone, too deep, unreadable): no walk for
		 * it.  A larger one was made since: walk again, but never
		 * more often than ten times the last walk's length, so that
		 * a user making cgroups cannot keep the loop walking. */
		if (m->scanned && id <= m->max_id)
			return -ENOENT;
		if (m->scanned && now_ms - m->last_scan_ms <
		    cgroup_map_interval(m))
			return -EAGAIN;
		m->scanned = true;
		m->last_scan_ms = now_ms;
		err = cgroup_map_scan(m);
		if (err < 0)
			return err;
		e = cgroup_map_find(m, id);
		if (!e)
			return -ENOENT;
	}
	if (strlen(e->path) >= len)
		return -ENAMETOOLONG;
	memcpy(buf, e->path, strlen(e->path) + 1);
	return 0;
}
