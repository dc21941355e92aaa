// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libarenad's typed calls for every arena on the host: "arenas", "who" and
 * "scan" with a map_id (docs/protocol.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "client.h"
#include "error.h"
#include "proto_json.h"

/* A JSON null (a process outside any unit) comes out as "". */
static void get_str(json_object *o, const char *k, char *buf, size_t len)
{
	const char *v = proto_get_str(o, k);

	snprintf(buf, len, "%s", v ? v : "");
}

static bool get_bool(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static __u64 get_addr(json_object *o, const char *k)
{
	__u64 a;

	return arenad_parse_addr(proto_get_str(o, k), &a) ? 0 : a;
}

static json_object *get_array(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

void arenad_arena_clear(struct arenad_arena *a)
{
	free(a->progs);
	free(a->procs);
	a->progs = NULL;
	a->procs = NULL;
}

void arenad_arenas_free(struct arenad_arena *a, size_t n)
{
	if (!a)
		return;
	for (size_t i = 0; i < n; i++)
		arenad_arena_clear(&a[i]);
	free(a);
}

/* The "programs" and "processes" members, as in `arenas` and `who`. */
static int users_from_json(json_object *o, struct arenad_arena *a)
{
	json_object *progs = get_array(o, "programs"), *procs = get_array(o, "processes");
	size_t i, n;

	n = progs ? json_object_array_length(progs) : 0;
	a->progs = calloc(n ?: 1, sizeof(*a->progs));
	if (!a->progs)
		return libarenad_err(-ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(progs, i), *type;

		a->progs[i].id = proto_get_u64(p, "id");
		get_str(p, "name", a->progs[i].name, sizeof(a->progs[i].name));
		/* A type libbpf had no name for comes as its number. */
		if (json_object_object_get_ex(p, "type", &type))
			snprintf(a->progs[i].type, sizeof(a->progs[i].type), "%s",
				 json_object_get_string(type));
	}
	a->n_progs = n;

	n = procs ? json_object_array_length(procs) : 0;
	a->procs = calloc(n ?: 1, sizeof(*a->procs));
	if (!a->procs)
		return libarenad_err(-ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(procs, i);

		a->procs[i].pid = proto_get_u64(p, "pid");
		get_str(p, "comm", a->procs[i].comm, sizeof(a->procs[i].comm));
		get_str(p, "unit", a->procs[i].unit, sizeof(a->procs[i].unit));
		a->procs[i].fds = proto_get_u64(p, "fds");
		a->procs[i].mapped = get_bool(p, "mapped");
	}
	a->n_procs = n;
	return 0;
}

static int arena_from_json(json_object *o, struct arenad_arena *a)
{
	json_object *v;

	*a = (struct arenad_arena) {
		.map_id = proto_get_u64(o, "map_id"),
		.pages_total = proto_get_u64(o, "pages_total"),
		.page_size = proto_get_u64(o, "page_size"),
		.map_flags = proto_get_u64(o, "map_flags"),
		.segv_on_fault = get_bool(o, "segv_on_fault"),
		.user_vm_start = get_addr(o, "user_vm_start"),
		.managed = get_bool(o, "managed"),
	};
	get_str(o, "name", a->name, sizeof(a->name));
	a->census_ok = json_object_object_get_ex(o, "pages_present", &v) &&
		       json_object_is_type(v, json_type_int);
	a->pages_present = proto_get_u64(o, "pages_present");
	get_str(o, "census_method", a->census_method, sizeof(a->census_method));
	get_str(o, "census_unavailable", a->census_unavailable, sizeof(a->census_unavailable));
	return users_from_json(o, a);
}

int arenad_client__arenas(struct arenad_client *c, struct arenad_arena **out, size_t *n)
{
	struct arenad_arena *a;
	json_object *r;
	size_t i, len;
	int ret;

	*out = NULL;
	*n = 0;
	ret = libarenad_call(c, "arenas", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_is_type(r, json_type_array)) {
		json_object_put(r);
		return libarenad_err(-EPROTO, "arenas: malformed reply from arenad");
	}
	len = json_object_array_length(r);
	a = calloc(len ?: 1, sizeof(*a));
	if (!a) {
		json_object_put(r);
		return libarenad_err(-ENOMEM, "out of memory");
	}
	for (i = 0; i < len; i++) {
		ret = arena_from_json(json_object_array_get_idx(r, i), &a[i]);
		if (ret) {
			arenad_arenas_free(a, i + 1);
			json_object_put(r);
			return ret;
		}
	}
	json_object_put(r);
	*out = a;
	*n = len;
	return 0;
}

static int call_map_id(struct arenad_client *c, const char *method, __u32 map_id,
		       const char *census, json_object **r)
{
	json_object *params = json_object_new_object();
	int ret;

	if (!params || json_object_object_add(params, "map_id", json_object_new_uint64(map_id)) ||
	    (census && json_object_object_add(params, "method", json_object_new_string(census)))) {
		json_object_put(params);
		return libarenad_err(-ENOMEM, "out of memory");
	}
	ret = libarenad_call(c, method, params, r);
	json_object_put(params);
	return ret;
}

int arenad_client__who(struct arenad_client *c, __u32 map_id, struct arenad_arena *out)
{
	json_object *r;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = call_map_id(c, "who", map_id, NULL, &r);
	if (ret)
		return ret;
	out->map_id = proto_get_u64(r, "map_id");
	out->managed = get_bool(r, "managed");
	get_str(r, "name", out->name, sizeof(out->name));
	ret = users_from_json(r, out);
	json_object_put(r);
	if (ret)
		arenad_arena_clear(out);
	return ret;
}

int arenad_client__scan_map(struct arenad_client *c, __u32 map_id, const char *method,
			   struct arenad_arena_scan *out)
{
	json_object *r, *runs;
	size_t i, n;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = call_map_id(c, "scan", map_id, method, &r);
	if (ret)
		return ret;
	out->map_id = map_id;
	out->pages_total = proto_get_u64(r, "pages_total");
	out->pages_present = proto_get_u64(r, "pages_present");
	out->pages_probed = proto_get_u64(r, "pages_probed");
	out->duration_us = proto_get_u64(r, "duration_us");
	get_str(r, "method", out->method, sizeof(out->method));
	/* The managed arena's scan lists what the ledger does not know
	 * ("unaccounted"); another arena's lists every present run. */
	runs = get_array(r, "present");
	n = runs ? json_object_array_length(runs) : 0;
	out->runs = calloc(n ?: 1, sizeof(*out->runs));
	if (!out->runs) {
		json_object_put(r);
		return libarenad_err(-ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(runs, i);

		out->runs[i].addr = get_addr(o, "addr");
		out->runs[i].offset = proto_get_u64(o, "offset");
		out->runs[i].pages = proto_get_u64(o, "pages");
	}
	out->n_runs = n;
	json_object_put(r);
	return 0;
}

void arenad_arena_scan_free(struct arenad_arena_scan *s)
{
	if (!s)
		return;
	free(s->runs);
	s->runs = NULL;
	s->n_runs = 0;
}
