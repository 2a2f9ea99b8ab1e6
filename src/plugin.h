/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-tree strategies: shared objects in the plugin directory
 * ([core] plugin-dir) that define MPTCPD_STRATEGY_SYMBOL.  A plugin that
 * cannot be used is logged (file, reason, remedy) and skipped, so a broken
 * plugin never keeps the daemon from starting with another strategy.
 */
#ifndef MPTCPD_PLUGIN_H
#define MPTCPD_PLUGIN_H

#include <stddef.h>

#include "mptcpd/strategy.h"

/* The largest conn_data_size a plugin may ask for, per connection. */
#define PLUGIN_CONN_DATA_MAX (64u * 1024u)
/* Strategy names are shorter than this (they appear in config and CLI). */
#define PLUGIN_NAME_MAX 64

struct plugin_set;

/*
 * Load every regular *.so file of dir, in strcmp() order of their names.
 * A missing directory, or a NULL or empty dir, gives an empty set.  On
 * success *out is a new set that the caller frees with plugin_set_free().
 * Returns 0, or -ENOMEM (then *out is untouched).
 */
int plugin_load_dir(const char *dir, struct plugin_set **out);

/* The plugin strategy with this name, or NULL.  The pointer is valid until
 * plugin_set_free() unloads the plugin. */
const struct mptcpd_strategy *plugin_find(const struct plugin_set *s,
					  const char *name);
size_t plugin_count(const struct plugin_set *s);
/* The i-th loaded plugin's strategy name (i < plugin_count()). */
const char *plugin_name(const struct plugin_set *s, size_t i);
/* The file the i-th plugin was loaded from, for messages. */
const char *plugin_path(const struct plugin_set *s, size_t i);
/* Unloads every plugin: no strategy of the set may run afterwards. */
void plugin_set_free(struct plugin_set *s);

#endif
