// SPDX-License-Identifier: LGPL-2.1-or-later
/* The cached per-owner table of the managed arena (owners.h). Per
 * request: never logs, returns -errno (log.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cleanup.h"
#include "counters.h"
#include "daemon.h"
#include "owners.h"

void owners_id_string(struct arenad *d, __u32 id, char *buf, size_t len)
{
	if (arenad_pins__str(d->arena->pins, id, buf, len) < 0)
		snprintf(buf, len, "#%u", id);
}

/*
 * Owner strings by id, kept across rebuilds of the table: an id names one
 * string for as long as that string exists, so a cached string stays
 * right, and a rebuild with a thousand owners costs no string lookup.
 * Direct-mapped on the id: a collision costs a lookup, never a wrong name.
 */
#define OWNER_NAMES 4096

struct owner_names {
	__u32 id[OWNER_NAMES];		/* 0: empty (id 0 is "no owner") */
	char str[OWNER_NAMES][ARENAD_STR_LEN];
	/* The owners map mapped read-only when it is mmapable: a rebuild
	 * then reads its 64 Ki entries from memory, where a batch lookup
	 * copies them out one at a time (array maps have no batch fast path). */
	bool probed;
	const struct arenad_owner *mem;
	size_t mem_len;
	__u32 n;
};

static struct owner_names *names_of(struct arenad *d)
{
	if (!d->owner_names)
		d->owner_names = calloc(1, sizeof(*d->owner_names));
	return d->owner_names;
}

static const char *owner_name(struct arenad *d, __u32 id, char *buf, size_t len)
{
	struct owner_names *c = names_of(d);
	unsigned int slot = id % OWNER_NAMES;

	if (!id)
		return "";
	if (c && c->id[slot] == id)
		return c->str[slot];
	if (arenad_pins__str(d->arena->pins, id, buf, len) < 0) {
		snprintf(buf, len, "#%u", id);	/* not cached: it may appear */
		return buf;
	}
	if (c) {
		c->id[slot] = id;
		memcpy(c->str[slot], buf, sizeof(c->str[slot]));
	}
	return buf;
}

struct owner_names *owner_names_free(struct owner_names *c)
{
	if (c && c->mem)
		munmap((void *)c->mem, c->mem_len);
	free(c);
	return NULL;
}

/* Map the owners map once, if it is mmapable (pins made before it was are
 * read in batches). */
static const struct arenad_owner *owners_mem(struct arenad *d, __u32 *n)
{
	struct owner_names *c = names_of(d);
	int fd = arenad_pins__owners_fd(d->arena->pins);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!c)
		return NULL;
	if (!c->probed) {
		c->probed = true;
		if (!bpf_map_get_info_by_fd(fd, &info, &len) && (info.map_flags & BPF_F_MMAPABLE) &&
		    info.value_size == sizeof(struct arenad_owner)) {
			c->mem_len = ((size_t)info.max_entries * info.value_size + page - 1) / page * page;
			p = mmap(NULL, c->mem_len, PROT_READ, MAP_SHARED, fd, 0);
			if (p != MAP_FAILED) {
				c->mem = p;
				c->n = info.max_entries;
			}
		}
	}
	*n = c->n;
	return c->mem;
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

/* The whole owners map in one batch (the loop is for a kernel that hands
 * out less at a time; -ENOENT marks the end) instead of two syscalls per
 * owner. */
static int owners_batch(int fd, __u32 **keys, struct arenad_owner **vals, __u32 *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), count, total = 0, batch;
	void *in = NULL;
	int r;

	if (bpf_map_get_info_by_fd(fd, &info, &len))
		return -errno;
	*keys = calloc(info.max_entries ?: 1, sizeof(**keys));
	*vals = calloc(info.max_entries ?: 1, sizeof(**vals));
	if (!*keys || !*vals)
		return -ENOMEM;
	while (total < info.max_entries) {
		count = info.max_entries - total;
		r = bpf_map_lookup_batch(fd, in, &batch, *keys + total, *vals + total, &count, &opts);
		if (r < 0 && r != -ENOENT)
			return r;
		total += count;
		if (r == -ENOENT)
			break;
		in = &batch;
	}
	*n = total;
	return 0;
}

static json_object *owners_read(struct arenad *d)
{
	_cleanup_(json_object_putp) json_object *arr = json_object_new_array();
	_cleanup_free_ struct arenad_owner *vals = NULL;
	_cleanup_free_ __u32 *keys = NULL;
	const struct arenad_owner *o;
	char buf[ARENAD_STR_LEN];
	__u32 i, n = 0;

	if (!arr)
		return NULL;
	o = owners_mem(d, &n);
	if (!o) {
		if (owners_batch(arenad_pins__owners_fd(d->arena->pins), &keys, &vals, &n) < 0)
			return NULL;
		o = vals;
	}
	for (i = 0; i < n; i++) {
		struct arenad_owner v = o[i];	/* one read of an entry BPF updates */
		json_object *e;

		if (!v.allocations)
			continue;
		/* keys are string slots; the entry says whose */
		e = owner_entry(owner_name(d, v.owner, buf, sizeof(buf)), &v);
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
