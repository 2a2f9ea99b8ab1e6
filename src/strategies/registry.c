/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "strategies/registry.h"

static const struct mptcpd_strategy *const strategies_builtin[] = {
	&strategy_fullmesh,
	&strategy_backup_cellular,
	&strategy_metered_aware,
	&strategy_interactive,
};

#define N_BUILTIN (sizeof(strategies_builtin) / sizeof(strategies_builtin[0]))

const struct mptcpd_strategy *strategy_find(const char *name)
{
	for (size_t i = 0; i < N_BUILTIN; i++)
		if (strcmp(strategies_builtin[i]->name, name) == 0)
			return strategies_builtin[i];
	return NULL;
}

const struct mptcpd_strategy *strategy_builtin_at(size_t i)
{
	return i < N_BUILTIN ? strategies_builtin[i] : NULL;
}

/* Built once from the table, so a new strategy needs no second edit. */
const char *strategy_names(void)
{
	static char names[128];
	size_t off = 0;

	if (names[0])
		return names;
	for (size_t i = 0; i < N_BUILTIN; i++) {
		int n = snprintf(names + off, sizeof(names) - off, "%s%s",
				 i ? ", " : "", strategies_builtin[i]->name);
		if (n < 0 || (size_t)n >= sizeof(names) - off)
			break;
		off += (size_t)n;
	}
	return names;
}
