// SPDX-License-Identifier: LGPL-2.1-or-later
/* The cached per-owner table of the managed arena (owners.h). */
#include <errno.h>
#include <stdio.h>
#include <bpf/bpf.h>

#include "cleanup.h"
#include "counters.h"
#include "daemon.h"
#include "owners.h"

void owners_id_string(struct arenad *d, __u32 id, char *buf, size_t len)
{
	if (arenad_str_get(d->arena->pins.strings_fd, id, buf, len) < 0)
		snprintf(buf, len, "#%u", id);
}

static json_object *owner_entry(const char *name, const struct arenad_owner *o)
{
	_cleanup_(json_object_putp) json_object *e = json_object_new_object();

	if (!e ||
	    json_object_object_add(e, "owner", json_object_new_string(name)) < 0 ||
	    json_object_object_add(e, "pages", json_object_new_uint64(o->pages)) < 0 ||
	    json_object_object_add(e, "allocations", json_object_new_uint64(o->allocations)) < 0)
		return NULL;
	return TAKE_PTR(e);
}

static json_object *owners_read(struct arenad *d)
{
	_cleanup_(json_object_putp) json_object *arr = json_object_new_array();
	int fd = d->arena->pins.owners_fd;
	char name[ARENAD_STR_LEN];
	__u32 key, next, *prev = NULL;
	struct arenad_owner o;

	if (!arr)
		return NULL;
	/* Bounded by ARENAD_MAX_OWNERS, not by the arena size. */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		json_object *e;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &o) < 0 || !o.allocations)
			continue;
		if (key)
			owners_id_string(d, key, name, sizeof(name));
		e = owner_entry(key ? name : "", &o);
		if (!e || json_object_array_add(arr, e) < 0) {
			json_object_put(e);
			return NULL;
		}
	}
	return TAKE_PTR(arr);
}

json_object *owners_table(struct arenad *d, const struct arenad_state *st)
{
	__u64 gen = counters_generation(st);
	json_object *t;

	if (d->owners_cache && d->owners_gen == gen)
		return d->owners_cache;
	/* st was read before the walk: an alloc or free that the walk may
	 * have half seen bumps the generation past gen (counters.h). */
	t = owners_read(d);
	if (!t)
		return NULL;
	json_object_put(d->owners_cache);
	d->owners_cache = t;
	d->owners_gen = gen;
	return t;
}
