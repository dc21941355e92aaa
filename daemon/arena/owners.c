// SPDX-License-Identifier: LGPL-2.1-or-later
/* Owner strings and the cached per-owner table of the managed arena
 * (owners.h). Per request: never logs, returns -errno (log.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

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

/*
 * Slots of the object counters a table that is otherwise current looks
 * at per call, round the 65537 of them, for one that was never busy
 * before. Objects change without the ledger (a carve from a page already
 * held, a free that leaves objects on the page), so the ledger
 * generation cannot tell; the slots that had objects at the last rebuild
 * are compared at every call instead, which is cheap, and the only change
 * that can start elsewhere without one is a first bad free, or a failure
 * with no page taken, by an owner that never held object pages: it shows
 * within ARENAD_MAX_OWNERS / OBJECT_RESCAN_SLOTS + 1 calls, or at the
 * next change of the ledger. A walk of all the slots at once reads 4 MiB:
 * done once a second, it made `stats` crawl in an emulated guest.
 */
#define OBJECT_RESCAN_SLOTS	256U

/* A slot of the object counters as the table shows it. */
struct obj_seen {
	__u32 slot;
	struct arenad_obj_owner v;
};

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
	/* The object counters (arena_obj_owners()), NULL without them; the
	 * slots with any, by slot, as the table shows them; the next slot to
	 * look at for a new one; and the sums of what the table shows. */
	const struct arenad_obj_owner *obj_mem;
	struct obj_seen *seen;
	size_t n_seen, cap_seen;
	__u32 rescan_next;
	struct owners_objects total;
};

int owners_new(const struct arenad_pins *pins, const struct arenad_obj_owner *obj_mem,
	       struct owners **ret)
{
	_cleanup_free_ struct owners *o = calloc(1, sizeof(*o));
	int r;

	if (!o)
		return -ENOMEM;
	o->pins = pins;
	o->obj_mem = obj_mem;
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
	free(o->seen);
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

/* Any counter set: the slot has, or had, objects (or bad frees). */
static bool obj_busy(const struct arenad_obj_owner *v)
{
	return v->bytes || v->objects || v->pages || v->allocs || v->frees || v->failures ||
	       v->bad_frees;
}

__u64 owners_objects_fragmentation(const struct owners_objects *b)
{
	__u64 held = b->pages << ARENAD_PAGE_SHIFT;

	/* The allocator counts a page before the bytes carved from it and
	 * the bytes off before the page: a read in between never sees more
	 * bytes than pages can hold, but clamp anyway. */
	return held > b->bytes ? held - b->bytes : 0;
}

static json_object *objects_entry(const struct arenad_obj_owner *v)
{
	_cleanup_(json_object_putp) json_object *e = json_object_new_object();
	struct owners_objects b = {
		.bytes = v->bytes,
		.pages = v->pages,
	};

	if (!e ||
	    put(e, "bytes", json_object_new_uint64(v->bytes)) < 0 ||
	    put(e, "objects", json_object_new_uint64(v->objects)) < 0 ||
	    put(e, "pages", json_object_new_uint64(v->pages)) < 0 ||
	    put(e, "fragmentation_bytes",
		json_object_new_uint64(owners_objects_fragmentation(&b))) < 0 ||
	    put(e, "allocs", json_object_new_uint64(v->allocs)) < 0 ||
	    put(e, "frees", json_object_new_uint64(v->frees)) < 0 ||
	    put(e, "failures", json_object_new_uint64(v->failures)) < 0 ||
	    put(e, "bad_frees", json_object_new_uint64(v->bad_frees)) < 0 ||
	    put(e, "dropped", json_object_new_uint64(v->dropped)) < 0)
		return NULL;
	return TAKE_PTR(e);
}

static json_object *owner_entry(const char *name, const struct arenad_owner *o,
				const struct arenad_obj_owner *ob, const struct arenad_state *st)
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
	    put(e, "failures", json_object_new_uint64(o->failures)) < 0 ||
	    (ob && put(e, "objects", objects_entry(ob)) < 0))
		return NULL;
	return TAKE_PTR(e);
}

/*
 * The id of the string that holds slot now, for an owner known only by
 * its object counters (bad frees, or failures before any page): 0 when
 * the slot holds none, its counters a released string's.
 */
static __u32 slot_string_id(struct owners *o, __u32 slot)
{
	struct arenad_str v;

	if (bpf_map_lookup_elem(arenad_pins__strings_fd(o->pins), &slot, &v) ||
	    !(v.ref & ARENAD_STR_LIVE))
		return 0;
	return ARENAD_STR_ID(slot, v.ref);
}

/* The owner string of slot i, whose owners entry is v: -ENOENT when the
 * row is not shown, -ENOMEM. */
static int row_name(struct owners *o, __u32 i, const struct arenad_owner *v, bool by_ledger,
		    const char **name)
{
	__u32 id = v->owner;
	int r;

	/* The owners entry names its string while it counts something;
	 * otherwise only if that string still holds the slot. */
	if (!by_ledger && i != ARENAD_OWNERS_NONE) {
		if (!id || owner_strings_get(o->strings, id, name) < 0)
			id = slot_string_id(o, i);
		if (!id)
			return -ENOENT;
	}
	r = owner_strings_get(o->strings, id, name);
	if (r == -ENOMEM || (r < 0 && !by_ledger))
		return r == -ENOMEM ? r : -ENOENT;
	return 0;
}

static int seen_add(struct owners *o, __u32 slot, const struct arenad_obj_owner *v)
{
	if (o->n_seen == o->cap_seen) {
		size_t cap = o->cap_seen ? o->cap_seen * 2 : 16;
		struct obj_seen *n = reallocarray(o->seen, cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		o->seen = n;
		o->cap_seen = cap;
	}
	o->seen[o->n_seen++] = (struct obj_seen){ .slot = slot, .v = *v };
	return 0;
}

static void total_add(struct owners_objects *t, const struct arenad_obj_owner *v)
{
	t->bytes += v->bytes;
	t->objects += v->objects;
	t->pages += v->pages;
	t->allocs += v->allocs;
	t->frees += v->frees;
	t->failures += v->failures;
	t->bad_frees += v->bad_frees;
	t->dropped += v->dropped;
}

static json_object *owners_read(struct owners *o, const struct arenad_state *st)
{
	_cleanup_(json_object_putp) json_object *arr = json_object_new_array();
	const struct arenad_owner *mem = owners_mem(o);
	__u32 i;

	if (!arr || !mem)
		return NULL;
	o->n_seen = 0;
	o->total = (struct owners_objects){};
	for (i = 0; i < ARENAD_MAX_OWNERS; i++) {
		struct arenad_owner v = mem[i];	/* one read of an entry BPF updates */
		struct arenad_obj_owner ob = {};
		bool by_ledger, by_objects;
		const char *name;
		json_object *e;
		int r;

		if (o->obj_mem)
			ob = o->obj_mem[i];
		by_objects = obj_busy(&ob);
		/* Owners with live allocations, and those with a limit of
		 * their own (their string is kept, so v.owner names it); and
		 * those with objects now or before. */
		by_ledger = v.allocations || ARENAD_QUOTA_IS_SET(v.limit);
		if (!by_ledger && !by_objects)
			continue;
		/* Compared at each call (owners_table()), shown or not: a
		 * change in it is a change of the table. */
		if (by_objects && seen_add(o, i, &ob) < 0)
			return NULL;
		/* keys are string slots; the entry says whose ("#ID" when
		 * the string is gone, but no table for want of memory) */
		r = row_name(o, i, &v, by_ledger, &name);
		if (r == -ENOMEM)
			return NULL;
		if (r < 0)
			continue;
		if (by_objects)
			total_add(&o->total, &ob);
		e = owner_entry(name, &v, by_objects ? &ob : NULL, st);
		if (!e || json_object_array_add(arr, e) < 0) {
			json_object_put(e);
			return NULL;
		}
	}
	return TAKE_PTR(arr);
}

static int cmp_seen(const void *key, const void *elem)
{
	__u32 slot = *(const __u32 *)key, other = ((const struct obj_seen *)elem)->slot;

	return slot < other ? -1 : slot > other;
}

/*
 * Did the object counters move since the table? The slots it shows are
 * compared with what it shows, and the next OBJECT_RESCAN_SLOTS slots
 * looked at for one that was never busy.
 */
static bool objects_moved(struct owners *o)
{
	struct arenad_obj_owner v;
	unsigned int k;
	size_t j;

	if (!o->obj_mem)
		return false;
	for (j = 0; j < o->n_seen; j++) {
		v = o->obj_mem[o->seen[j].slot];
		if (memcmp(&v, &o->seen[j].v, sizeof(v)))
			return true;
	}
	for (k = 0; k < OBJECT_RESCAN_SLOTS; k++) {
		__u32 i = o->rescan_next;

		o->rescan_next = i + 1 < ARENAD_MAX_OWNERS ? i + 1 : 0;
		v = o->obj_mem[i];
		/* seen is in slot order: owners_read() walks the slots */
		if (obj_busy(&v) && !bsearch(&i, o->seen, o->n_seen, sizeof(*o->seen), cmp_seen))
			return true;
	}
	return false;
}

json_object *owners_table(struct owners *o, const struct arenad_state *st)
{
	__u64 gen = counters_generation(st);
	json_object *t;

	if (o->table && o->gen == gen && !objects_moved(o))
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

const struct owners_objects *owners_objects(const struct owners *o)
{
	return &o->total;
}
