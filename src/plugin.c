/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading out-of-tree strategies with dlopen().  Everything a plugin
 * declares is checked before the daemon relies on it; a refused plugin is
 * unloaded and reported with its file, what is wrong and what to do.
 */
#include <assert.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
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

/* The daemon runs as root and executes whatever the file holds: one that
 * anybody may replace, or that belongs to a third user, is not trusted.
 * (A check, not a guarantee: the directory must be protected too.) */
static bool plugin_check_file(const char *path, const struct stat *st)
{
	if (st->st_mode & S_IWOTH) {
		log_err(LOG_SUB_CORE, "%s: writable by any user: refusing to run "
			"it; chmod o-w it", path);
		return false;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		log_err(LOG_SUB_CORE, "%s: owned by uid %u, neither root nor "
			"mptcpd's user: refusing to run it; chown it", path,
			(unsigned int)st->st_uid);
		return false;
	}
	return true;
}

/* dlerror() text usually starts with the file name, which our messages
 * already begin with. */
static const char *plugin_dlerror(const char *path)
{
	const char *err = dlerror();
	size_t len = strlen(path);

	if (!err)
		return "no reason given";
	if (strncmp(err, path, len) == 0 && strncmp(err + len, ": ", 2) == 0)
		return err + len + 2;
	return err;
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
			plugin_dlerror(path), MPTCPD_STRATEGY_SYMBOL);
		return NULL;
	}
	return st;
}

/* Load one file into s, or log why not.  Takes path (malloc'ed) in both
 * cases.  s->v has room: s->cap counts every directory entry. */
static void plugin_load_one(struct plugin_set *s, char *path,
			    const struct stat *sb)
{
	const struct mptcpd_strategy *st;
	void *handle = NULL;

	if (!plugin_check_file(path, sb))
		goto refuse;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		log_err(LOG_SUB_CORE, "%s: cannot be loaded (%s): rebuild it "
			"against this system or remove it", path,
			plugin_dlerror(path));
		goto refuse;
	}
	st = plugin_symbol(handle, path);
	if (!st || !plugin_check_strategy(path, st) ||
	    !plugin_check_unique(s, path, st->name))
		goto refuse;
	assert(s->n < s->cap);
	s->v[s->n++] = (struct plugin){ handle, st, path };
	log_info(LOG_SUB_CORE, "%s: strategy \"%s\" loaded", path, st->name);
	return;
refuse:
	if (handle)
		dlclose(handle);
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

/* Directory entries that are (or link to) regular files get loaded. */
static int plugin_load_entries(struct plugin_set *s, const char *dir,
			       struct dirent **names, int n)
{
	struct stat sb;
	char *path;

	for (int i = 0; i < n; i++) {
		path = plugin_join(dir, names[i]->d_name);
		if (!path)
			return -ENOMEM;
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			log_debug(LOG_SUB_CORE, "%s: not a regular file, "
				  "skipped", path);
			free(path);
			continue;
		}
		plugin_load_one(s, path, &sb);
	}
	return 0;
}

/* The sorted *.so names of dir; 0 of them when it cannot be read. */
static int plugin_scan(const char *dir, struct dirent ***names)
{
	int n = scandir(dir, names, plugin_filter, plugin_compare);

	if (n >= 0)
		return n;
	*names = NULL;
	if (errno == ENOMEM)
		return -ENOMEM;
	if (errno == ENOENT)
		log_debug(LOG_SUB_CORE, "plugin directory %s does not exist: "
			  "no plugins", dir);
	else
		log_warn(LOG_SUB_CORE, "plugin directory %s cannot be read: %s: "
			 "no plugins loaded", dir, strerror(errno));
	return 0;
}

int plugin_load_dir(const char *dir, struct plugin_set **out)
{
	struct dirent **names = NULL;
	struct plugin_set *s;
	int n = 0, err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (dir && dir[0])
		n = plugin_scan(dir, &names);
	if (n < 0) {
		err = n;
		goto out;
	}
	s->cap = (size_t)n;
	s->v = calloc(s->cap ? s->cap : 1, sizeof(*s->v));
	err = s->v ? plugin_load_entries(s, dir, names, n) : -ENOMEM;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
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
		free(s->v[i].path);
	}
	free(s->v);
	free(s);
}
