// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libarenad's typed calls for every arena on the host: "arenas", "who" and
 * "scan" with a map_id (docs/protocol.md).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "client.h"
#include "error.h"
#include "opts.h"
#include "proto_json.h"

static json_object *get_array(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

/* Whether the caller's struct of sz bytes has room for member m. */
#define HAS(sz, type, m) ((sz) >= offsetof(type, m) + sizeof(((type *)0)->m))

void arenad_arena_clear(struct arenad_arena *a)
{
	if (!a || !HAS(a->sz, struct arenad_arena, n_procs))
		return;
	free(a->progs);
	free(a->procs);
	a->progs = NULL;
	a->procs = NULL;
	if (!HAS(a->sz, struct arenad_arena, n_pins))
		return;
	free(a->pins);
	a->pins = NULL;
}

void arenad_arenas_free(struct arenad_arena *arenas, size_t arena_sz, size_t n)
{
	if (!arenas)
		return;
	for (size_t i = 0; i < n; i++)
		arenad_arena_clear((struct arenad_arena *)((char *)arenas + i * arena_sz));
	free(arenas);
}

static int no_memory(void)
{
	return libarenad_err(-ENOMEM, "out of memory");
}

/*
 * The n objects of list, each turned by fill into a full record of known
 * bytes, into a new array of records of rec_sz bytes.
 */
static int records_from_json(json_object *list, size_t n, size_t known, size_t rec_sz,
			     void (*fill)(json_object *o, void *rec), void **out)
{
	char *all = calloc(n ?: 1, known);
	size_t i;

	if (!all)
		return no_memory();
	for (i = 0; i < n; i++)
		fill(json_object_array_get_idx(list, i), all + i * known);
	*out = out_array(all, n, known, rec_sz);
	free(all);
	return *out ? 0 : no_memory();
}

static void prog_from_json(json_object *o, void *rec)
{
	struct arenad_arena_prog *p = rec;

	p->sz = sizeof(*p);
	p->id = proto_get_u64(o, "id");
	proto_copy_str(o, "name", p->name, sizeof(p->name));
	/* A type libbpf had no name for comes as its number, which json-c
	 * writes as text too. */
	proto_copy_str(o, "type", p->type, sizeof(p->type));
}

static void proc_from_json(json_object *o, void *rec)
{
	struct arenad_arena_proc *p = rec;

	p->sz = sizeof(*p);
	p->pid = proto_get_u64(o, "pid");
	proto_copy_str(o, "comm", p->comm, sizeof(p->comm));
	proto_copy_str(o, "unit", p->unit, sizeof(p->unit));
	p->fds = proto_get_u64(o, "fds");
	p->mapped = proto_get_bool(o, "mapped");
}

/* The paths of list (strings; others count as ""), in one block: n
 * pointers, then the strings they point at. */
static int paths_from_json(json_object *list, size_t n, char ***out)
{
	size_t i, len = n * sizeof(char *);
	char **p, *s;

	for (i = 0; i < n; i++)
		len += strlen(json_object_get_string(json_object_array_get_idx(list, i)) ?: "") + 1;
	p = malloc(len ?: 1);
	if (!p)
		return no_memory();
	s = (char *)(p + n);
	for (i = 0; i < n; i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(list, i)) ?: "";

		p[i] = strcpy(s, v);
		s += strlen(v) + 1;
	}
	*out = p;
	return 0;
}

/* The "programs", "processes" and "pins" members, as in `arenas` and
 * `who`: their counts, and the lists opts asks for. */
static int users_from_json(json_object *o, const struct arenad_arenas_opts *opts,
			   struct arenad_arena *a)
{
	size_t prog_sz = OPTS_GET(opts, prog_sz, 0), proc_sz = OPTS_GET(opts, proc_sz, 0);
	json_object *progs = get_array(o, "programs"), *procs = get_array(o, "processes");
	json_object *pins = get_array(o, "pins");
	int r = 0;

	a->n_progs = progs ? json_object_array_length(progs) : 0;
	a->n_procs = procs ? json_object_array_length(procs) : 0;
	a->n_pins = pins ? json_object_array_length(pins) : 0;
	if (prog_sz)
		r = records_from_json(progs, a->n_progs, sizeof(*a->progs), prog_sz,
				      prog_from_json, (void **)&a->progs);
	if (!r && proc_sz)
		r = records_from_json(procs, a->n_procs, sizeof(*a->procs), proc_sz,
				      proc_from_json, (void **)&a->procs);
	if (!r && OPTS_GET(opts, pins, false))
		r = paths_from_json(pins, a->n_pins, &a->pins);
	return r;
}

static int arena_from_json(json_object *o, const struct arenad_arenas_opts *opts,
			   struct arenad_arena *a)
{
	json_object *v;

	*a = (struct arenad_arena) {
		.sz = sizeof(*a),
		.map_id = proto_get_u64(o, "map_id"),
		.pages_total = proto_get_u64(o, "pages_total"),
		.page_size = proto_get_u64(o, "page_size"),
		.map_flags = proto_get_u64(o, "map_flags"),
		.segv_on_fault = proto_get_bool(o, "segv_on_fault"),
		.user_vm_start = proto_get_addr(o, "user_vm_start"),
		.managed = proto_get_bool(o, "managed"),
	};
	proto_copy_str(o, "name", a->name, sizeof(a->name));
	a->census_ok = json_object_object_get_ex(o, "pages_present", &v) &&
		       json_object_is_type(v, json_type_int);
	a->pages_present = proto_get_u64(o, "pages_present");
	proto_copy_str(o, "census_method", a->census_method, sizeof(a->census_method));
	proto_copy_str(o, "census_unavailable", a->census_unavailable, sizeof(a->census_unavailable));
	return users_from_json(o, opts, a);
}

static int check_opts(const struct arenad_arenas_opts *opts)
{
	size_t prog_sz = OPTS_GET(opts, prog_sz, 0), proc_sz = OPTS_GET(opts, proc_sz, 0);

	if (!OPTS_VALID(opts, arenad_arenas_opts))
		return libarenad_err(-EINVAL, "arenad_arenas_opts: bad .sz or unknown options set");
	if ((prog_sz && prog_sz < sizeof(size_t)) || (proc_sz && proc_sz < sizeof(size_t)))
		return libarenad_err(-EINVAL, "arenad_arenas_opts: a record size smaller than its .sz");
	return 0;
}

/* A full record copied into the caller's room; the lists go with it only
 * when the room holds their pointers, else they are freed. */
static void arena_out(struct arenad_arena *out, size_t room, struct arenad_arena *full)
{
	if (!HAS(room, struct arenad_arena, n_procs))
		arenad_arena_clear(full);
	if (!HAS(room, struct arenad_arena, n_pins)) {
		free(full->pins);
		full->pins = NULL;
	}
	out_copy(out, room, full, sizeof(*full));
}

int arenad_client__arenas(struct arenad_client *c, const struct arenad_arenas_opts *opts,
			  struct arenad_arena **arenas, size_t arena_sz, size_t *n)
{
	struct arenad_arena *out;
	json_object *r;
	size_t i, len;
	int ret;

	*arenas = NULL;
	*n = 0;
	ret = check_opts(opts);
	if (ret)
		return ret;
	if (arena_sz < sizeof(size_t))
		return libarenad_err(-EINVAL, "struct arenad_arena: a record size smaller than its .sz");
	ret = libarenad_call(c, "arenas", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_is_type(r, json_type_array)) {
		json_object_put(r);
		return libarenad_err(-EPROTO, "arenas: malformed reply from arenad");
	}
	len = json_object_array_length(r);
	out = calloc(len ?: 1, arena_sz);
	if (!out) {
		json_object_put(r);
		return no_memory();
	}
	for (i = 0; i < len; i++) {
		struct arenad_arena full;

		ret = arena_from_json(json_object_array_get_idx(r, i), opts, &full);
		arena_out((struct arenad_arena *)((char *)out + i * arena_sz), arena_sz, &full);
		if (ret) {
			arenad_arenas_free(out, arena_sz, i + 1);
			json_object_put(r);
			return ret;
		}
	}
	json_object_put(r);
	*arenas = out;
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
		return no_memory();
	}
	ret = libarenad_call(c, method, params, r);
	json_object_put(params);
	return ret;
}

int arenad_client__who(struct arenad_client *c, __u32 map_id,
		       const struct arenad_arenas_opts *opts, struct arenad_arena *out)
{
	struct arenad_arena full = { .sz = sizeof(full) };
	json_object *r;
	int ret;

	ret = check_opts(opts);
	if (ret)
		return ret;
	if (!OUT_VALID(out))
		return libarenad_err(-EINVAL, "struct arenad_arena: .sz must be set");
	ret = call_map_id(c, "who", map_id, NULL, &r);
	if (ret)
		return ret;
	full.map_id = proto_get_u64(r, "map_id");
	full.managed = proto_get_bool(r, "managed");
	proto_copy_str(r, "name", full.name, sizeof(full.name));
	ret = users_from_json(r, opts, &full);
	json_object_put(r);
	if (ret) {
		arenad_arena_clear(&full);
		return ret;
	}
	arena_out(out, out->sz, &full);
	return 0;
}

int arenad_client__scan_map(struct arenad_client *c, __u32 map_id,
			    const struct arenad_scan_opts *opts, struct arenad_arena_scan *out)
{
	size_t range_sz = OPTS_GET(opts, range_sz, 0);
	struct arenad_arena_scan sc;
	json_object *r;
	int ret;

	if (!OPTS_VALID(opts, arenad_scan_opts))
		return libarenad_err(-EINVAL, "arenad_scan_opts: bad .sz or unknown options set");
	if (range_sz && range_sz < sizeof(size_t))
		return libarenad_err(-EINVAL, "struct arenad_scan_range: a record size smaller than its .sz");
	if (!OUT_VALID(out))
		return libarenad_err(-EINVAL, "struct arenad_arena_scan: .sz must be set");
	ret = call_map_id(c, "scan", map_id, OPTS_GET(opts, method, NULL), &r);
	if (ret)
		return ret;
	sc = (struct arenad_arena_scan) {
		.sz = sizeof(sc),
		.map_id = map_id,
		.pages_total = proto_get_u64(r, "pages_total"),
		.pages_present = proto_get_u64(r, "pages_present"),
		.pages_probed = proto_get_u64(r, "pages_probed"),
		.duration_us = proto_get_u64(r, "duration_us"),
	};
	proto_copy_str(r, "method", sc.method, sizeof(sc.method));
	/* The managed arena's scan lists what the ledger does not know
	 * ("unaccounted"); another arena's lists every present run. */
	if (range_sz) {
		ret = libarenad_scan_list(r, "present", false, range_sz, &sc.present, &sc.n_present);
		if (ret) {
			json_object_put(r);
			return ret;
		}
	}
	json_object_put(r);
	if (!HAS(out->sz, struct arenad_arena_scan, n_present)) {
		/* An older caller has no room for the list: do not leak it. */
		free(sc.present);
		sc.present = NULL;
		sc.n_present = 0;
	}
	out_copy(out, out->sz, &sc, sizeof(sc));
	return 0;
}

void arenad_arena_scan_free(struct arenad_arena_scan *s)
{
	if (!s || !HAS(s->sz, struct arenad_arena_scan, n_present))
		return;
	free(s->present);
	s->present = NULL;
	s->n_present = 0;
}
