// SPDX-License-Identifier: LGPL-2.1-or-later
/* The records of arenas as the protocol shows them (inventory_json.h).
 * Per request, off the loop: never logs (log.h). */
#include <string.h>
#include <bpf/libbpf.h>

#include "census.h"
#include "inventory_json.h"
#include "rpc.h"
#include "scan.h"

static json_object *progs_json(const struct inv_prog *p, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		const char *type = libbpf_bpf_prog_type_str(p[i].type);

		rpc_put(o, "id", json_object_new_uint64(p[i].id));
		rpc_put(o, "name", json_object_new_string(p[i].name));
		rpc_put(o, "type", type ? json_object_new_string(type)
							: json_object_new_uint64(p[i].type));
		rpc_append(arr, o);
	}
	return arr;
}

static json_object *procs_json(const struct inv_proc *p, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		rpc_put(o, "pid", json_object_new_uint64(p[i].pid));
		rpc_put(o, "comm", json_object_new_string(p[i].comm));
		rpc_put_or_null(o, "unit", p[i].unit ? json_object_new_string(p[i].unit) : NULL,
				!p[i].unit);
		rpc_put(o, "fds", json_object_new_uint64(p[i].fds));
		rpc_put(o, "mapped", json_object_new_boolean(p[i].mapped));
		rpc_append(arr, o);
	}
	return arr;
}

static json_object *pins_json(char *const *pins, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		rpc_append(arr, json_object_new_string(pins[i]));
	return arr;
}

/* What holds an arena, as every record that shows it ends. */
static void holders_put(json_object *o, const struct inv_arena *a)
{
	rpc_put(o, "programs", progs_json(a->progs, a->n_progs));
	rpc_put(o, "processes", procs_json(a->procs, a->n_procs));
	rpc_put(o, "pins", pins_json(a->pins, a->n_pins));
}

void inv_arena_head_put(json_object *o, __u32 map_id, const char *name, bool managed)
{
	rpc_put(o, "map_id", json_object_new_uint64(map_id));
	if (name)
		rpc_put(o, "name", json_object_new_string(name));
	rpc_put(o, "managed", json_object_new_boolean(managed));
}

void inv_arena_addr_put(json_object *o, __u64 user_vm_start)
{
	rpc_put_or_null(o, "user_vm_start", user_vm_start ? proto_addr_new(user_vm_start) : NULL,
			!user_vm_start);
}

/* How the record of one arena asked for by map id begins. */
static json_object *arena_head(const struct arenad_arena_rec *rec, bool managed)
{
	json_object *o = json_object_new_object();

	inv_arena_head_put(o, rec->map_id, rec->name, managed);
	return o;
}

json_object *inv_arena_json(const struct inv_arena *a)
{
	json_object *o = json_object_new_object();

	inv_arena_head_put(o, a->map_id, a->name, a->managed);
	rpc_put(o, "pages_total", json_object_new_uint64(a->pages_total));
	rpc_put(o, "page_size", json_object_new_uint64(a->page_size));
	rpc_put(o, "map_flags", json_object_new_uint64(a->map_flags));
	rpc_put(o, "segv_on_fault",
			       json_object_new_boolean(a->map_flags & ARENAD_F_SEGV_ON_FAULT));
	inv_arena_addr_put(o, a->user_vm_start);
	rpc_put_or_null(o, "pages_present",
			a->census_ok ? json_object_new_uint64(a->pages_present) : NULL, !a->census_ok);
	rpc_put_or_null(o, "census_method",
			a->census_method ? json_object_new_string(a->census_method) : NULL,
			!a->census_method);
	if (!a->census_ok)
		rpc_put(o, "census_unavailable",
			json_object_new_string(a->census_unavailable));
	holders_put(o, a);
	return o;
}

json_object *inv_list_json(const struct inv_list *l)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; l && i < l->n; i++)
		rpc_append(arr, inv_arena_json(&l->arenas[i]));
	return arr;
}

json_object *inv_scan_json(const struct arenad_arena_rec *rec, bool managed,
			   const struct page_run *runs, size_t nruns, __u64 duration_us)
{
	json_object *o, *present = json_object_new_array();

	for (size_t i = 0; i < nruns; i++)
		rpc_append(present, scan_run_json(rec->user_vm_start, runs[i].start, runs[i].pages));
	o = arena_head(rec, managed);
	inv_arena_addr_put(o, rec->user_vm_start);
	rpc_put(o, "pages_total", json_object_new_uint64(rec->max_entries));
	rpc_put(o, "pages_present", json_object_new_uint64(rec->present));
	rpc_put(o, "present", present);
	rpc_put(o, "pages_probed", json_object_new_uint64(rec->probed));
	rpc_put(o, "duration_us", json_object_new_uint64(duration_us));
	rpc_put(o, "method", json_object_new_string(census_method_name(rec->method)));
	return o;
}

json_object *inv_who_json(const struct arenad_arena_rec *rec, bool managed,
			  const struct inv_arena *a, int pins_err, const char *users_unavailable)
{
	json_object *o = arena_head(rec, managed);

	holders_put(o, a);
	if (pins_err < 0)
		rpc_put(o, "pins_unavailable", json_object_new_string(strerror(-pins_err)));
	if (users_unavailable[0])
		rpc_put(o, "users_unavailable", json_object_new_string(users_unavailable));
	return o;
}
