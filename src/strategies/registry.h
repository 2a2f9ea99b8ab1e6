/* SPDX-License-Identifier: BSD-3-Clause */
/* The built-in strategies. */
#ifndef MPTCPD_STRATEGIES_REGISTRY_H
#define MPTCPD_STRATEGIES_REGISTRY_H

#include <stddef.h>

#include "mptcpd/strategy.h"

extern const struct mptcpd_strategy strategy_fullmesh;
extern const struct mptcpd_strategy strategy_backup_cellular;
extern const struct mptcpd_strategy strategy_metered_aware;
extern const struct mptcpd_strategy strategy_interactive;

/* A built-in strategy by name, or NULL. */
const struct mptcpd_strategy *strategy_find(const char *name);
/* The i-th built-in strategy, or NULL past the end. */
const struct mptcpd_strategy *strategy_builtin_at(size_t i);
/* Comma-separated list of built-in names, for messages. */
const char *strategy_names(void);

#endif
