// SPDX-License-Identifier: LGPL-2.1-or-later
/* Owner strings and the cached per-owner table of the managed arena
 * (owners.h). Per request: never logs, returns -errno (log.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "counters.h"
#include "json_out.h"
#include "owners.h"

struct owner_string {
	__u32 id;			/* 0: empty (id 0 is "no owner") */
	bool gone;			/* no live string has the id */
	char str[ARENAD_STR_LEN];
};

struct owner_strings {
	const struct arenad_pins *pins;
	char scratch[ARENAD_STR_LEN];	/* a lookup, and "#ID" */
	unsigned int n;
	struct owner_string slot[];
};

int owner_strings_new(const struct arenad_pins *pins, unsigned int slots,
		      struct owner_strings **ret)
{
	struct owner_strings *s = calloc(1, sizeof(*s) + slots * sizeof(s->slot[0]));

	if (!s)
		return -ENOMEM;
	s->pins = pins;
	s->n = slots;
	*ret = s;
	return 0;
}

struct owner_strings *owner_strings_free(struct owner_strings *s)
{
	free(s);
	return NULL;
}

static int show_id(struct owner_strings *s, __u32 id, int r, const char **str)
{
	snprintf(s->scratch, sizeof(s->scratch), "#%u", id);
	*str = s->scratch;
	return r;
}

int owner_strings_get(struct owner_strings *s, __u32 id, const char **str)
{
	struct owner_string *e = s->n ? &s->slot[id % s->n] : NULL;
	int r;

	if (!id) {
		*str = "";
		return 0;
	}
	if (e && e->id == id)
		return e->gone ? show_id(s, id, -ENOENT, str) : (*str = e->str, 0);
	r = arenad_pins__str(s->pins, id, s->scratch, sizeof(s->scratch));
	if (r < 0 && r != -ENOENT)
		return show_id(s, id, r, str);
	if (e) {
		e->id = id;
		e->gone = r == -ENOENT;
		memcpy(e->str, s->scratch, sizeof(e->str));
	}
	if (r < 0)
		return show_id(s, id, r, str);
	*str = e ? e->str : s->scratch;
	return 0;
}

/* Strings a rebuild of the owner table finds without a lookup: owners
 * stay, so a rebuild with a thousand owners costs no string lookup. */
#define OWNER_STRINGS 4096

struct owners {
	const struct arenad_pins *pins;
	struct owner_strings *strings;
	/* The owners map mapped read-only: a rebuild reads its 64 Ki entries
	 * from memory, where a batch lookup copies them out one at a time
	 * (array maps have no batch fast path). NULL until the first table. */
	const struct arenad_owner *mem;
	size_t mem_len;
	json_object *table;		/* NULL: not built yet */
	__u64 gen;			/* the ledger generation of table */
	/* The table as JSON text (stats): text.len == 0 until it is written
	 * for this table; a rebuild empties it. */
	struct json_buf text;
};

int owners_new(const struct arenad_pins *pins, struct owners **ret)
{
	_cleanup_free_ struct owners *o = calloc(1, sizeof(*o));
	int r;

	if (!o)
		return -ENOMEM;
	o->pins = pins;
	r = owner_strings_new(pins, OWNER_STRINGS, &o->strings);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

struct owners *owners_free(struct owners *o)
{
	if (!o)
		return NULL;
	if (o->mem)
		munmap((void *)o->mem, o->mem_len);
	json_object_put(o->table);
	owner_strings_free(o->strings);
	free(o->text.data);
	free(o);
	return NULL;
}

struct owner_strings *owners_strings(struct owners *o)
{
	return o->strings;
}

/* The owners map, mapped once: every owners map of this ABI is mmapable
 * (pins of older ABIs are refused before this). */
static const struct arenad_owner *owners_mem(struct owners *o)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (o->mem)
		return o->mem;
	o->mem_len = (ARENAD_MAX_OWNERS * sizeof(struct arenad_owner) + page - 1) / page * page;
	p = mmap(NULL, o->mem_len, PROT_READ, MAP_SHARED, arenad_pins__owners_fd(o->pins), 0);
	if (p == MAP_FAILED)
		return NULL;
	o->mem = p;
	return o->mem;
}

const struct arenad_owner *owners_entries(struct owners *o)
{
	return owners_mem(o);
}

__u64 owners_limit(const struct arenad_owner *e, const struct arenad_state *st, bool *dflt)
{
	*dflt = !ARENAD_QUOTA_IS_SET(e->limit) && ARENAD_QUOTA_IS_SET(st->quota_default);
	return ARENAD_QUOTA_IS_SET(e->limit) ? e->limit : st->quota_default;
}

/* Add v under key; a v that could not be made (NULL) fails like the add:
 * a row is whole or not at all. */
static int put(json_object *e, const char *key, json_object *v)
{
	if (!v || json_object_object_add(e, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static json_object *owner_entry(const char *name, const struct arenad_owner *o,
				const struct arenad_state *st)
{
	_cleanup_(json_object_putp) json_object *e = json_object_new_object();
	bool dflt;
	__u64 limit = owners_limit(o, st, &dflt);

	if (!e ||
	    put(e, "owner", json_object_new_string(name)) < 0 ||
	    put(e, "pages", json_object_new_uint64(o->pages)) < 0 ||
	    put(e, "allocations", json_object_new_uint64(o->allocations)) < 0 ||
	    (ARENAD_QUOTA_IS_SET(limit) ?
	     put(e, "limit", json_object_new_uint64(ARENAD_QUOTA_PAGES(limit))) :
	     json_object_object_add(e, "limit", NULL)) < 0 ||
	    put(e, "default", json_object_new_boolean(dflt)) < 0 ||
	    put(e, "quota_refusals", json_object_new_uint64(o->quota_refusals)) < 0 ||
	    put(e, "failures", json_object_new_uint64(o->failures)) < 0)
		return NULL;
	return TAKE_PTR(e);
}

static json_object *owners_read(struct owners *o, const struct arenad_state *st)
{
	_cleanup_(json_object_putp) json_object *arr = json_object_new_array();
	const struct arenad_owner *mem = owners_mem(o);
	__u32 i;

	if (!arr || !mem)
		return NULL;
	for (i = 0; i < ARENAD_MAX_OWNERS; i++) {
		struct arenad_owner v = mem[i];	/* one read of an entry BPF updates */
		const char *name;
		json_object *e;

		/* Owners with live allocations, and those with a limit of
		 * their own (their string is kept, so v.owner names it). */
		if (!v.allocations && !ARENAD_QUOTA_IS_SET(v.limit))
			continue;
		/* keys are string slots; the entry says whose ("#ID" when
		 * the string is gone, but no table for want of memory) */
		if (owner_strings_get(o->strings, v.owner, &name) == -ENOMEM)
			return NULL;
		e = owner_entry(name, &v, st);
		if (!e || json_object_array_add(arr, e) < 0) {
			json_object_put(e);
			return NULL;
		}
	}
	return TAKE_PTR(arr);
}

json_object *owners_table(struct owners *o, const struct arenad_state *st)
{
	__u64 gen = counters_generation(st);
	json_object *t;

	if (o->table && o->gen == gen)
		return o->table;
	/* st was read before the walk: an alloc or free that the walk may
	 * have half seen bumps the generation past gen (counters.h). */
	t = owners_read(o, st);
	if (!t)
		return NULL;
	o->text.len = 0;	/* the text is of the old table */
	json_object_put(o->table);
	o->table = t;
	o->gen = gen;
	return t;
}

int owners_text(struct owners *o, const struct arenad_state *st, const char **text, size_t *len)
{
	json_object *t = owners_table(o, st);
	int r;

	if (!t)
		return -ENOMEM;
	if (!o->text.len) {
		r = json_out(&o->text, t);
		if (r < 0)
			return r;
	}
	*text = o->text.data;
	*len = o->text.len;
	return 0;
}
