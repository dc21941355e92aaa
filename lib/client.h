/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libarenad-internal: the connection to the daemon, shared by the calls. */
#ifndef __LIBARENAD_CLIENT_H
#define __LIBARENAD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <json-c/json.h>

#include "arenad.h"

/*
 * Call method with params (NULL: none; not consumed). On success *result
 * is a new reference the caller puts. Failures are recorded (error.h).
 */
int libarenad_call(struct arenad_client *c, const char *method,
		   json_object *params, json_object **result);

/*
 * A scan's list of runs (member key of r) into a new array of records of
 * rec_sz bytes; without the member, -EPROTO when required, else empty.
 */
int libarenad_scan_list(json_object *r, const char *key, bool required, size_t rec_sz,
			struct arenad_scan_range **out, size_t *n);

/* The errno for a daemon's JSON-RPC error code. */
int libarenad_code_to_errno(int code);

#endif /* __LIBARENAD_CLIENT_H */
