// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness: arenad's option parsing (daemon/config.c). The input
 * is the argument list, NUL-separated; the first byte picks whether
 * --help/--version are let through (they print). Every outcome is a parsed
 * and validated configuration or a refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *copy, *p, *end;
	struct config cfg;
	char err[256];
	int argc = 1, r;

	if (size < 1 || size > 4096)
		return 0;
	log_set_max_level(LOG_EMERG - 1);	/* refusals are logged: quiet */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = 0;
	argv[0] = "arenad";
	for (p = copy, end = copy + size - 1; p < end && argc < MAX_ARGS; p += strlen(p) + 1) {
		/* --help and --version print and exit: only now and then. */
		if (!(data[0] & 1) && (!strncmp(p, "-h", 2) || !strncmp(p, "--h", 3) ||
				       !strncmp(p, "-V", 2) || !strncmp(p, "--vers", 6)))
			continue;
		argv[argc++] = p;
	}
	argv[argc] = NULL;
	config_init(&cfg);
	r = config_parse_args(&cfg, argc, argv);
	if (r == 0 && config_validate(&cfg, err, sizeof(err)))
		abort();	/* accepted, yet invalid */
	free(copy);
	return 0;
}
