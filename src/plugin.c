/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading out-of-tree strategies with dlopen().  The directory and each
 * file are opened once (files without following links), checked on that
 * descriptor (owner root or mptcpd's user, not writable by group or
 * others) and loaded from it, so what was checked is what runs.
 * Everything a plugin declares is checked before the daemon relies on it;
 * a refused plugin is unloaded and reported with its file, what is wrong
 * and what to do.
 */
#include <assert.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugin.h"
#include "strategies/registry.h"

struct plugin {
	void *handle;			/* from dlopen() */
	int fd;				/* the file, open while loaded */
	const struct mptcpd_strategy *strategy;	/* inside handle */
	char *path;
};

struct plugin_set {
	size_t n;
	size_t cap;
	struct plugin *v;
};

/* Same selection as the shell's "*.so": hidden files are not plugins,
 * which also keeps an editor's or installer's temporary files out. */
static int plugin_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 3 &&
	       strcmp(d->d_name + len - 3, ".so") == 0;
}

/* Byte order, not the locale's collation: the order must not depend on
 * the environment the daemon was started from. */
static int plugin_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool plugin_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* NULL when the name is acceptable, else what is wrong with it. */
static const char *plugin_name_problem(const char *name)
{
	size_t len;

	if (!name || !name[0])
		return "has no name";
	len = strnlen(name, PLUGIN_NAME_MAX);
	if (len >= PLUGIN_NAME_MAX)
		return "has a name of 64 characters or more";
	for (size_t i = 0; i < len; i++)
		if (!plugin_name_char_ok(name[i]))
			return "has a name with characters other than a-z 0-9 _ -";
	return NULL;
}

/* The fields of the strategy itself.  abi_version comes first: with
 * another ABI, the rest of the structure may not even be laid out alike. */
static bool plugin_check_strategy(const char *path,
				  const struct mptcpd_strategy *st)
{
	const char *problem;

	if (st->abi_version != MPTCPD_STRATEGY_ABI_VERSION) {
		log_err(LOG_SUB_CORE, "%s: built for strategy ABI %u, this mptcpd "
			"speaks ABI %u: rebuild it against this mptcpd's "
			"<mptcpd/strategy.h>", path, st->abi_version,
			MPTCPD_STRATEGY_ABI_VERSION);
		return false;
	}
	problem = plugin_name_problem(st->name);
	if (problem) {
		log_err(LOG_SUB_CORE, "%s: the strategy %s: set .name to 1 to "
			"63 characters among a-z 0-9 _ -", path, problem);
		return false;
	}
	if (!st->decide) {
		log_err(LOG_SUB_CORE, "%s: the strategy \"%s\" has no decide "
			"function: set .decide", path, st->name);
		return false;
	}
	if (st->conn_data_size > PLUGIN_CONN_DATA_MAX) {
		log_err(LOG_SUB_CORE, "%s: the strategy \"%s\" asks for %zu bytes "
			"per connection (conn_data_size), more than the %u "
			"allowed: keep less state per connection", path, st->name,
			st->conn_data_size, PLUGIN_CONN_DATA_MAX);
		return false;
	}
	return true;
}

/* A strategy name must select exactly one strategy. */
static bool plugin_check_unique(const struct plugin_set *s, const char *path,
				const char *name)
{
	if (strategy_find(name)) {
		log_err(LOG_SUB_CORE, "%s: the strategy name \"%s\" is taken by a "
			"built-in strategy: rename the plugin's strategy", path,
			name);
		return false;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].strategy->name, name) == 0) {
			log_err(LOG_SUB_CORE, "%s: the strategy name \"%s\" is "
				"taken by the plugin %s: rename one of them or "
				"remove one", path, name, s->v[i].path);
			return false;
		}
	}
	return true;
}

/* The daemon runs as root and executes whatever the file holds: a file or
 * directory that another user may change, or that belongs to a third
 * user, is not trusted.  what is "file" or "directory", for the message. */
static bool plugin_check_owner(const char *path, const struct stat *st,
			       const char *what)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		log_err(LOG_SUB_CORE, "%s: %s writable by group or others: "
			"refusing to run plugins from it; chmod go-w %s", path,
			what, path);
		return false;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		log_err(LOG_SUB_CORE, "%s: %s owned by uid %u, neither root nor "
			"mptcpd's user: refusing to run plugins from it; chown "
			"root %s", path, what, (unsigned int)st->st_uid, path);
		return false;
	}
	return true;
}

/* dlerror() text usually starts with the name dlopen() was given (the
 * /proc/self/fd link), which says nothing our messages do not. */
static const char *plugin_dlerror(const char *opened)
{
	const char *err = dlerror();
	size_t len = strlen(opened);

	if (!err)
		return "no reason given";
	if (strncmp(err, opened, len) == 0 && strncmp(err + len, ": ", 2) == 0)
		return err + len + 2;
	return err;
}

/* dlopen() knows an object by the name it was opened with: when one is
 * still loaded under "/proc/self/fd/N" (a plugin that cannot be unloaded),
 * a new dlopen() of that name would return it instead of our file.  Moves
 * fd to a number no loaded object is named after; false if none found. */
static bool plugin_fresh_fd(int *fd, char *self, size_t len)
{
	void *old;
	int moved;

	for (int tries = 0; tries < 16; tries++) {
		snprintf(self, len, "/proc/self/fd/%d", *fd);
		old = dlopen(self, RTLD_NOW | RTLD_NOLOAD);
		if (!old)
			return true;
		dlclose(old);
		moved = fcntl(*fd, F_DUPFD_CLOEXEC, *fd + 1);
		if (moved < 0)
			return false;
		close(*fd);
		*fd = moved;
	}
	return false;
}

/* dlopen() the file behind *fd, the one we checked: a name could be
 * swapped for another file between the check and the load.  *fd must stay
 * open while the object is loaded, so that its name stays unique. */
static void *plugin_dlopen_fd(int *fd, const char *path)
{
	char self[64];
	void *handle;

	if (!plugin_fresh_fd(fd, self, sizeof(self))) {
		log_err(LOG_SUB_CORE, "%s: cannot be loaded: no free descriptor "
			"name for it", path);
		return NULL;
	}
	handle = dlopen(self, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		log_err(LOG_SUB_CORE, "%s: cannot be loaded (%s): rebuild it "
			"against this system or remove it", path,
			plugin_dlerror(self));
	return handle;
}

/* The strategy a loaded object exports, or NULL (logged). */
static const struct mptcpd_strategy *plugin_symbol(void *handle,
						   const char *path)
{
	const struct mptcpd_strategy *st;

	dlerror();
	st = dlsym(handle, MPTCPD_STRATEGY_SYMBOL);
	if (!st) {
		log_err(LOG_SUB_CORE, "%s: not a strategy plugin (%s): it must "
			"define const struct mptcpd_strategy %s", path,
			plugin_dlerror(""), MPTCPD_STRATEGY_SYMBOL);
		return NULL;
	}
	return st;
}

/* Load the checked file fd into s, or log why not.  Takes path
 * (malloc'ed) and fd in both cases.  s->v has room: s->cap counts every
 * entry.  The plugin's constructors run here, inside dlopen(). */
static void plugin_load_one(struct plugin_set *s, char *path, int fd)
{
	const struct mptcpd_strategy *st;
	void *handle = plugin_dlopen_fd(&fd, path);

	if (!handle)
		goto refuse;
	st = plugin_symbol(handle, path);
	if (!st || !plugin_check_strategy(path, st) ||
	    !plugin_check_unique(s, path, st->name))
		goto refuse;
	assert(s->n < s->cap);
	s->v[s->n++] = (struct plugin){ handle, fd, st, path };
	log_info(LOG_SUB_CORE, "%s: strategy \"%s\" loaded", path, st->name);
	return;
refuse:
	if (handle)
		dlclose(handle);
	close(fd);
	free(path);
}

static char *plugin_join(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), nlen = strlen(name);
	char *path = malloc(dlen + 1 + nlen + 1);

	if (!path)
		return NULL;
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, name, nlen + 1);
	return path;
}

/* Opens one entry without following a link (what we check is what we
 * load) and checks it; -1 when it is not to be loaded (logged). */
static int plugin_open_checked(int dirfd, const char *name, const char *path)
{
	struct stat sb;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ELOOP)
			log_err(LOG_SUB_CORE, "%s: a symbolic link: refusing to "
				"follow it; install the file itself", path);
		else
			log_err(LOG_SUB_CORE, "%s: cannot be opened: %s", path,
				strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		log_debug(LOG_SUB_CORE, "%s: not a regular file, skipped", path);
		goto refuse;
	}
	if (!plugin_check_owner(path, &sb, "file"))
		goto refuse;
	return fd;
refuse:
	close(fd);
	return -1;
}

static int plugin_load_entries(struct plugin_set *s, const char *dir,
			       int dirfd, struct dirent **names, int n)
{
	char *path;
	int fd;

	for (int i = 0; i < n; i++) {
		path = plugin_join(dir, names[i]->d_name);
		if (!path)
			return -ENOMEM;
		fd = plugin_open_checked(dirfd, names[i]->d_name, path);
		if (fd < 0) {
			free(path);
			continue;
		}
		plugin_load_one(s, path, fd);
	}
	return 0;
}

/* The directory, opened and checked like the files in it: whoever may
 * add a file there may run code as mptcpd.  -1 when there is nothing to
 * load (logged). */
static int plugin_open_dir(const char *dir)
{
	struct stat sb;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			log_debug(LOG_SUB_CORE, "plugin directory %s does not "
				  "exist: no plugins", dir);
		else
			log_warn(LOG_SUB_CORE, "plugin directory %s cannot be "
				 "read: %s: no plugins loaded", dir,
				 strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !plugin_check_owner(dir, &sb, "directory")) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The sorted *.so names in dirfd; 0 of them when it cannot be read. */
static int plugin_scan(int dirfd, const char *dir, struct dirent ***names)
{
	int n = scandirat(dirfd, ".", names, plugin_filter, plugin_compare);

	if (n >= 0)
		return n;
	*names = NULL;
	if (errno == ENOMEM)
		return -ENOMEM;
	log_warn(LOG_SUB_CORE, "plugin directory %s cannot be read: %s: no "
		 "plugins loaded", dir, strerror(errno));
	return 0;
}

int plugin_load_dir(const char *dir, struct plugin_set **out)
{
	struct dirent **names = NULL;
	struct plugin_set *s;
	int n = 0, err, dirfd = -1;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (dir && dir[0])
		dirfd = plugin_open_dir(dir);
	if (dirfd >= 0)
		n = plugin_scan(dirfd, dir, &names);
	if (n < 0) {
		err = n;
		goto out;
	}
	s->cap = (size_t)n;
	s->v = calloc(s->cap ? s->cap : 1, sizeof(*s->v));
	err = s->v ? plugin_load_entries(s, dir, dirfd, names, n) : -ENOMEM;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (dirfd >= 0)
		close(dirfd);
	if (err < 0)
		plugin_set_free(s);
	else
		*out = s;
	return err;
}

const struct mptcpd_strategy *plugin_find(const struct plugin_set *s,
					  const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->v[i].strategy->name, name) == 0)
			return s->v[i].strategy;
	return NULL;
}

size_t plugin_count(const struct plugin_set *s)
{
	return s ? s->n : 0;
}

const char *plugin_name(const struct plugin_set *s, size_t i)
{
	return i < plugin_count(s) ? s->v[i].strategy->name : NULL;
}

const char *plugin_path(const struct plugin_set *s, size_t i)
{
	return i < plugin_count(s) ? s->v[i].path : NULL;
}

void plugin_set_free(struct plugin_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		dlclose(s->v[i].handle);
		close(s->v[i].fd);
		free(s->v[i].path);
	}
	free(s->v);
	free(s);
}
