/* SPDX-License-Identifier: BSD-3-Clause */
#include "backoff.h"

void backoff_failed(struct model_pair *p, const struct backoff_policy *pol,
		    uint64_t now_ms, uint64_t lived_ms)
{
	uint64_t delay = pol->initial_ms;

	if (lived_ms >= pol->healthy_ms)
		p->failures = 0;
	p->failures++;
	for (unsigned int i = 1; i < p->failures && delay < pol->max_ms; i++)
		delay *= 2;
	if (delay > pol->max_ms)
		delay = pol->max_ms;
	p->retry_ms = now_ms + delay;
}

void backoff_reset(struct model_pair *p)
{
	p->failures = 0;
	p->retry_ms = 0;
}

bool backoff_allows(const struct model_pair *p, uint64_t now_ms)
{
	return p->retry_ms == 0 || now_ms >= p->retry_ms;
}
