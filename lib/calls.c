// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libarenad: the typed calls, the one place on the client side where the
 * protocol's member names are spelled (docs/protocol.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "arenad.h"
#include "client.h"
#include "error.h"
#include "opts.h"
#include "proto_json.h"

static int malformed(const char *method)
{
	return libarenad_err(-EPROTO, "%s: malformed reply from arenad", method);
}

static int bad_out(const char *what)
{
	return libarenad_err(-EINVAL, "%s: .sz must be set (ARENAD_OPTS())", what);
}

static int bad_rec(const char *what)
{
	return libarenad_err(-EINVAL, "%s: record size too small", what);
}

static int no_memory(void)
{
	return libarenad_err(-ENOMEM, "out of memory");
}

/* params objects of one or two members */
static json_object *params_new(void)
{
	return json_object_new_object();
}

static void add_str(json_object *p, const char *k, const char *v)
{
	json_object_object_add(p, k, json_object_new_string(v));
}

int arenad_client__ping(struct arenad_client *c)
{
	json_object *r;
	int ret;

	ret = libarenad_call(c, "ping", NULL, &r);
	json_object_put(ret ? NULL : r);
	return ret;
}

int arenad_client__version(struct arenad_client *c, char *buf, size_t len)
{
	json_object *r;
	int ret;

	ret = libarenad_call(c, "version", NULL, &r);
	if (ret)
		return ret;
	proto_copy_str(r, "version", buf, len);
	json_object_put(r);
	return 0;
}

/* A stats reply r into *out (already checked with OUT_VALID). */
static void stats_from_json(json_object *r, struct arenad_stats *out)
{
	struct arenad_stats st;
	json_object *v;

	st = (struct arenad_stats) {
		.page_size = proto_get_u64(r, "page_size"),
		.pages_total = proto_get_u64(r, "pages_total"),
		.pages_allocated = proto_get_u64(r, "pages_allocated"),
		.pages_free = proto_get_u64(r, "pages_free"),
		.bytes_allocated = proto_get_u64(r, "bytes_allocated"),
		.high_water_pages = proto_get_u64(r, "high_water_pages"),
		.allocations = proto_get_u64(r, "allocations"),
		.allocations_total = proto_get_u64(r, "allocations_total"),
		.frees_total = proto_get_u64(r, "frees_total"),
		.alloc_failures = proto_get_u64(r, "alloc_failures"),
		.map_id = proto_get_u64(r, "map_id"),
		.user_vm_start = proto_get_addr(r, "user_vm_start"),
		.uptime_s = proto_get_u64(r, "uptime_s"),
		.created_s = proto_get_u64(r, "created_s"),
		.clients = proto_get_u64(r, "clients"),
		.numa_node = json_object_object_get_ex(r, "numa_node", &v) ?
			     json_object_get_int(v) : -1,
		.segv_on_fault = proto_get_bool(r, "segv_on_fault"),
		/* present only once a census ran */
		.census_valid = json_object_object_get_ex(r, "pages_present", NULL),
		.pages_present = proto_get_u64(r, "pages_present"),
		.pages_unaccounted = proto_get_u64(r, "pages_unaccounted"),
		.census_age_s = proto_get_u64(r, "census_age_s"),
		.pages_missing = proto_get_u64(r, "pages_missing"),
		.quota_refusals = proto_get_u64(r, "quota_refusals"),
		.has_quota_default = json_object_object_get_ex(r, "quota_default", &v) &&
				     json_object_is_type(v, json_type_int),
		.quota_default = proto_get_u64(r, "quota_default"),
	};
	/* a daemon from before the objects has no "objects": zeros */
	if (json_object_object_get_ex(r, "objects", &v) && json_object_is_type(v, json_type_object)) {
		st.object_bytes = proto_get_u64(v, "bytes");
		st.objects = proto_get_u64(v, "objects");
		st.object_pages = proto_get_u64(v, "pages");
		st.object_allocs = proto_get_u64(v, "allocs");
		st.object_frees = proto_get_u64(v, "frees");
		st.object_failures = proto_get_u64(v, "failures");
		st.object_bad_frees = proto_get_u64(v, "bad_frees");
		st.object_dropped = proto_get_u64(v, "dropped");
	}
	proto_copy_str(r, "census_method", st.census_method, sizeof(st.census_method));
	proto_copy_str(r, "census_unavailable", st.census_unavailable, sizeof(st.census_unavailable));
	proto_copy_str(r, "pin_dir", st.pin_dir, sizeof(st.pin_dir));
	out_copy(out, out->sz, &st, sizeof(st));
}

int arenad_client__stats(struct arenad_client *c, struct arenad_stats *out)
{
	json_object *r;
	int ret;

	if (!OUT_VALID(out))
		return bad_out("struct arenad_stats");
	ret = libarenad_call(c, "stats", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_is_type(r, json_type_object)) {
		json_object_put(r);
		return malformed("stats");
	}
	stats_from_json(r, out);
	json_object_put(r);
	return 0;
}

/* An owner's row of stats or quota. */
static void owner_from_json(json_object *o, struct arenad_owner_usage *u)
{
	json_object *v;

	memset(u, 0, sizeof(*u));
	u->sz = sizeof(*u);
	u->pages = proto_get_u64(o, "pages");
	u->allocations = proto_get_u64(o, "allocations");
	proto_copy_str(o, "owner", u->owner, sizeof(u->owner));
	u->has_limit = json_object_object_get_ex(o, "limit", &v) &&
		       json_object_is_type(v, json_type_int);
	u->limit = proto_get_u64(o, "limit");
	u->limit_is_default = proto_get_bool(o, "default");
	u->quota_refusals = proto_get_u64(o, "quota_refusals");
	u->failures = proto_get_u64(o, "failures");
	u->has_objects = json_object_object_get_ex(o, "objects", &v) &&
			 json_object_is_type(v, json_type_object);
	if (u->has_objects) {
		u->object_bytes = proto_get_u64(v, "bytes");
		u->objects = proto_get_u64(v, "objects");
		u->object_pages = proto_get_u64(v, "pages");
		u->object_allocs = proto_get_u64(v, "allocs");
		u->object_frees = proto_get_u64(v, "frees");
		u->object_failures = proto_get_u64(v, "failures");
		u->object_bad_frees = proto_get_u64(v, "bad_frees");
		u->object_dropped = proto_get_u64(v, "dropped");
	}
}

int arenad_client__owners(struct arenad_client *c, struct arenad_stats *st,
			  struct arenad_owner_usage **owners, size_t owner_sz, size_t *n)
{
	struct arenad_owner_usage *all;
	json_object *r, *list;
	size_t i, len;
	int ret;

	if (owner_sz < sizeof(size_t))
		return bad_rec("struct arenad_owner_usage");
	if (st && !OUT_VALID(st))
		return bad_out("struct arenad_stats");
	ret = libarenad_call(c, "stats", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(r, "owners", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(r);
		return malformed("stats");
	}
	len = json_object_array_length(list);
	all = calloc(len ? len : 1, sizeof(*all));
	if (!all) {
		json_object_put(r);
		return no_memory();
	}
	for (i = 0; i < len; i++)
		owner_from_json(json_object_array_get_idx(list, i), &all[i]);
	if (st)
		stats_from_json(r, st);
	json_object_put(r);
	*owners = out_array(all, len, sizeof(*all), owner_sz);
	free(all);
	if (!*owners)
		return no_memory();
	*n = len;
	return 0;
}

/* The protocol's words for the leases (alloc's "lease"). */
static const char *lease_word(__u32 lease)
{
	switch (lease) {
	case ARENAD_LEASE_CONNECTION:
		return "connection";
	case ARENAD_LEASE_PROCESS:
		return "process";
	default:
		return NULL;
	}
}

static __u32 lease_from_word(const char *w)
{
	if (w && !strcmp(w, "connection"))
		return ARENAD_LEASE_CONNECTION;
	if (w && !strcmp(w, "process"))
		return ARENAD_LEASE_PROCESS;
	return 0;
}

static void alloc_from_json(json_object *o, struct arenad_alloc *a)
{
	*a = (struct arenad_alloc) {
		.sz = sizeof(*a),
		.addr = proto_get_addr(o, "addr"),
		.offset = proto_get_u64(o, "offset"),
		.pages = proto_get_u64(o, "pages"),
		.uid = proto_get_u64(o, "uid"),
		.created_s = proto_get_u64(o, "created_s"),
		.pid = proto_get_u64(o, "pid"),
		.lease = lease_from_word(proto_get_str(o, "lease")),
		.age_s = proto_get_u64(o, "age_s"),
		.objects = proto_get_bool(o, "objects"),
	};
	proto_copy_str(o, "owner", a->owner, sizeof(a->owner));
	proto_copy_str(o, "name", a->name, sizeof(a->name));
	proto_copy_str(o, "comm", a->comm, sizeof(a->comm));
	proto_copy_str(o, "program", a->program, sizeof(a->program));
}

int arenad_client__alloc(struct arenad_client *c, __u32 pages,
			 const struct arenad_alloc_opts *opts, struct arenad_alloc *out)
{
	const char *owner = OPTS_GET(opts, owner, NULL), *name = OPTS_GET(opts, name, NULL);
	__u64 addr = OPTS_GET(opts, addr, 0);
	__u32 lease = OPTS_GET(opts, lease, 0);
	struct arenad_alloc a;
	json_object *p, *r;
	int ret;

	if (!OPTS_VALID(opts, arenad_alloc_opts))
		return libarenad_err(-EINVAL, "arenad_alloc_opts: bad .sz or unknown options set");
	if (lease && !lease_word(lease))
		return libarenad_err(-EINVAL, "arenad_alloc_opts.lease: 0, ARENAD_LEASE_PROCESS or "
				     "ARENAD_LEASE_CONNECTION, not %u", lease);
	if (!OUT_VALID(out))
		return bad_out("struct arenad_alloc");
	p = params_new();
	if (!p)
		return no_memory();
	json_object_object_add(p, "pages", json_object_new_uint64(pages));
	if (owner)
		add_str(p, "owner", owner);
	if (name)
		add_str(p, "name", name);
	if (addr)
		json_object_object_add(p, "addr", proto_addr_new(addr));
	if (lease)
		add_str(p, "lease", lease_word(lease));
	ret = libarenad_call(c, "alloc", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	alloc_from_json(r, &a);
	/* The reply names the owner the daemon recorded (uid:N when none
	 * was asked for); the name is the one asked for. */
	if (!a.owner[0])
		snprintf(a.owner, sizeof(a.owner), "%s", owner ?: "");
	snprintf(a.name, sizeof(a.name), "%s", name ?: "");
	json_object_put(r);
	out_copy(out, out->sz, &a, sizeof(a));
	return 0;
}

int arenad_client__free(struct arenad_client *c, __u64 addr, __u32 *pages)
{
	json_object *p = params_new(), *r;
	int ret;

	if (!p)
		return no_memory();
	json_object_object_add(p, "addr", proto_addr_new(addr));
	ret = libarenad_call(c, "free", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	if (pages)
		*pages = proto_get_u64(r, "pages");
	json_object_put(r);
	return 0;
}

int arenad_client__lookup(struct arenad_client *c, const char *name,
			  struct arenad_alloc *out)
{
	struct arenad_alloc a;
	json_object *p, *r;
	int ret;

	if (!OUT_VALID(out))
		return bad_out("struct arenad_alloc");
	if (!name)
		return libarenad_err(-EINVAL, "lookup: no name");
	p = params_new();
	if (!p)
		return no_memory();
	add_str(p, "name", name);
	ret = libarenad_call(c, "lookup", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	alloc_from_json(r, &a);
	json_object_put(r);
	out_copy(out, out->sz, &a, sizeof(a));
	return 0;
}

/* An array of allocation records (what's reply) into a malloc'ed
 * array of records of alloc_sz. */
static int allocs_from_json(json_object *arr, const char *what, struct arenad_alloc **allocs,
			    size_t alloc_sz, size_t *n)
{
	struct arenad_alloc *all;
	size_t i, len;

	if (!json_object_is_type(arr, json_type_array))
		return malformed(what);
	len = json_object_array_length(arr);
	all = malloc((len ? len : 1) * sizeof(*all));
	if (!all)
		return no_memory();
	for (i = 0; i < len; i++)
		alloc_from_json(json_object_array_get_idx(arr, i), &all[i]);
	if (alloc_sz == sizeof(*all)) {
		*allocs = all;	/* the common case: no copy of a long list */
	} else {
		*allocs = out_array(all, len, sizeof(*all), alloc_sz);
		free(all);
		if (!*allocs)
			return no_memory();
	}
	*n = len;
	return 0;
}

int arenad_client__ranges(struct arenad_client *c, const struct arenad_ranges_opts *opts,
			  struct arenad_alloc **allocs, size_t alloc_sz, size_t *n)
{
	const char *owner = OPTS_GET(opts, owner, NULL);
	json_object *p = NULL, *r;
	int ret;

	if (!OPTS_VALID(opts, arenad_ranges_opts))
		return libarenad_err(-EINVAL, "arenad_ranges_opts: bad .sz or unknown options set");
	if (alloc_sz < sizeof(size_t))
		return bad_rec("struct arenad_alloc");
	if (owner) {
		p = params_new();
		if (!p)
			return no_memory();
		add_str(p, "owner", owner);
	}
	ret = libarenad_call(c, "ranges", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	ret = allocs_from_json(r, "ranges", allocs, alloc_sz, n);
	json_object_put(r);
	return ret;
}

int arenad_client__orphans(struct arenad_client *c, const struct arenad_orphans_opts *opts,
			   struct arenad_orphans *out, struct arenad_alloc **allocs, size_t alloc_sz,
			   size_t *n)
{
	struct arenad_orphans o = { .sz = sizeof(o) };
	json_object *p, *r;
	int ret;

	if (!OPTS_VALID(opts, arenad_orphans_opts))
		return libarenad_err(-EINVAL, "arenad_orphans_opts: bad .sz or unknown options set");
	if (!OUT_VALID(out))
		return bad_out("struct arenad_orphans");
	if (allocs && alloc_sz < sizeof(size_t))
		return bad_rec("struct arenad_alloc");
	p = params_new();
	if (!p)
		return no_memory();
	if (OPTS_GET(opts, older_than_s, 0))
		json_object_object_add(p, "older_than",
				       json_object_new_uint64(OPTS_GET(opts, older_than_s, 0)));
	if (OPTS_GET(opts, free, false))
		json_object_object_add(p, "free", json_object_new_boolean(true));
	if (OPTS_GET(opts, objects, false))
		json_object_object_add(p, "objects", json_object_new_boolean(true));
	ret = libarenad_call(c, "orphans", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	o.allocations = proto_get_u64(r, "allocations");
	o.pages = proto_get_u64(r, "pages");
	o.freed = json_object_get_boolean(json_object_object_get(r, "freed"));
	o.kept_objects = proto_get_u64(r, "kept_objects");
	o.kept_object_pages = proto_get_u64(r, "kept_object_pages");
	o.dropped_objects = proto_get_u64(r, "dropped_objects");
	if (allocs)
		ret = allocs_from_json(json_object_object_get(r, "orphans"), "orphans", allocs,
				       alloc_sz, n);
	json_object_put(r);
	if (!ret)
		out_copy(out, out->sz, &o, sizeof(o));
	return ret;
}

int libarenad_scan_list(json_object *r, const char *key, bool required, size_t rec_sz,
			struct arenad_scan_range **out, size_t *n)
{
	struct arenad_scan_range *all;
	json_object *list = NULL, *o;
	size_t i, len;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(r, key, &list) ||
	    !json_object_is_type(list, json_type_array)) {
		if (required)
			return malformed("scan");
		list = NULL;
	}
	len = list ? json_object_array_length(list) : 0;
	all = calloc(len ? len : 1, sizeof(*all));
	if (!all)
		return no_memory();
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(list, i);
		all[i] = (struct arenad_scan_range) {
			.sz = sizeof(all[i]),
			.addr = proto_get_addr(o, "addr"),
			.offset = proto_get_u64(o, "offset"),
			.pages = proto_get_u64(o, "pages"),
			.pages_missing = proto_get_u64(o, "pages_missing"),
		};
		proto_copy_str(o, "owner", all[i].owner, sizeof(all[i].owner));
		proto_copy_str(o, "name", all[i].name, sizeof(all[i].name));
	}
	*out = out_array(all, len, sizeof(*all), rec_sz);
	free(all);
	if (!*out)
		return no_memory();
	*n = len;
	return 0;
}

int arenad_client__scan(struct arenad_client *c, const struct arenad_scan_opts *opts,
			struct arenad_scan *out)
{
	const char *method = OPTS_GET(opts, method, NULL);
	size_t range_sz = OPTS_GET(opts, range_sz, 0);
	struct arenad_scan sc;
	json_object *p = NULL, *r;
	int ret;

	if (!OPTS_VALID(opts, arenad_scan_opts))
		return libarenad_err(-EINVAL, "arenad_scan_opts: bad .sz or unknown options set");
	if (range_sz && range_sz < sizeof(size_t))
		return bad_rec("struct arenad_scan_range");
	if (!OUT_VALID(out))
		return bad_out("struct arenad_scan");
	if (method) {
		p = params_new();
		if (!p)
			return no_memory();
		add_str(p, "method", method);
	}
	ret = libarenad_call(c, "scan", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	sc = (struct arenad_scan) {
		.sz = sizeof(sc),
		.pages_total = proto_get_u64(r, "pages_total"),
		.pages_probed = proto_get_u64(r, "pages_probed"),
		.pages_present = proto_get_u64(r, "pages_present"),
		.pages_ledger = proto_get_u64(r, "pages_ledger"),
		.pages_unaccounted = proto_get_u64(r, "pages_unaccounted"),
		.pages_missing = proto_get_u64(r, "pages_missing"),
		.duration_us = proto_get_u64(r, "duration_us"),
	};
	proto_copy_str(r, "method", sc.method, sizeof(sc.method));
	if (range_sz) {
		ret = libarenad_scan_list(r, "unaccounted", true, range_sz, &sc.unaccounted, &sc.n_unaccounted);
		if (!ret)
			ret = libarenad_scan_list(r, "missing", true, range_sz, &sc.missing, &sc.n_missing);
		if (ret) {
			free(sc.unaccounted);
			json_object_put(r);
			return ret;
		}
	}
	json_object_put(r);
	if (out->sz < offsetof(struct arenad_scan, n_missing) + sizeof(sc.n_missing)) {
		/* An older caller has no room for the lists: do not leak them. */
		free(sc.unaccounted);
		free(sc.missing);
		sc.unaccounted = sc.missing = NULL;
		sc.n_unaccounted = sc.n_missing = 0;
	}
	out_copy(out, out->sz, &sc, sizeof(sc));
	return 0;
}

int arenad_client__metrics(struct arenad_client *c, char **text, size_t *len)
{
	json_object *r, *t;
	int ret;

	ret = libarenad_call(c, "metrics", NULL, &r);
	if (ret)
		return ret;
	if (!json_object_object_get_ex(r, "text", &t) || !json_object_is_type(t, json_type_string)) {
		json_object_put(r);
		return malformed("metrics");
	}
	*len = json_object_get_string_len(t);
	*text = malloc(*len + 1);
	if (*text)
		memcpy(*text, json_object_get_string(t), *len + 1);
	json_object_put(r);
	return *text ? 0 : no_memory();
}

/* The params naming the target of opts: exactly one of owner, uid, default. */
static int quota_params(const struct arenad_quota_opts *opts, const char *op, json_object **out)
{
	const char *owner = OPTS_GET(opts, owner, NULL);
	bool uid_set = OPTS_GET(opts, uid_set, false), dflt = OPTS_GET(opts, dflt, false);
	json_object *p;

	if (!OPTS_VALID(opts, arenad_quota_opts))
		return libarenad_err(-EINVAL, "arenad_quota_opts: bad .sz or unknown options set");
	if (!opts || !!owner + uid_set + dflt != 1)
		return libarenad_err(-EINVAL, "arenad_quota_opts: name exactly one of .owner, "
				     ".uid (with .uid_set) and .dflt");
	p = params_new();
	if (!p)
		return no_memory();
	add_str(p, "op", op);
	if (owner)
		add_str(p, "owner", owner);
	else if (uid_set)
		json_object_object_add(p, "uid", json_object_new_uint64(OPTS_GET(opts, uid, 0)));
	else
		json_object_object_add(p, "default", json_object_new_boolean(true));
	*out = p;
	return 0;
}

/* A uid's row of quota. */
static void uid_from_json(json_object *o, struct arenad_uid_usage *u)
{
	json_object *v;

	memset(u, 0, sizeof(*u));
	u->sz = sizeof(*u);
	u->uid = proto_get_u64(o, "uid");
	u->pages = proto_get_u64(o, "pages");
	u->allocations = proto_get_u64(o, "allocations");
	u->has_limit = json_object_object_get_ex(o, "limit", &v) &&
		       json_object_is_type(v, json_type_int);
	u->limit = proto_get_u64(o, "limit");
	u->quota_refusals = proto_get_u64(o, "quota_refusals");
}

/* A quota reply r into the output asked for. */
static int quota_out(json_object *r, struct arenad_owner_usage *owner,
		     struct arenad_uid_usage *uid)
{
	struct arenad_owner_usage o;
	struct arenad_uid_usage u;

	if (!json_object_is_type(r, json_type_object))
		return malformed("quota");
	if (json_object_object_get_ex(r, "uid", NULL)) {
		if (uid) {
			uid_from_json(r, &u);
			out_copy(uid, uid->sz, &u, sizeof(u));
		}
	} else if (owner) {
		owner_from_json(r, &o);
		out_copy(owner, owner->sz, &o, sizeof(o));
	}
	return 0;
}

int arenad_client__quota_set(struct arenad_client *c, const struct arenad_quota_opts *opts,
			     __u64 limit)
{
	json_object *p, *r;
	int ret;

	ret = quota_params(opts, "set", &p);
	if (ret)
		return ret;
	if (limit != ARENAD_QUOTA_NONE)
		json_object_object_add(p, "pages", json_object_new_uint64(limit));
	ret = libarenad_call(c, "quota", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	json_object_put(r);
	return 0;
}

int arenad_client__quota_get(struct arenad_client *c, const struct arenad_quota_opts *opts,
			     struct arenad_owner_usage *owner, struct arenad_uid_usage *uid)
{
	json_object *p, *r;
	int ret;

	if ((owner && !OUT_VALID(owner)) || (uid && !OUT_VALID(uid)))
		return bad_out("struct arenad_owner_usage or arenad_uid_usage");
	ret = quota_params(opts, "get", &p);
	if (ret)
		return ret;
	ret = libarenad_call(c, "quota", p, &r);
	json_object_put(p);
	if (ret)
		return ret;
	ret = quota_out(r, owner, uid);
	json_object_put(r);
	return ret;
}
