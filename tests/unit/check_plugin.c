/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Plugin loading, on real shared objects that the test builds with the
 * system compiler (cc) from small sources, against this tree's
 * <mptcpd/strategy.h>.  Refusals are asserted on the log messages: they
 * must name the file and the reason.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "log.h"
#include "plugin.h"

#ifndef TOP_SRCDIR
#error "build with -DTOP_SRCDIR=\"...\" (the Makefile passes it)"
#endif

#define INCLUDE_DIR TOP_SRCDIR "/include"
#define EXAMPLE_C TOP_SRCDIR "/contrib/plugin-example/example.c"

extern char **environ;

#define LOGS_MAX 64

struct logs {
	size_t n;
	int level[LOGS_MAX];
	char msg[LOGS_MAX][1024];
};

/* One throwaway directory tree per test: sources in root, plugins in dir. */
struct lab {
	char root[64];
	char dir[96];
	struct logs logs;
	struct plugin_set *set;
};

/* Field values of a generated plugin, as C expressions. */
struct spec {
	const char *abi;
	const char *name;
	const char *size;
	const char *decide;
	const char *extra;	/* code placed before the strategy */
};

/* The generated decide() pushes one SUBFLOW_CREATE with ifindex 42, so a
 * test can tell that this very code ran. */
#define PLUGIN_SOURCE \
	"#include <mptcpd/strategy.h>\n" \
	"%s\n" \
	"__attribute__((unused))\n" \
	"static void d(const struct mptcpd_event *e, const struct mptcpd_conn *c,\n" \
	"              const struct mptcpd_host *h, struct mptcpd_actions *out)\n" \
	"{\n" \
	"	struct mptcpd_action *a;\n" \
	"	(void)e; (void)h;\n" \
	"	a = mptcpd_actions_push(out, MPTCPD_ACTION_SUBFLOW_CREATE, c->token);\n" \
	"	if (a)\n" \
	"		a->ifindex = 42;\n" \
	"}\n" \
	"const struct mptcpd_strategy mptcpd_strategy = {\n" \
	"	.abi_version = %s, .name = %s, .description = \"test\",\n" \
	"	.conn_data_size = %s, .decide = %s,\n" \
	"};\n"

static void logs_sink(int level, enum log_subsys sub, const char *msg,
		      void *arg)
{
	struct logs *logs = arg;

	if (logs->n >= LOGS_MAX)
		return;
	logs->level[logs->n] = level;
	snprintf(logs->msg[logs->n], sizeof(logs->msg[0]), "%s", msg);
	logs->n++;
}

/* Messages at this level that contain both strings (b may be NULL). */
static int logs_count(const struct logs *logs, int level, const char *a,
		      const char *b)
{
	int n = 0;

	for (size_t i = 0; i < logs->n; i++)
		if (logs->level[i] == level && strstr(logs->msg[i], a) &&
		    (!b || strstr(logs->msg[i], b)))
			n++;
	return n;
}

static void logs_print(const struct logs *logs)
{
	for (size_t i = 0; i < logs->n; i++)
		fprintf(stderr, "  log[%d]: %s\n", logs->level[i], logs->msg[i]);
}

/* Exactly one error, naming the file and containing the reason. */
static void assert_refused(struct lab *l, const char *file, const char *reason)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", l->dir, file);
	if (logs_count(&l->logs, LOG_ERR, path, reason) != 1)
		logs_print(&l->logs);
	ck_assert_msg(logs_count(&l->logs, LOG_ERR, path, reason) == 1,
		      "no single error naming %s and \"%s\"", path, reason);
}

static void assert_no_complaint(const struct lab *l)
{
	int n = logs_count(&l->logs, LOG_ERR, "", NULL) +
		logs_count(&l->logs, LOG_WARNING, "", NULL);

	if (n)
		logs_print(&l->logs);
	ck_assert_int_eq(n, 0);
}

static void lab_init(struct lab *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->root, sizeof(l->root), "/tmp/check_plugin.XXXXXX");
	ck_assert_msg(mkdtemp(l->root), "mkdtemp: %s", strerror(errno));
	snprintf(l->dir, sizeof(l->dir), "%s/plugins", l->root);
	ck_assert_int_eq(mkdir(l->dir, 0755), 0);
	log_set_level(LOG_DEBUG);
	log_set_sink(logs_sink, &l->logs);
}

static int lab_rm(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void lab_free(struct lab *l)
{
	plugin_set_free(l->set);
	l->set = NULL;
	log_set_sink(NULL, NULL);
	nftw(l->root, lab_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void lab_load(struct lab *l)
{
	ck_assert_int_eq(plugin_load_dir(l->dir, &l->set), 0);
	ck_assert_ptr_nonnull(l->set);
}

/* Runs cc with these arguments; a missing compiler fails the test. */
static void cc_run(char *const argv[], const char *what)
{
	pid_t pid;
	int status, err;

	err = posix_spawnp(&pid, "cc", NULL, NULL, argv, environ);
	ck_assert_msg(err == 0, "cannot run cc (%s): these tests build real "
		      "plugins and need the system C compiler: install gcc",
		      strerror(err));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "cc failed to build %s", what);
}

/* Builds the C file src into the plugin directory as file. */
static void lab_build_file(struct lab *l, const char *file, const char *src)
{
	char out[160];
	char *argv[] = { "cc", "-shared", "-fPIC", "-I" INCLUDE_DIR, "-o", out,
			 (char *)src, "-Wall", "-Wextra", "-Werror", NULL };

	snprintf(out, sizeof(out), "%s/%s", l->dir, file);
	cc_run(argv, out);
	chmod(out, 0755);	/* whatever the umask: not other-writable */
}

static void lab_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Builds the C text into the plugin directory as file. */
static void lab_build_text(struct lab *l, const char *file, const char *text)
{
	char src[160];

	snprintf(src, sizeof(src), "%s/%s.c", l->root, file);
	lab_write(src, text);
	lab_build_file(l, file, src);
}

static void lab_plugin_spec(struct lab *l, const char *file,
			    const struct spec *sp)
{
	char text[2048];

	snprintf(text, sizeof(text), PLUGIN_SOURCE, sp->extra ? sp->extra : "",
		 sp->abi ? sp->abi : "MPTCPD_STRATEGY_ABI_VERSION",
		 sp->name, sp->size ? sp->size : "0",
		 sp->decide ? sp->decide : "d");
	lab_build_text(l, file, text);
}

/* A valid plugin; name is a C string literal, quotes included. */
static void lab_plugin(struct lab *l, const char *file, const char *name)
{
	struct spec sp = { .name = name, .size = "16" };

	lab_plugin_spec(l, file, &sp);
}

START_TEST(test_good_plugin_loads_and_decides)
{
	const struct mptcpd_strategy *st;
	struct mptcpd_conn conn = { .token = 7 };
	struct mptcpd_host host = { .max_subflows = 8 };
	struct mptcpd_event ev = { .type = MPTCPD_EVENT_ESTABLISHED };
	struct mptcpd_actions out = { 0 };
	struct lab l;

	lab_init(&l);
	lab_plugin(&l, "good.so", "\"good-one\"");
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 1);
	ck_assert_str_eq(plugin_name(l.set, 0), "good-one");
	ck_assert_ptr_null(plugin_name(l.set, 1));
	ck_assert_ptr_null(plugin_find(l.set, "fullmesh"));
	st = plugin_find(l.set, "good-one");
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(st->abi_version, MPTCPD_STRATEGY_ABI_VERSION);
	ck_assert_uint_eq(st->conn_data_size, 16);
	st->decide(&ev, &conn, &host, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(out.v[0].type, MPTCPD_ACTION_SUBFLOW_CREATE);
	ck_assert_uint_eq(out.v[0].token, 7);
	ck_assert_int_eq(out.v[0].ifindex, 42);
	ck_assert_int_eq(logs_count(&l.logs, LOG_INFO, "good.so", "good-one"), 1);
	assert_no_complaint(&l);
	lab_free(&l);
}
END_TEST

START_TEST(test_wrong_abi_is_refused)
{
	struct spec sp = { .abi = "MPTCPD_STRATEGY_ABI_VERSION + 1",
			   .name = "\"future\"" };
	char reason[96];
	struct lab l;

	lab_init(&l);
	lab_plugin_spec(&l, "future.so", &sp);
	lab_plugin(&l, "ok.so", "\"ok\"");
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 1);
	ck_assert_ptr_null(plugin_find(l.set, "future"));
	snprintf(reason, sizeof(reason), "built for strategy ABI %u, this "
		 "mptcpd speaks ABI %u", MPTCPD_STRATEGY_ABI_VERSION + 1,
		 MPTCPD_STRATEGY_ABI_VERSION);
	assert_refused(&l, "future.so", reason);
	assert_refused(&l, "future.so", "rebuild it against");
	lab_free(&l);
}
END_TEST

START_TEST(test_missing_symbol_is_refused)
{
	struct lab l;

	lab_init(&l);
	lab_build_text(&l, "nosym.so", "int not_a_strategy = 1;\n");
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	assert_refused(&l, "nosym.so", "not a strategy plugin");
	assert_refused(&l, "nosym.so", "undefined symbol: mptcpd_strategy");
	lab_free(&l);
}
END_TEST

START_TEST(test_unloadable_files_are_refused)
{
	struct spec sp = { .name = "\"undef\"",
			   .extra = "extern int mptcpd_test_no_such_symbol;\n"
				    "int *p = &mptcpd_test_no_such_symbol;" };
	char junk[160];
	struct lab l;

	lab_init(&l);
	lab_plugin_spec(&l, "undef.so", &sp);
	snprintf(junk, sizeof(junk), "%s/junk.so", l.dir);
	lab_write(junk, "this is not an ELF file\n");
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	assert_refused(&l, "undef.so", "mptcpd_test_no_such_symbol");
	assert_refused(&l, "undef.so", "cannot be loaded");
	assert_refused(&l, "junk.so", "cannot be loaded");
	lab_free(&l);
}
END_TEST

START_TEST(test_name_clashes_are_refused)
{
	struct lab l;

	lab_init(&l);
	lab_plugin(&l, "fm.so", "\"fullmesh\"");
	lab_plugin(&l, "a.so", "\"dup\"");
	lab_plugin(&l, "b.so", "\"dup\"");
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 1);
	ck_assert_str_eq(plugin_name(l.set, 0), "dup");
	ck_assert_str_eq(plugin_path(l.set, 0) + strlen(l.dir), "/a.so");
	assert_refused(&l, "fm.so", "\"fullmesh\" is taken by a built-in");
	assert_refused(&l, "b.so", "/a.so");
	lab_free(&l);
}
END_TEST

START_TEST(test_bad_fields_are_refused)
{
	static const struct {
		const char *file, *name, *size, *decide, *reason;
	} bad[] = {
		{ "empty.so", "\"\"", "0", "d", "has no name" },
		{ "null.so", "(const char *)0", "0", "d", "has no name" },
		{ "upper.so", "\"Bad\"", "0", "d", "characters other than" },
		{ "space.so", "\"a b\"", "0", "d", "characters other than" },
		{ "long.so", "\"" "0123456789012345678901234567890123456789"
			     "012345678901234567890123" "\"", "0", "d",
		  "64 characters or more" },
		{ "nodecide.so", "\"nodecide\"", "0", "(void *)0",
		  "no decide function" },
		{ "big.so", "\"big\"", "65537", "d", "65537 bytes" },
	};
	struct lab l;

	lab_init(&l);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spec sp = { .name = bad[i].name, .size = bad[i].size,
				   .decide = bad[i].decide };

		lab_plugin_spec(&l, bad[i].file, &sp);
	}
	/* The limits themselves are allowed: 63 characters, 64 KiB. */
	{
		struct spec sp = { .size = "65536", .name = "\"" "max_"
			"01234567890123456789012345678901234567890123456789"
			"012345678" "\"" };

		lab_plugin_spec(&l, "max.so", &sp);
	}
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 1);
	ck_assert_uint_eq(strlen(plugin_name(l.set, 0)), 63);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(&l, bad[i].file, bad[i].reason);
	lab_free(&l);
}
END_TEST

START_TEST(test_writable_file_is_refused)
{
	const mode_t modes[] = { 0757, 0775 };
	char path[160];
	struct lab l;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		lab_init(&l);
		lab_plugin(&l, "open.so", "\"open\"");
		snprintf(path, sizeof(path), "%s/open.so", l.dir);
		ck_assert_int_eq(chmod(path, modes[i]), 0);
		lab_load(&l);
		ck_assert_uint_eq(plugin_count(l.set), 0);
		assert_refused(&l, "open.so", "writable by group or others");
		assert_refused(&l, "open.so", "chmod go-w");
		lab_free(&l);
	}
}
END_TEST

/* A link is never followed, even to a good plugin: the file it names
 * could be changed without touching the plugin directory. */
START_TEST(test_symlink_is_refused)
{
	char target[160], link[160];
	struct lab l;

	lab_init(&l);
	lab_plugin(&l, "real.so", "\"real\"");
	snprintf(target, sizeof(target), "%s/real.so", l.dir);
	snprintf(link, sizeof(link), "%s/via-link.so", l.dir);
	ck_assert_int_eq(symlink(target, link), 0);
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 1);
	ck_assert_str_eq(plugin_name(l.set, 0), "real");
	assert_refused(&l, "via-link.so", "a symbolic link");
	lab_free(&l);
}
END_TEST

/* Whoever may add a file to the directory may run code as mptcpd. */
START_TEST(test_writable_directory_is_refused)
{
	struct lab l;

	lab_init(&l);
	lab_plugin(&l, "good.so", "\"good\"");
	ck_assert_int_eq(chmod(l.dir, 0777), 0);
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	ck_assert_int_eq(logs_count(&l.logs, LOG_ERR, l.dir,
				    "directory writable by group or others"), 1);
	ck_assert_int_eq(chmod(l.dir, 0700), 0);
	lab_free(&l);
}
END_TEST

/* A plugin that pins itself (RTLD_NODELETE) stays loaded under the name
 * it was opened with after its set is freed; the next load must still get
 * its own file, not that object. */
START_TEST(test_pinned_plugin_does_not_shadow_the_next)
{
	struct spec pinned = {
		.name = "\"pinned\"",
		/* dladdr() without _GNU_SOURCE, which the header already
		 * decided: the layout of glibc's Dl_info. */
		.extra = "#include <dlfcn.h>\n"
			 "struct dl_info { const char *fname; void *fbase;\n"
			 "  const char *sname; void *saddr; };\n"
			 "extern int dladdr(const void *, struct dl_info *);\n"
			 "__attribute__((constructor)) static void pin(void)\n"
			 "{ struct dl_info i; if (dladdr((void *)pin, &i))\n"
			 "  dlopen(i.fname, RTLD_NOW | RTLD_NODELETE); }\n",
	};
	struct lab l;

	lab_init(&l);
	lab_plugin_spec(&l, "pinned.so", &pinned);
	lab_load(&l);
	ck_assert_str_eq(plugin_name(l.set, 0), "pinned");
	lab_free(&l);
	lab_init(&l);
	lab_plugin(&l, "fresh.so", "\"fresh\"");
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 1);
	ck_assert_str_eq(plugin_name(l.set, 0), "fresh");
	lab_free(&l);
}
END_TEST

START_TEST(test_foreign_owner_is_refused)
{
	char path[160];
	struct lab l;

	lab_init(&l);
	lab_plugin(&l, "theirs.so", "\"theirs\"");
	snprintf(path, sizeof(path), "%s/theirs.so", l.dir);
	if (geteuid() != 0) {
		/* Only root can give a file away: say so, loudly. */
		fprintf(stderr, "check_plugin: NOT TESTED (needs root): a "
			"plugin owned by another user is refused\n");
		lab_free(&l);
		return;
	}
	ck_assert_int_eq(chown(path, 4242, 4242), 0);
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	assert_refused(&l, "theirs.so", "owned by uid 4242");
	lab_free(&l);
}
END_TEST

START_TEST(test_only_so_files_are_loaded_in_name_order)
{
	char path[160];
	struct lab l;

	lab_init(&l);
	lab_plugin(&l, "b.so", "\"bb\"");
	lab_plugin(&l, "a.so", "\"cc\"");
	lab_plugin(&l, "c.so", "\"aa\"");
	lab_plugin(&l, "C.so", "\"upper\"");	/* 'C' < 'a' in byte order */
	snprintf(path, sizeof(path), "%s/notes.txt", l.dir);
	lab_write(path, "not a plugin\n");
	snprintf(path, sizeof(path), "%s/old.so.1", l.dir);
	lab_write(path, "not a plugin\n");
	snprintf(path, sizeof(path), "%s/.hidden.so", l.dir);
	lab_write(path, "not a plugin\n");
	snprintf(path, sizeof(path), "%s/dir.so", l.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	lab_load(&l);
	ck_assert_uint_eq(plugin_count(l.set), 4);
	ck_assert_str_eq(plugin_name(l.set, 0), "upper");
	ck_assert_str_eq(plugin_name(l.set, 1), "cc");
	ck_assert_str_eq(plugin_name(l.set, 2), "bb");
	ck_assert_str_eq(plugin_name(l.set, 3), "aa");
	assert_no_complaint(&l);
	lab_free(&l);
}
END_TEST

START_TEST(test_missing_or_unset_dir_is_empty)
{
	char path[160];
	struct lab l;

	lab_init(&l);
	snprintf(path, sizeof(path), "%s/no-such-dir", l.root);
	ck_assert_int_eq(plugin_load_dir(path, &l.set), 0);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	ck_assert_ptr_null(plugin_find(l.set, "fullmesh"));
	ck_assert_int_eq(logs_count(&l.logs, LOG_DEBUG, path, "does not exist"), 1);
	plugin_set_free(l.set);
	ck_assert_int_eq(plugin_load_dir(NULL, &l.set), 0);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	plugin_set_free(l.set);
	ck_assert_int_eq(plugin_load_dir("", &l.set), 0);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	assert_no_complaint(&l);
	lab_free(&l);
}
END_TEST

START_TEST(test_unreadable_dir_warns)
{
	char path[160];
	struct lab l;

	lab_init(&l);
	/* A file where the directory should be: unreadable as a directory,
	 * even for root. */
	snprintf(path, sizeof(path), "%s/file", l.root);
	lab_write(path, "x\n");
	ck_assert_int_eq(plugin_load_dir(path, &l.set), 0);
	ck_assert_uint_eq(plugin_count(l.set), 0);
	ck_assert_int_eq(logs_count(&l.logs, LOG_WARNING, path, "cannot be read"), 1);
	ck_assert_int_eq(logs_count(&l.logs, LOG_ERR, "", NULL), 0);
	lab_free(&l);
}
END_TEST

/* The shipped example: builds warning-free against this tree's header,
 * loads, and asks for exactly one second path, at most three times. */
struct example_world {
	struct mptcpd_subflow subflows[2];
	struct mptcpd_local_addr addrs[3];
	struct mptcpd_conn conn;
	struct mptcpd_host host;
	struct mptcpd_event ev;
	struct mptcpd_actions out;
	unsigned char data[64];
};

static void example_world_init(struct example_world *w)
{
	memset(w, 0, sizeof(*w));
	w->conn.token = 0xabcd;
	w->conn.local = fx_addr("192.0.2.2", 40000);
	w->conn.remote = fx_addr("203.0.113.2", 80);
	w->conn.established = true;
	w->subflows[0] = fx_subflow("192.0.2.2", 40000, "203.0.113.2", 80);
	w->conn.subflows = w->subflows;
	w->conn.n_subflows = 1;
	w->conn.data = w->data;
	w->addrs[0] = fx_local("2001:db8:1::2", 2, "eth0");	/* wrong family */
	w->addrs[1] = fx_local("192.0.2.2", 2, "eth0");	/* the conn's own */
	w->addrs[2] = fx_local("198.51.100.2", 3, "eth1");
	w->host.addrs = w->addrs;
	w->host.n_addrs = 3;
	w->host.max_subflows = 8;
}

static size_t example_decide(const struct mptcpd_strategy *st,
			     struct example_world *w, enum mptcpd_event_type type)
{
	w->ev.type = type;
	w->ev.token = w->conn.token;
	w->out.n = 0;
	st->decide(&w->ev, &w->conn, &w->host, &w->out);
	return w->out.n;
}

static const struct mptcpd_strategy *example_load(struct lab *l)
{
	const struct mptcpd_strategy *st;

	lab_build_file(l, "example.so", EXAMPLE_C);
	lab_load(l);
	assert_no_complaint(l);
	st = plugin_find(l->set, "example-first-path");
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_gt(st->conn_data_size, 0);
	ck_assert_uint_le(st->conn_data_size, sizeof(((struct example_world *)0)->data));
	return st;
}

START_TEST(test_example_builds_loads_and_adds_one_path)
{
	const struct mptcpd_strategy *st;
	struct example_world w;
	struct lab l;

	lab_init(&l);
	st = example_load(&l);
	example_world_init(&w);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ESTABLISHED), 1);
	ck_assert_int_eq(fx_count(&w.out, MPTCPD_ACTION_SUBFLOW_CREATE,
				  "198.51.100.2", "203.0.113.2", 80), 1);
	ck_assert_int_eq(w.out.v[0].ifindex, 3);
	ck_assert_uint_eq(w.out.v[0].token, 0xabcd);
	/* The daemon now shows the pending subflow: nothing more to ask. */
	w.subflows[1] = fx_subflow("198.51.100.2", 0, "203.0.113.2", 80);
	w.subflows[1].state = MPTCPD_SUBFLOW_PENDING;
	w.conn.n_subflows = 2;
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ADDR_ADDED), 0);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ADOPTED), 0);
	lab_free(&l);
}
END_TEST

START_TEST(test_example_asks_at_most_three_times)
{
	const struct mptcpd_strategy *st;
	struct example_world w;
	struct lab l;

	lab_init(&l);
	st = example_load(&l);
	example_world_init(&w);
	/* The subflow keeps failing: it never shows up in the view. */
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ESTABLISHED), 1);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_SUB_CLOSED), 0);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_RETRY), 1);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_RETRY), 1);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_RETRY), 0);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ADDR_ADDED), 0);
	/* Another connection has its own counter. */
	memset(w.data, 0, sizeof(w.data));
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_RETRY), 1);
	lab_free(&l);
}
END_TEST

START_TEST(test_example_leaves_other_connections_alone)
{
	const struct mptcpd_strategy *st;
	struct example_world w;
	struct lab l;

	lab_init(&l);
	st = example_load(&l);
	example_world_init(&w);
	w.conn.server_side = true;
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ESTABLISHED), 0);
	example_world_init(&w);
	w.conn.established = false;
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_CREATED), 0);
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ADDR_ADDED), 0);
	example_world_init(&w);
	w.conn.deny_join_id0 = true;
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ESTABLISHED), 0);
	example_world_init(&w);
	w.host.n_addrs = 2;	/* no other IPv4 address */
	ck_assert_uint_eq(example_decide(st, &w, MPTCPD_EVENT_ESTABLISHED), 0);
	lab_free(&l);
}
END_TEST

static Suite *plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc = tcase_create("load");

	/* Each test runs the compiler a few times. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_good_plugin_loads_and_decides);
	tcase_add_test(tc, test_wrong_abi_is_refused);
	tcase_add_test(tc, test_missing_symbol_is_refused);
	tcase_add_test(tc, test_unloadable_files_are_refused);
	tcase_add_test(tc, test_name_clashes_are_refused);
	tcase_add_test(tc, test_bad_fields_are_refused);
	tcase_add_test(tc, test_writable_file_is_refused);
	tcase_add_test(tc, test_symlink_is_refused);
	tcase_add_test(tc, test_writable_directory_is_refused);
	tcase_add_test(tc, test_pinned_plugin_does_not_shadow_the_next);
	tcase_add_test(tc, test_foreign_owner_is_refused);
	tcase_add_test(tc, test_only_so_files_are_loaded_in_name_order);
	tcase_add_test(tc, test_missing_or_unset_dir_is_empty);
	tcase_add_test(tc, test_unreadable_dir_warns);
	suite_add_tcase(s, tc);
	tc = tcase_create("example");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_example_builds_loads_and_adds_one_path);
	tcase_add_test(tc, test_example_asks_at_most_three_times);
	tcase_add_test(tc, test_example_leaves_other_connections_alone);
	suite_add_tcase(s, tc);
	return s;
}

FX_RUN(plugin_suite)
