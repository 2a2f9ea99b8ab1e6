/* SPDX-License-Identifier: BSD-3-Clause */
/* The built-in strategies. */
#ifndef MPTCPD_STRATEGIES_H
#define MPTCPD_STRATEGIES_H

#include "mptcpd/strategy.h"

extern const struct mptcpd_strategy strategy_fullmesh;
extern const struct mptcpd_strategy strategy_backup_cellular;
extern const struct mptcpd_strategy strategy_metered_aware;

/* A built-in strategy by name, or NULL. */
const struct mptcpd_strategy *strategy_find(const char *name);
/* Comma-separated list of built-in names, for messages. */
const char *strategy_names(void);

#endif
