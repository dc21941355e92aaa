// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Declared parameters (rpc.h): a method's table says each parameter's
 * name, type, whether it is required and its range; a request is checked
 * against it before the handler runs, so no handler checks a parameter by
 * hand. Errors are the protocol's -32602 replies (docs/protocol.md).
 * Per-request: never logs (log.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rpc_internal.h"

/* A parameter of JSON type `type` (described as `what` in errors):
 * 1 with *v set when present, 0 when absent and optional, -1 (err set)
 * when absent and required or of another type. */
static int get_value(json_object *v, const struct rpc_param *p, enum json_type type,
		     const char *what, struct rpc_error *err)
{
	if (!v) {
		if (p->required)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "missing parameter '%s'", p->name);
		return 0;
	}
	if (!json_object_is_type(v, type))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be %s", p->name, what);
	return 1;
}

static int parse_u32(json_object *v, const struct rpc_param *p, void *userdata, __u32 *out,
		     struct rpc_error *err)
{
	__u32 max = p->max_of ? p->max_of(userdata) : p->max;
	int64_t n;
	int r;

	r = get_value(v, p, json_type_int, "an integer", err);
	if (r <= 0)
		return r;
	/* json-c saturates out-of-range numbers to INT64_MAX/MIN, which the
	 * range check below rejects as well. */
	n = json_object_get_int64(v);
	if (n < (int64_t)p->min || n > (int64_t)max)
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be %u..%u, got %" PRId64,
				     p->name, p->min, max, n);
	*out = n;
	return 0;
}

static int parse_name(json_object *v, const struct rpc_param *p, const char **out,
		      struct rpc_error *err)
{
	const char *s;
	size_t i, len;
	int r;

	r = get_value(v, p, json_type_string, "a string", err);
	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (!len || len > p->max)
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be 1..%zu bytes", p->name, (size_t)p->max);
	/* Names end up in logs and tables: printable ASCII only, no NULs. */
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "parameter '%s' must be printable ASCII without spaces",
					     p->name);
	*out = s;
	return 0;
}

static int parse_addr(json_object *v, const struct rpc_param *p, __u64 *out,
		      struct rpc_error *err)
{
	const char *s;
	int r;

	r = get_value(v, p, json_type_string, "a \"0x...\" hex string", err);
	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) && strncmp(s, "0X", 2))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' must be a \"0x...\" hex string", p->name);
	if (proto_addr_parse(s, out))
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' is not a valid address: '%s'", p->name, s);
	return 0;
}

static int parse_bool(json_object *v, const struct rpc_param *p, bool *out,
		      struct rpc_error *err)
{
	int r = get_value(v, p, json_type_boolean, "true or false", err);

	if (r <= 0)
		return r;
	*out = json_object_get_boolean(v);
	return 0;
}

static int parse_word(json_object *v, const struct rpc_param *p, __u32 *out,
		      struct rpc_error *err)
{
	const char *s;
	__u32 i;
	int r;

	r = get_value(v, p, json_type_string, "a string", err);
	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	for (i = 0; p->words[i]; i++)
		if (!strcmp(p->words[i], s) && strlen(s) == (size_t)json_object_get_string_len(v)) {
			*out = i;
			return 0;
		}
	/* "a, b or c" */
	{
		char list[128] = "";
		size_t n = 0;

		for (i = 0; p->words[i] && n < sizeof(list); i++)
			n += snprintf(list + n, sizeof(list) - n, "%s'%s'",
				      !i ? "" : p->words[i + 1] ? ", " : " or ", p->words[i]);
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS, "parameter '%s' must be %s",
				     p->name, list);
	}
}

static int parse_names(json_object *v, const struct rpc_param *p, json_object **out,
		       struct rpc_error *err)
{
	const char *unused;
	size_t i, n;
	int r;

	r = get_value(v, p, json_type_array, "an array of strings", err);
	if (r <= 0)
		return r;
	n = json_object_array_length(v);
	if (n > RPC_NAMES_MAX)
		return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
				     "parameter '%s' has more than %d items", p->name, RPC_NAMES_MAX);
	/* Each item by the rules of a NAME parameter, under the same name. */
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(v, i);

		if (!item || !json_object_is_type(item, json_type_string))
			return rpc_set_error(err, ARENAD_RPC_INVALID_PARAMS,
					     "parameter '%s' must be an array of strings", p->name);
		if (parse_name(item, p, &unused, err) < 0)
			return -1;
	}
	*out = v;
	return 0;
}

static const struct rpc_param *find_param(const struct rpc_param *table, const char *key)
{
	for (; table && table->name; table++)
		if (!strcmp(table->name, key))
			return table;
	return NULL;
}

int rpc_params_parse(struct rpc_call *c, const struct rpc_param *table, json_object *params,
		     void *userdata)
{
	const struct rpc_param *p;
	unsigned int i;
	int r = 0;

	memset(c->args, 0, sizeof(c->args));
	c->given = 0;
	c->valued = 0;
	if (params) {
		json_object_object_foreach(params, key, val) {
			(void)val;
			if (!find_param(table, key))
				return rpc_set_error(&c->err, ARENAD_RPC_INVALID_PARAMS,
						     "unknown parameter '%s'", key);
		}
	}
	for (p = table, i = 0; p && p->name && r >= 0; p++, i++) {
		json_object *v = NULL;
		void *at = c->args + p->offset;

		if (params && json_object_object_get_ex(params, p->name, &v))
			c->given |= 1u << i;
		if (v && json_object_is_type(v, json_type_null))
			v = NULL;
		else if (v)
			c->valued |= 1u << i;
		switch (p->type) {
		case RPC_PARAM_U32:
			r = parse_u32(v, p, userdata, at, &c->err);
			break;
		case RPC_PARAM_NAME:
			r = parse_name(v, p, at, &c->err);
			break;
		case RPC_PARAM_ADDR:
			r = parse_addr(v, p, at, &c->err);
			break;
		case RPC_PARAM_BOOL:
			r = parse_bool(v, p, at, &c->err);
			break;
		case RPC_PARAM_WORD:
			r = parse_word(v, p, at, &c->err);
			break;
		case RPC_PARAM_NAMES:
			r = parse_names(v, p, at, &c->err);
			break;
		}
	}
	return r < 0 ? -1 : 0;
}

static unsigned int param_bit(const struct rpc_call *c, const char *name)
{
	const struct rpc_param *p;
	unsigned int i;

	for (p = c->method->params, i = 0; p && p->name; p++, i++)
		if (!strcmp(p->name, name))
			return 1u << i;
	return 0;
}

bool rpc_call_given(const struct rpc_call *c, const char *name)
{
	return c->given & param_bit(c, name);
}

bool rpc_call_valued(const struct rpc_call *c, const char *name)
{
	return c->valued & param_bit(c, name);
}
