/* SPDX-License-Identifier: BSD-3-Clause */
/* The cgroup map on a directory tree of our own: paths by inode, a walk
 * again only for an id larger than any seen (ids only grow), never more
 * often than the interval, and no walk at all for a smaller missing id. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_map.h"
#include "fixture.h"

static char root[64];

static uint64_t ino(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	ck_assert_int_eq(stat(p, &st), 0);
	return (uint64_t)st.st_ino;
}

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/check_cgroup_map.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	mk("system.slice");
	mk("system.slice/ssh.service");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_paths_and_rescans)
{
	struct cgroup_map *m = cgroup_map_new(root);
	char buf[256];
	uint64_t ssh = ino("system.slice/ssh.service"), fresh;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(cgroup_map_path(m, ssh, 1000, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/system.slice/ssh.service");
	ck_assert_int_eq(cgroup_map_path(m, ino(""), 1000, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/");
	/* a scope made since: a larger id, found by a walk... */
	mk("user.slice");
	mk("user.slice/app-x.scope");
	fresh = ino("user.slice/app-x.scope");
	if (fresh > ssh) {
		/* ...but not within the interval of the last walk */
		ck_assert_int_eq(cgroup_map_path(m, fresh, 1001, buf, sizeof(buf)),
				 -EAGAIN);
		ck_assert_int_eq(cgroup_map_path(m, fresh, 2000, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "/user.slice/app-x.scope");
	}
	/* an id below the largest seen and missing: gone, no walk needed */
	ck_assert_int_eq(cgroup_map_path(m, 1, 3000, buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(cgroup_map_path(m, ssh, 3000, buf, 4), -ENAMETOOLONG);
	cgroup_map_free(m);
}
END_TEST

static Suite *cgroup_map_suite(void)
{
	Suite *s = suite_create("cgroup_map");
	TCase *tc = tcase_create("cgroup_map");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_paths_and_rescans);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(cgroup_map_suite)
