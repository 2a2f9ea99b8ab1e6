/* SPDX-License-Identifier: BSD-3-Clause */
/* One daemon per network namespace: the namespace's directory, the lock
 * and the PID the second taker is told, and directories we refuse. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "fixture.h"
#include "nslock.h"

static char top[64];	/* a fresh temporary directory per test */
static char run[128];	/* top/run: the runtime directory */

static void setup(void)
{
	snprintf(top, sizeof(top), "/tmp/check_nslock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(run, sizeof(run), "%s/run", top);
	setenv("MPTCPD_RUNTIME_DIRECTORY", run, 1);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
	unsetenv("MPTCPD_RUNTIME_DIRECTORY");
}

START_TEST(test_ns_dir_is_runtime_dir_and_inode)
{
	char dir[PATH_MAX], want[PATH_MAX];
	struct stat st;

	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	snprintf(want, sizeof(want), "%s/%lu", run, (unsigned long)st.st_ino);
	ck_assert_int_eq(ctl_ns_dir(dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, want);
	ck_assert_int_eq(ctl_ns_dir(dir, strlen(run) + 3), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_second_taker_is_told_the_pid)
{
	char dir[PATH_MAX];
	struct stat st;
	pid_t holder;
	int fd, fd2;

	ck_assert_int_eq(ctl_ns_dir(dir, sizeof(dir)), 0);
	ck_assert_int_eq(nslock_take(dir, &fd, &holder), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(nslock_take(dir, &fd2, &holder), -EWOULDBLOCK);
	ck_assert_int_eq(fd2, -1);
	ck_assert_int_eq(holder, getpid());
	nslock_release(fd);
	/* Free again, though the file stays. */
	ck_assert_int_eq(nslock_take(dir, &fd2, &holder), 0);
	nslock_release(fd2);
}
END_TEST

START_TEST(test_planted_directory_refused)
{
	char dir[PATH_MAX];
	pid_t holder;
	int fd;

	ck_assert_int_eq(ctl_ns_dir(dir, sizeof(dir)), 0);
	ck_assert_int_eq(mkdir(run, 0755), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(nslock_take(dir, &fd, &holder), -EPERM);
	ck_assert_int_eq(fd, -1);
}
END_TEST

static Suite *nslock_suite(void)
{
	Suite *s = suite_create("nslock");
	TCase *tc = tcase_create("lock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ns_dir_is_runtime_dir_and_inode);
	tcase_add_test(tc, test_second_taker_is_told_the_pid);
	tcase_add_test(tc, test_planted_directory_refused);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(nslock_suite)
