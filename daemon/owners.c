// SPDX-License-Identifier: LGPL-2.1-or-later
/* The cached per-owner table of the managed arena (owners.h). Per
 * request: never logs, returns -errno (log.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "counters.h"
#include "daemon.h"
#include "json_out.h"
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
	/* The owners map mapped read-only: a rebuild reads its 64 Ki entries
	 * from memory, where a batch lookup copies them out one at a time
	 * (array maps have no batch fast path). */
	const struct arenad_owner *mem;
	size_t mem_len;
	/* The table as JSON text (stats): text.len == 0 until it is written
	 * for the table in d->owners_cache; a rebuild empties it. */
	struct json_buf text;
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
	if (c)
		free(c->text.data);
	free(c);
	return NULL;
}

/* The owners map, mapped once: every owners map of this ABI is mmapable
 * (pins of older ABIs are refused before this). */
static const struct arenad_owner *owners_mem(struct arenad *d)
{
	struct owner_names *c = names_of(d);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!c || c->mem)
		return c ? c->mem : NULL;
	c->mem_len = (ARENAD_MAX_OWNERS * sizeof(struct arenad_owner) + page - 1) / page * page;
	p = mmap(NULL, c->mem_len, PROT_READ, MAP_SHARED, arenad_pins__owners_fd(d->arena->pins), 0);
	if (p == MAP_FAILED)
		return NULL;
	c->mem = p;
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

static json_object *owners_read(struct arenad *d)
{
	_cleanup_(json_object_putp) json_object *arr = json_object_new_array();
	const struct arenad_owner *o = owners_mem(d);
	char buf[ARENAD_STR_LEN];
	__u32 i;

	if (!arr || !o)
		return NULL;
	for (i = 0; i < ARENAD_MAX_OWNERS; i++) {
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
	if (d->owner_names)
		d->owner_names->text.len = 0;	/* the text is of the old table */
	json_object_put(d->owners_cache);
	d->owners_cache = t;
	d->owners_gen = gen;
	return t;
}

int owners_text(struct arenad *d, const struct arenad_state *st, const char **text, size_t *len)
{
	json_object *t = owners_table(d, st);
	struct owner_names *c = d->owner_names;
	int r;

	/* owners_table() has the names cache, or failed without it */
	if (!t || !c)
		return -ENOMEM;
	if (!c->text.len) {
		r = json_out(&c->text, t);
		if (r < 0)
			return r;
	}
	*text = c->text.data;
	*len = c->text.len;
	return 0;
}
