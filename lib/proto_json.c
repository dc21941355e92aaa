// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_json.h"

json_object *proto_addr_new(__u64 addr)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	return json_object_new_string(buf);
}

__u64 proto_get_u64(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

const char *proto_get_str(json_object *o, const char *k)
{
	const char *s = NULL;
	json_object *v;

	if (json_object_object_get_ex(o, k, &v))
		s = json_object_get_string(v);
	return s ? s : "";
}

bool proto_get_bool(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

__u64 proto_get_addr(json_object *o, const char *k)
{
	json_object *v;
	__u64 a;

	/* Quietly: a missing address is 0, not a failure to report. */
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return 0;
	return arenad_parse_addr(json_object_get_string(v), &a) ? 0 : a;
}

void proto_copy_str(json_object *o, const char *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s", proto_get_str(o, k));
}
