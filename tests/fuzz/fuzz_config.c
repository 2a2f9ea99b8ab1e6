/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is the text of an mptcpd.conf, parsed on top
 * of the defaults and freed again.  Every error is logged, so the log goes
 * to a sink that drops it: printing would dominate the run time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_config_drop(int level, enum log_subsys sub, const char *msg,
			     void *arg)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *text;

	log_set_sink(fuzz_config_drop, NULL);
	/* config_load_string() takes a C string: NUL-terminate a copy (an
	 * embedded NUL just ends the text early, as in a file read by inih). */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_init(&cfg);
	config_load_string(&cfg, text, "fuzz.conf");
	config_free(&cfg);
	free(text);
	return 0;
}
