/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "strategies.h"

static const struct mptcpd_strategy *const strategies_builtin[] = {
	&strategy_fullmesh,
	&strategy_backup_cellular,
	&strategy_metered_aware,
};

const struct mptcpd_strategy *strategy_find(const char *name)
{
	for (size_t i = 0; i < sizeof(strategies_builtin) / sizeof(strategies_builtin[0]); i++)
		if (strcmp(strategies_builtin[i]->name, name) == 0)
			return strategies_builtin[i];
	return NULL;
}

const char *strategy_names(void)
{
	return "fullmesh, backup-cellular, metered-aware";
}
